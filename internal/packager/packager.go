// Package packager writes the output of `chalice package`: a SAM template
// and the deployment zip it refers to.
package packager

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/chalice-go/chalice/internal/policy"
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
	// PolicyFile is set when a generated policy was written, with the
	// actions it gained and lost since the last one.
	PolicyFile                 string
	PolicyAdded, PolicyRemoved []string
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
	var files synth.Files
	if files.APIPolicy, err = policy.APIGatewayPolicy(p, st); err != nil {
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
	// Last of the checks, as it type-checks the app: the role's policy.
	role, err := policy.ForStage(ctx, p, st, o.Progress)
	if err != nil {
		return nil, err
	}
	files.RolePolicy = role.Doc
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
	// The generated policy is recorded once the package is complete, as
	// Chalice does, so that it can be reviewed and committed.
	added, removed, changed, err := role.Save()
	if err != nil {
		return nil, err
	}
	if changed {
		res.PolicyFile = role.Path
		res.PolicyAdded, res.PolicyRemoved = added, removed
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
