package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func chalice(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	t.Setenv("CHALICE_CACHE_DIR", t.TempDir())
	var out, errOut bytes.Buffer
	code = run(context.Background(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestRoutesListsEveryTutorialRoute(t *testing.T) {
	code, out, errOut := chalice(t, "routes", "--project-dir", "../../examples/tutorial")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{
		"METHOD  PATH            VIEW          CORS  AUTH",
		"GET     /               index         -     -",
		"POST    /               states",
		"GET     /cities/{city}  stateOf",
		"GET     /objects/{key}  object",
		"PUT     /objects/{key}  object",
		"GET     /introspect     introspect",
		"GET     /greeting       greeting",
		"PUT     /supports-cors  supportsCORS  *",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("routes output lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(errOut, "Building tutorial") {
		t.Errorf("no build progress on stderr: %q", errOut)
	}
}

func TestRoutesShowsAuthAndFunctions(t *testing.T) {
	code, out, errOut := chalice(t, "routes", "--project-dir", "testdata/everything")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{
		"tokenauth (builtin), api key", "pool (cognito_user_pools)", "https://example.com  sigv4 (iam)",
		"tokenauth  authorizer  header X-Token", "hourly     schedule    rate(1 hour)",
		"worker     sqs         queue jobs (batch 5)", "ingest     s3          bucket uploads s3:ObjectCreated:* suffix .csv",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("routes output lacks %q:\n%s", want, out)
		}
	}
	code, out, _ = chalice(t, "routes", "--json", "--project-dir", "testdata/everything")
	var m struct {
		Version int
		Routes  []struct{ Path string }
	}
	if code != 0 || json.Unmarshal([]byte(out), &m) != nil || m.Version != 1 || len(m.Routes) != 3 {
		t.Errorf("--json: exit %d %s", code, out)
	}
}

func TestErrorsSayWhatToDo(t *testing.T) {
	empty := t.TempDir()
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"routes", "--project-dir", empty}, "is not a chalice project"},
		{[]string{"new-project"}, "accepts 1 arg(s)"},
		{[]string{"new-project", "bad name", "--dir", empty}, "use letters, digits"},
		{[]string{"new-project", "x", "--dir", empty, "--chalice-source", empty}, "is not a chalice checkout"},
		{[]string{"nope"}, `unknown command "nope"`},
	}
	for _, c := range cases {
		code, _, errOut := chalice(t, c.args...)
		if code != 1 || !strings.HasPrefix(errOut, "chalice: ") || !strings.Contains(errOut, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want %q", c.args, code, errOut, c.want)
		}
	}
	os.Mkdir(filepath.Join(empty, "taken"), 0o755)
	if code, _, errOut := chalice(t, "new-project", "taken", "--dir", empty); code != 1 || !strings.Contains(errOut, "already exists") {
		t.Errorf("existing dir: %d %s", code, errOut)
	}
}

func TestVersionAndHelp(t *testing.T) {
	code, out, _ := chalice(t, "--version")
	if code != 0 || !strings.HasPrefix(out, "chalice version ") {
		t.Errorf("--version: %d %q", code, out)
	}
	for _, cmd := range []string{"new-project", "routes", "package"} {
		code, out, _ := chalice(t, cmd, "--help")
		if code != 0 || !strings.Contains(out, "Examples:") {
			t.Errorf("%s --help has no example:\n%s", cmd, out)
		}
	}
}

// TestNewProjectWorksAsANewUserTriesIt follows the README: create a
// project, run its tests, list its routes.
func TestNewProjectWorksAsANewUserTriesIt(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go mod tidy and go test in a new module")
	}
	parent := t.TempDir()
	code, out, errOut := chalice(t, "new-project", "demo", "--dir", parent)
	if code != 0 {
		t.Fatalf("new-project: exit %d\n%s", code, errOut)
	}
	dir := filepath.Join(parent, "demo")
	if !strings.Contains(out, "cd "+dir) {
		t.Errorf("no next steps: %q", out)
	}
	for _, f := range []string{"main.go", "main_test.go", "go.mod", "go.sum", ".chalice/config.json", ".gitignore"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("missing %s", f)
		}
	}
	gomod, _ := os.ReadFile(filepath.Join(dir, "go.mod"))
	abs, _ := filepath.Abs("../..")
	if !strings.Contains(string(gomod), "replace github.com/chalice-go/chalice => "+filepath.ToSlash(abs)) {
		t.Errorf("go.mod does not point at this checkout:\n%s", gomod)
	}
	test := exec.Command("go", "test", "./...")
	test.Dir = dir
	if b, err := test.CombinedOutput(); err != nil {
		t.Fatalf("go test in the new project: %v\n%s", err, b)
	}
	code, out, errOut = chalice(t, "routes", "--project-dir", dir)
	if code != 0 || !strings.Contains(out, "GET     /     index") {
		t.Fatalf("routes: exit %d\n%s\n%s", code, out, errOut)
	}
	entries, _ := os.ReadDir(parent)
	if len(entries) != 1 {
		t.Errorf("temporary files left in the parent: %v", entries)
	}
}

func TestPackageSaysWhereTheTemplateIs(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	code, stdout, errOut := chalice(t, "package", "--project-dir", "../../examples/tutorial", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(stdout, "Wrote "+filepath.Join(out, "sam.json")) || !strings.Contains(stdout, "sam local start-api -t "+filepath.Join(out, "sam.json")) {
		t.Errorf("stdout does not say where the template is and how to run it:\n%s", stdout)
	}
	if !strings.Contains(errOut, "Building tutorial") {
		t.Errorf("no build progress on stderr: %q", errOut)
	}
	code, _, errOut = chalice(t, "package", "--project-dir", "../../examples/tutorial", "--stage", "nope", out)
	if code != 1 || !strings.Contains(errOut, `stage "nope"`) {
		t.Errorf("unknown stage: exit %d, %q", code, errOut)
	}
}
