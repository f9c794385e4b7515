// Package apptest serves an *app.App in-process behind the same API
// Gateway emulation as `chalice local`, for tests:
//
//	func TestIndex(t *testing.T) {
//		s := apptest.New(newApp())
//		resp := s.Get("/")
//		if resp.StatusCode != 200 || resp.Text() != `{"hello":"world"}` {
//			t.Fatalf("GET / = %d %s", resp.StatusCode, resp.Body)
//		}
//	}
//
// Requests go through route matching, CORS preflights, API keys and
// built-in authorizers exactly as under `chalice local`; the app's
// handlers are called directly instead of in a separate process. A Server
// is an http.Handler, so it also works with net/http/httptest.
package apptest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"

	"github.com/chalice-go/chalice/app"
	"github.com/chalice-go/chalice/local"
)

// Option configures a Server.
type Option func(*config)

type config struct {
	gw      local.Options
	timeout time.Duration
}

// Stage sets the API Gateway stage name (default "api").
func Stage(name string) Option { return func(c *config) { c.gw.Stage = name } }

// StageVars sets the stage variables passed to views.
func StageVars(vars map[string]string) Option { return func(c *config) { c.gw.StageVars = vars } }

// APIKeys enforces these keys on routes declared with app.APIKeyRequired.
// Without it such routes are open.
func APIKeys(keys ...string) Option { return func(c *config) { c.gw.APIKeys = keys } }

// Timeout is the deadline each invocation's context carries, as
// lambda_timeout does (default 60 s).
func Timeout(d time.Duration) Option { return func(c *config) { c.timeout = d } }

// Now sets the clock used for authorizer caching.
func Now(now func() time.Time) Option { return func(c *config) { c.gw.Now = now } }

// Server is an app behind API Gateway, in-process.
type Server struct {
	gw *local.Gateway
}

// New serves a. It panics if the app is misdeclared, as a.Run would fail.
func New(a *app.App, opts ...Option) *Server {
	c := config{timeout: 60 * time.Second}
	for _, o := range opts {
		o(&c)
	}
	m, err := a.Manifest()
	if err != nil {
		panic(fmt.Sprintf("apptest: %v", err))
	}
	inv := &inProcess{app: a, timeout: c.timeout, handlers: map[string]app.LambdaHandler{}}
	return &Server{gw: local.NewGateway(m, inv, c.gw)}
}

// ServeHTTP answers r as API Gateway and the app would.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.gw.ServeHTTP(w, r) }

// Response is an answer.
type Response struct {
	StatusCode int
	Header     http.Header
	Body       []byte
}

// Text returns the body as a string.
func (r *Response) Text() string { return string(r.Body) }

// JSON decodes the body into v.
func (r *Response) JSON(v any) error {
	if err := json.Unmarshal(r.Body, v); err != nil {
		return fmt.Errorf("response body %q: %w", r.Body, err)
	}
	return nil
}

// Do sends a request. header lists names and values in turn:
// s.Do("PUT", "/objects/a", `{"x":1}`, "Content-Type", "application/json").
func (s *Server) Do(method, path string, body any, header ...string) *Response {
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	case io.Reader:
		rd = b
	default:
		panic(fmt.Sprintf("apptest: body must be a string, []byte or io.Reader, not %T", body))
	}
	req := httptest.NewRequest(method, path, rd)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Add(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	res := rec.Result()
	// What a client reads off the wire: canonical header names, so that
	// Header.Get finds API Gateway's x-amzn-RequestId.
	h := http.Header{}
	for k, vs := range res.Header {
		for _, v := range vs {
			h.Add(k, v)
		}
	}
	return &Response{StatusCode: res.StatusCode, Header: h, Body: rec.Body.Bytes()}
}

// Get sends a GET request.
func (s *Server) Get(path string, header ...string) *Response {
	return s.Do(http.MethodGet, path, nil, header...)
}

// inProcess invokes the app's handlers directly.
type inProcess struct {
	app      *app.App
	timeout  time.Duration
	mu       sync.Mutex
	handlers map[string]app.LambdaHandler
}

func (p *inProcess) Invoke(ctx context.Context, function string, payload []byte) (out []byte, err error) {
	p.mu.Lock()
	h, ok := p.handlers[function]
	if !ok {
		if h, err = p.app.LambdaHandler(function); err != nil {
			p.mu.Unlock()
			return nil, err
		}
		p.handlers[function] = h
	}
	p.mu.Unlock()
	ctx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	// Lambda's runtime reports a panic as the function's error.
	defer func() {
		if v := recover(); v != nil {
			out, err = nil, &local.FunctionError{Type: "Runtime.Panic", Message: fmt.Sprint(v)}
		}
	}()
	out, err = h.Invoke(ctx, payload)
	if err != nil {
		return nil, &local.FunctionError{Type: fmt.Sprintf("%T", err), Message: err.Error()}
	}
	return out, nil
}
