package local

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
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Function is one Lambda function of the app, as the runtime runs it.
type Function struct {
	// Handler is the CHALICE_HANDLER value: "api" or "authorizer:<name>".
	Handler string
	// Name is AWS_LAMBDA_FUNCTION_NAME, e.g. tutorial-dev.
	Name string
	// Env are the stage's environment variables for the function.
	Env map[string]string
	// Timeout is lambda_timeout; MemoryMB is lambda_memory_size.
	Timeout  time.Duration
	MemoryMB int
}

// RuntimeOptions configure a Runtime.
type RuntimeOptions struct {
	// Binary is the app built for this machine.
	Binary    string
	Functions []Function
	// MaxConcurrency bounds the processes per function (default 16).
	MaxConcurrency int
	// Output receives the processes' stdout and stderr, each line prefixed
	// with the function and process number. Default os.Stderr.
	Output io.Writer
	// InitTimeout bounds a new process's start until it asks for work
	// (Lambda allows 10 s).
	InitTimeout time.Duration
}

// Runtime runs functions of an app as Lambda does: each invocation goes to
// a process of the app's binary that polls our Lambda Runtime API, one
// invocation per process at a time. Processes are started on demand up to
// MaxConcurrency per function and reused warm, most recently used first.
// A process that dies or times out is discarded and replaced on demand.
type Runtime struct {
	opts   RuntimeOptions
	ln     net.Listener
	srv    *http.Server
	pools  map[string]*pool
	closed chan struct{}
	once   sync.Once
	seq    atomic.Int64 // process ids
	reqSeq atomic.Int64 // request ids

	mu    sync.Mutex
	procs map[string]*process // by id
	shut  bool
	out   *lineWriter
}

// StartRuntime listens on a local port for the Runtime API; processes are
// started when invocations need them.
func StartRuntime(o RuntimeOptions) (*Runtime, error) {
	if o.MaxConcurrency <= 0 {
		o.MaxConcurrency = 16
	}
	if o.Output == nil {
		o.Output = os.Stderr
	}
	if o.InitTimeout <= 0 {
		o.InitTimeout = 10 * time.Second
	}
	if _, err := os.Stat(o.Binary); err != nil {
		return nil, fmt.Errorf("app binary: %w", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("runtime API: %w", err)
	}
	r := &Runtime{opts: o, ln: ln, pools: map[string]*pool{}, closed: make(chan struct{}),
		procs: map[string]*process{}, out: &lineWriter{w: o.Output}}
	for _, f := range o.Functions {
		r.pools[f.Handler] = &pool{rt: r, fn: f, slots: make(chan struct{}, o.MaxConcurrency), handoff: make(chan *process)}
	}
	r.srv = &http.Server{Handler: http.HandlerFunc(r.serveRuntimeAPI), ReadHeaderTimeout: 10 * time.Second}
	go r.srv.Serve(ln)
	return r, nil
}

// Invoke runs one invocation of function and returns its answer. A crash
// is ErrCrashed, a timeout ErrTimedOut, an error the function returned a
// *FunctionError. If ctx ends first Invoke returns ctx's error; the
// invocation itself still runs to its end, as it would in Lambda.
func (r *Runtime) Invoke(ctx context.Context, function string, payload []byte) ([]byte, error) {
	p, ok := r.pools[function]
	if !ok {
		return nil, fmt.Errorf("no function %q", function)
	}
	inv := &invocation{
		id:      "req-" + strconv.FormatInt(r.reqSeq.Add(1), 10),
		payload: payload,
		result:  make(chan result, 1),
	}
	select {
	case p.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-r.closed:
		return nil, errors.New("the local runtime is shut down")
	}
	go p.run(inv)
	select {
	case res := <-inv.result:
		return res.out, res.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Warm starts one process per function ahead of the first request.
func (r *Runtime) Warm() error {
	for _, p := range r.pools {
		p.mu.Lock()
		p.live++
		p.mu.Unlock()
		proc, err := p.start()
		if err != nil {
			return err
		}
		p.mu.Lock()
		p.idle = append(p.idle, proc)
		p.mu.Unlock()
	}
	return nil
}

// Close stops every process (SIGTERM, then SIGKILL after a grace period)
// and waits for them to exit. Invocations in flight fail.
func (r *Runtime) Close() error {
	r.once.Do(func() {
		close(r.closed)
		r.mu.Lock()
		r.shut = true
		procs := make([]*process, 0, len(r.procs))
		for _, p := range r.procs {
			procs = append(procs, p)
		}
		r.mu.Unlock()
		for _, p := range procs {
			p.stop(2 * time.Second)
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		r.srv.Shutdown(ctx)
		r.srv.Close()
	})
	return nil
}

// Processes reports the pids of the live processes (tests).
func (r *Runtime) Processes() []int {
	r.mu.Lock()
	defer r.mu.Unlock()
	var pids []int
	for _, p := range r.procs {
		pids = append(pids, p.cmd.Process.Pid)
	}
	return pids
}

type invocation struct {
	id       string
	payload  []byte
	deadline time.Time
	result   chan result // buffered, 1
	done     chan result // from the Runtime API handlers, buffered 1
}

type result struct {
	out []byte
	err error
}

// pool holds the processes of one function.
type pool struct {
	rt    *Runtime
	fn    Function
	slots chan struct{} // one per busy process
	mu    sync.Mutex
	idle  []*process // most recently used last
	live  int        // processes started and not exited
	// handoff passes a released process straight to a waiting request.
	handoff chan *process
}

// growDelay is how long a request waits for a busy process to free up
// before the pool starts another (up to MaxConcurrency). A new process
// takes longer than this to start, so the request loses nothing by waiting,
// and an app whose requests are short does not run more busy processes than
// the machine has cores: on 2 cores, 16 busy processes instead of 4 cost a
// sixth of the throughput and 40% on p99 latency (BenchmarkLocal16Connections).
const growDelay = 2 * time.Millisecond

// acquire takes the most recently used idle process, waits growDelay for
// one to be released, or starts one.
func (p *pool) acquire() (*process, error) {
	var timer *time.Timer
	waited := false
	for {
		p.mu.Lock()
		proc := p.popIdleLocked()
		spawn := proc == nil && (p.live == 0 || waited) && p.live < p.rt.opts.MaxConcurrency
		if spawn {
			p.live++
		}
		p.mu.Unlock()
		if proc != nil {
			return proc, nil
		}
		if spawn {
			return p.start()
		}
		if timer == nil {
			timer = time.NewTimer(growDelay)
			defer timer.Stop()
		} else {
			timer.Reset(growDelay)
		}
		select {
		case proc := <-p.handoff:
			if !proc.dead() {
				return proc, nil
			}
		case <-timer.C:
			waited = true
		case <-p.rt.closed:
			return nil, errors.New("the local runtime is shut down")
		}
	}
}

func (p *pool) popIdleLocked() *process {
	for len(p.idle) > 0 {
		proc := p.idle[len(p.idle)-1]
		p.idle = p.idle[:len(p.idle)-1]
		if !proc.dead() {
			return proc
		}
	}
	return nil
}

// release hands the process to a waiting request, or makes it idle.
func (p *pool) release(proc *process) {
	if !proc.dead() {
		select {
		case p.handoff <- proc:
		default:
			p.mu.Lock()
			p.idle = append(p.idle, proc)
			p.mu.Unlock()
		}
	}
	<-p.slots
}

// run carries one invocation to its end on a process.
func (p *pool) run(inv *invocation) {
	proc, err := p.acquire()
	if err != nil {
		<-p.slots
		inv.result <- result{err: err}
		return
	}
	defer p.release(proc)
	inv.deadline = time.Now().Add(p.fn.Timeout)
	inv.done = make(chan result, 1)
	// Hand the invocation over when the process polls for it.
	handoff := time.NewTimer(p.rt.opts.InitTimeout)
	select {
	case proc.next <- inv:
		handoff.Stop()
	case <-proc.exited:
		handoff.Stop()
		inv.result <- result{err: fmt.Errorf("%w: %s", ErrCrashed, proc.exitReason())}
		return
	case <-handoff.C:
		proc.kill()
		inv.result <- result{err: fmt.Errorf("%w: process did not start within %s", ErrCrashed, p.rt.opts.InitTimeout)}
		return
	case <-p.rt.closed:
		handoff.Stop()
		inv.result <- result{err: errors.New("the local runtime is shut down")}
		return
	}
	timeout := time.NewTimer(time.Until(inv.deadline))
	defer timeout.Stop()
	select {
	case res := <-inv.done:
		inv.result <- res
	case <-proc.exited:
		select {
		case res := <-inv.done: // answered just before exiting
			inv.result <- res
		default:
			inv.result <- result{err: fmt.Errorf("%w: %s", ErrCrashed, proc.exitReason())}
		}
	case <-timeout.C:
		proc.kill()
		fmt.Fprintf(p.rt.out, "[%s] %s Task timed out after %.2f seconds; process stopped\n", proc.label, inv.id, p.fn.Timeout.Seconds())
		inv.result <- result{err: ErrTimedOut}
	}
}

// process is one running copy of the app binary.
type process struct {
	id     string
	label  string
	fn     *Function
	cmd    *exec.Cmd
	next   chan *invocation // taken by the process's /next poll
	exited chan struct{}    // closed when the process has exited
	err    error            // exit status, set before exited closes

	mu   sync.Mutex
	cur  *invocation
	init string // init error reported through the Runtime API
}

// start starts a process; the caller has counted it in p.live.
func (p *pool) start() (*process, error) {
	r := p.rt
	n := r.seq.Add(1)
	id := "p" + strconv.FormatInt(n, 10)
	proc := &process{id: id, label: fmt.Sprintf("%s #%d", p.fn.Handler, n), fn: &p.fn, next: make(chan *invocation), exited: make(chan struct{})}
	cmd := exec.Command(r.opts.Binary)
	cmd.Env = childEnv(os.Environ(), p.fn, r.ln.Addr().String()+"/"+id)
	cmd.Stdout = r.out.prefixed("[" + proc.label + "] ")
	cmd.Stderr = cmd.Stdout
	cmd.WaitDelay = time.Second
	setProcAttr(cmd)
	proc.cmd = cmd
	// Start under the lock that Close takes, so that Close sees every
	// process that was started.
	r.mu.Lock()
	if r.shut {
		r.mu.Unlock()
		p.exited()
		return nil, errors.New("the local runtime is shut down")
	}
	if err := cmd.Start(); err != nil {
		r.mu.Unlock()
		p.exited()
		return nil, fmt.Errorf("start %s: %w", r.opts.Binary, err)
	}
	r.procs[id] = proc
	r.mu.Unlock()
	go func() {
		err := cmd.Wait()
		r.mu.Lock()
		delete(r.procs, id)
		r.mu.Unlock()
		proc.err = err
		close(proc.exited)
		p.exited()
	}()
	return proc, nil
}

// exited uncounts a process that has ended (or never started).
func (p *pool) exited() {
	p.mu.Lock()
	p.live--
	p.mu.Unlock()
}

func (p *process) dead() bool {
	select {
	case <-p.exited:
		return true
	default:
		return false
	}
}

func (p *process) exitReason() string {
	p.mu.Lock()
	init := p.init
	p.mu.Unlock()
	if init != "" {
		return "init error: " + init
	}
	if p.err != nil {
		return p.err.Error()
	}
	return "exited"
}

// kill stops the process and its children at once and waits for it.
func (p *process) kill() {
	killGroup(p.cmd, true)
	<-p.exited
}

// stop asks the process to end, then kills it after grace.
func (p *process) stop(grace time.Duration) {
	killGroup(p.cmd, false)
	select {
	case <-p.exited:
	case <-time.After(grace):
		p.kill()
	}
}

// childEnv is the environment of a function's process: ours without
// anything Lambda- or chalice-specific, then the function's.
func childEnv(base []string, f Function, runtimeAPI string) []string {
	env := make([]string, 0, len(base)+len(f.Env)+8)
	for _, kv := range base {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "AWS_LAMBDA_") || strings.HasPrefix(k, "CHALICE_") || k == "_HANDLER" {
			continue
		}
		env = append(env, kv)
	}
	gomaxprocs := false
	for _, kv := range env {
		gomaxprocs = gomaxprocs || strings.HasPrefix(kv, "GOMAXPROCS=")
	}
	for k, v := range f.Env {
		env = append(env, k+"="+v)
		gomaxprocs = gomaxprocs || k == "GOMAXPROCS"
	}
	if !gomaxprocs {
		// A process serves one request at a time, and Lambda gives a
		// function at most a share of its vCPUs: one P avoids many idle
		// threads contending for the machine's cores.
		env = append(env, "GOMAXPROCS=1")
	}
	return append(env,
		"CHALICE_HANDLER="+f.Handler,
		"AWS_LAMBDA_RUNTIME_API="+runtimeAPI,
		"AWS_LAMBDA_FUNCTION_NAME="+f.Name,
		"AWS_LAMBDA_FUNCTION_VERSION=$LATEST",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE="+strconv.Itoa(f.MemoryMB),
		"AWS_LAMBDA_LOG_GROUP_NAME=/aws/lambda/"+f.Name,
		"_HANDLER=bootstrap",
	)
}

// serveRuntimeAPI implements the Lambda Runtime API for our processes, at
// /<process id>/2018-06-01/runtime/...
func (r *Runtime) serveRuntimeAPI(w http.ResponseWriter, req *http.Request) {
	id, rest, _ := strings.Cut(strings.TrimPrefix(req.URL.Path, "/"), "/")
	r.mu.Lock()
	proc := r.procs[id]
	r.mu.Unlock()
	if proc == nil {
		http.Error(w, `{"errorMessage":"unknown process"}`, http.StatusForbidden)
		return
	}
	const prefix = "2018-06-01/runtime/"
	if !strings.HasPrefix(rest, prefix) {
		http.NotFound(w, req)
		return
	}
	rest = rest[len(prefix):]
	switch {
	case req.Method == http.MethodGet && rest == "invocation/next":
		r.next(w, req, proc)
	case req.Method == http.MethodPost && rest == "init/error":
		body, _ := io.ReadAll(io.LimitReader(req.Body, 1<<20))
		proc.mu.Lock()
		proc.init = errorMessage(body)
		proc.mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
	case req.Method == http.MethodPost && strings.HasPrefix(rest, "invocation/"):
		reqID, kind, _ := strings.Cut(strings.TrimPrefix(rest, "invocation/"), "/")
		// Lambda's synchronous response limit is 6 MB.
		body, err := io.ReadAll(io.LimitReader(req.Body, 6<<20+1))
		proc.mu.Lock()
		inv := proc.cur
		if inv != nil && inv.id == reqID {
			proc.cur = nil
		} else {
			inv = nil
		}
		proc.mu.Unlock()
		if inv == nil {
			http.Error(w, `{"errorMessage":"unknown request id"}`, http.StatusBadRequest)
			return
		}
		switch {
		case err != nil:
			inv.done <- result{err: fmt.Errorf("%w: reading its response: %v", ErrCrashed, err)}
		case len(body) > 6<<20:
			inv.done <- result{err: &FunctionError{Type: "Function.ResponseSizeTooLarge", Message: "Response payload size exceeded maximum allowed payload size (6291556 bytes)."}}
		case kind == "response":
			inv.done <- result{out: body}
		default:
			fe := &FunctionError{}
			if json.Unmarshal(body, fe) != nil {
				fe.Message = string(body)
			}
			inv.done <- result{err: fe}
		}
		w.WriteHeader(http.StatusAccepted)
	default:
		http.NotFound(w, req)
	}
}

// next hands the process its next invocation, holding the poll until there
// is one.
func (r *Runtime) next(w http.ResponseWriter, req *http.Request, proc *process) {
	select {
	case inv := <-proc.next:
		proc.mu.Lock()
		proc.cur = inv
		proc.mu.Unlock()
		h := w.Header()
		h.Set("Lambda-Runtime-Aws-Request-Id", inv.id)
		h.Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(inv.deadline.UnixMilli(), 10))
		h.Set("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:"+region+":"+accountID+":function:"+proc.fn.Name)
		h.Set("Lambda-Runtime-Trace-Id", "Root=1-00000000-000000000000000000000000;Sampled=0")
		h.Set("Content-Type", "application/json")
		w.Write(inv.payload)
	case <-req.Context().Done():
	case <-r.closed:
		w.WriteHeader(http.StatusServiceUnavailable)
	}
}

func errorMessage(body []byte) string {
	var fe FunctionError
	if json.Unmarshal(body, &fe) == nil && fe.Message != "" {
		return fe.Message
	}
	return string(bytes.TrimSpace(body))
}

// lineWriter serializes whole lines from many processes onto one writer.
type lineWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lineWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}

func (l *lineWriter) prefixed(prefix string) io.Writer {
	return &prefixWriter{out: l, prefix: prefix}
}

// prefixWriter prefixes each line a process writes. exec copies a
// process's output through one goroutine, so Write is not called
// concurrently for one prefixWriter.
type prefixWriter struct {
	out     *lineWriter
	prefix  string
	partial []byte
}

func (p *prefixWriter) Write(b []byte) (int, error) {
	n := len(b)
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			p.partial = append(p.partial, b...)
			if len(p.partial) > 64<<10 { // a very long line: emit what we have
				p.emit(nil)
			}
			break
		}
		p.emit(b[:i+1])
		b = b[i+1:]
	}
	return n, nil
}

func (p *prefixWriter) emit(line []byte) {
	buf := make([]byte, 0, len(p.prefix)+len(p.partial)+len(line)+1)
	buf = append(buf, p.prefix...)
	buf = append(buf, p.partial...)
	buf = append(buf, line...)
	if len(line) == 0 {
		buf = append(buf, '\n')
	}
	p.partial = p.partial[:0]
	p.out.Write(buf)
}
