package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
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
	for _, cmd := range []string{"new-project", "routes", "package", "local", "gen-policy"} {
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

// TestLocalStopsItsProcessesOnSignals runs the real CLI: after SIGTERM (and
// after SIGKILL, which it cannot handle) no process of the app survives.
func TestLocalStopsItsProcessesOnSignals(t *testing.T) {
	if testing.Short() || runtime.GOOS != "linux" {
		t.Skip("builds the CLI; reads /proc")
	}
	bin := filepath.Join(t.TempDir(), "chalice")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGKILL} {
		cache := t.TempDir()
		cmd := exec.Command(bin, "local", "--port", "0", "--no-autoreload", "--project-dir", "../../examples/tutorial")
		cmd.Env = append(os.Environ(), "CHALICE_CACHE_DIR="+cache)
		stdout, _ := cmd.StdoutPipe()
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		url := ""
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if _, after, ok := strings.Cut(sc.Text(), " on http://"); ok {
				url = "http://" + strings.Fields(after)[0]
				break
			}
		}
		go io.Copy(io.Discard, stdout)
		if url == "" {
			cmd.Process.Kill()
			t.Fatalf("no URL printed; stderr:\n%s", stderr.String())
		}
		resp, err := http.Get(url + "cities/seattle")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if len(appProcesses(cache)) == 0 {
			t.Fatal("no app process found to watch")
		}
		cmd.Process.Signal(sig)
		cmd.Wait()
		deadline := time.Now().Add(5 * time.Second)
		for len(appProcesses(cache)) > 0 && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		if left := appProcesses(cache); len(left) > 0 {
			t.Errorf("after %v, app processes left behind: %v", sig, left)
		}
		if sig == syscall.SIGTERM && !strings.Contains(stderr.String(), "Stopping...") {
			t.Errorf("SIGTERM: no orderly stop:\n%s", stderr.String())
		}
	}
}

// appProcesses lists live processes running a binary under dir.
func appProcesses(dir string) []string {
	entries, _ := os.ReadDir("/proc")
	var pids []string
	for _, e := range entries {
		exe, err := os.Readlink(filepath.Join("/proc", e.Name(), "exe"))
		if err == nil && strings.HasPrefix(exe, dir) {
			if stat, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "stat")); !strings.Contains(string(stat), ") Z ") {
				pids = append(pids, e.Name()+" "+exe)
			}
		}
	}
	return pids
}

func TestGenPolicyPrintsWhatTheAppCalls(t *testing.T) {
	code, out, errOut := chalice(t, "gen-policy", "--project-dir", "../../examples/objects")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var doc struct {
		Statement []struct{ Action []string }
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("stdout is not a policy: %v\n%s", err, out)
	}
	var got []string
	for _, s := range doc.Statement {
		got = append(got, s.Action...)
	}
	want := "logs:CreateLogGroup logs:CreateLogStream logs:PutLogEvents dynamodb:DeleteItem dynamodb:PutItem dynamodb:Scan s3:DeleteObject s3:GetObject s3:PutObject"
	if strings.Join(got, " ") != want {
		t.Errorf("actions %v", got)
	}
	if !strings.Contains(errOut, "6 AWS call(s)") {
		t.Errorf("no summary on stderr: %q", errOut)
	}
	// The committed policy file is what package would write.
	saved, _ := os.ReadFile("../../examples/objects/.chalice/policy-dev.json")
	if string(saved) != out {
		t.Errorf("examples/objects/.chalice/policy-dev.json is stale: run chalice gen-policy")
	}
}
