// Package scaffold writes a new chalice project: a Go module with a
// hello-world app, its test, and .chalice/config.json.
package scaffold

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"text/template"
)

// ModulePath is chalice for Go's module.
const ModulePath = "github.com/chalice-go/chalice"

// Options describe the project to create.
type Options struct {
	// Name is the app's name, its directory and its module path.
	Name string
	// Parent is the directory to create the project in (default ".").
	Parent string
	// ChaliceSource is a chalice checkout for a replace directive; empty
	// means: CHALICE_SOURCE_DIR, else the checkout this binary was built
	// from, else the released version this binary carries.
	ChaliceSource string
	// SkipTidy skips `go mod tidy` (tests that check files only).
	SkipTidy bool
	// Progress receives one line per step; may be nil.
	Progress io.Writer
}

// Create writes the project and returns its directory. Files are written to
// a temporary directory that is renamed into place, so a failure leaves no
// half-made project behind.
func Create(ctx context.Context, o Options) (string, error) {
	if err := validName(o.Name); err != nil {
		return "", err
	}
	parent := o.Parent
	if parent == "" {
		parent = "."
	}
	dir := filepath.Join(parent, o.Name)
	if _, err := os.Stat(dir); err == nil {
		return "", fmt.Errorf("%s already exists: choose another name or remove it", dir)
	}
	require, err := chaliceRequirement(o.ChaliceSource)
	if err != nil {
		return "", err
	}
	tmp, err := os.MkdirTemp(parent, "."+o.Name+"-new-")
	if err != nil {
		return "", fmt.Errorf("create project in %s: %w", parent, err)
	}
	defer os.RemoveAll(tmp) // a no-op once renamed
	data := struct {
		Name, Module, Version, Replace string
	}{o.Name, ModulePath, require.version, require.replace}
	for name, text := range files {
		path := filepath.Join(tmp, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return "", err
		}
		var buf bytes.Buffer
		if err := template.Must(template.New(name).Parse(text)).Execute(&buf, data); err != nil {
			return "", fmt.Errorf("render %s: %w", name, err)
		}
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			return "", fmt.Errorf("write %s: %w", path, err)
		}
	}
	if !o.SkipTidy {
		if o.Progress != nil {
			fmt.Fprintln(o.Progress, "Resolving dependencies (go mod tidy)...")
		}
		cmd := exec.CommandContext(ctx, "go", "mod", "tidy")
		cmd.Dir = tmp
		cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod")
		if out, err := cmd.CombinedOutput(); err != nil {
			return "", fmt.Errorf("go mod tidy in the new project failed (nothing was created):\n%s", strings.TrimSpace(string(out)))
		}
	}
	if err := os.Rename(tmp, dir); err != nil {
		return "", fmt.Errorf("create %s: %w", dir, err)
	}
	return dir, nil
}

func validName(name string) error {
	if name == "" {
		return fmt.Errorf("the project needs a name, e.g. `chalice new-project helloworld`")
	}
	for _, r := range name {
		if !(r == '-' || r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return fmt.Errorf("project name %q: use letters, digits, '-' and '_' (it names the directory, the Go module and the CloudFormation stack)", name)
		}
	}
	return nil
}

type requirement struct{ version, replace string }

// chaliceRequirement decides how the new go.mod finds chalice: a replace to a
// local checkout (works offline, tracks your checkout) or the release this
// CLI was installed from.
func chaliceRequirement(explicit string) (requirement, error) {
	for _, dir := range []string{explicit, os.Getenv("CHALICE_SOURCE_DIR"), builtFrom()} {
		if dir == "" {
			continue
		}
		abs, err := filepath.Abs(dir)
		if err != nil {
			return requirement{}, err
		}
		if !isChaliceCheckout(abs) {
			if dir == explicit {
				return requirement{}, fmt.Errorf("%s is not a chalice checkout (no go.mod for %s there)", abs, ModulePath)
			}
			continue
		}
		return requirement{version: "v0.0.0-00010101000000-000000000000", replace: filepath.ToSlash(abs)}, nil
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Path == ModulePath && strings.HasPrefix(bi.Main.Version, "v") {
		return requirement{version: bi.Main.Version}, nil
	}
	return requirement{}, fmt.Errorf("cannot tell which chalice to use: pass --chalice-source DIR (a checkout of %s) or set CHALICE_SOURCE_DIR", ModulePath)
}

// builtFrom returns the checkout this binary was compiled from, when it was
// built without -trimpath (go build, go test, make build).
func builtFrom() string {
	_, file, _, ok := runtime.Caller(0)
	if !ok || !filepath.IsAbs(file) {
		return ""
	}
	return filepath.Dir(filepath.Dir(filepath.Dir(file))) // internal/scaffold/scaffold.go
}

func isChaliceCheckout(dir string) bool {
	b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	return err == nil && bytes.HasPrefix(bytes.TrimSpace(b), []byte("module "+ModulePath+"\n"))
}

var files = map[string]string{
	"go.mod": `module {{.Name}}

go 1.26

require {{.Module}} {{.Version}}
{{if .Replace}}
// A local chalice checkout; remove this line to use a released version.
replace {{.Module}} => {{.Replace}}
{{end}}`,
	"main.go": `package main

import "github.com/chalice-go/chalice/app"

func newApp() *app.App {
	a := app.New("{{.Name}}")
	a.Route("/", index)
	return a
}

// index greets the world.
func index(*app.Request) (any, error) {
	return map[string]string{"hello": "world"}, nil
}

func main() { newApp().Run() }
`,
	"main_test.go": `package main

import (
	"testing"

	"github.com/chalice-go/chalice/app/apptest"
)

// apptest serves the app behind the same API Gateway emulation as
// chalice local, calling its views in-process.
func TestIndex(t *testing.T) {
	s := apptest.New(newApp())
	resp := s.Get("/")
	if resp.StatusCode != 200 || resp.Text() != ` + "`" + `{"hello":"world"}` + "`" + ` {
		t.Fatalf("GET / = %d %s", resp.StatusCode, resp.Body)
	}
	if resp := s.Get("/nowhere"); resp.StatusCode != 403 {
		t.Fatalf("GET /nowhere = %d, want API Gateway's 403", resp.StatusCode)
	}
}
`,
	".chalice/config.json": `{
  "version": "2.0",
  "app_name": "{{.Name}}",
  "stages": {
    "dev": {
      "api_gateway_stage": "api"
    }
  }
}
`,
	".gitignore": `# chalice package output
/out/
`,
}
