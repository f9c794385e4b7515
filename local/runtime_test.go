package local

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/chalice-go/chalice/app"
	"github.com/chalice-go/chalice/internal/project"
)

var fixture struct {
	once     sync.Once
	bin      string
	manifest *app.Manifest
	err      error
}

var cacheDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "chalice-local-test-")
	if err != nil {
		panic(err)
	}
	cacheDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// faultApp builds testdata/faultapp once per test binary.
func faultApp(t testing.TB) (string, *app.Manifest) {
	t.Helper()
	fixture.once.Do(func() {
		p, err := project.Load("testdata/faultapp")
		if err != nil {
			fixture.err = err
			return
		}
		p.CacheDir = cacheDir
		if fixture.bin, fixture.err = p.BuildHost(context.Background()); fixture.err != nil {
			return
		}
		fixture.manifest, fixture.err = project.ReadManifest(context.Background(), fixture.bin, 0)
	})
	if fixture.err != nil {
		t.Fatal(fixture.err)
	}
	return fixture.bin, fixture.manifest
}

// counting wraps an Invoker and counts API invocations.
type counting struct {
	Invoker
	api atomic.Int64
}

func (c *counting) Invoke(ctx context.Context, fn string, payload []byte) ([]byte, error) {
	if fn == "api" {
		c.api.Add(1)
	}
	return c.Invoker.Invoke(ctx, fn, payload)
}

type served struct {
	url    string
	rt     *Runtime
	inv    *counting
	output *syncBuffer
}

// serveFaultApp runs the fixture behind a Gateway on a real socket. When
// the test ends it checks that no process of the app is left.
func serveFaultApp(t testing.TB, max int, o Options) *served {
	t.Helper()
	bin, m := faultApp(t)
	out := &syncBuffer{}
	rt, err := StartRuntime(RuntimeOptions{
		Binary: bin,
		Functions: []Function{
			{Handler: "api", Name: "faultapp-dev", Env: map[string]string{"GREETING": "hi"}, Timeout: time.Second, MemoryMB: 128},
			{Handler: "authorizer:token", Name: "faultapp-dev-token", Timeout: time.Second, MemoryMB: 128},
		},
		MaxConcurrency: max,
		Output:         out,
	})
	if err != nil {
		t.Fatal(err)
	}
	inv := &counting{Invoker: rt}
	srv := httptest.NewServer(NewGateway(m, inv, o))
	t.Cleanup(func() {
		srv.Close()
		pids := rt.Processes()
		rt.Close()
		if len(rt.Processes()) != 0 {
			t.Errorf("processes still tracked after Close: %v", rt.Processes())
		}
		for _, pid := range pids {
			if syscall.Kill(pid, 0) == nil {
				t.Errorf("process %d is still alive after Close", pid)
			}
		}
	})
	return &served{url: srv.URL, rt: rt, inv: inv, output: out}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

type reply struct {
	status int
	header http.Header
	body   string
}

func do(t testing.TB, method, url string, body io.Reader, header ...string) reply {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return reply{resp.StatusCode, resp.Header, string(b)}
}

// TestGatewayAnswersAsAPIGateway pins DESIGN §4 and BEHAVIOUR's API
// Gateway rows against the real binary under the runtime.
func TestGatewayAnswersAsAPIGateway(t *testing.T) {
	s := serveFaultApp(t, 4, Options{APIKeys: []string{"secret"}})
	const missing = `{"message":"Missing Authentication Token"}`
	cases := []struct {
		name, method, path string
		header             []string
		body               string
		status             int
		want               string // exact body, or a prefix ending in "…"
		wantHeader         []string
	}{
		{"unknown path", "GET", "/nope", nil, "", 403, missing, []string{"x-amzn-ErrorType", "UnauthorizedException", "Content-Type", "application/json"}},
		{"undeclared method", "DELETE", "/pid", nil, "", 403, missing, nil},
		{"resource without methods", "GET", "/files", nil, "", 403, missing, nil},
		{"no preflight where there are no methods", "OPTIONS", "/files", nil, "", 403, missing, nil},
		{"root without a view", "GET", "/", nil, "", 403, missing, nil},
		{"trailing slash", "GET", "/ok/7/", nil, "", 200, `{"n":"7"}`, nil},
		{"escaped parameter", "GET", "/ok/a%20b", nil, "", 200, `{"n":"a b"}`, nil},
		{"greedy path", "GET", "/files/a/b/c.txt", nil, "", 200, `{"path":"a/b/c.txt"}`, nil},
		{"literal beats greedy", "GET", "/files/special", nil, "", 200, `special`, nil},
		{"preflight on a CORS path", "OPTIONS", "/cors", nil, "", 200, "", []string{
			"Access-Control-Allow-Methods", "GET,PUT,OPTIONS", "Access-Control-Allow-Origin", "https://example.com", "Access-Control-Max-Age", "600"}},
		{"preflight without CORS", "OPTIONS", "/pid", nil, "", 200, "", []string{"Access-Control-Allow-Methods", "OPTIONS", "Access-Control-Allow-Origin", ""}},
		{"CORS headers on the response", "GET", "/cors", nil, "", 200, `cors`, []string{"Access-Control-Allow-Origin", "https://example.com"}},
		{"unsupported media type", "POST", "/echo", []string{"Content-Type", "text/plain"}, "x", 415, `{"Code":"UnsupportedMediaType","Message":"Unsupported media type: text/plain"}`, nil},
		{"panic is the app's 500", "GET", "/panic", nil, "", 500, `{"Code":"InternalServerError","Message":"An internal server error occurred."}`, nil},
		{"process exit is 502", "GET", "/exit", nil, "", 502, `{"message": "Internal server error"}`, nil},
		{"timeout is 504", "GET", "/sleep", nil, "", 504, `{"message": "Endpoint request timed out"}`, nil},
		{"after faults the app answers", "GET", "/ok/1", nil, "", 200, `{"n":"1"}`, nil},
		{"environment", "GET", "/env", nil, "", 200, `{"AWS_LAMBDA_FUNCTION_MEMORY_SIZE":"128","AWS_LAMBDA_FUNCTION_NAME":"faultapp-dev","CHALICE_HANDLER":"api","GREETING":"hi"}`, nil},
		{"no token", "GET", "/private", nil, "", 401, `{"message":"Unauthorized"}`, nil},
		{"authorizer says unauthorized", "GET", "/private", []string{"Authorization", "bad"}, "", 401, `{"message":"Unauthorized"}`, nil},
		{"policy does not cover the route", "GET", "/private", []string{"Authorization", "other"}, "", 403, `{"Message":"User is not authorized to access this resource"}`, nil},
		{"policy covers the route", "GET", "/other", []string{"Authorization", "other"}, "", 200, `other`, nil},
		{"authorizer returns nothing", "GET", "/private", []string{"Authorization", "nothing"}, "", 500, `{"message": null}`, nil},
		{"authorizer crashes", "GET", "/private", []string{"Authorization", "crash"}, "", 500, `{"message": null}`, nil},
		{"allowed, context passed", "GET", "/private", []string{"Authorization", "allow"}, "", 200, `{"calls":…`, nil},
		{"api key missing", "GET", "/keyed", nil, "", 403, `{"message":"Forbidden"}`, nil},
		{"api key wrong", "GET", "/keyed", []string{"x-api-key", "guess"}, "", 403, `{"message":"Forbidden"}`, nil},
		{"api key right", "GET", "/keyed", []string{"x-api-key", "secret"}, "", 200, `keyed`, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := do(t, c.method, s.url+c.path, strings.NewReader(c.body), c.header...)
			prefix, isPrefix := strings.CutSuffix(c.want, "…")
			if got.status != c.status || (isPrefix && !strings.HasPrefix(got.body, prefix)) || (!isPrefix && got.body != c.want) {
				t.Errorf("%s %s: %d %s\nwant %d %s", c.method, c.path, got.status, got.body, c.status, c.want)
			}
			for i := 0; i+1 < len(c.wantHeader); i += 2 {
				if v := got.header.Get(c.wantHeader[i]); v != c.wantHeader[i+1] {
					t.Errorf("%s: %q, want %q", c.wantHeader[i], v, c.wantHeader[i+1])
				}
			}
			if got.header.Get("x-amzn-RequestId") == "" {
				t.Error("no x-amzn-RequestId")
			}
		})
	}
}

func TestAuthorizerAnswersAreCachedForTheirTTL(t *testing.T) {
	now := time.Unix(1700000000, 0)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	s := serveFaultApp(t, 2, Options{Now: clock})
	calls := func() string {
		got := do(t, "GET", s.url+"/private", nil, "Authorization", "allow")
		var ctx map[string]any
		if err := json.Unmarshal([]byte(got.body), &ctx); err != nil || got.status != 200 {
			t.Fatalf("%d %s", got.status, got.body)
		}
		if ctx["principalId"] != "user-1" {
			t.Errorf("principalId not passed: %v", ctx)
		}
		return fmt.Sprint(ctx["calls"])
	}
	first := calls()
	if again := calls(); again != first {
		t.Errorf("within the TTL the authorizer ran again: %s then %s", first, again)
	}
	mu.Lock()
	now = now.Add(61 * time.Second) // the fixture's TTL is 60 s
	mu.Unlock()
	if later := calls(); later == first {
		t.Errorf("after the TTL the cached answer (%s) was reused", later)
	}
}

func TestWarmProcessIsReusedAndOutputIsPrefixed(t *testing.T) {
	s := serveFaultApp(t, 4, Options{})
	a := do(t, "GET", s.url+"/pid", nil)
	b := do(t, "GET", s.url+"/pid", nil)
	if a.status != 200 || a.body != b.body {
		t.Errorf("sequential requests went to different processes: %s, %s", a.body, b.body)
	}
	do(t, "GET", s.url+"/log", nil)
	if !strings.Contains(s.output.String(), "[api #") || !strings.Contains(s.output.String(), "] a line from the view\n") {
		t.Errorf("app output not prefixed by function and process:\n%s", s.output.String())
	}
}

func TestBodyLimitAndBinary(t *testing.T) {
	s := serveFaultApp(t, 2, Options{})
	big := bytes.Repeat([]byte("x"), MaxBodyBytes+1)
	got := do(t, "POST", s.url+"/echo", bytes.NewReader(big), "Content-Type", "application/octet-stream")
	if got.status != 413 || s.inv.api.Load() != 0 {
		t.Errorf("over 10 MB: %d %s, %d invocations", got.status, got.body, s.inv.api.Load())
	}
	bin := []byte{0, 1, 2, 0xff, 0xfe, '\n', 'x'}
	got = do(t, "POST", s.url+"/echo", bytes.NewReader(bin), "Content-Type", "application/octet-stream", "Accept", "application/octet-stream")
	if got.status != 200 || got.body != string(bin) || got.header.Get("Content-Type") != "application/octet-stream" {
		t.Errorf("binary round trip: %d %q %v", got.status, got.body, got.header)
	}
}

// TestFaultsUnderLoad: 2,000 requests at concurrency 32, where 5% panic,
// 5% exit the process and 1% time out. Every answer is the right one,
// nothing hangs, and no process is left afterwards (checked in cleanup).
func TestFaultsUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("2,000 requests")
	}
	s := serveFaultApp(t, 16, Options{})
	const total, workers = 2000, 32
	type want struct {
		path   string
		status int
		body   string
	}
	plan := func(i int) want {
		switch {
		case i%100 == 7:
			return want{"/sleep", 504, `{"message": "Endpoint request timed out"}`}
		case i%20 == 3:
			return want{"/panic", 500, `{"Code":"InternalServerError","Message":"An internal server error occurred."}`}
		case i%20 == 11:
			return want{"/exit", 502, `{"message": "Internal server error"}`}
		}
		return want{fmt.Sprintf("/ok/%d", i), 200, fmt.Sprintf(`{"n":"%d"}`, i)}
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: workers}, Timeout: 30 * time.Second}
	var next atomic.Int64
	var failures atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= total {
					return
				}
				w := plan(i)
				resp, err := client.Get(s.url + w.path)
				if err != nil {
					failures.Add(1)
					t.Errorf("request %d %s: %v", i, w.path, err)
					continue
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != w.status || string(b) != w.body {
					if failures.Add(1) < 10 {
						t.Errorf("request %d %s: %d %s, want %d %s", i, w.path, resp.StatusCode, b, w.status, w.body)
					}
				}
			}
		}()
	}
	wg.Wait()
	if n := failures.Load(); n > 0 {
		t.Errorf("%d of %d requests answered wrongly", n, total)
	}
	if n := len(s.rt.Processes()); n > 16 {
		t.Errorf("%d processes, over the limit of 16", n)
	}
}

func TestInvokeErrors(t *testing.T) {
	s := serveFaultApp(t, 1, Options{})
	if _, err := s.rt.Invoke(context.Background(), "nope", nil); err == nil || !strings.Contains(err.Error(), `no function "nope"`) {
		t.Errorf("unknown function: %v", err)
	}
	_, err := s.rt.Invoke(context.Background(), "authorizer:token", []byte(`{"type":"TOKEN","authorizationToken":"bad","methodArn":"arn"}`))
	var fe *FunctionError
	if !errors.As(err, &fe) || fe.Message != "Unauthorized" {
		t.Errorf("a function's error: %v", err)
	}
	s.rt.Close()
	if _, err := s.rt.Invoke(context.Background(), "api", nil); err == nil || !strings.Contains(err.Error(), "shut down") {
		t.Errorf("after Close: %v", err)
	}
}
