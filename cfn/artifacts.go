package cfn

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
)

// ManagedBucketStack names the stack holding the deployment bucket chalice
// creates in a region when the config names none.
func ManagedBucketStack(region string) string { return "chalice-managed-" + region }

// managedBucketTemplate is a private, encrypted bucket that only accepts
// TLS, with old artifacts expiring (a deployment copies its code into
// Lambda, so an artifact is needed only while deploying).
var managedBucketTemplate = mustJSON(map[string]any{
	"AWSTemplateFormatVersion": "2010-09-09",
	"Description":              "chalice deployment artifacts",
	"Resources": map[string]any{
		"Bucket": map[string]any{
			"Type": "AWS::S3::Bucket",
			"Properties": map[string]any{
				"BucketEncryption": map[string]any{"ServerSideEncryptionConfiguration": []any{
					map[string]any{"ServerSideEncryptionByDefault": map[string]any{"SSEAlgorithm": "AES256"}},
				}},
				"PublicAccessBlockConfiguration": map[string]any{
					"BlockPublicAcls": true, "BlockPublicPolicy": true, "IgnorePublicAcls": true, "RestrictPublicBuckets": true,
				},
				"OwnershipControls": map[string]any{"Rules": []any{map[string]any{"ObjectOwnership": "BucketOwnerEnforced"}}},
				"LifecycleConfiguration": map[string]any{"Rules": []any{map[string]any{
					"Id": "ExpireOldArtifacts", "Status": "Enabled", "ExpirationInDays": 90,
					"AbortIncompleteMultipartUpload": map[string]any{"DaysAfterInitiation": 1},
				}}},
			},
		},
		"BucketPolicy": map[string]any{
			"Type": "AWS::S3::BucketPolicy",
			"Properties": map[string]any{
				"Bucket": map[string]any{"Ref": "Bucket"},
				"PolicyDocument": map[string]any{
					"Version": "2012-10-17",
					"Statement": []any{map[string]any{
						"Sid": "TLSOnly", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
						"Resource":  []any{map[string]any{"Fn::GetAtt": []any{"Bucket", "Arn"}}, map[string]any{"Fn::Sub": "${Bucket.Arn}/*"}},
						"Condition": map[string]any{"Bool": map[string]any{"aws:SecureTransport": "false"}},
					}},
				},
			},
		},
	},
	"Outputs": map[string]any{"BucketName": map[string]any{"Value": map[string]any{"Ref": "Bucket"}}},
})

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// Bucket returns the deployment bucket: configured, when the config names
// one; otherwise the managed bucket, whose stack is created on first use.
func (d *Deployer) Bucket(ctx context.Context, configured string) (string, error) {
	if configured != "" {
		return configured, nil
	}
	name := ManagedBucketStack(d.Region)
	st, err := d.Stack(ctx, name)
	if err != nil {
		return "", err
	}
	if st == nil || st.StackStatus == types.StackStatusRollbackComplete {
		if st != nil {
			if err := d.deleteAndWait(ctx, name, false); err != nil {
				return "", err
			}
		}
		d.say("Creating the deployment bucket for %s (stack %s)...\n", d.Region, name)
		if _, err := d.CFN.CreateStack(ctx, &cloudformation.CreateStackInput{StackName: &name, TemplateBody: aws.String(managedBucketTemplate),
			Tags: []types.Tag{{Key: aws.String("chalice"), Value: aws.String("deployment-bucket")}}}); err != nil {
			return "", fmt.Errorf("create %s: %w", name, err)
		}
		st, err = d.follow(ctx, name, d.o.Now().Add(-time.Second), false)
		if err != nil {
			return "", fmt.Errorf("create the deployment bucket: %w", err)
		}
	}
	for st != nil && !settled(st.StackStatus) {
		if err := d.sleep(ctx); err != nil {
			return "", err
		}
		if st, err = d.Stack(ctx, name); err != nil {
			return "", err
		}
	}
	for _, o := range st.Outputs {
		if aws.ToString(o.OutputKey) == "BucketName" {
			return aws.ToString(o.OutputValue), nil
		}
	}
	return "", fmt.Errorf("stack %s (%s) has no BucketName output: delete it and deploy again", name, st.StackStatus)
}

// Upload puts the file at path under key unless an object is already
// there (keys carry a content hash, so it is the same file). It reports
// whether it uploaded.
func (d *Deployer) Upload(ctx context.Context, bucket, key, path string) (bool, error) {
	_, err := d.S3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &bucket, Key: &key})
	if err == nil {
		return false, nil
	}
	if !isMissingObject(err) {
		return false, fmt.Errorf("check s3://%s/%s: %w", bucket, key, err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return false, err
	}
	if err := d.put(ctx, bucket, key, data); err != nil {
		return false, err
	}
	return true, nil
}

func (d *Deployer) put(ctx context.Context, bucket, key string, data []byte) error {
	sum := sha256.Sum256(data)
	_, err := d.S3.PutObject(ctx, &s3.PutObjectInput{
		Bucket: &bucket, Key: &key, Body: bytes.NewReader(data),
		ServerSideEncryption: s3types.ServerSideEncryptionAes256,
		Metadata:             map[string]string{"sha256": hex.EncodeToString(sum[:])},
	})
	if err != nil {
		return fmt.Errorf("upload s3://%s/%s: %w", bucket, key, err)
	}
	return nil
}

func isMissingObject(err error) bool {
	var nf *s3types.NotFound
	var nk *s3types.NoSuchKey
	if errors.As(err, &nf) || errors.As(err, &nk) {
		return true
	}
	var ae smithy.APIError
	return errors.As(err, &ae) && (ae.ErrorCode() == "NotFound" || ae.ErrorCode() == "NoSuchKey" || ae.ErrorCode() == "404")
}

// putTemplate uploads a template too large for TemplateBody and returns
// the URL CloudFormation reads it from.
func (d *Deployer) putTemplate(ctx context.Context, bucket, key string, tmpl []byte) (string, error) {
	if bucket == "" || key == "" {
		return "", errors.New("the template needs uploading but no bucket was given")
	}
	if err := d.put(ctx, bucket, key, tmpl); err != nil {
		return "", err
	}
	return d.objectURL(bucket, key), nil
}

func (d *Deployer) objectURL(bucket, key string) string {
	host := "s3." + d.Region + ".amazonaws.com"
	if ep := d.S3.Options().BaseEndpoint; ep != nil {
		if u, err := url.Parse(*ep); err == nil {
			host = u.Host
		}
	}
	return "https://" + host + "/" + bucket + "/" + (&url.URL{Path: key}).EscapedPath()
}

// DeleteArtifacts removes objects of a deployment.
func (d *Deployer) DeleteArtifacts(ctx context.Context, bucket string, keys ...string) error {
	for _, k := range keys {
		if _, err := d.S3.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &bucket, Key: aws.String(k)}); err != nil && !isMissingObject(err) {
			return fmt.Errorf("delete s3://%s/%s: %w", bucket, k, err)
		}
	}
	return nil
}
