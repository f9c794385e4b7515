package policy

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func analyze(t *testing.T, dir string) *Result {
	t.Helper()
	r, err := Analyze(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestCallsThroughEveryPath(t *testing.T) {
	r := analyze(t, "testdata/calls")
	want := map[string][]string{
		"sqs":      {"SendMessage"},                                                  // struct field; SendMessageBatch needs SendMessage
		"dynamodb": {"GetItem"},                                                      // an interface a client satisfies; not the unused package's DeleteTable
		"s3":       {"AbortMultipartUpload", "GetObject", "ListBucket", "PutObject"}, // paginator, waiter, presign, manager
		"sns":      {"Publish"},                                                      // a helper package
		"ssooidc":  {"CreateToken"},                                                  // unknown: the package name, reported
	}
	for prefix, acts := range want {
		if !slices.Equal(r.Actions[prefix], acts) {
			t.Errorf("%s: %v, want %v", prefix, r.Actions[prefix], acts)
		}
	}
	if len(r.Actions) != len(want) {
		t.Errorf("services %v, want %v", r.Actions, want)
	}
	if !slices.Equal(r.Unknown, []string{"ssooidc"}) {
		t.Errorf("unknown services %v", r.Unknown)
	}
	if r.Packages != 2 {
		t.Errorf("analysed %d packages, want main and helper", r.Packages)
	}
	found := false
	for _, c := range r.Calls {
		if c.Service == "sns" && c.Operation == "Publish" && strings.HasSuffix(c.Position, "helper/helper.go:12") {
			found = true
		}
	}
	if !found {
		t.Errorf("the helper's call site is not reported: %v", r.Calls)
	}
}

func TestNoSDKCallsGiveTheLogsOnlyPolicy(t *testing.T) {
	r := analyze(t, "testdata/nosdk")
	out, err := Encode(Document(r))
	if err != nil {
		t.Fatal(err)
	}
	want := `{
  "Statement": [
    {
      "Action": [
        "logs:CreateLogGroup",
        "logs:CreateLogStream",
        "logs:PutLogEvents"
      ],
      "Effect": "Allow",
      "Resource": "arn:*:logs:*:*:*"
    }
  ],
  "Version": "2012-10-17"
}
`
	if string(out) != want {
		t.Errorf("got\n%s", out)
	}
}

func TestSyntaxErrorIsReported(t *testing.T) {
	// The fixture's main.go is stored as main.go.txt, so that gofmt and
	// go vet over this repository do not trip on it.
	dir := t.TempDir()
	root, _ := filepath.Abs("../..")
	src, _ := os.ReadFile("testdata/broken/main.go.txt")
	sum, _ := os.ReadFile("testdata/broken/go.sum")
	mod, _ := os.ReadFile("testdata/broken/go.mod")
	os.WriteFile(filepath.Join(dir, "main.go"), src, 0o644)
	os.WriteFile(filepath.Join(dir, "go.sum"), sum, 0o644)
	os.WriteFile(filepath.Join(dir, "go.mod"), []byte(strings.Replace(string(mod), "=> ../../../..", "=> "+root, 1)), 0o644)
	_, err := Analyze(context.Background(), dir)
	if err == nil || !strings.Contains(err.Error(), "until it compiles") || !strings.Contains(err.Error(), "main.go:7") {
		t.Errorf("error: %v", err)
	}
}

// TestObjectsExample: the example's policy lists exactly what it calls.
func TestObjectsExample(t *testing.T) {
	r := analyze(t, "../../examples/objects")
	doc := Document(r)
	want := []string{
		"dynamodb:DeleteItem", "dynamodb:PutItem", "dynamodb:Scan",
		"logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents",
		"s3:DeleteObject", "s3:GetObject", "s3:PutObject",
	}
	if got := Actions(doc); !slices.Equal(got, want) {
		t.Errorf("actions %v\nwant %v", got, want)
	}
	b, _ := json.Marshal(doc)
	if !strings.Contains(string(b), `"Sid":"Dynamodb"`) || !strings.Contains(string(b), `"Resource":["*"]`) {
		t.Errorf("statement shape: %s", b)
	}
}

func TestTables(t *testing.T) {
	a := &analysis{actions: map[string]map[string]bool{}, unknown: map[string]bool{}}
	a.add("s3", []string{"HeadObject", "ListObjectsV2", "CopyObject"}, "")
	a.add("cloudwatchlogs", []string{"PutLogEvents", "FilterLogEvents"}, "")
	a.add("cognitoidentityprovider", []string{"AdminGetUser"}, "")
	a.add("lambda", []string{"Invoke"}, "")
	a.add("sts", []string{"GetCallerIdentity"}, "")
	doc := Document(&Result{Actions: map[string][]string{
		"s3": keys(a.actions["s3"]), "logs": keys(a.actions["logs"]), "cognito-idp": keys(a.actions["cognito-idp"]), "lambda": keys(a.actions["lambda"]),
	}})
	want := []string{"cognito-idp:AdminGetUser", "lambda:InvokeFunction", "logs:CreateLogGroup", "logs:CreateLogStream",
		"logs:FilterLogEvents", "logs:PutLogEvents", "s3:GetObject", "s3:ListBucket", "s3:PutObject"}
	if got := Actions(doc); !slices.Equal(got, want) {
		t.Errorf("%v\nwant %v", got, want)
	}
	if _, ok := a.actions["sts"]; ok {
		t.Error("GetCallerIdentity needs no permission")
	}
	if sid("cognito-idp") != "CognitoIdp" {
		t.Error(sid("cognito-idp"))
	}
	added, removed := Diff(doc, Document(&Result{Actions: map[string][]string{"s3": {"GetObject"}, "sqs": {"SendMessage"}}}))
	if !slices.Equal(added, []string{"sqs:SendMessage"}) || len(removed) != 5 {
		t.Errorf("diff: +%v -%v", added, removed)
	}
}

func keys(m map[string]bool) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}
