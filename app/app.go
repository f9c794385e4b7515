// Package app is the runtime a chalice for Go app imports: routes, requests
// and responses, errors, authorizers, event handlers, and the Lambda entry
// point (Run).
//
//	a := app.New("helloworld")
//	a.Route("/", func(r *app.Request) (any, error) {
//		return map[string]string{"hello": "world"}, nil
//	})
//	a.Run()
//
// Declarations that cannot work (a duplicate method on a path, bad path
// syntax, conflicting CORS) panic with a message naming the route, so the
// program never starts half-configured.
package app

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strings"

	"github.com/aws/aws-lambda-go/lambda"
)

// App is a chalice application: an API Gateway REST API plus other Lambda
// entry points, all served by one binary.
type App struct {
	// Name is the app's name (the default stack and function name prefix).
	Name string
	// Debug adds error details and panic stack traces to 500 responses.
	// Never enable it for a public deployment.
	Debug bool
	// BinaryTypes are the content types API Gateway treats as binary;
	// DefaultBinaryTypes() unless changed.
	BinaryTypes []string
	// Log receives errors from views (CloudWatch Logs under Lambda).
	Log *slog.Logger

	routes      map[routeKey]*route
	paths       map[string][]*route // declaration order, for Allow and checks
	pathOrder   []string
	authorizers []*BuiltinAuth
	functions   []*function
}

type routeKey struct{ path, method string }

// New returns an app named name.
func New(name string) *App {
	if name == "" {
		panic("app.New: the app needs a name")
	}
	return &App{
		Name:        name,
		BinaryTypes: DefaultBinaryTypes(),
		Log:         slog.New(slog.NewTextHandler(os.Stderr, nil)),
		routes:      map[routeKey]*route{},
		paths:       map[string][]*route{},
	}
}

// Route declares a view for path. Without Methods it answers GET.
//
//	a.Route("/cities/{city}", stateOf)
//	a.Route("/objects/{key}", object, app.Methods("GET", "PUT"), app.CORS(nil))
func (a *App) Route(path string, h Handler, opts ...RouteOption) {
	if h == nil {
		panic(fmt.Sprintf("app.Route(%q): handler is nil", path))
	}
	o := routeOptions{methods: []string{"GET"}, contentTypes: []string{"application/json"}}
	for _, opt := range opts {
		opt(&o)
	}
	view := o.name
	if view == "" {
		view = viewName(h)
	}
	fail := func(format string, args ...any) {
		panic(fmt.Sprintf("app.Route(%q) for view %s: %s", path, view, fmt.Sprintf(format, args...)))
	}
	if _, err := parsePath(path); err != nil {
		fail("%v", err)
	}
	if len(o.methods) == 0 {
		fail("Methods() needs at least one method")
	}
	if len(o.contentTypes) == 0 {
		fail("ContentTypes() needs at least one content type")
	}
	var cors *CORSConfig
	if o.corsSet {
		cors = o.cors
		if cors == nil {
			cors = &CORSConfig{}
		}
	}
	seen := map[string]bool{}
	for i, m := range o.methods {
		m = strings.ToUpper(m)
		if !slices.Contains(knownMethods, m) {
			fail("unknown method %q (use one of %s)", o.methods[i], strings.Join(knownMethods, ", "))
		}
		if seen[m] {
			fail("method %s is listed twice", m)
		}
		seen[m] = true
		if m == "OPTIONS" && cors != nil {
			fail("a route with CORS cannot also declare OPTIONS: the CORS preflight answers OPTIONS for you; remove OPTIONS from Methods")
		}
		if prev, ok := a.routes[routeKey{path, m}]; ok {
			fail("method %s is already declared for this path by view %s", m, prev.view)
		}
	}
	for _, other := range a.paths[path] {
		if cors != nil && other.cors != nil && !sameCORS(cors, other.cors) {
			fail("view %s (%s) uses a different CORS configuration on the same path; API Gateway has one preflight per path, so all CORS routes of a path must share one CORSConfig", other.view, other.method)
		}
	}
	if o.authorizer != nil {
		if b, ok := o.authorizer.(*BuiltinAuth); ok && !slices.ContainsFunc(a.authorizers, func(x *BuiltinAuth) bool { return x.name == b.name }) {
			fail("authorizer %q was not declared with this app's Authorizer method", b.name)
		}
	}
	if _, ok := a.paths[path]; !ok {
		a.pathOrder = append(a.pathOrder, path)
	}
	for _, raw := range o.methods {
		m := strings.ToUpper(raw)
		rt := &route{
			path: path, method: m, view: view, handler: h,
			contentTypes: slices.Clone(o.contentTypes), cors: cors,
			auth: o.authorizer, apiKey: o.apiKey,
		}
		if cors != nil {
			rt.corsHeaders = cors.Headers()
		}
		a.routes[routeKey{path, m}] = rt
		a.paths[path] = append(a.paths[path], rt)
	}
}

// Authorizer declares a built-in authorizer: fn runs as its own Lambda
// function, and routes use it with app.Authorizer(auth).
//
//	auth := a.Authorizer("token", checkToken)
//	a.Route("/private", private, app.Authorizer(auth))
func (a *App) Authorizer(name string, fn AuthFunc, opts ...AuthorizerOption) *BuiltinAuth {
	if fn == nil {
		panic(fmt.Sprintf("app.Authorizer(%q): function is nil", name))
	}
	a.checkFunctionName("app.Authorizer", name)
	b := &BuiltinAuth{name: name, fn: fn, ttl: 300, header: "Authorization"}
	for _, o := range opts {
		o(b)
	}
	a.authorizers = append(a.authorizers, b)
	return b
}

// checkFunctionName panics unless name can name a Lambda function of this
// app and is not taken.
func (a *App) checkFunctionName(caller, name string) {
	if name == "" || strings.IndexFunc(name, func(r rune) bool {
		return !(r == '_' || r == '-' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9')
	}) >= 0 {
		panic(fmt.Sprintf("%s(%q): names are letters, digits, '-' and '_'", caller, name))
	}
	if name == "api_handler" {
		panic(fmt.Sprintf("%s(%q): api_handler is the REST API's function", caller, name))
	}
	for _, b := range a.authorizers {
		if b.name == name {
			panic(fmt.Sprintf("%s(%q): the name is already used by an authorizer", caller, name))
		}
	}
	for _, f := range a.functions {
		if f.info.Name == name {
			panic(fmt.Sprintf("%s(%q): the name is already used by a %s function", caller, name, f.info.Kind))
		}
	}
}

// Manifest describes the app for the chalice CLI. It fails when the
// declarations are inconsistent as a whole (a route mixing binary and
// non-binary content types, two authorizers sharing a name).
func (a *App) Manifest() (*Manifest, error) {
	m := &Manifest{
		Version:     ManifestVersion,
		AppName:     a.Name,
		Debug:       a.Debug,
		BinaryTypes: slices.Clone(a.BinaryTypes),
		Routes:      []RouteInfo{},
		Authorizers: []AuthorizerInfo{},
		Functions:   []FunctionInfo{},
	}
	if m.BinaryTypes == nil {
		m.BinaryTypes = []string{}
	}
	auths := map[string]AuthorizerInfo{}
	addAuth := func(info AuthorizerInfo, where string) error {
		if prev, ok := auths[info.Name]; ok {
			if !jsonEqual(prev, info) {
				return fmt.Errorf("%s: two different authorizers are named %q; give each a unique name", where, info.Name)
			}
			return nil
		}
		auths[info.Name] = info
		m.Authorizers = append(m.Authorizers, info)
		return nil
	}
	for _, b := range a.authorizers {
		if err := addAuth(b.info(), "app.Authorizer"); err != nil {
			return nil, err
		}
	}
	for _, path := range a.pathOrder {
		for _, rt := range a.paths[path] {
			var binary, text []string
			for _, ct := range rt.contentTypes {
				if slices.ContainsFunc(a.BinaryTypes, func(b string) bool { return strings.EqualFold(b, ct) }) {
					binary = append(binary, ct)
				} else {
					text = append(text, ct)
				}
			}
			if binary != nil && text != nil {
				return nil, fmt.Errorf("route %s %s (view %s): content types mix binary %v and non-binary %v; API Gateway converts a request body one way, so use only one kind", rt.method, rt.path, rt.view, binary, text)
			}
			ri := RouteInfo{
				Path: rt.path, Method: rt.method, View: rt.view,
				ContentTypes: slices.Clone(rt.contentTypes), CORS: rt.corsHeaders,
				APIKeyRequired: rt.apiKey,
			}
			if rt.auth != nil {
				info := rt.auth.info()
				if err := addAuth(info, fmt.Sprintf("route %s %s", rt.method, rt.path)); err != nil {
					return nil, err
				}
				ri.Authorizer = info.Name
				ri.AuthScopes = slices.Clone(rt.auth.scopes())
			}
			m.Routes = append(m.Routes, ri)
		}
	}
	for _, f := range a.functions {
		m.Functions = append(m.Functions, f.info)
	}
	return m, nil
}

func jsonEqual(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

// LambdaHandler is one Lambda entry point of the app.
type LambdaHandler interface {
	Invoke(ctx context.Context, payload []byte) ([]byte, error)
}

type invokeFunc func(ctx context.Context, payload []byte) ([]byte, error)

func (f invokeFunc) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	return f(ctx, payload)
}

// LambdaHandler returns the entry point named as in CHALICE_HANDLER: "api"
// (the REST API), "authorizer:<name>" or "function:<name>".
func (a *App) LambdaHandler(name string) (LambdaHandler, error) {
	if _, err := a.Manifest(); err != nil {
		return nil, err
	}
	switch {
	case name == "api":
		return a.apiHandler(), nil
	case strings.HasPrefix(name, "authorizer:"):
		n := strings.TrimPrefix(name, "authorizer:")
		for _, b := range a.authorizers {
			if b.name == n {
				return invokeFunc(b.invoke), nil
			}
		}
		return nil, fmt.Errorf("app %s has no authorizer %q", a.Name, n)
	case strings.HasPrefix(name, "function:"):
		n := strings.TrimPrefix(name, "function:")
		for _, f := range a.functions {
			if f.info.Name == n {
				return invokeFunc(f.invoke), nil
			}
		}
		return nil, fmt.Errorf("app %s has no function %q", a.Name, n)
	}
	return nil, fmt.Errorf("unknown CHALICE_HANDLER %q: expected api, authorizer:<name> or function:<name>", name)
}

// Run starts the app. Under Lambda it serves the entry point named by
// CHALICE_HANDLER (default api); with CHALICE_MANIFEST=1 it prints the
// manifest and exits (the chalice CLI does this); otherwise it explains how
// to run the app and exits 2. Run does not return.
func (a *App) Run() {
	os.Exit(a.run(os.Getenv, os.Stdout, os.Stderr, func(h LambdaHandler) { lambda.Start(h) }))
}

func (a *App) run(getenv func(string) string, stdout, stderr io.Writer, start func(LambdaHandler)) int {
	switch {
	case getenv("CHALICE_MANIFEST") == "1":
		m, err := a.Manifest()
		if err != nil {
			fmt.Fprintf(stderr, "chalice: %v\n", err)
			return 1
		}
		enc := json.NewEncoder(stdout)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(m); err != nil {
			fmt.Fprintf(stderr, "chalice: writing manifest: %v\n", err)
			return 1
		}
		return 0
	case getenv("AWS_LAMBDA_RUNTIME_API") != "":
		name := getenv("CHALICE_HANDLER")
		if name == "" {
			name = "api"
		}
		h, err := a.LambdaHandler(name)
		if err != nil {
			fmt.Fprintf(stderr, "chalice: %v\n", err)
			return 1
		}
		start(h)
		return 0
	}
	fmt.Fprintf(stderr, "%s is a chalice app: run it with `chalice local`, or deploy it with `chalice deploy`.\n", a.Name)
	return 2
}
