// Package devserver is `chalice local`: it builds the app, serves it
// through local.Gateway and local.Runtime on a socket, and rebuilds and
// swaps the app's processes when its sources change.
package devserver

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/chalice-go/chalice/app"
	"github.com/chalice-go/chalice/internal/project"
	"github.com/chalice-go/chalice/local"
)

// Options describe one `chalice local` run.
type Options struct {
	ProjectDir string
	Stage      string
	// Host and Port to listen on; Port 0 picks a free one.
	Host string
	Port int
	// AutoReload rebuilds and swaps the app when its sources change.
	AutoReload bool
	// MaxConcurrency bounds the app processes per function (default 16).
	MaxConcurrency int
	// APIKeys are accepted on routes that require an API key, with those
	// from .chalice/local.json.
	APIKeys []string
	// Out receives chalice's messages and the app's output.
	Out io.Writer
	// OnStart is called once the app answers on url (the CLI prints the
	// routes); OnReload after each successful swap.
	OnStart  func(m *app.Manifest, url string)
	OnReload func(m *app.Manifest, took time.Duration)
	// CacheDir overrides the build cache (tests).
	CacheDir string
	// Debounce is how long to wait for more file events before rebuilding.
	Debounce time.Duration
}

// LocalConfigFile holds settings only `chalice local` uses.
const LocalConfigFile = ".chalice/local.json"

type localConfig struct {
	APIKeys []string `json:"api_keys"`
}

// Run serves until ctx ends, then stops every app process and returns.
func Run(ctx context.Context, o Options) error {
	if o.Out == nil {
		o.Out = os.Stderr
	}
	if o.Host == "" {
		o.Host = "127.0.0.1"
	}
	if o.Debounce == 0 {
		o.Debounce = 50 * time.Millisecond
	}
	s := &server{o: o}
	p, err := project.Load(o.ProjectDir)
	if err != nil {
		return err
	}
	s.dir = p.Dir
	gen, err := s.build(ctx)
	if err != nil {
		return err
	}
	s.cur.Store(gen)
	defer s.stop()

	addr := net.JoinHostPort(o.Host, strconv.Itoa(o.Port))
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		if errors.Is(err, syscall.EADDRINUSE) {
			return fmt.Errorf("%s is in use: stop what is listening there, or pass --port", addr)
		}
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	srv := &http.Server{Handler: s, ReadHeaderTimeout: 30 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	url := "http://" + ln.Addr().String()
	if o.OnStart != nil {
		o.OnStart(gen.manifest, url)
	}
	if o.AutoReload {
		w, err := newWatcher(p.Dir)
		if err != nil {
			fmt.Fprintf(o.Out, "Warning: cannot watch %s for changes (%v); restart chalice local after edits.\n", p.Dir, err)
		} else {
			defer w.Close()
			go s.reloadOnChange(ctx, w)
		}
	}
	select {
	case <-ctx.Done():
	case err := <-served:
		return fmt.Errorf("serve: %w", err)
	}
	fmt.Fprintln(o.Out, "Stopping...")
	shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	srv.Shutdown(shut)
	return nil
}

func readLocalConfig(dir string) ([]string, error) {
	path := filepath.Join(dir, LocalConfigFile)
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	var c localConfig
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("%s: %v (expected {\"api_keys\": [\"key\", ...]})", path, err)
	}
	return c.APIKeys, nil
}

// server swaps generations of the app under its listener.
type server struct {
	o   Options
	dir string
	cur atomic.Pointer[generation]
	seq int

	mu      sync.Mutex // orders swaps against stop
	stopped bool
	// open counts generations whose processes are not stopped yet; Run
	// waits for it so that nothing outlives it.
	open sync.WaitGroup
}

// swap installs a new generation and retires the old one; after stop it
// retires the new one instead.
func (s *server) swap(gen *generation) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped {
		gen.retire()
		return false
	}
	s.cur.Swap(gen).retire()
	return true
}

func (s *server) stop() {
	s.mu.Lock()
	s.stopped = true
	s.cur.Load().retire()
	s.mu.Unlock()
	s.open.Wait()
}

// ServeHTTP sends the request to the current generation; one being
// retired finishes what it has started.
func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	for {
		g := s.cur.Load()
		if g.acquire() {
			defer g.release()
			g.gw.ServeHTTP(w, r)
			return
		}
	}
}

// generation is one build of the app: its manifest, processes and gateway.
type generation struct {
	manifest *app.Manifest
	rt       *local.Runtime
	gw       *local.Gateway
	binary   string // a link to this build's binary, removed when retired
	closed   func() // called once its processes are stopped

	mu      sync.Mutex
	refs    int
	retired bool
}

func (g *generation) acquire() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.retired {
		return false
	}
	g.refs++
	return true
}

func (g *generation) release() {
	g.mu.Lock()
	g.refs--
	done := g.retired && g.refs == 0
	g.mu.Unlock()
	if done {
		go g.close() // not on the request's goroutine: its connection may carry more
	}
}

// retire takes no more requests and stops the processes once the requests
// in flight are answered.
func (g *generation) retire() {
	g.mu.Lock()
	g.retired = true
	done := g.refs == 0
	g.mu.Unlock()
	if done {
		g.close()
	}
}

func (g *generation) close() {
	g.rt.Close()
	if g.binary != "" {
		os.Remove(g.binary)
	}
	g.closed()
}

// build compiles the app and starts a generation with one warm process per
// function.
func (s *server) build(ctx context.Context) (*generation, error) {
	p, err := project.Load(s.dir)
	if err != nil {
		return nil, err
	}
	p.Progress, p.CacheDir = s.o.Out, s.o.CacheDir
	st, err := p.Config.Stage(s.o.Stage)
	if err != nil {
		return nil, err
	}
	keys, err := readLocalConfig(p.Dir)
	if err != nil {
		return nil, err
	}
	bin, err := p.BuildHost(ctx)
	if err != nil {
		return nil, err
	}
	// Each generation runs its own link to the binary: the next build
	// replaces the file at bin, and processes this generation starts later
	// must still be this code.
	s.seq++
	genBin := bin + ".gen" + strconv.Itoa(s.seq)
	os.Remove(genBin)
	if err := os.Link(bin, genBin); err != nil {
		genBin = bin // no hard links here: share the file
	}
	cleanup := func() {
		if genBin != bin {
			os.Remove(genBin)
		}
	}
	m, err := project.ReadManifest(ctx, genBin, p.ManifestTimeout)
	if err != nil {
		cleanup()
		return nil, err
	}
	fns, err := Functions(m, st)
	if err != nil {
		cleanup()
		return nil, err
	}
	rt, err := local.StartRuntime(local.RuntimeOptions{Binary: genBin, Functions: fns, MaxConcurrency: s.o.MaxConcurrency, Output: s.o.Out})
	if err != nil {
		cleanup()
		return nil, err
	}
	if err := rt.Warm(); err != nil {
		rt.Close()
		cleanup()
		return nil, err
	}
	var warn io.Writer
	if s.seq == 1 {
		warn = s.o.Out // warnings once, not on every reload
	}
	gw := local.NewGateway(m, rt, local.Options{Stage: st.APIGatewayStage, APIKeys: append(keys, s.o.APIKeys...), Warn: warn})
	s.open.Add(1)
	g := &generation{manifest: m, rt: rt, gw: gw, closed: s.open.Done}
	if genBin != bin {
		g.binary = genBin
	}
	return g, nil
}

// Functions lists the Lambda functions the gateway calls, configured as
// the stage says: the API handler and each built-in authorizer.
func Functions(m *app.Manifest, st *project.Stage) ([]local.Function, error) {
	var fns []local.Function
	add := func(handler, configName, lambdaName string) error {
		f, err := st.Function(configName)
		if err != nil {
			return err
		}
		fns = append(fns, local.Function{Handler: handler, Name: lambdaName, Env: f.EnvironmentVariables,
			Timeout: time.Duration(f.Timeout) * time.Second, MemoryMB: f.MemorySize})
		return nil
	}
	base := m.AppName + "-" + st.Name
	if err := add("api", project.APIHandlerName, base); err != nil {
		return nil, err
	}
	for _, a := range m.Authorizers {
		if a.Type == app.AuthBuiltin {
			if err := add("authorizer:"+a.Name, a.Name, base+"-"+a.Name); err != nil {
				return nil, err
			}
		}
	}
	return fns, nil
}

// reloadOnChange rebuilds after source changes settle; a failed build
// leaves the running generation in place.
func (s *server) reloadOnChange(ctx context.Context, w *watcher) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-w.changed:
		}
		start := time.Now()
		// Let a burst of events (an editor's save) settle.
	settle:
		for {
			select {
			case <-w.changed:
			case <-time.After(s.o.Debounce):
				break settle
			case <-ctx.Done():
				return
			}
		}
		gen, err := s.build(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			fmt.Fprintf(s.o.Out, "Reload failed; still serving the previous build:\n%v\n", err)
			continue
		}
		if !s.swap(gen) {
			return
		}
		if s.o.OnReload != nil {
			s.o.OnReload(gen.manifest, time.Since(start))
		}
	}
}
