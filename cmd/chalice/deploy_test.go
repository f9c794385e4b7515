package main

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/chalice-go/chalice/internal/awsfake"
	"github.com/chalice-go/chalice/internal/scaffold"
)

var scaffoldOnce struct {
	sync.Once
	dir string
	err error
}

// deployProject copies a new-project scaffold (built once) into a fresh
// directory: deploys write .chalice/deployed and the generated policy.
func deployProject(t *testing.T) string {
	t.Helper()
	scaffoldOnce.Do(func() {
		parent, err := os.MkdirTemp("", "chalice-deploy-test-")
		if err != nil {
			scaffoldOnce.err = err
			return
		}
		scaffoldOnce.dir, scaffoldOnce.err = scaffold.Create(context.Background(), scaffold.Options{Name: "shop", Parent: parent})
	})
	if scaffoldOnce.err != nil {
		t.Fatal(scaffoldOnce.err)
	}
	dir := filepath.Join(t.TempDir(), "shop")
	if out, err := exec.Command("cp", "-r", scaffoldOnce.dir, dir).CombinedOutput(); err != nil {
		t.Fatalf("cp: %v %s", err, out)
	}
	return dir
}

type fakeAWS struct {
	cf  *awsfake.CloudFormation
	s3  *awsfake.S3
	dir string
}

// withFakeAWS points the real SDK clients at in-process fakes.
func withFakeAWS(t *testing.T) *fakeAWS {
	f := &fakeAWS{cf: awsfake.NewCloudFormation(t), s3: awsfake.NewS3(t, "chalice-managed-bucket", "my-bucket"), dir: deployProject(t)}
	f.cf.ManagedBucket = "chalice-managed-bucket"
	for k, v := range map[string]string{
		"AWS_ENDPOINT_URL_CLOUDFORMATION": f.cf.URL, "AWS_ENDPOINT_URL_S3": f.s3.URL,
		"AWS_REGION": "us-west-2", "AWS_ACCESS_KEY_ID": "AKIDFAKEFAKEFAKE", "AWS_SECRET_ACCESS_KEY": "not-a-secret",
		"AWS_CONFIG_FILE": filepath.Join(t.TempDir(), "none"), "AWS_SHARED_CREDENTIALS_FILE": filepath.Join(t.TempDir(), "none"),
		"AWS_EC2_METADATA_DISABLED": "true", "AWS_PROFILE": "", "AWS_SESSION_TOKEN": "", "CI": "true",
	} {
		t.Setenv(k, v)
	}
	return f
}

func (f *fakeAWS) run(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	return chalice(t, append(args, "--project-dir", f.dir, "--poll-interval", "1ms")...)
}

func (f *fakeAWS) called(t *testing.T, want ...string) {
	t.Helper()
	calls := f.cf.Calls()
	for _, w := range want {
		if !slices.ContainsFunc(calls, func(c string) bool { return strings.HasPrefix(c, w) }) {
			t.Errorf("no %q call; calls: %v", w, calls)
		}
	}
}

func (f *fakeAWS) notCalled(t *testing.T, action string) {
	t.Helper()
	for _, c := range f.cf.Calls() {
		if strings.HasPrefix(c, action) {
			t.Errorf("unexpected %s; calls: %v", c, f.cf.Calls())
		}
	}
}

func contains(t *testing.T, what, text string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(text, w) {
			t.Errorf("%s lacks %q:\n%s", what, w, text)
		}
	}
}

func TestDeployCreatesThenReportsNoChanges(t *testing.T) {
	f := withFakeAWS(t)
	code, out, errOut := f.run(t, "deploy")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	f.called(t, "CreateStack chalice-managed-us-west-2", "CreateChangeSet shop-dev", "ExecuteChangeSet")
	contains(t, "stderr", errOut,
		"Creating the deployment bucket for us-west-2", "Uploaded the deployment package to s3://chalice-managed-bucket/shop/dev/",
		"(create) for stack shop-dev", "+ Add     APIHandler", "CREATE_COMPLETE")
	if !strings.HasPrefix(out, "Stack shop-dev (us-west-2):\n  EndpointURL:    https://abc123.execute-api.us-west-2.amazonaws.com/api/\n") {
		t.Errorf("outputs, EndpointURL first:\n%s", out)
	}
	rec, err := os.ReadFile(filepath.Join(f.dir, ".chalice", "deployed", "dev.json"))
	if err != nil || !strings.Contains(string(rec), `"EndpointURL": "https://abc123`) || !strings.Contains(string(rec), `"sha256"`) {
		t.Errorf("record: %v\n%s", err, rec)
	}
	if _, err := os.Stat(filepath.Join(f.dir, ".chalice", "policy-dev.json")); err != nil {
		t.Errorf("the generated policy was not saved: %v", err)
	}
	if keys := f.s3.Keys("chalice-managed-bucket"); len(keys) != 1 || !strings.HasSuffix(keys[0], ".zip") {
		t.Errorf("bucket holds %v", keys)
	}
	if strings.Contains(out+errOut, "not-a-secret") || strings.Contains(out+errOut, "AKIDFAKE") {
		t.Error("credentials were printed")
	}

	// The same app again: nothing uploaded, nothing to change.
	before := len(f.cf.Calls())
	code, _, errOut = f.run(t, "deploy")
	if code != 0 {
		t.Fatalf("second deploy: exit %d\n%s", code, errOut)
	}
	contains(t, "stderr", errOut, "The deployment package is unchanged", "No changes to deploy; stack shop-dev is up to date.")
	calls := f.cf.Calls()[before:]
	if slices.ContainsFunc(calls, func(c string) bool {
		return strings.HasPrefix(c, "ExecuteChangeSet") || strings.HasPrefix(c, "CreateStack")
	}) ||
		!slices.ContainsFunc(calls, func(c string) bool { return strings.HasPrefix(c, "DeleteChangeSet") }) {
		t.Errorf("second deploy calls: %v", calls)
	}
	if len(f.s3.Keys("chalice-managed-bucket")) != 1 {
		t.Error("the unchanged package was uploaded again")
	}

	// url reads the record.
	code, out, _ = chalice(t, "url", "--project-dir", f.dir)
	if code != 0 || out != "https://abc123.execute-api.us-west-2.amazonaws.com/api/\n" {
		t.Errorf("url: %d %q", code, out)
	}
	code, out, _ = chalice(t, "url", "--project-dir", f.dir, "--output", "json")
	var u map[string]string
	if code != 0 || json.Unmarshal([]byte(out), &u) != nil || u["url"] == "" || u["region"] != "us-west-2" {
		t.Errorf("url --output json: %d %s", code, out)
	}
}

func TestDeployUpdatesAnExistingStack(t *testing.T) {
	f := withFakeAWS(t)
	f.cf.AddStack("shop-dev", "UPDATE_COMPLETE", nil)
	f.cf.Changes = []awsfake.Change{
		{Action: "Modify", LogicalID: "APIHandler", Type: "AWS::Lambda::Function", Replacement: "False"},
		{Action: "Add", LogicalID: "NewThing", Type: "AWS::SQS::Queue"},
		{Action: "Remove", LogicalID: "OldThing", Type: "AWS::SNS::Topic"},
		{Action: "Modify", LogicalID: "RestAPI", Type: "AWS::ApiGateway::RestApi", Replacement: "True"},
	}
	f.cf.PendingPolls = 2
	code, out, errOut := f.run(t, "deploy", "--output", "json", "--stage", "dev")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	// All pages of the change set, as a table.
	contains(t, "stderr", errOut, "(update) for stack shop-dev",
		"* Modify  APIHandler  AWS::Lambda::Function  replacement: False", "+ Add     NewThing",
		"- Remove  OldThing", "* Modify  RestAPI     AWS::ApiGateway::RestApi  replacement: True", "UPDATE_COMPLETE")
	var rec map[string]any
	if err := json.Unmarshal([]byte(out), &rec); err != nil || rec["stack_name"] != "shop-dev" {
		t.Errorf("--output json: %v\n%s", err, out)
	}
}

func TestNoChangesForEitherReason(t *testing.T) {
	for _, reason := range []string{
		"The submitted information didn't contain changes. Submit different information to create a change set.",
		"No updates are to be performed.",
	} {
		t.Run(reason[:20], func(t *testing.T) {
			f := withFakeAWS(t)
			f.cf.AddStack("shop-dev", "UPDATE_COMPLETE", map[string]string{"EndpointURL": "https://x/api/"})
			f.cf.ChangeSetFailure = reason
			code, out, errOut := f.run(t, "deploy")
			if code != 0 {
				t.Fatalf("exit %d\n%s", code, errOut)
			}
			contains(t, "stderr", errOut, "No changes to deploy; stack shop-dev is up to date.")
			contains(t, "stdout", out, "EndpointURL:    https://x/api/")
			f.called(t, "DeleteChangeSet")
			f.notCalled(t, "ExecuteChangeSet")
		})
	}
}

func TestChangeSetFailsForAnotherReason(t *testing.T) {
	f := withFakeAWS(t)
	f.cf.AddStack("shop-dev", "UPDATE_COMPLETE", nil)
	f.cf.ChangeSetFailure = "Template format error: Unresolved resource dependencies [Nope] in the Resources block of the template"
	code, _, errOut := f.run(t, "deploy")
	if code != 1 {
		t.Fatalf("exit %d", code)
	}
	contains(t, "stderr", errOut, "chalice: the change set failed: Template format error: Unresolved resource dependencies [Nope]")
	f.called(t, "DeleteChangeSet")
	f.notCalled(t, "ExecuteChangeSet")
	if _, err := os.Stat(filepath.Join(f.dir, ".chalice", "deployed", "dev.json")); err == nil {
		t.Error("a failed deploy wrote a record")
	}
}

func TestFailedUpdateRollsBackAndSaysWhy(t *testing.T) {
	f := withFakeAWS(t)
	f.cf.AddStack("shop-dev", "UPDATE_COMPLETE", nil)
	f.cf.FailResource, f.cf.FailReason = "APIHandler", "Resource handler returned message: \"Memory size 99 is invalid\""
	code, _, errOut := f.run(t, "deploy")
	if code != 1 {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	contains(t, "stderr", errOut, "UPDATE_FAILED", "chalice: stack shop-dev ended in UPDATE_ROLLBACK_COMPLETE; what failed:",
		`APIHandler (AWS::Lambda::Function): Resource handler returned message: "Memory size 99 is invalid"`)
}

func TestLeftoverStacks(t *testing.T) {
	t.Run("ROLLBACK_COMPLETE is deleted first", func(t *testing.T) {
		f := withFakeAWS(t)
		f.cf.AddStack("shop-dev", "ROLLBACK_COMPLETE", nil)
		code, _, errOut := f.run(t, "deploy")
		if code != 0 {
			t.Fatalf("exit %d\n%s", code, errOut)
		}
		contains(t, "stderr", errOut, "Stack shop-dev is in ROLLBACK_COMPLETE from a failed first deployment; deleting it first.", "(create) for stack shop-dev")
		f.called(t, "DeleteStack shop-dev", "CreateChangeSet shop-dev", "ExecuteChangeSet")
	})
	t.Run("REVIEW_IN_PROGRESS is created", func(t *testing.T) {
		f := withFakeAWS(t)
		f.cf.AddStack("shop-dev", "REVIEW_IN_PROGRESS", nil)
		code, _, errOut := f.run(t, "deploy")
		if code != 0 {
			t.Fatalf("exit %d\n%s", code, errOut)
		}
		contains(t, "stderr", errOut, "(create) for stack shop-dev")
		f.notCalled(t, "DeleteStack")
	})
	t.Run("a busy stack is left alone", func(t *testing.T) {
		f := withFakeAWS(t)
		f.cf.AddStack("shop-dev", "UPDATE_IN_PROGRESS", nil)
		code, _, errOut := f.run(t, "deploy")
		if code != 1 {
			t.Fatalf("exit %d", code)
		}
		contains(t, "stderr", errOut, "chalice: stack shop-dev is UPDATE_IN_PROGRESS: wait until it finishes")
		if strings.Contains(errOut, "Building") {
			t.Error("built the app for a stack that cannot be deployed")
		}
		f.notCalled(t, "CreateChangeSet")
		f.notCalled(t, "CreateStack")
	})
}

func TestThrottlingIsRetried(t *testing.T) {
	f := withFakeAWS(t)
	f.cf.AddStack("shop-dev", "UPDATE_COMPLETE", nil)
	f.cf.Throttle["DescribeStacks"] = 2
	f.cf.Throttle["CreateChangeSet"] = 1
	code, _, errOut := f.run(t, "deploy")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	n := 0
	for _, c := range f.cf.Calls() {
		if strings.HasPrefix(c, "CreateChangeSet") {
			n++
		}
	}
	if n != 2 {
		t.Errorf("CreateChangeSet sent %d times, want 2 (one throttled)", n)
	}
}

func TestLargeTemplateGoesThroughS3(t *testing.T) {
	f := withFakeAWS(t)
	// 300 routes make a template well over 51,200 bytes.
	var b strings.Builder
	b.WriteString("package main\n\nimport (\n\t\"fmt\"\n\n\t\"github.com/chalice-go/chalice/app\"\n)\n\nfunc newApp() *app.App {\n\ta := app.New(\"shop\")\n")
	b.WriteString("\tfor i := range 300 {\n\t\ta.Route(fmt.Sprintf(\"/items%d/{id}\", i), func(*app.Request) (any, error) { return nil, nil }, app.Name(fmt.Sprintf(\"v%d\", i)))\n\t}\n\treturn a\n}\n\nfunc main() { newApp().Run() }\n")
	os.WriteFile(filepath.Join(f.dir, "main.go"), []byte(b.String()), 0o644)
	os.Remove(filepath.Join(f.dir, "main_test.go"))
	code, _, errOut := f.run(t, "deploy", "--yes")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	if len(f.cf.TemplateURLs) != 1 || !strings.Contains(f.cf.TemplateURLs[0], "/chalice-managed-bucket/shop/dev/templates/") {
		t.Fatalf("TemplateURL: %v", f.cf.TemplateURLs)
	}
	var tmpl string
	for _, k := range f.s3.Keys("chalice-managed-bucket") {
		if strings.Contains(k, "/templates/") {
			tmpl = k
		}
	}
	obj, err := f.s3.Backend.GetObject("chalice-managed-bucket", tmpl, nil)
	if err != nil || obj.Size <= 51200 {
		t.Fatalf("template object %s: %v", tmpl, err)
	}
}

func TestDeployWithAConfiguredBucket(t *testing.T) {
	f := withFakeAWS(t)
	os.WriteFile(filepath.Join(f.dir, ".chalice", "config.json"), []byte(`{"app_name": "shop", "stages": {"dev": {"deployment_bucket": "my-bucket"}}}`), 0o644)
	code, _, errOut := f.run(t, "deploy")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	f.notCalled(t, "CreateStack")
	if len(f.s3.Keys("my-bucket")) != 1 {
		t.Errorf("my-bucket: %v", f.s3.Keys("my-bucket"))
	}
}

func TestNoExecuteShowsTheChangeSetOnly(t *testing.T) {
	f := withFakeAWS(t)
	f.cf.AddStack("shop-dev", "UPDATE_COMPLETE", nil)
	code, out, errOut := f.run(t, "deploy", "--no-execute")
	if code != 0 || out != "" {
		t.Fatalf("exit %d, stdout %q\n%s", code, out, errOut)
	}
	contains(t, "stderr", errOut, "* Modify  APIHandler", "Not executed. To execute it: aws cloudformation execute-change-set --stack-name shop-dev --change-set-name chalice-")
	f.notCalled(t, "ExecuteChangeSet")
	f.notCalled(t, "DeleteChangeSet")
}

func TestDelete(t *testing.T) {
	t.Run("existing", func(t *testing.T) {
		f := withFakeAWS(t)
		if code, _, errOut := f.run(t, "deploy"); code != 0 {
			t.Fatalf("deploy: %s", errOut)
		}
		code, _, errOut := f.run(t, "delete", "--purge-artifacts")
		if code != 0 {
			t.Fatalf("exit %d\n%s", code, errOut)
		}
		contains(t, "stderr", errOut, "Deleting stack shop-dev", "DELETE_IN_PROGRESS", "Deleted stack shop-dev.", "Deleted s3://chalice-managed-bucket/shop/dev/")
		if _, err := os.Stat(filepath.Join(f.dir, ".chalice", "deployed", "dev.json")); err == nil {
			t.Error("the record is still there")
		}
		if keys := f.s3.Keys("chalice-managed-bucket"); len(keys) != 0 {
			t.Errorf("artifacts left: %v", keys)
		}
		if code, _, errOut := chalice(t, "url", "--project-dir", f.dir); code != 1 || !strings.Contains(errOut, "stage dev is not deployed") {
			t.Errorf("url after delete: %d %s", code, errOut)
		}
	})
	t.Run("missing", func(t *testing.T) {
		f := withFakeAWS(t)
		code, _, errOut := f.run(t, "delete")
		if code != 0 {
			t.Fatalf("exit %d\n%s", code, errOut)
		}
		contains(t, "stderr", errOut, "Stack shop-dev does not exist in us-west-2; nothing to delete.")
		f.notCalled(t, "DeleteStack")
	})
	t.Run("DELETE_FAILED", func(t *testing.T) {
		f := withFakeAWS(t)
		f.cf.AddStack("shop-dev", "UPDATE_COMPLETE", nil)
		f.cf.DeleteFailResource, f.cf.DeleteFailReason = "Uploads", "The bucket you tried to delete is not empty"
		code, _, errOut := f.run(t, "delete")
		if code != 1 {
			t.Fatalf("exit %d\n%s", code, errOut)
		}
		contains(t, "stderr", errOut, "chalice: stack shop-dev ended in DELETE_FAILED; what failed:",
			"Uploads (AWS::S3::Bucket): The bucket you tried to delete is not empty")
	})
}

func TestMissingRegionOrCredentialsFailBeforeBuilding(t *testing.T) {
	f := withFakeAWS(t)
	t.Setenv("AWS_REGION", "")
	t.Setenv("AWS_DEFAULT_REGION", "")
	code, _, errOut := f.run(t, "deploy")
	if code != 1 || !strings.Contains(errOut, "no AWS region: pass --region") || strings.Contains(errOut, "Building") {
		t.Errorf("no region: %d\n%s", code, errOut)
	}
	t.Setenv("AWS_REGION", "us-west-2")
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")
	code, _, errOut = f.run(t, "deploy")
	if code != 1 || !strings.Contains(errOut, "no AWS credentials") || strings.Contains(errOut, "Building") {
		t.Errorf("no credentials: %d\n%s", code, errOut)
	}
	if len(f.cf.Calls()) != 0 {
		t.Errorf("calls made: %v", f.cf.Calls())
	}
}

// TestDeployShowsPolicyChanges: when the generated policy differs from the
// one last saved, deploy lists what it adds and removes.
func TestDeployShowsPolicyChanges(t *testing.T) {
	f := withFakeAWS(t)
	if code, _, errOut := f.run(t, "deploy"); code != 0 {
		t.Fatalf("first deploy: %s", errOut)
	}
	os.WriteFile(filepath.Join(f.dir, "main.go"), []byte(`package main

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/chalice-go/chalice/app"
)

func newApp() *app.App {
	a := app.New("shop")
	a.Route("/", func(r *app.Request) (any, error) {
		c := s3.New(s3.Options{Region: "us-west-2"})
		_, err := c.GetObject(r.Context(), &s3.GetObjectInput{Bucket: aws.String("b"), Key: aws.String("k")})
		return nil, err
	})
	return a
}

func main() { newApp().Run() }
`), 0o644)
	os.Remove(filepath.Join(f.dir, "main_test.go"))
	tidy := exec.Command("go", "mod", "tidy")
	tidy.Dir = f.dir
	tidy.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off")
	if out, err := tidy.CombinedOutput(); err != nil {
		t.Fatalf("go mod tidy: %v\n%s", err, out)
	}
	code, _, errOut := f.run(t, "deploy")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	contains(t, "stderr", errOut, "The app's IAM policy changed since", "  + s3:GetObject")
	saved, _ := os.ReadFile(filepath.Join(f.dir, ".chalice", "policy-dev.json"))
	contains(t, "policy-dev.json", string(saved), `"s3:GetObject"`)
}
