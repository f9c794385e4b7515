package cfn_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/chalice-go/chalice/cfn"
	"github.com/chalice-go/chalice/internal/awsfake"
)

func newDeployer(t *testing.T, o cfn.Options) (*cfn.Deployer, *awsfake.CloudFormation, *awsfake.S3) {
	cf := awsfake.NewCloudFormation(t)
	fs3 := awsfake.NewS3(t, "bucket")
	cfg := aws.Config{
		Region:      "us-west-2",
		Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", ""),
		Retryer: func() aws.Retryer {
			return retry.NewStandard(func(so *retry.StandardOptions) {
				so.RateLimiter = ratelimit.None
				so.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })
			})
		},
	}
	cfc := cloudformation.NewFromConfig(cfg, func(co *cloudformation.Options) { co.BaseEndpoint = aws.String(cf.URL) })
	s3c := s3.NewFromConfig(cfg, func(so *s3.Options) { so.BaseEndpoint = aws.String(fs3.URL); so.UsePathStyle = true })
	o.Poll = time.Millisecond
	return cfn.New(cfc, s3c, "us-west-2", o), cf, fs3
}

const template = `{"Resources":{"Topic":{"Type":"AWS::SNS::Topic"}}}`

// TestInterruptBeforeExecuteCleansUp: Ctrl-C at the confirmation deletes
// the change set and the empty stack a first deployment created.
func TestInterruptBeforeExecuteCleansUp(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out bytes.Buffer
	d, cf, _ := newDeployer(t, cfn.Options{Out: &out, Confirm: func(string) (bool, error) {
		cancel() // the user presses Ctrl-C at the prompt
		return false, context.Canceled
	}})
	_, err := d.Deploy(ctx, cfn.StackInput{StackName: "app-dev", Template: []byte(template)})
	if !errors.Is(err, cfn.ErrInterrupted) {
		t.Fatalf("error %v", err)
	}
	calls := cf.Calls()
	for _, want := range []string{"DeleteChangeSet", "DeleteStack app-dev"} {
		if !slices.ContainsFunc(calls, func(c string) bool { return strings.HasPrefix(c, want) }) {
			t.Errorf("no %s; calls %v", want, calls)
		}
	}
	if slices.ContainsFunc(calls, func(c string) bool { return strings.HasPrefix(c, "ExecuteChangeSet") }) {
		t.Error("executed after an interruption")
	}
	if !strings.Contains(out.String(), "Stopped before executing: the change set was deleted, and the empty stack with it") {
		t.Errorf("output:\n%s", out.String())
	}
}

// TestDeclinedUpdateKeepsTheStack: answering no deletes only the change set.
func TestDeclinedUpdateKeepsTheStack(t *testing.T) {
	var out bytes.Buffer
	asked := ""
	d, cf, _ := newDeployer(t, cfn.Options{Out: &out, Confirm: func(q string) (bool, error) { asked = q; return false, nil }})
	cf.AddStack("app-dev", "UPDATE_COMPLETE", nil)
	_, err := d.Deploy(context.Background(), cfn.StackInput{StackName: "app-dev", Template: []byte(template)})
	if !errors.Is(err, cfn.ErrInterrupted) || asked != "Deploy these changes to app-dev?" {
		t.Fatalf("error %v, asked %q", err, asked)
	}
	if cf.Stack("app-dev") == nil || slices.ContainsFunc(cf.Calls(), func(c string) bool { return strings.HasPrefix(c, "DeleteStack") }) {
		t.Error("an existing stack was deleted")
	}
}

// TestInterruptWhileWatching: after execute, Ctrl-C leaves the stack to
// CloudFormation and says how to follow it.
func TestInterruptWhileWatching(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out bytes.Buffer
	d, cf, _ := newDeployer(t, cfn.Options{Out: &out})
	cf.AddStack("app-dev", "UPDATE_COMPLETE", nil)
	cf.OnExecute = cancel
	_, err := d.Deploy(ctx, cfn.StackInput{StackName: "app-dev", Template: []byte(template)})
	if !errors.Is(err, cfn.ErrInterrupted) {
		t.Fatalf("error %v", err)
	}
	if slices.ContainsFunc(cf.Calls(), func(c string) bool { return strings.HasPrefix(c, "DeleteChangeSet") }) {
		t.Error("the executed change set was deleted")
	}
	if !strings.Contains(out.String(), "The deployment goes on in CloudFormation; follow it with:\n  aws cloudformation describe-stack-events --stack-name app-dev") {
		t.Errorf("output:\n%s", out.String())
	}
}

func TestTooLargeTemplateFailsBeforeAnyCall(t *testing.T) {
	d, cf, _ := newDeployer(t, cfn.Options{})
	_, err := d.Deploy(context.Background(), cfn.StackInput{StackName: "app-dev", Template: bytes.Repeat([]byte("x"), cfn.MaxTemplate+1)})
	if err == nil || !strings.Contains(err.Error(), "over CloudFormation's limit") || len(cf.Calls()) != 0 {
		t.Errorf("error %v, calls %v", err, cf.Calls())
	}
}

func TestUploadSkipsExistingObjects(t *testing.T) {
	d, _, fs3 := newDeployer(t, cfn.Options{})
	path := t.TempDir() + "/a.zip"
	os.WriteFile(path, []byte("zip"), 0o644)
	for i, want := range []bool{true, false} {
		up, err := d.Upload(context.Background(), "bucket", "app/dev/abc.zip", path)
		if err != nil || up != want {
			t.Errorf("upload %d: %v %v", i, up, err)
		}
	}
	if keys := fs3.Keys("bucket"); len(keys) != 1 {
		t.Errorf("keys %v", keys)
	}
	if got := fs3.Encryption("bucket", "app/dev/abc.zip"); got != "AES256" {
		t.Errorf("upload asked for encryption %q, want AES256", got)
	}
}

func TestColourOnlyWhenAsked(t *testing.T) {
	for _, color := range []bool{false, true} {
		var out bytes.Buffer
		d, cf, _ := newDeployer(t, cfn.Options{Out: &out, Color: color})
		cf.AddStack("app-dev", "UPDATE_COMPLETE", nil)
		if _, err := d.Deploy(context.Background(), cfn.StackInput{StackName: "app-dev", Template: []byte(template)}); err != nil {
			t.Fatal(err)
		}
		if got := strings.Contains(out.String(), "\x1b["); got != color {
			t.Errorf("color %v: escape codes %v\n%s", color, got, out.String())
		}
		if !strings.Contains(out.String(), "UPDATE_COMPLETE") {
			t.Errorf("no events:\n%s", out.String())
		}
	}
}
