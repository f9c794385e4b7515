package devserver

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chalice-go/chalice/app"
	"github.com/chalice-go/chalice/internal/scaffold"
)

// running is a devserver started for a test.
type running struct {
	url     string
	out     *syncBuffer
	reloads chan time.Duration
	cancel  context.CancelFunc
	done    chan error
}

func start(t testing.TB, o Options) *running {
	t.Helper()
	r := &running{out: &syncBuffer{}, reloads: make(chan time.Duration, 16), done: make(chan error, 1)}
	urls := make(chan string, 1)
	o.Out = r.out
	o.OnStart = func(_ *app.Manifest, url string) { urls <- url }
	o.OnReload = func(_ *app.Manifest, took time.Duration) { r.reloads <- took }
	if o.CacheDir == "" {
		o.CacheDir = t.TempDir()
	}
	if o.Stage == "" {
		o.Stage = "dev"
	}
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	go func() { r.done <- Run(ctx, o) }()
	select {
	case r.url = <-urls:
	case err := <-r.done:
		t.Fatalf("devserver did not start: %v\n%s", err, r.out)
	case <-time.After(60 * time.Second):
		t.Fatalf("devserver did not start in a minute:\n%s", r.out)
	}
	t.Cleanup(func() { r.stop(t) })
	return r
}

// stop ends the server and checks that no process it started is left.
func (r *running) stop(t testing.TB) {
	if r.cancel == nil {
		return
	}
	r.cancel()
	r.cancel = nil
	if err := <-r.done; err != nil {
		t.Errorf("Run: %v", err)
	}
	if kids := children(); len(kids) > 0 {
		t.Errorf("processes left behind: %v", kids)
	}
}

// children lists this process's live child processes (Linux).
func children() []string {
	if runtime.GOOS != "linux" {
		return nil
	}
	me := fmt.Sprint(os.Getpid())
	entries, _ := os.ReadDir("/proc")
	var kids []string
	for _, e := range entries {
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...
		s := string(stat)
		rest := s[strings.LastIndexByte(s, ')')+2:]
		f := strings.Fields(rest)
		if len(f) > 1 && f[1] == me && f[0] != "Z" {
			kids = append(kids, e.Name()+" "+s[:strings.LastIndexByte(s, ')')+1])
		}
	}
	return kids
}

type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
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

func call(t testing.TB, method, url, body string, header ...string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
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
	return resp.StatusCode, resp.Header, string(b)
}

// TestTutorialOverRealSockets drives the tutorial with the seed
// tutorial's requests through chalice local's server.
func TestTutorialOverRealSockets(t *testing.T) {
	s := start(t, Options{ProjectDir: "../../examples/tutorial"})
	json := "application/json"
	cases := []struct {
		name, method, path, body string
		header                   []string
		status                   int
		want                     string
	}{
		{"index", "GET", "/", "", nil, 200, `{"hello":"world"}`},
		{"known city", "GET", "/cities/seattle", "", nil, 200, `{"state":"WA"}`},
		{"unknown city", "GET", "/cities/vancouver", "", nil, 400, `{"Code":"BadRequestError","Message":"Unknown city 'vancouver', valid choices are: portland, seattle"}`},
		{"put an object", "PUT", "/objects/mykey", `{"foo":"bar"}`, []string{"Content-Type", json}, 200, `null`},
		{"get it back (warm process)", "GET", "/objects/mykey", "", nil, 200, `{"mykey":{"foo":"bar"}}`},
		{"malformed JSON", "PUT", "/objects/bad", `{"foo":`, []string{"Content-Type", json}, 400, `{"Code":"BadRequestError","Message":"Error Parsing JSON"}`},
		{"form post", "POST", "/", "states=WA&states=OR", []string{"Content-Type", "application/x-www-form-urlencoded"}, 200, `{"states":["WA","OR"]}`},
		{"wrong content type", "POST", "/", "{}", []string{"Content-Type", json}, 415, `{"Code":"UnsupportedMediaType","Message":"Unsupported media type: application/json"}`},
		{"text response", "GET", "/greeting", "", nil, 200, `hello world!`},
		{"CORS route", "PUT", "/supports-cors", "", nil, 200, `{"cors":true}`},
		{"unknown path", "GET", "/nope", "", nil, 403, `{"message":"Missing Authentication Token"}`},
		{"undeclared method", "DELETE", "/cities/seattle", "", nil, 403, `{"message":"Missing Authentication Token"}`},
	}
	for _, c := range cases {
		status, _, body := call(t, c.method, s.url+c.path, c.body, c.header...)
		if status != c.status || body != c.want {
			t.Errorf("%s: %s %s = %d %s\nwant %d %s", c.name, c.method, c.path, status, body, c.status, c.want)
		}
	}
	status, h, _ := call(t, "GET", s.url+"/greeting", "")
	if status != 200 || h.Get("Content-Type") != "text/plain" {
		t.Errorf("greeting content type %q", h.Get("Content-Type"))
	}
	status, h, _ = call(t, "OPTIONS", s.url+"/supports-cors", "")
	if status != 200 || h.Get("Access-Control-Allow-Methods") != "PUT,OPTIONS" || h.Get("Access-Control-Allow-Origin") != "*" ||
		h.Get("Access-Control-Allow-Headers") != "Authorization,Content-Type,X-Amz-Date,X-Amz-Security-Token,X-Api-Key" {
		t.Errorf("preflight: %d %v", status, h)
	}

	_, _, body := call(t, "GET", s.url+"/introspect?a=1&a=2&b=x", "", "X-Custom", "yes")
	var got struct {
		QueryParams map[string]string `json:"query_params"`
		Headers     map[string]string `json:"headers"`
		Method      string            `json:"method"`
		Context     map[string]any    `json:"context"`
		StageVars   any               `json:"stage_vars"`
	}
	if err := jsonUnmarshal(body, &got); err != nil {
		t.Fatalf("introspect: %v %s", err, body)
	}
	if got.QueryParams["a"] != "2" || got.QueryParams["b"] != "x" || got.Method != "GET" || got.Context["resourcePath"] != "/introspect" || got.Context["stage"] != "api" {
		t.Errorf("introspect: %s", body)
	}
	if !slices.ContainsFunc(mapsKeys(got.Headers), func(k string) bool { return strings.EqualFold(k, "x-custom") }) {
		t.Errorf("custom header missing: %v", got.Headers)
	}
}

func jsonUnmarshal(s string, v any) error { return json.Unmarshal([]byte(s), v) }

func mapsKeys(m map[string]string) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}

// newProject creates a project from the new-project scaffold, whose main.go
// is then replaced by mainGo.
func newProject(t testing.TB, mainGo string) string {
	t.Helper()
	dir, err := scaffold.Create(context.Background(), scaffold.Options{Name: "reloadme", Parent: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if mainGo != "" {
		os.WriteFile(filepath.Join(dir, "main.go"), []byte(mainGo), 0o644)
	}
	return dir
}

const versioned = `package main

import "github.com/chalice-go/chalice/app"

func main() {
	a := app.New("reloadme")
	a.Route("/", func(*app.Request) (any, error) { return "VERSION", nil })
	a.Run()
}
`

func waitFor(t testing.TB, url, want string, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		_, _, body := call(t, "GET", url, "")
		if body == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("still %q after %s, want %q", body, within, want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestReloadSwapsTheAppAndSurvivesBuildErrors(t *testing.T) {
	if testing.Short() {
		t.Skip("creates a module and rebuilds it")
	}
	dir := newProject(t, strings.Replace(versioned, "VERSION", "v1", 1))
	s := start(t, Options{ProjectDir: dir, AutoReload: true})
	waitFor(t, s.url+"/", "v1", 5*time.Second)

	// Requests keep being answered during the swap.
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var failed []string
	var mu sync.Mutex
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			status, _, body := call(t, "GET", s.url+"/", "")
			if status != 200 || (body != "v1" && body != "v2") {
				mu.Lock()
				failed = append(failed, fmt.Sprintf("%d %s", status, body))
				mu.Unlock()
			}
		}
	}()
	os.WriteFile(filepath.Join(dir, "main.go"), []byte(strings.Replace(versioned, "VERSION", "v2", 1)), 0o644)
	waitFor(t, s.url+"/", "v2", 30*time.Second)
	close(stop)
	wg.Wait()
	if len(failed) > 0 {
		t.Errorf("requests failed during the reload: %v", failed)
	}

	// A compile error keeps v2 serving and says why.
	os.WriteFile(filepath.Join(dir, "main.go"), []byte("package main\n\nfunc main() { undefinedThing() }\n"), 0o644)
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(s.out.String(), "Reload failed; still serving the previous build") {
		if time.Now().After(deadline) {
			t.Fatalf("no build error reported:\n%s", s.out)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !strings.Contains(s.out.String(), "undefined: undefinedThing") {
		t.Errorf("the compiler's message is not shown:\n%s", s.out)
	}
	waitFor(t, s.url+"/", "v2", time.Second)

	os.WriteFile(filepath.Join(dir, "main.go"), []byte(strings.Replace(versioned, "VERSION", "v3", 1)), 0o644)
	waitFor(t, s.url+"/", "v3", 30*time.Second)
}

func TestStartErrors(t *testing.T) {
	dir := newProject(t, "")
	busy := start(t, Options{ProjectDir: dir})
	port := busy.url[strings.LastIndexByte(busy.url, ':')+1:]
	var portNum int
	fmt.Sscan(port, &portNum)
	cases := []struct {
		o    Options
		want string
	}{
		{Options{ProjectDir: dir, Port: portNum}, "is in use"},
		{Options{ProjectDir: dir, Stage: "nope"}, `stage "nope"`},
		{Options{ProjectDir: t.TempDir()}, "is not a chalice project"},
	}
	for _, c := range cases {
		c.o.CacheDir = t.TempDir()
		if c.o.Stage == "" {
			c.o.Stage = "dev"
		}
		err := Run(context.Background(), c.o)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v; want %q", c.o, err, c.want)
		}
	}
	os.WriteFile(filepath.Join(dir, ".chalice", "local.json"), []byte(`{"api_key": ["x"]}`), 0o644)
	err := Run(context.Background(), Options{ProjectDir: dir, Stage: "dev", CacheDir: t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), "local.json") || !strings.Contains(err.Error(), `{"api_keys"`) {
		t.Errorf("bad local.json: %v", err)
	}
}
