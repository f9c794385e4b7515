package project

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func loadProject(t *testing.T, dir string) *Project {
	t.Helper()
	p, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	p.CacheDir = t.TempDir()
	return p
}

func TestLoadExplainsMissingProject(t *testing.T) {
	dir := t.TempDir()
	_, err := Load(dir)
	if err == nil || !strings.Contains(err.Error(), "is not a chalice project") || !strings.Contains(err.Error(), "chalice new-project") {
		t.Errorf("got %v", err)
	}
	if _, err := Load(filepath.Join(dir, "nope")); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("got %v", err)
	}
}

func TestManifestOfTutorial(t *testing.T) {
	p := loadProject(t, "../../examples/tutorial")
	var progress bytes.Buffer
	p.Progress = &progress
	m, err := p.Manifest(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if m.AppName != "tutorial" || len(m.Routes) != 8 {
		t.Fatalf("manifest: %+v", m)
	}
	byView := map[string]string{}
	for _, r := range m.Routes {
		byView[r.View] = r.Summary
	}
	if byView["stateOf"] != "stateOf returns the state a city is in." || byView["index"] != "index says hello." {
		t.Errorf("summaries from doc comments: %v", byView)
	}
	if !strings.Contains(progress.String(), "Building tutorial") {
		t.Errorf("no progress line: %q", progress.String())
	}
}

func TestManifestFailuresAreExplained(t *testing.T) {
	cases := []struct {
		dir, want string
	}{
		{"testdata/noruncall", "main() must end by calling a.Run()"},
		{"testdata/compileerror", "undefined: undefinedView"},
		{"testdata/blocks", "did not print its manifest within 2s"},
		{"testdata/panics", `app.Route("/x/")`},
	}
	for _, c := range cases {
		t.Run(filepath.Base(c.dir), func(t *testing.T) {
			p := loadProject(t, c.dir)
			p.ManifestTimeout = 2 * time.Second
			_, err := p.Manifest(context.Background())
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want %q", err, c.want)
			}
			if c.dir == "testdata/compileerror" {
				var be *BuildError
				if !errors.As(err, &be) || !strings.Contains(be.Output, "main.go:7") {
					t.Errorf("go build's own output should be shown: %v", err)
				}
			}
		})
	}
}

func TestLambdaZipIsDeterministicAndSmall(t *testing.T) {
	if testing.Short() {
		t.Skip("cross-compiles the tutorial twice")
	}
	p := loadProject(t, "../../examples/tutorial")
	out := t.TempDir()
	ctx := context.Background()
	sum1, err := p.BuildLambda(ctx, "arm64", filepath.Join(out, "a.zip"))
	if err != nil {
		t.Fatal(err)
	}
	// Touch the source's mtime: content, not time, decides the bytes.
	now := time.Now()
	os.Chtimes("../../examples/tutorial/main.go", now, now)
	sum2, err := p.BuildLambda(ctx, "arm64", filepath.Join(out, "b.zip"))
	if err != nil {
		t.Fatal(err)
	}
	a, _ := os.ReadFile(filepath.Join(out, "a.zip"))
	b, _ := os.ReadFile(filepath.Join(out, "b.zip"))
	if sum1 != sum2 || !bytes.Equal(a, b) {
		t.Fatalf("two builds differ: %s vs %s", sum1, sum2)
	}
	if len(a) > 6<<20 {
		t.Errorf("zip is %d bytes, want < 6 MB", len(a))
	}
	zr, err := zip.NewReader(bytes.NewReader(a), int64(len(a)))
	if err != nil {
		t.Fatal(err)
	}
	if len(zr.File) != 1 || zr.File[0].Name != "bootstrap" || zr.File[0].Mode().Perm() != 0o755 ||
		!zr.File[0].Modified.Equal(zipEpoch) {
		t.Fatalf("zip entries: %+v", zr.File[0].FileHeader)
	}
	rc, _ := zr.File[0].Open()
	head := make([]byte, 20)
	rc.Read(head)
	rc.Close()
	// ELF, 64-bit, machine 0xB7 (AArch64).
	if string(head[:4]) != "\x7fELF" || head[18] != 0xb7 {
		t.Errorf("bootstrap is not a linux/arm64 executable: % x", head)
	}
	t.Logf("tutorial deployment.zip: %d bytes, sha256 %s", len(a), sum1)

	if _, err := p.BuildLambda(ctx, "x86_64", filepath.Join(out, "x.zip")); err != nil {
		t.Fatal(err)
	}
	x, _ := os.ReadFile(filepath.Join(out, "x.zip"))
	zx, _ := zip.NewReader(bytes.NewReader(x), int64(len(x)))
	rc, _ = zx.File[0].Open()
	rc.Read(head)
	rc.Close()
	if head[18] != 0x3e { // x86-64
		t.Errorf("x86_64 build is not amd64: % x", head)
	}
}

func TestFailedLambdaBuildLeavesZipAlone(t *testing.T) {
	p := loadProject(t, "testdata/compileerror")
	zipPath := filepath.Join(t.TempDir(), "deployment.zip")
	os.WriteFile(zipPath, []byte("previous"), 0o644)
	if _, err := p.BuildLambda(context.Background(), "arm64", zipPath); err == nil {
		t.Fatal("no error")
	}
	if b, _ := os.ReadFile(zipPath); string(b) != "previous" {
		t.Errorf("the previous zip was touched: %q", b)
	}
	entries, _ := os.ReadDir(filepath.Dir(zipPath))
	if len(entries) != 1 {
		t.Errorf("temporary files left behind: %v", entries)
	}
	if _, err := p.BuildLambda(context.Background(), "sparc", zipPath); err == nil || !strings.Contains(err.Error(), "arm64 or x86_64") {
		t.Errorf("bad arch: %v", err)
	}
}
