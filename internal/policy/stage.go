package policy

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/chalice-go/chalice/internal/atomicfile"
	"github.com/chalice-go/chalice/internal/project"
)

// StagePolicy is the role policy a stage deploys with.
type StagePolicy struct {
	// Doc is the policy document; nil when the stage brings its own role
	// (manage_iam_role: false).
	Doc map[string]any
	// Generated is true for autogen_policy: Doc comes from the source and
	// belongs in Path once the command succeeds (Save).
	Generated bool
	Path      string
	Analysis  *Result
	Took      time.Duration
}

// ForStage decides the stage's role policy as Chalice does: nothing with
// manage_iam_role false; generated from the source with autogen_policy
// (the default); otherwise read from iam_policy_file, by default
// .chalice/policy-<stage>.json.
func ForStage(ctx context.Context, p *project.Project, st *project.Stage, warn io.Writer) (*StagePolicy, error) {
	api, err := st.Function(project.APIHandlerName)
	if err != nil {
		return nil, err
	}
	if !api.ManageIAMRole {
		return &StagePolicy{}, nil
	}
	defaultPath := filepath.Join(p.Dir, ".chalice", "policy-"+st.Name+".json")
	if api.AutogenPolicy {
		if api.IAMPolicyFile != "" && warn != nil {
			fmt.Fprintf(warn, "Warning: iam_policy_file %s is not used while autogen_policy is true; set \"autogen_policy\": false to use it.\n", api.IAMPolicyFile)
		}
		start := time.Now()
		r, err := Analyze(ctx, p.Dir)
		if err != nil {
			return nil, err
		}
		if len(r.Unknown) > 0 && warn != nil {
			fmt.Fprintf(warn, "Warning: no IAM prefix known for SDK service(s) %v; the policy uses the package name. Check it, or set \"autogen_policy\": false and write the policy yourself.\n", r.Unknown)
		}
		return &StagePolicy{Doc: Document(r), Generated: true, Path: defaultPath, Analysis: r, Took: time.Since(start)}, nil
	}
	path := defaultPath
	if api.IAMPolicyFile != "" {
		path = api.IAMPolicyFile
		if !filepath.IsAbs(path) {
			path = filepath.Join(p.Dir, ".chalice", path)
		}
	}
	doc, err := Read(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%s does not exist: with \"autogen_policy\": false the role's policy is read from it (set iam_policy_file to use another file, or run `chalice gen-policy > %s` to start from a generated one)", path, path)
	}
	if err != nil {
		return nil, err
	}
	return &StagePolicy{Doc: doc, Path: path}, nil
}

// APIGatewayPolicy reads the stage's api_gateway_policy_file, the REST
// API's resource policy (relative paths are in .chalice/, as in Chalice);
// nil when the stage has none.
func APIGatewayPolicy(p *project.Project, st *project.Stage) (map[string]any, error) {
	if st.APIPolicyFile == "" {
		return nil, nil
	}
	path := st.APIPolicyFile
	if !filepath.IsAbs(path) {
		path = filepath.Join(p.Dir, ".chalice", path)
	}
	doc, err := Read(path)
	if err != nil {
		return nil, fmt.Errorf("api_gateway_policy_file: %w", err)
	}
	return doc, nil
}

// Read reads a policy document.
func Read(path string) (map[string]any, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
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

// Save writes a generated policy to its file when it differs from what is
// there, atomically, and returns the actions added and removed since.
func (sp *StagePolicy) Save() (added, removed []string, changed bool, err error) {
	if !sp.Generated {
		return nil, nil, false, nil
	}
	out, err := Encode(sp.Doc)
	if err != nil {
		return nil, nil, false, err
	}
	old, rerr := os.ReadFile(sp.Path)
	if rerr == nil && bytes.Equal(old, out) {
		return nil, nil, false, nil
	}
	prev := map[string]any{}
	if rerr == nil {
		json.Unmarshal(old, &prev)
	}
	added, removed = Diff(prev, sp.Doc)
	if err := atomicfile.Write(sp.Path, out); err != nil {
		return nil, nil, false, err
	}
	return added, removed, true, nil
}
