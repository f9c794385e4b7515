// Package local emulates API Gateway (REST API, Lambda proxy integration)
// in front of Lambda, so that an app answers on a laptop as it will once
// deployed.
//
// Gateway is the API Gateway half: an http.Handler built from the app's
// manifest that routes requests, answers what API Gateway answers itself
// (unknown paths, undeclared methods, CORS preflights, authorizer denials,
// oversized bodies) and turns the rest into proxy events for an Invoker.
// Runtime is the Lambda half: it runs the app's binary under our own
// implementation of the Lambda Runtime API.
package local

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/chalice-go/chalice/app"
)

// Invoker runs one invocation of a function of the app. function is the
// CHALICE_HANDLER value: "api" or "authorizer:<name>".
type Invoker interface {
	Invoke(ctx context.Context, function string, payload []byte) ([]byte, error)
}

// Errors an Invoker reports, which the gateway turns into API Gateway's
// answers.
var (
	// ErrCrashed: the function's process died (502).
	ErrCrashed = errors.New("the function's process exited")
	// ErrTimedOut: the function ran past its timeout (504).
	ErrTimedOut = errors.New("the function timed out")
)

// FunctionError is an error the function returned (Lambda's "Unhandled").
type FunctionError struct {
	Type    string `json:"errorType"`
	Message string `json:"errorMessage"`
}

func (e *FunctionError) Error() string { return e.Type + ": " + e.Message }

// MaxBodyBytes is API Gateway's payload limit.
const MaxBodyBytes = 10 << 20

// IntegrationTimeout is API Gateway's limit on waiting for Lambda.
const IntegrationTimeout = 29 * time.Second

// Options configure a Gateway.
type Options struct {
	// Stage is the API Gateway stage name (api_gateway_stage); default "api".
	Stage string
	// StageVars are the stage variables passed in events.
	StageVars map[string]string
	// APIKeys, when not empty, are the keys accepted on routes that
	// require one (x-api-key). Empty: such routes are open, with a warning.
	APIKeys []string
	// Warn receives start-up warnings about what is not enforced locally.
	Warn io.Writer
	// Now is the clock for authorizer caching (tests); default time.Now.
	Now func() time.Time
	// IntegrationTimeout overrides API Gateway's 29 s (tests).
	IntegrationTimeout time.Duration
}

// Gateway is API Gateway for one app. It is safe for concurrent use.
type Gateway struct {
	root    *resource
	invoker Invoker
	opts    Options
	binary  []string
	auths   map[string]app.AuthorizerInfo
	cache   *authCache
	apiKeys map[string]bool
}

// route is what the gateway knows of one method of a resource.
type route struct {
	info app.RouteInfo
}

// Fake identifiers for ARNs and request contexts; API Gateway's own shape.
const (
	accountID = "123456789012"
	apiID     = "local0api0"
	region    = "us-east-1"
)

// NewGateway builds the gateway for manifest m, invoking functions through inv.
func NewGateway(m *app.Manifest, inv Invoker, o Options) *Gateway {
	if o.Stage == "" {
		o.Stage = "api"
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.IntegrationTimeout == 0 {
		o.IntegrationTimeout = IntegrationTimeout
	}
	g := &Gateway{root: newResource("/"), invoker: inv, opts: o, binary: m.BinaryTypes,
		auths: map[string]app.AuthorizerInfo{}, cache: newAuthCache(), apiKeys: map[string]bool{}}
	for _, k := range o.APIKeys {
		g.apiKeys[k] = true
	}
	for _, a := range m.Authorizers {
		g.auths[a.Name] = a
	}
	needKeys := false
	for _, r := range m.Routes {
		res := g.root.add(r.Path)
		res.methods[r.Method] = &route{info: r}
		if r.CORS != nil {
			res.corsPath = true
		}
		needKeys = needKeys || r.APIKeyRequired
	}
	g.warnings(m, needKeys)
	return g
}

func (g *Gateway) warnings(m *app.Manifest, needKeys bool) {
	w := g.opts.Warn
	if w == nil {
		return
	}
	used := map[string]bool{}
	for _, r := range m.Routes {
		used[r.Authorizer] = true
	}
	if needKeys && len(g.apiKeys) == 0 {
		fmt.Fprintln(w, "Warning: routes require an API key, and no keys are configured locally: they are open. List keys in .chalice/local.json ({\"api_keys\": [...]}) or with --api-key to enforce them.")
	}
	for _, a := range m.Authorizers {
		if !used[a.Name] {
			continue
		}
		switch a.Type {
		case app.AuthIAM:
			fmt.Fprintf(w, "Warning: authorizer %s (IAM, SigV4) is not checked locally: requests are let through.\n", a.Name)
		case app.AuthCustom:
			fmt.Fprintf(w, "Warning: authorizer %s (custom, %s) is not called locally: requests are let through.\n", a.Name, a.AuthorizerURI)
		case app.AuthCognito:
			fmt.Fprintf(w, "Warning: authorizer %s (Cognito user pools): tokens are decoded for their claims but NOT verified locally.\n", a.Name)
		}
	}
}

// ServeHTTP answers one request as API Gateway would.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	requestID := newRequestID()
	// API Gateway's own spelling; Set would canonicalize it.
	w.Header()["x-amzn-RequestId"] = []string{requestID}
	if r.ContentLength > MaxBodyBytes {
		gatewayError(w, http.StatusRequestEntityTooLarge, "", `{"message":"Request Too Long"}`)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxBodyBytes+1))
	if err != nil {
		gatewayError(w, http.StatusBadRequest, "", `{"message":"Could not read the request body"}`)
		return
	}
	if len(body) > MaxBodyBytes {
		gatewayError(w, http.StatusRequestEntityTooLarge, "", `{"message":"Request Too Long"}`)
		return
	}
	res, params := g.root.match(r.URL.EscapedPath())
	if res == nil || len(res.methods) == 0 {
		// No resource, or one that only exists as a prefix of others
		// (/files for /files/{path+}): it has no methods, OPTIONS included.
		missingToken(w)
		return
	}
	rt, ok := res.methods[r.Method]
	if !ok {
		if r.Method == http.MethodOptions {
			g.preflight(w, res)
			return
		}
		missingToken(w)
		return
	}
	ev := g.event(r, rt, params, body, requestID)
	if !g.authorize(w, r, rt, ev) {
		return
	}
	payload, err := appendEvent(make([]byte, 0, 2048), ev)
	if err != nil {
		gatewayError(w, http.StatusInternalServerError, "", `{"message": "Internal server error"}`)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), g.opts.IntegrationTimeout)
	defer cancel()
	out, err := g.invoker.Invoke(ctx, "api", payload)
	if err != nil {
		invokeFailed(w, err)
		return
	}
	writeProxyResponse(w, out)
}

func missingToken(w http.ResponseWriter) {
	gatewayError(w, http.StatusForbidden, "UnauthorizedException", `{"message":"Missing Authentication Token"}`)
}

func gatewayError(w http.ResponseWriter, status int, errType, body string) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	if errType != "" {
		h["x-amzn-ErrorType"] = []string{errType}
	}
	w.WriteHeader(status)
	io.WriteString(w, body)
}

// invokeFailed answers a failed integration as API Gateway does.
func invokeFailed(w http.ResponseWriter, err error) {
	switch {
	case errors.Is(err, ErrTimedOut), errors.Is(err, context.DeadlineExceeded):
		gatewayError(w, http.StatusGatewayTimeout, "", `{"message": "Endpoint request timed out"}`)
	case errors.Is(err, context.Canceled):
		// The client went away; nobody reads this.
		w.WriteHeader(499)
	default:
		gatewayError(w, http.StatusBadGateway, "InternalServerErrorException", `{"message": "Internal server error"}`)
	}
}

// preflight answers OPTIONS on a resource without an OPTIONS view: the CORS
// headers of its CORS methods and Access-Control-Allow-Methods.
func (g *Gateway) preflight(w http.ResponseWriter, res *resource) {
	h := w.Header()
	var methods []string
	for _, m := range sortedMethods(res) {
		rt := res.methods[m]
		if rt.info.CORS == nil {
			continue
		}
		methods = append(methods, m)
		for k, v := range rt.info.CORS {
			h.Set(k, v)
		}
	}
	h.Set("Access-Control-Allow-Methods", strings.Join(append(methods, "OPTIONS"), ","))
	h.Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
}

// sortedMethods lists a resource's methods in declaration-independent order.
func sortedMethods(res *resource) []string {
	return slices.Sorted(maps.Keys(res.methods))
}

// event builds the proxy event API Gateway sends Lambda.
func (g *Gateway) event(r *http.Request, rt *route, params map[string]string, body []byte, requestID string) *events.APIGatewayProxyRequest {
	headers := map[string]string{}
	multi := map[string][]string{}
	add := func(k string, vs ...string) {
		multi[k] = append(multi[k], vs...)
		headers[k] = multi[k][len(multi[k])-1]
	}
	for k, vs := range r.Header {
		add(k, vs...)
	}
	if r.Host != "" {
		add("Host", r.Host)
	}
	ip, port := clientAddr(r)
	add("X-Forwarded-For", ip)
	add("X-Forwarded-Port", port)
	add("X-Forwarded-Proto", "http")

	var query map[string]string
	var multiQuery map[string][]string
	if q := r.URL.Query(); len(q) > 0 {
		query, multiQuery = map[string]string{}, map[string][]string{}
		for k, vs := range q {
			multiQuery[k] = vs
			query[k] = vs[len(vs)-1]
		}
	}
	stageVars := g.opts.StageVars
	if len(stageVars) == 0 {
		stageVars = nil
	}
	now := g.opts.Now()
	path := r.URL.Path
	if len(path) > 1 {
		path = strings.TrimRight(path, "/")
		if path == "" {
			path = "/"
		}
	}
	ev := &events.APIGatewayProxyRequest{
		Resource:                        rt.info.Path,
		Path:                            path,
		HTTPMethod:                      r.Method,
		Headers:                         headers,
		MultiValueHeaders:               multi,
		QueryStringParameters:           query,
		MultiValueQueryStringParameters: multiQuery,
		PathParameters:                  params,
		StageVariables:                  stageVars,
		RequestContext: events.APIGatewayProxyRequestContext{
			AccountID:        accountID,
			ResourceID:       resourceID(rt.info.Path),
			Stage:            g.opts.Stage,
			RequestID:        requestID,
			ResourcePath:     rt.info.Path,
			HTTPMethod:       r.Method,
			APIID:            apiID,
			Path:             "/" + g.opts.Stage + path,
			Protocol:         r.Proto,
			DomainName:       r.Host,
			RequestTime:      now.UTC().Format("02/Jan/2006:15:04:05 -0700"),
			RequestTimeEpoch: now.UnixMilli(),
			Identity: events.APIGatewayRequestIdentity{
				SourceIP:  ip,
				UserAgent: r.UserAgent(),
			},
		},
	}
	if len(body) > 0 {
		if g.isBinary(r.Header.Get("Content-Type")) {
			ev.Body = base64.StdEncoding.EncodeToString(body)
			ev.IsBase64Encoded = true
		} else {
			ev.Body = string(body)
		}
	}
	return ev
}

// isBinary says whether API Gateway would base64-encode a request body of
// this content type (binaryMediaTypes, with wildcards).
func (g *Gateway) isBinary(contentType string) bool {
	if contentType == "" {
		return false
	}
	return app.MatchesContentType(contentType, g.binary)
}

func clientAddr(r *http.Request) (ip, port string) {
	host, port, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr, "80"
	}
	_, lport, err := net.SplitHostPort(localAddr(r))
	if err == nil {
		port = lport
	}
	return host, port
}

func localAddr(r *http.Request) string {
	if a, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
		return a.String()
	}
	return ""
}

func resourceID(path string) string {
	var h uint32 = 2166136261
	for i := 0; i < len(path); i++ {
		h = (h ^ uint32(path[i])) * 16777619
	}
	return strconv.FormatUint(uint64(h), 36)
}

// newRequestID makes a UUID-shaped id; it identifies, it does not protect,
// so a fast non-cryptographic source will do.
func newRequestID() string {
	var b [16]byte
	binary.LittleEndian.PutUint64(b[:8], rand.Uint64())
	binary.LittleEndian.PutUint64(b[8:], rand.Uint64())
	s := hex.EncodeToString(b[:])
	return s[0:8] + "-" + s[8:12] + "-" + s[12:16] + "-" + s[16:20] + "-" + s[20:]
}

// writeProxyResponse turns the function's answer into the HTTP response; a
// malformed one is API Gateway's 502.
func writeProxyResponse(w http.ResponseWriter, out []byte) {
	p, err := parseProxyResponse(out)
	if err != nil || p.StatusCode < 100 || p.StatusCode > 599 {
		gatewayError(w, http.StatusBadGateway, "InternalServerErrorException", `{"message": "Internal server error"}`)
		return
	}
	body := []byte(p.Body)
	if p.IsBase64Encoded {
		b, err := base64.StdEncoding.DecodeString(p.Body)
		if err != nil {
			gatewayError(w, http.StatusBadGateway, "InternalServerErrorException", `{"message": "Internal server error"}`)
			return
		}
		body = b
	}
	h := w.Header()
	for k, vs := range p.MultiValueHeaders {
		for _, v := range vs {
			h.Add(k, v)
		}
	}
	for k, v := range p.Headers {
		if _, multi := p.MultiValueHeaders[k]; !multi {
			h.Set(k, v)
		}
	}
	if h.Get("Content-Type") == "" {
		h.Set("Content-Type", "application/json")
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(p.StatusCode)
	w.Write(body)
}
