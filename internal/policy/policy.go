// Package policy writes a least-privilege IAM policy for an app's Lambda
// role from the AWS calls its Go source makes.
//
// It type-checks the app's packages (every package of the app's own module
// that the app imports) and finds calls to aws-sdk-go-v2: methods of a
// service's *Client and *PresignClient, its paginators and waiters, methods
// of any type or interface whose signature takes a service's <Op>Input (a
// client behind an interface or a wrapper), and the S3 upload/download
// managers. Types, not names, decide what is an SDK call.
package policy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"maps"
	"slices"
	"strings"
	"unicode"

	"golang.org/x/tools/go/packages"
	"golang.org/x/tools/go/types/typeutil"
)

// Call is one SDK call site.
type Call struct {
	Service   string // SDK service package name, e.g. s3
	Operation string // e.g. ListObjectsV2
	Position  string // file:line
}

// Result is what the analysis found.
type Result struct {
	// Actions maps an IAM prefix (s3, dynamodb, logs...) to actions.
	Actions map[string][]string
	// Unknown lists SDK service packages missing from the prefix table;
	// their package name was used as the prefix.
	Unknown []string
	Calls   []Call
	// Packages is how many of the app's packages were analysed.
	Packages int
}

// Analyze loads the main package in dir and the packages of its module
// that it imports, and returns the AWS actions they call.
func Analyze(ctx context.Context, dir string) (*Result, error) {
	// First pass, cheap: the import graph, to find the module's packages.
	cfg := &packages.Config{Context: ctx, Dir: dir, Mode: packages.NeedName | packages.NeedImports | packages.NeedDeps | packages.NeedModule}
	roots, err := packages.Load(cfg, ".")
	if err != nil {
		return nil, fmt.Errorf("analyse %s: %w", dir, err)
	}
	if len(roots) != 1 {
		return nil, fmt.Errorf("analyse %s: expected one package, found %d", dir, len(roots))
	}
	root := roots[0]
	if err := loadErrors(roots); err != nil {
		return nil, err
	}
	if root.Module == nil {
		return nil, fmt.Errorf("analyse %s: not in a Go module (run go mod init)", dir)
	}
	own := map[string]bool{}
	packages.Visit(roots, nil, func(p *packages.Package) {
		if p.Module != nil && p.Module.Path == root.Module.Path {
			own[p.PkgPath] = true
		}
	})
	// Second pass: syntax and types for the module's packages only;
	// dependencies come from export data.
	cfg.Mode = packages.NeedName | packages.NeedSyntax | packages.NeedTypes | packages.NeedTypesInfo | packages.NeedFiles
	pkgs, err := packages.Load(cfg, slices.Sorted(maps.Keys(own))...)
	if err != nil {
		return nil, fmt.Errorf("analyse %s: %w", dir, err)
	}
	if err := loadErrors(pkgs); err != nil {
		return nil, err
	}
	a := &analysis{actions: map[string]map[string]bool{}, unknown: map[string]bool{}}
	for _, p := range pkgs {
		for _, f := range p.Syntax {
			ast.Inspect(f, func(n ast.Node) bool {
				if call, ok := n.(*ast.CallExpr); ok {
					a.call(p.Fset, p.TypesInfo, call)
				}
				return true
			})
		}
	}
	res := &Result{Actions: map[string][]string{}, Unknown: slices.Sorted(maps.Keys(a.unknown)), Calls: a.calls, Packages: len(pkgs)}
	for prefix, set := range a.actions {
		res.Actions[prefix] = slices.Sorted(maps.Keys(set))
	}
	return res, nil
}

// loadErrors reports the first problem loading pkgs: a syntax or type
// error in the app is the user's to fix, with its position.
func loadErrors(pkgs []*packages.Package) error {
	var errs []string
	packages.Visit(pkgs, nil, func(p *packages.Package) {
		for _, e := range p.Errors {
			errs = append(errs, e.Error())
		}
	})
	if len(errs) == 0 {
		return nil
	}
	if len(errs) > 5 {
		errs = append(errs[:5], fmt.Sprintf("and %d more", len(errs)-5))
	}
	return errors.New("cannot analyse the app's AWS calls until it compiles:\n" + strings.Join(errs, "\n"))
}

type analysis struct {
	actions map[string]map[string]bool
	unknown map[string]bool
	calls   []Call
}

func (a *analysis) call(fset *token.FileSet, info *types.Info, call *ast.CallExpr) {
	fn, ok := typeutil.Callee(info, call).(*types.Func)
	if !ok || fn.Pkg() == nil {
		return
	}
	service, ops := sdkCall(fn)
	if service == "" {
		return
	}
	pos := fset.Position(call.Pos())
	for _, op := range ops {
		a.calls = append(a.calls, Call{Service: service, Operation: op, Position: fmt.Sprintf("%s:%d", pos.Filename, pos.Line)})
	}
	a.add(service, ops, fn.Pkg().Path())
}

// add records the IAM actions for operations of a service package.
func (a *analysis) add(service string, ops []string, from string) {
	prefix, known := prefixes[service]
	if !known {
		prefix = service
		a.unknown[service] = true
	}
	set := a.actions[prefix]
	if set == nil {
		set = map[string]bool{}
		a.actions[prefix] = set
	}
	for _, op := range ops {
		if acts, ok := exceptions[service][op]; ok {
			for _, act := range acts {
				set[act] = true
			}
			continue
		}
		set[op] = true
	}
	if len(set) == 0 {
		delete(a.actions, prefix)
	}
}

// sdkCall says which service operations calling fn performs, if any. ops
// are API operation names, or IAM action names for helpers.
func sdkCall(fn *types.Func) (service string, ops []string) {
	sig := fn.Type().(*types.Signature)
	path := fn.Pkg().Path()
	if h, ok := helpers[path]; ok {
		if recv := recvName(sig); recv != "" {
			if c, ok := h[recv+"."+fn.Name()]; ok {
				return c.service, c.actions
			}
		}
		return "", nil
	}
	// Paginators and waiters: s3.NewListObjectsV2Paginator(client, ...)
	// takes a ListObjectsV2APIClient.
	if svc, ok := servicePackage(path); ok && sig.Recv() == nil && strings.HasPrefix(fn.Name(), "New") &&
		(strings.HasSuffix(fn.Name(), "Paginator") || strings.HasSuffix(fn.Name(), "Waiter")) && sig.Params().Len() > 0 {
		if named := namedType(sig.Params().At(0).Type()); named != nil {
			if op, ok := strings.CutSuffix(named.Obj().Name(), "APIClient"); ok {
				return svc, []string{op}
			}
		}
		return "", nil
	}
	// Any method taking a service's <Op>Input named <Op> (or Presign<Op>):
	// the client, a presign client, an interface a client satisfies, a
	// wrapper with the same shape.
	if sig.Recv() == nil {
		return "", nil
	}
	op := strings.TrimPrefix(fn.Name(), "Presign")
	for i := range sig.Params().Len() {
		named := namedType(sig.Params().At(i).Type())
		if named == nil || named.Obj().Pkg() == nil || named.Obj().Name() != op+"Input" {
			continue
		}
		if svc, ok := servicePackage(named.Obj().Pkg().Path()); ok {
			return svc, []string{op}
		}
	}
	return "", nil
}

// servicePackage reports whether path is an SDK service client package
// (not its types or internal packages) and returns the service's name.
func servicePackage(path string) (string, bool) {
	rest, ok := strings.CutPrefix(path, sdkService)
	if !ok || rest == "" || strings.Contains(rest, "/") {
		return "", false
	}
	return rest, true
}

func namedType(t types.Type) *types.Named {
	if p, ok := t.(*types.Pointer); ok {
		t = p.Elem()
	}
	n, _ := t.(*types.Named)
	return n
}

func recvName(sig *types.Signature) string {
	if sig.Recv() == nil {
		return ""
	}
	if n := namedType(sig.Recv().Type()); n != nil {
		return n.Obj().Name()
	}
	return ""
}

// logsActions are what every Lambda function needs to write its logs.
var logsActions = []string{"logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"}

// Document is the policy for r: CloudWatch Logs, then one statement per
// service with its actions sorted.
func Document(r *Result) map[string]any {
	stmts := []any{map[string]any{
		"Effect":   "Allow",
		"Action":   slices.Clone(logsActions),
		"Resource": "arn:*:logs:*:*:*",
	}}
	for _, prefix := range slices.Sorted(maps.Keys(r.Actions)) {
		var acts []string
		for _, a := range r.Actions[prefix] {
			full := prefix + ":" + a
			if prefix == "logs" && slices.Contains(logsActions, full) {
				continue
			}
			acts = append(acts, full)
		}
		if len(acts) == 0 {
			continue
		}
		stmts = append(stmts, map[string]any{
			"Sid":      sid(prefix),
			"Effect":   "Allow",
			"Action":   acts,
			"Resource": []string{"*"},
		})
	}
	return map[string]any{"Version": "2012-10-17", "Statement": stmts}
}

// sid names a statement after its service: cognito-idp → CognitoIdp.
func sid(prefix string) string {
	var b strings.Builder
	up := true
	for _, r := range prefix {
		if r == '-' {
			up = true
			continue
		}
		if up {
			r = unicode.ToUpper(r)
			up = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Encode renders a policy document as indented JSON with a final newline.
func Encode(doc map[string]any) ([]byte, error) {
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// Actions lists every "prefix:Action" a policy document allows, sorted.
func Actions(doc map[string]any) []string {
	set := map[string]bool{}
	stmts, _ := doc["Statement"].([]any)
	for _, s := range stmts {
		m, _ := s.(map[string]any)
		if m == nil || m["Effect"] != "Allow" {
			continue
		}
		switch a := m["Action"].(type) {
		case string:
			set[a] = true
		case []string:
			for _, x := range a {
				set[x] = true
			}
		case []any:
			for _, x := range a {
				if s, ok := x.(string); ok {
					set[s] = true
				}
			}
		}
	}
	return slices.Sorted(maps.Keys(set))
}

// Diff says which actions next adds to and removes from prev.
func Diff(prev, next map[string]any) (added, removed []string) {
	a, b := Actions(prev), Actions(next)
	for _, x := range b {
		if !slices.Contains(a, x) {
			added = append(added, x)
		}
	}
	for _, x := range a {
		if !slices.Contains(b, x) {
			removed = append(removed, x)
		}
	}
	return added, removed
}
