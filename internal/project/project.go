package project

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/chalice-go/chalice/app"
)

// ConfigFile is where a project keeps its configuration, relative to its root.
const ConfigFile = ".chalice/config.json"

// Project is a chalice app on disk: a Go main package with .chalice/config.json.
type Project struct {
	// Dir is the project's absolute root (where main.go and .chalice are).
	Dir    string
	Config *Config
	// Progress receives one line per long step ("Building ..."); may be nil.
	Progress io.Writer
	// CacheDir holds host builds; default <user cache>/chalice-go/<hash of Dir>.
	CacheDir string
	// ManifestTimeout bounds the run that prints the manifest (default 30s).
	ManifestTimeout time.Duration
}

// Load reads the project at dir.
func Load(dir string) (*Project, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("project directory %s: %w", dir, err)
	}
	path := filepath.Join(abs, ConfigFile)
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		if _, serr := os.Stat(abs); serr != nil {
			return nil, fmt.Errorf("project directory %s does not exist", abs)
		}
		return nil, fmt.Errorf("%s is not a chalice project: %s is missing (create a project with `chalice new-project NAME`, or point --project-dir at one)", abs, ConfigFile)
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	cfg, err := ParseConfig(path, data)
	if err != nil {
		return nil, err
	}
	return &Project{Dir: abs, Config: cfg}, nil
}

func (p *Project) progress(format string, args ...any) {
	if p.Progress != nil {
		fmt.Fprintf(p.Progress, format+"\n", args...)
	}
}

func (p *Project) cacheDir() (string, error) {
	if p.CacheDir != "" {
		return p.CacheDir, os.MkdirAll(p.CacheDir, 0o755)
	}
	base := os.Getenv("CHALICE_CACHE_DIR")
	if base == "" {
		uc, err := os.UserCacheDir()
		if err != nil {
			return "", fmt.Errorf("no cache directory (set CHALICE_CACHE_DIR): %w", err)
		}
		base = filepath.Join(uc, "chalice-go")
	}
	sum := sha256.Sum256([]byte(p.Dir))
	dir := filepath.Join(base, filepath.Base(p.Dir)+"-"+hex.EncodeToString(sum[:6]))
	return dir, os.MkdirAll(dir, 0o755)
}

// BuildError is a failed `go build`; Output is what go printed.
type BuildError struct {
	Dir    string
	Output string
	Err    error
}

func (e *BuildError) Error() string {
	return fmt.Sprintf("go build in %s failed:\n%s", e.Dir, strings.TrimRight(e.Output, "\n"))
}

func (e *BuildError) Unwrap() error { return e.Err }

// goBuild runs go build for the main package at p.Dir into out.
func (p *Project) goBuild(ctx context.Context, env []string, out string, flags ...string) error {
	args := append([]string{"build"}, flags...)
	args = append(args, "-o", out, ".")
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = p.Dir
	cmd.Env = append(os.Environ(), env...)
	var buf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &buf, &buf
	if err := cmd.Run(); err != nil {
		var ee *exec.Error
		if errors.As(err, &ee) {
			return fmt.Errorf("cannot run the go command (is Go installed and on PATH?): %w", err)
		}
		return &BuildError{Dir: p.Dir, Output: buf.String(), Err: err}
	}
	return nil
}

// BuildHost builds the app for this machine and returns the binary's path.
func (p *Project) BuildHost(ctx context.Context) (string, error) {
	dir, err := p.cacheDir()
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "app")
	p.progress("Building %s (go build)...", p.Config.AppName)
	// Build beside the final path, then rename: a running copy (chalice
	// local) is never overwritten in place, and a failed build leaves the
	// last good binary.
	tmp := bin + ".new"
	if err := p.goBuild(ctx, nil, tmp); err != nil {
		return "", err
	}
	if err := os.Rename(tmp, bin); err != nil {
		return "", fmt.Errorf("install build: %w", err)
	}
	return bin, nil
}

// Manifest builds the app for the host and asks it for its manifest.
func (p *Project) Manifest(ctx context.Context) (*app.Manifest, error) {
	bin, err := p.BuildHost(ctx)
	if err != nil {
		return nil, err
	}
	m, err := ReadManifest(ctx, bin, p.ManifestTimeout)
	if err != nil {
		return nil, err
	}
	addSummaries(p.Dir, m)
	return m, nil
}

// ReadManifest runs the app binary with CHALICE_MANIFEST=1 and decodes what
// it prints.
func ReadManifest(ctx context.Context, bin string, timeout time.Duration) (*app.Manifest, error) {
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin)
	cmd.Env = append(withoutLambdaEnv(os.Environ()), "CHALICE_MANIFEST=1")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.WaitDelay = time.Second
	err := cmd.Run()
	if ctx.Err() == context.DeadlineExceeded {
		return nil, fmt.Errorf("the app did not print its manifest within %s: main() must reach a.Run() without blocking (do not start servers or wait for input before Run)", timeout)
	}
	if err != nil {
		return nil, fmt.Errorf("the app failed while declaring its routes (%v):\n%s", err, strings.TrimSpace(stderr.String()))
	}
	out := bytes.TrimSpace(stdout.Bytes())
	if len(out) == 0 {
		return nil, errors.New("the app exited without printing its manifest: main() must end by calling a.Run() on your *app.App")
	}
	// Anything the app printed before Run precedes the manifest's line.
	if i := bytes.LastIndexByte(out, '\n'); i >= 0 {
		out = out[i+1:]
	}
	var m app.Manifest
	if err := json.Unmarshal(out, &m); err != nil {
		return nil, fmt.Errorf("the app printed something other than its manifest (does main() print to stdout before a.Run()?): %v", err)
	}
	if m.Version != app.ManifestVersion {
		return nil, fmt.Errorf("the app speaks manifest version %d, this chalice reads version %d: build the CLI and the app from the same chalice version", m.Version, app.ManifestVersion)
	}
	return &m, nil
}

func withoutLambdaEnv(env []string) []string {
	out := env[:0:0]
	for _, kv := range env {
		if strings.HasPrefix(kv, "AWS_LAMBDA_RUNTIME_API=") || strings.HasPrefix(kv, "CHALICE_HANDLER=") {
			continue
		}
		out = append(out, kv)
	}
	return out
}

// addSummaries fills RouteInfo.Summary from the first line of each view
// function's doc comment in the main package. It only reads; a package that
// does not parse leaves the summaries empty.
func addSummaries(dir string, m *app.Manifest) {
	fset := token.NewFileSet()
	docs := map[string]string{}
	files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		af, err := parser.ParseFile(fset, f, nil, parser.ParseComments|parser.SkipObjectResolution)
		if err != nil || af.Name.Name != "main" {
			continue
		}
		for _, d := range af.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Recv != nil || fd.Doc == nil {
				continue
			}
			line, _, _ := strings.Cut(strings.TrimSpace(fd.Doc.Text()), "\n")
			docs[fd.Name.Name] = line
		}
	}
	for i := range m.Routes {
		if s, ok := docs[m.Routes[i].View]; ok && m.Routes[i].Summary == "" {
			m.Routes[i].Summary = s
		}
	}
}
