// Package deploy is `chalice deploy`, `delete` and `url`: it builds the
// app, synthesizes its template for S3-hosted code, and hands both to
// cfn.Deployer; it keeps a record of each deployed stage in
// .chalice/deployed/<stage>.json.
package deploy

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/chalice-go/chalice/cfn"
	"github.com/chalice-go/chalice/internal/atomicfile"
	"github.com/chalice-go/chalice/internal/policy"
	"github.com/chalice-go/chalice/internal/project"
	"github.com/chalice-go/chalice/synth"
)

// Options describe one run of deploy, delete or url.
type Options struct {
	ProjectDir string
	Stage      string
	// Profile and Region override the AWS configuration chain.
	Profile, Region string
	// NoExecute stops after showing the change set.
	NoExecute bool
	// Confirm asks the user a yes/no question; nil: never ask (no TTY,
	// CI, or --yes).
	Confirm func(question string) (bool, error)
	// Out receives progress, the change set and events; Color paints them.
	Out   io.Writer
	Color bool
	// Poll is the status polling interval (default 1 s).
	Poll time.Duration
	// Version is chalice's version, for the tags.
	Version string
	// CacheDir overrides the build cache (tests).
	CacheDir string
	// PurgeArtifacts (delete) removes the stage's uploaded artifacts.
	PurgeArtifacts bool
}

// Record is what .chalice/deployed/<stage>.json holds.
type Record struct {
	Stage      string            `json:"stage"`
	StackName  string            `json:"stack_name"`
	StackID    string            `json:"stack_id"`
	Region     string            `json:"region"`
	Outputs    map[string]string `json:"outputs"`
	Artifact   Artifact          `json:"artifact"`
	DeployedAt string            `json:"deployed_at"`
}

// Artifact is the uploaded deployment package.
type Artifact struct {
	Bucket string `json:"bucket"`
	Key    string `json:"key"`
	SHA256 string `json:"sha256"`
}

// Result of a deploy.
type Result struct {
	Record    *Record
	UpToDate  bool
	ChangeSet string // set when not executed (--no-execute)
	Uploaded  bool
}

// Deploy builds, uploads and deploys the stage.
func Deploy(ctx context.Context, o Options) (*Result, error) {
	p, st, err := load(o)
	if err != nil {
		return nil, err
	}
	// AWS first: a missing region or credentials should not cost a build.
	cfg, err := awsConfig(ctx, o)
	if err != nil {
		return nil, err
	}
	d := deployer(cfg, o)
	if err := d.CheckStack(ctx, StackName(st)); err != nil {
		return nil, err
	}
	role, err := policy.ForStage(ctx, p, st, o.Out)
	if err != nil {
		return nil, err
	}
	if err := confirmPolicy(role, o); err != nil {
		return nil, err
	}
	files := synth.Files{RolePolicy: role.Doc}
	if files.APIPolicy, err = policy.APIGatewayPolicy(p, st); err != nil {
		return nil, err
	}
	m, err := p.Manifest(ctx)
	if err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp("", "chalice-deploy-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	zip := filepath.Join(tmp, "deployment.zip")
	sum, err := p.BuildLambda(ctx, st.Architecture, zip)
	if err != nil {
		return nil, err
	}
	key := fmt.Sprintf("%s/%s/%s.zip", st.AppName, st.Name, sum)
	render := func(bucket string) ([]byte, error) {
		t, err := synth.Template(synth.Input{Manifest: m, Stage: st, Code: synth.Code{Bucket: bucket, Key: key}, Files: files, Version: o.Version})
		if err != nil {
			return nil, err
		}
		doc, err := synth.Document(t)
		if err != nil {
			return nil, err
		}
		return synth.Encode(doc, synth.CompactJSON)
	}
	// Size check before any call, with the longest bucket name S3 allows.
	probe, err := render(strings.Repeat("b", 63))
	if err != nil {
		return nil, err
	}
	if len(probe) > cfn.MaxTemplate {
		return nil, fmt.Errorf("the template is %d bytes, over CloudFormation's limit of %d even through S3: split the app into several", len(probe), cfn.MaxTemplate)
	}

	bucket, err := d.Bucket(ctx, st.DeploymentBucket)
	if err != nil {
		return nil, err
	}
	tmpl, err := render(bucket)
	if err != nil {
		return nil, err
	}
	uploaded, err := d.Upload(ctx, bucket, key, zip)
	if err != nil {
		return nil, err
	}
	if uploaded {
		fmt.Fprintf(o.Out, "Uploaded the deployment package to s3://%s/%s.\n", bucket, key)
	} else {
		fmt.Fprintf(o.Out, "The deployment package is unchanged (s3://%s/%s); not uploading it.\n", bucket, key)
	}
	tsum := sha256.Sum256(tmpl)
	stack := StackName(st)
	res, err := d.Deploy(ctx, cfn.StackInput{
		StackName: stack, Template: tmpl, Bucket: bucket, NoExecute: o.NoExecute,
		TemplateKey: fmt.Sprintf("%s/%s/templates/%s.json", st.AppName, st.Name, hex.EncodeToString(tsum[:])),
		Tags:        map[string]string{"aws-chalice": fmt.Sprintf("version=%s:stage=%s:app=%s", o.Version, st.Name, st.AppName)},
	})
	if err != nil {
		return nil, err
	}
	out := &Result{UpToDate: res.UpToDate, ChangeSet: res.ChangeSet, Uploaded: uploaded}
	if o.NoExecute && !res.UpToDate {
		return out, nil
	}
	rec := &Record{Stage: st.Name, StackName: res.StackName, StackID: res.StackID, Region: cfg.Region, Outputs: res.Outputs,
		Artifact: Artifact{Bucket: bucket, Key: key, SHA256: sum}, DeployedAt: time.Now().UTC().Format(time.RFC3339)}
	if err := writeRecord(p.Dir, rec); err != nil {
		return nil, err
	}
	if _, _, _, err := role.Save(); err != nil {
		return nil, err
	}
	out.Record = rec
	return out, nil
}

// StackName is the stage's stack: <app_name>-<stage>.
func StackName(st *project.Stage) string { return st.AppName + "-" + st.Name }

func load(o Options) (*project.Project, *project.Stage, error) {
	p, err := project.Load(o.ProjectDir)
	if err != nil {
		return nil, nil, err
	}
	p.Progress, p.CacheDir = o.Out, o.CacheDir
	st, err := p.Config.Stage(o.Stage)
	if err != nil {
		return nil, nil, err
	}
	return p, st, nil
}

// confirmPolicy shows what a regenerated policy adds and removes and, when
// someone can answer, asks before going on.
func confirmPolicy(role *policy.StagePolicy, o Options) error {
	if !role.Generated {
		return nil
	}
	prev, err := policy.Read(role.Path)
	if err != nil {
		return nil // first deployment: nothing to compare with
	}
	added, removed := policy.Diff(prev, role.Doc)
	if len(added) == 0 && len(removed) == 0 {
		return nil
	}
	fmt.Fprintf(o.Out, "The app's IAM policy changed since %s was written:\n", role.Path)
	for _, a := range added {
		fmt.Fprintf(o.Out, "  + %s\n", a)
	}
	for _, r := range removed {
		fmt.Fprintf(o.Out, "  - %s\n", r)
	}
	if o.Confirm == nil {
		return nil
	}
	ok, err := o.Confirm("Deploy with this policy?")
	if err != nil {
		return err
	}
	if !ok {
		return cfn.ErrInterrupted
	}
	return nil
}

// awsConfig loads the standard chain and checks that a region and
// credentials are there, saying how to provide them if not.
func awsConfig(ctx context.Context, o Options) (aws.Config, error) {
	var opts []func(*config.LoadOptions) error
	if o.Profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(o.Profile))
	}
	if o.Region != "" {
		opts = append(opts, config.WithRegion(o.Region))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return aws.Config{}, fmt.Errorf("AWS configuration: %w (check --profile and ~/.aws/config)", err)
	}
	if cfg.Region == "" {
		return aws.Config{}, errors.New("no AWS region: pass --region, set AWS_REGION, or set region for your profile in ~/.aws/config")
	}
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if _, err := cfg.Credentials.Retrieve(cctx); err != nil {
		return aws.Config{}, errors.New("no AWS credentials: run `aws configure` (or `aws sso login`), pass --profile, or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
	}
	return cfg, nil
}

func deployer(cfg aws.Config, o Options) *cfn.Deployer {
	cf := cloudformation.NewFromConfig(cfg)
	s3c := s3.NewFromConfig(cfg, func(so *s3.Options) {
		// A custom endpoint (AWS_ENDPOINT_URL_S3: LocalStack, MinIO, tests)
		// is addressed by path.
		so.UsePathStyle = so.BaseEndpoint != nil
	})
	return cfn.New(cf, s3c, cfg.Region, cfn.Options{Out: o.Out, Color: o.Color, Confirm: o.Confirm, Poll: o.Poll})
}

// RecordPath is where the stage's deployment is recorded.
func RecordPath(dir, stage string) string {
	return filepath.Join(dir, ".chalice", "deployed", stage+".json")
}

func writeRecord(dir string, rec *Record) error {
	path := RecordPath(dir, rec.Stage)
	b, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.Write(path, append(b, '\n'))
}

// ReadRecord reads the stage's deployment record.
func ReadRecord(dir, stage string) (*Record, error) {
	path := RecordPath(dir, stage)
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("stage %s is not deployed from here (no %s): run `chalice deploy --stage %s`", stage, path, stage)
	}
	if err != nil {
		return nil, err
	}
	var rec Record
	if err := json.Unmarshal(b, &rec); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &rec, nil
}

// URL returns the stage's endpoint from its record.
func URL(o Options) (*Record, error) {
	p, err := project.Load(o.ProjectDir)
	if err != nil {
		return nil, err
	}
	if _, err := p.Config.Stage(o.Stage); err != nil {
		return nil, err
	}
	rec, err := ReadRecord(p.Dir, o.Stage)
	if err != nil {
		return nil, err
	}
	if rec.Outputs["EndpointURL"] == "" {
		return nil, fmt.Errorf("stage %s has no REST API (no EndpointURL output)", o.Stage)
	}
	return rec, nil
}

// Delete deletes the stage's stack and its record; with PurgeArtifacts,
// the uploaded package too.
func Delete(ctx context.Context, o Options) error {
	p, st, err := load(o)
	if err != nil {
		return err
	}
	rec, _ := ReadRecord(p.Dir, st.Name)
	if o.Region == "" && rec != nil {
		o.Region = rec.Region
	}
	cfg, err := awsConfig(ctx, o)
	if err != nil {
		return err
	}
	d := deployer(cfg, o)
	stack := StackName(st)
	found, err := d.DeleteStack(ctx, stack)
	if err != nil {
		return err
	}
	if !found {
		fmt.Fprintf(o.Out, "Stack %s does not exist in %s; nothing to delete.\n", stack, cfg.Region)
	} else {
		fmt.Fprintf(o.Out, "Deleted stack %s.\n", stack)
	}
	if o.PurgeArtifacts && rec != nil && rec.Artifact.Bucket != "" {
		if err := d.DeleteArtifacts(ctx, rec.Artifact.Bucket, rec.Artifact.Key); err != nil {
			return err
		}
		fmt.Fprintf(o.Out, "Deleted s3://%s/%s.\n", rec.Artifact.Bucket, rec.Artifact.Key)
	}
	if err := os.Remove(RecordPath(p.Dir, st.Name)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

// OutputOrder lists outputs with EndpointURL first, the rest sorted.
func OutputOrder(outputs map[string]string) []string {
	var keys []string
	for k := range outputs {
		if k != "EndpointURL" {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	if _, ok := outputs["EndpointURL"]; ok {
		keys = append([]string{"EndpointURL"}, keys...)
	}
	return keys
}
