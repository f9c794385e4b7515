// Package packager writes the output of `chalice package`: a SAM template
// and the deployment zip it refers to.
package packager

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/chalice-go/chalice/internal/project"
	"github.com/chalice-go/chalice/synth"
)

// Options describe one packaging run.
type Options struct {
	ProjectDir string
	Stage      string
	OutDir     string
	// Format is json (default) or yaml.
	Format string
	// MergeFile is a JSON or YAML template deep-merged into the output.
	MergeFile string
	// Version is the chalice version, recorded in the functions' tags.
	Version  string
	Progress io.Writer
	// CacheDir overrides the host build cache (tests).
	CacheDir string
}

// Result says what was written.
type Result struct {
	Template    string // path of sam.json or sam.yaml
	Zip         string // path of deployment.zip
	ZipSHA256   string
	Resources   int
	TemplateLen int
}

// Package builds the app, synthesizes its template and writes both into
// OutDir. Every input is checked before the build starts, and the files
// appear in OutDir only when all of them are ready: a failed run leaves
// OutDir as it was.
func Package(ctx context.Context, o Options) (*Result, error) {
	format := synth.Format(o.Format)
	name := "sam.json"
	switch format {
	case "", synth.JSON:
		format = synth.JSON
	case synth.YAML:
		name = "sam.yaml"
	default:
		return nil, fmt.Errorf("--template-format %q: use json or yaml", o.Format)
	}
	p, err := project.Load(o.ProjectDir)
	if err != nil {
		return nil, err
	}
	p.Progress, p.CacheDir = o.Progress, o.CacheDir
	st, err := p.Config.Stage(o.Stage)
	if err != nil {
		return nil, err
	}
	files, err := ReadFiles(p, st)
	if err != nil {
		return nil, err
	}
	var overlay map[string]any
	if o.MergeFile != "" {
		data, err := os.ReadFile(o.MergeFile)
		if err != nil {
			return nil, fmt.Errorf("--merge-template: %w", err)
		}
		if overlay, err = synth.ParseMergeFile(o.MergeFile, data); err != nil {
			return nil, err
		}
	}
	if err := os.MkdirAll(o.OutDir, 0o755); err != nil {
		return nil, fmt.Errorf("cannot create output directory %s: %w", o.OutDir, err)
	}
	stage, err := os.MkdirTemp(o.OutDir, ".chalice-package-")
	if err != nil {
		return nil, fmt.Errorf("cannot write to output directory %s: %w", o.OutDir, err)
	}
	defer os.RemoveAll(stage)

	m, err := p.Manifest(ctx)
	if err != nil {
		return nil, err
	}
	t, err := synth.Template(synth.Input{Manifest: m, Stage: st, Code: synth.Code{URI: "./deployment.zip"}, Files: files, Version: o.Version})
	if err != nil {
		return nil, err
	}
	doc, err := synth.Document(t)
	if err != nil {
		return nil, err
	}
	if overlay != nil {
		doc = synth.Merge(doc, overlay)
	}
	out, err := encode(doc, format, o.Progress)
	if err != nil {
		return nil, err
	}
	sum, err := p.BuildLambda(ctx, st.Architecture, filepath.Join(stage, "deployment.zip"))
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(stage, name), out, 0o644); err != nil {
		return nil, fmt.Errorf("write %s: %w", name, err)
	}
	res := &Result{Template: filepath.Join(o.OutDir, name), Zip: filepath.Join(o.OutDir, "deployment.zip"), ZipSHA256: sum, TemplateLen: len(out)}
	if rs, ok := doc["Resources"].(map[string]any); ok {
		res.Resources = len(rs)
	}
	// The zip first: a template never points at a package it does not match
	// for longer than one rename.
	for _, f := range []string{"deployment.zip", name} {
		if err := os.Rename(filepath.Join(stage, f), filepath.Join(o.OutDir, f)); err != nil {
			return nil, fmt.Errorf("write %s: %w", filepath.Join(o.OutDir, f), err)
		}
	}
	return res, nil
}

// MaxTemplateBytes is CloudFormation's limit for a template uploaded to S3.
const MaxTemplateBytes = 1 << 20

// encode writes doc in format. Indented JSON is for people; when
// indentation alone would take it past CloudFormation's limit (around 900
// routes), it is written compact instead, and a template too large even so
// is reported: CloudFormation will refuse it.
func encode(doc map[string]any, format synth.Format, progress io.Writer) ([]byte, error) {
	out, err := synth.Encode(doc, format)
	if err != nil {
		return nil, err
	}
	if format == synth.JSON && len(out) > MaxTemplateBytes {
		pretty := len(out)
		if out, err = synth.Encode(doc, synth.CompactJSON); err != nil {
			return nil, err
		}
		say(progress, "Indented, the template would be %d bytes, over CloudFormation's %d; wrote it compact (%d bytes).\n", pretty, MaxTemplateBytes, len(out))
	}
	if len(out) > MaxTemplateBytes {
		say(progress, "Warning: the template is %d bytes, over CloudFormation's limit of %d: CloudFormation will refuse it. Split the app, or use fewer CORS and authorizer variations per path.\n", len(out), MaxTemplateBytes)
	}
	return out, nil
}

func say(w io.Writer, format string, args ...any) {
	if w != nil {
		fmt.Fprintf(w, format, args...)
	}
}

// ReadFiles reads the policy files the stage names (relative paths are in
// .chalice/, as in Chalice).
func ReadFiles(p *project.Project, st *project.Stage) (synth.Files, error) {
	var f synth.Files
	var err error
	if st.APIPolicyFile != "" {
		if f.APIPolicy, err = readPolicy(p, st.APIPolicyFile, true); err != nil {
			return f, err
		}
	}
	api, err := st.Function(project.APIHandlerName)
	if err != nil {
		return f, err
	}
	switch {
	case !api.ManageIAMRole:
	case api.IAMPolicyFile != "":
		f.RolePolicy, err = readPolicy(p, api.IAMPolicyFile, true)
	default:
		f.RolePolicy, err = readPolicy(p, "policy-"+st.Name+".json", false)
	}
	return f, err
}

func readPolicy(p *project.Project, name string, required bool) (map[string]any, error) {
	path := name
	if !filepath.IsAbs(path) {
		path = filepath.Join(p.Dir, ".chalice", name)
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) && !required {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read policy: %w", err)
	}
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%s: not a JSON policy document: %w", path, err)
	}
	if _, ok := doc["Statement"]; !ok {
		return nil, fmt.Errorf("%s: a policy document needs a \"Statement\" list", path)
	}
	return doc, nil
}
