package packager

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/chalice-go/chalice/internal/scaffold"
	"github.com/chalice-go/chalice/synth"
)

func packageOf(t *testing.T, o Options) (*Result, error) {
	t.Helper()
	if o.CacheDir == "" {
		o.CacheDir = t.TempDir()
	}
	if o.Stage == "" {
		o.Stage = "dev"
	}
	return Package(context.Background(), o)
}

func TestPackageWritesTemplateAndZip(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	cache := t.TempDir()
	res, err := packageOf(t, Options{ProjectDir: "../../examples/helloworld", OutDir: out, CacheDir: cache, Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Template != filepath.Join(out, "sam.json") || res.Zip != filepath.Join(out, "deployment.zip") {
		t.Errorf("result paths: %+v", res)
	}
	tmpl, err := os.ReadFile(res.Template)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(tmpl, &doc); err != nil {
		t.Fatalf("sam.json is not JSON: %v", err)
	}
	fn := doc["Resources"].(map[string]any)["APIHandler"].(map[string]any)["Properties"].(map[string]any)
	if fn["CodeUri"] != "./deployment.zip" {
		t.Errorf("CodeUri = %v; sam local and aws cloudformation package need ./deployment.zip", fn["CodeUri"])
	}
	if res.Resources != len(doc["Resources"].(map[string]any)) || res.TemplateLen != len(tmpl) {
		t.Errorf("result counts: %+v", res)
	}

	if fi, err := os.Stat(res.Zip); err != nil || fi.Mode().Perm() != 0o644 {
		t.Errorf("deployment.zip mode: %v %v", fi.Mode(), err)
	}
	zipBytes, err := os.ReadFile(res.Zip)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(zipBytes)
	if hex.EncodeToString(sum[:]) != res.ZipSHA256 {
		t.Error("reported sha256 is not the zip's")
	}
	zr, err := zip.NewReader(bytes.NewReader(zipBytes), int64(len(zipBytes)))
	if err != nil || len(zr.File) != 1 || zr.File[0].Name != "bootstrap" {
		t.Fatalf("deployment.zip should hold only bootstrap: %v", err)
	}
	assertOnly(t, out, "deployment.zip", "sam.json")

	// Determinism: a second run over the same OUT gives the same bytes.
	if _, err := packageOf(t, Options{ProjectDir: "../../examples/helloworld", OutDir: out, CacheDir: cache, Version: "test"}); err != nil {
		t.Fatal(err)
	}
	tmpl2, _ := os.ReadFile(res.Template)
	zip2, _ := os.ReadFile(res.Zip)
	if !bytes.Equal(tmpl, tmpl2) || !bytes.Equal(zipBytes, zip2) {
		t.Error("packaging the same app twice gave different files")
	}
	assertOnly(t, out, "deployment.zip", "sam.json")
}

func TestPackageYAMLWithMergedResources(t *testing.T) {
	merge := filepath.Join(t.TempDir(), "resources.yaml")
	os.WriteFile(merge, []byte(`Resources:
  Table:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
  APIHandler:
    Properties:
      Environment:
        Variables:
          TABLE: !Ref Table
Outputs:
  TableArn:
    Value: !GetAtt Table.Arn
`), 0o644)
	out := t.TempDir()
	res, err := packageOf(t, Options{ProjectDir: "../../examples/helloworld", OutDir: out, Format: "yaml", MergeFile: merge})
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Base(res.Template) != "sam.yaml" {
		t.Fatalf("template %s", res.Template)
	}
	data, _ := os.ReadFile(res.Template)
	var doc map[string]any
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("sam.yaml: %v", err)
	}
	rs := doc["Resources"].(map[string]any)
	if rs["Table"] == nil || rs["RestAPI"] == nil {
		t.Errorf("merged template lacks the user's table or our API: %v", keys(rs))
	}
	vars := rs["APIHandler"].(map[string]any)["Properties"].(map[string]any)["Environment"].(map[string]any)["Variables"].(map[string]any)
	if vars["CHALICE_HANDLER"] != "api" || vars["TABLE"].(map[string]any)["Ref"] != "Table" {
		t.Errorf("environment not deep-merged: %v", vars)
	}
	arn := doc["Outputs"].(map[string]any)["TableArn"].(map[string]any)["Value"].(map[string]any)
	if got := arn["Fn::GetAtt"]; len(got.([]any)) != 2 {
		t.Errorf("!GetAtt not expanded: %v", arn)
	}
	if doc["Outputs"].(map[string]any)["EndpointURL"] == nil {
		t.Error("our outputs were lost in the merge")
	}
	assertOnly(t, out, "deployment.zip", "sam.yaml")
}

// TestBadInputWritesNothing: each bad input is reported with what to do, and
// OUT keeps exactly what it had.
func TestBadInputWritesNothing(t *testing.T) {
	hello, _ := os.ReadFile("../../examples/helloworld/main.go")
	cases := []struct {
		name   string
		config string
		mainGo string // default: helloworld's
		opts   Options
		want   string
	}{
		{name: "unknown stage", config: `{"app_name": "x", "stages": {"dev": {}}}`, opts: Options{Stage: "prod"}, want: `stage "prod"`},
		{name: "private without vpce", config: `{"app_name": "x", "stages": {"dev": {"api_gateway_endpoint_type": "PRIVATE"}}}`, want: "api_gateway_endpoint_vpce"},
		{name: "subnets without security groups", config: `{"app_name": "x", "stages": {"dev": {"subnet_ids": ["subnet-1"]}}}`, want: "set both subnet_ids and security_group_ids"},
		{name: "unmanaged role without arn", config: `{"app_name": "x", "stages": {"dev": {"manage_iam_role": false}}}`, want: "needs iam_role_arn"},
		{name: "missing policy file", config: `{"app_name": "x", "stages": {"dev": {"autogen_policy": false, "iam_policy_file": "nope.json"}}}`, want: "nope.json does not exist"},
		{name: "no policy without autogen", config: `{"app_name": "x", "stages": {"dev": {"autogen_policy": false}}}`, want: "policy-dev.json does not exist"},
		{name: "bad API policy file", config: `{"app_name": "x", "stages": {"dev": {"api_gateway_policy_file": "nope.json"}}}`, want: "api_gateway_policy_file"},
		{name: "merge file not JSON or YAML", config: `{"app_name": "x", "stages": {"dev": {}}}`, opts: Options{MergeFile: "bad"}, want: "neither JSON nor YAML"},
		{name: "merge file with broken JSON", config: `{"app_name": "x", "stages": {"dev": {}}}`, opts: Options{MergeFile: "badjson"}, want: "invalid JSON"},
		{name: "merge file missing", config: `{"app_name": "x", "stages": {"dev": {}}}`, opts: Options{MergeFile: "missing.yaml"}, want: "--merge-template"},
		{name: "unknown format", config: `{"app_name": "x", "stages": {"dev": {}}}`, opts: Options{Format: "toml"}, want: "use json or yaml"},
		{name: "app does not compile", config: `{"app_name": "x", "stages": {"dev": {}}}`, mainGo: "package main\nfunc main() { nope }\n", want: "undefined: nope"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			os.MkdirAll(filepath.Join(dir, ".chalice"), 0o755)
			os.WriteFile(filepath.Join(dir, ".chalice", "config.json"), []byte(c.config), 0o644)
			src := hello
			if c.mainGo != "" {
				src = []byte(c.mainGo)
			}
			os.WriteFile(filepath.Join(dir, "main.go"), src, 0o644)
			os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module x\n\ngo 1.26\n"), 0o644)
			os.WriteFile(filepath.Join(dir, "bad"), []byte("Resources: [unclosed\n  - : :"), 0o644)
			os.WriteFile(filepath.Join(dir, "badjson"), []byte(`{"Resources": {`), 0o644)
			out := filepath.Join(dir, "out")
			os.MkdirAll(out, 0o755)
			os.WriteFile(filepath.Join(out, "sam.json"), []byte("previous"), 0o644)
			o := c.opts
			o.ProjectDir, o.OutDir = dir, out
			if o.MergeFile != "" {
				o.MergeFile = filepath.Join(dir, o.MergeFile)
			}
			_, err := packageOf(t, o)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v; want it to mention %q", err, c.want)
			}
			assertOnly(t, out, "sam.json")
			if b, _ := os.ReadFile(filepath.Join(out, "sam.json")); string(b) != "previous" {
				t.Errorf("the previous template was overwritten: %q", b)
			}
		})
	}
}

func TestOutNotWritable(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	os.WriteFile(file, nil, 0o644)
	_, err := packageOf(t, Options{ProjectDir: "../../examples/helloworld", OutDir: filepath.Join(file, "out")})
	if err == nil || !strings.Contains(err.Error(), "cannot create output directory") {
		t.Fatalf("error %v", err)
	}
}

// assertOnly checks that dir holds exactly names (no staging leftovers).
func assertOnly(t *testing.T, dir string, names ...string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	if strings.Join(got, ",") != strings.Join(names, ",") {
		t.Errorf("%s holds %v; want %v", dir, got, names)
	}
}

func keys(m map[string]any) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}

func TestLargeTemplatesAreWrittenCompact(t *testing.T) {
	// 20,000 small resources: about 1.6 MB indented, 0.9 MB compact.
	rs := map[string]any{}
	for i := range 20000 {
		rs[fmt.Sprintf("R%05d", i)] = map[string]any{"Type": "AWS::SNS::Topic", "Properties": map[string]any{}}
	}
	doc := map[string]any{"Resources": rs}
	var progress bytes.Buffer
	out, err := encode(doc, synth.JSON, &progress)
	if err != nil {
		t.Fatal(err)
	}
	if len(out) > MaxTemplateBytes || bytes.Contains(out, []byte("\n  ")) {
		t.Errorf("%d bytes, indented: %v", len(out), bytes.Contains(out, []byte("\n  ")))
	}
	if !strings.Contains(progress.String(), "wrote it compact") {
		t.Errorf("the switch is not reported: %q", progress.String())
	}
	small, _ := encode(map[string]any{"Resources": map[string]any{"A": map[string]any{"Type": "X"}}}, synth.JSON, &progress)
	if !bytes.Contains(small, []byte("\n  ")) {
		t.Errorf("a small template should stay indented: %s", small)
	}
	for i := range 10000 {
		rs[fmt.Sprintf("S%05d", i)] = map[string]any{"Type": "AWS::SNS::Topic", "Properties": map[string]any{}}
	}
	progress.Reset()
	if _, err := encode(doc, synth.JSON, &progress); err != nil || !strings.Contains(progress.String(), "CloudFormation will refuse it") {
		t.Errorf("no warning for a template over the limit: %v %q", err, progress.String())
	}
}

// TestGeneratedPolicyIsWrittenAndUsed: with autogen_policy (the default)
// the role's policy comes from the source and is saved beside the config.
func TestGeneratedPolicyIsWrittenAndUsed(t *testing.T) {
	dir, err := scaffold.Create(context.Background(), scaffold.Options{Name: "gen", Parent: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	res, err := packageOf(t, Options{ProjectDir: dir, OutDir: out})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, ".chalice", "policy-dev.json")
	if res.PolicyFile != path || len(res.PolicyAdded) != 3 {
		t.Errorf("policy file %q, added %v", res.PolicyFile, res.PolicyAdded)
	}
	saved, err := os.ReadFile(path)
	if err != nil || !strings.Contains(string(saved), `"logs:PutLogEvents"`) {
		t.Fatalf("policy-dev.json: %v %s", err, saved)
	}
	tmpl, _ := os.ReadFile(res.Template)
	if !strings.Contains(string(tmpl), `"Resource": "arn:*:logs:*:*:*"`) {
		t.Errorf("the template does not use the generated policy")
	}
	// Unchanged source: nothing rewritten, nothing reported.
	res, err = packageOf(t, Options{ProjectDir: dir, OutDir: out})
	if err != nil || res.PolicyFile != "" {
		t.Errorf("second run: %v %q", err, res.PolicyFile)
	}
	// A role of one's own: no policy at all.
	os.WriteFile(filepath.Join(dir, ".chalice", "config.json"), []byte(`{"app_name": "gen", "stages": {"dev": {"manage_iam_role": false, "iam_role_arn": "arn:aws:iam::1:role/r"}}}`), 0o644)
	os.Remove(path)
	if _, err := packageOf(t, Options{ProjectDir: dir, OutDir: out}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err == nil {
		t.Error("a policy was generated for a role chalice does not manage")
	}
}
