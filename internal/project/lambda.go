package project

import (
	"archive/zip"
	"compress/flate"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"
)

// goArch maps lambda_architecture to GOARCH.
func goArch(arch string) (string, error) {
	switch arch {
	case "arm64", "":
		return "arm64", nil
	case "x86_64":
		return "amd64", nil
	}
	return "", fmt.Errorf("lambda_architecture %q: expected arm64 or x86_64", arch)
}

// LambdaBuildFlags are the go build flags of a Lambda build: reproducible
// (no paths, build ids or VCS stamps) and small (no symbol tables).
var LambdaBuildFlags = []string{"-trimpath", "-buildvcs=false", "-tags", "lambda.norpc", "-ldflags=-s -w -buildid="}

// BuildLambda builds the app for Lambda (linux, arch "arm64" or "x86_64")
// and writes it to zipPath as a deployment package holding one executable,
// bootstrap. It returns the zip's SHA-256 (hex). Identical sources give
// identical zips; a failure leaves zipPath as it was.
func (p *Project) BuildLambda(ctx context.Context, arch, zipPath string) (string, error) {
	goarch, err := goArch(arch)
	if err != nil {
		return "", err
	}
	tmpDir, err := os.MkdirTemp("", "chalice-lambda-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmpDir)
	bin := filepath.Join(tmpDir, "bootstrap")
	p.progress("Building %s for Lambda (linux/%s)...", p.Config.AppName, goarch)
	env := []string{"GOOS=linux", "GOARCH=" + goarch, "CGO_ENABLED=0"}
	if err := p.goBuild(ctx, env, bin, LambdaBuildFlags...); err != nil {
		return "", err
	}
	return WriteZip(bin, zipPath)
}

// zipEpoch is the timestamp of every zip entry: the earliest a zip can hold.
var zipEpoch = time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)

// WriteZip writes a Lambda deployment package holding bin as "bootstrap"
// (mode 0755, fixed timestamp) to zipPath, atomically, and returns its
// SHA-256 in hex.
func WriteZip(bin, zipPath string) (string, error) {
	src, err := os.Open(bin)
	if err != nil {
		return "", fmt.Errorf("open %s: %w", bin, err)
	}
	defer src.Close()
	dir := filepath.Dir(zipPath)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("create %s: %w", dir, err)
	}
	tmp, err := os.CreateTemp(dir, ".deployment-*.zip")
	if err != nil {
		return "", fmt.Errorf("write %s: %w", zipPath, err)
	}
	defer os.Remove(tmp.Name()) // no-op after the rename
	sum := sha256.New()
	zw := zip.NewWriter(io.MultiWriter(tmp, sum))
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(w, flate.BestCompression)
	})
	hdr := &zip.FileHeader{Name: "bootstrap", Method: zip.Deflate, Modified: zipEpoch}
	hdr.SetMode(0o755)
	w, err := zw.CreateHeader(hdr)
	if err == nil {
		_, err = io.Copy(w, src)
	}
	if err == nil {
		err = zw.Close()
	}
	if err == nil {
		err = tmp.Close()
	} else {
		tmp.Close()
	}
	if err == nil {
		// CreateTemp makes it private; a package is an ordinary file.
		err = os.Chmod(tmp.Name(), 0o644)
	}
	if err != nil {
		return "", fmt.Errorf("write %s: %w", zipPath, err)
	}
	if err := os.Rename(tmp.Name(), zipPath); err != nil {
		return "", fmt.Errorf("write %s: %w", zipPath, err)
	}
	return hex.EncodeToString(sum.Sum(nil)), nil
}
