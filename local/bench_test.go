package local_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chalice-go/chalice/app"
	"github.com/chalice-go/chalice/app/apptest"
	"github.com/chalice-go/chalice/internal/project"
	"github.com/chalice-go/chalice/local"
)

var benchProcs = 16

// tutorialServer serves examples/tutorial as chalice local does: its real
// binary under the runtime, a warm pool, the gateway on a real socket.
func tutorialServer(b *testing.B) string {
	url, _ := tutorialRuntime(b)
	return url
}

func tutorialRuntime(b *testing.B) (string, *local.Runtime) {
	b.Helper()
	p, err := project.Load("../examples/tutorial")
	if err != nil {
		b.Fatal(err)
	}
	p.CacheDir = b.TempDir()
	bin, err := p.BuildHost(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	m, err := project.ReadManifest(context.Background(), bin, 0)
	if err != nil {
		b.Fatal(err)
	}
	rt, err := local.StartRuntime(local.RuntimeOptions{Binary: bin, Output: io.Discard, MaxConcurrency: benchProcs,
		Functions: []local.Function{{Handler: "api", Name: "tutorial-dev", Timeout: time.Minute, MemoryMB: 128}}})
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(local.NewGateway(m, rt, local.Options{}))
	b.Cleanup(func() { srv.Close(); rt.Close() })
	return srv.URL, rt
}

// inProcessServer is the same route, its handler called in-process.
func inProcessServer(b *testing.B) string {
	a := app.New("tutorial")
	states := map[string]string{"seattle": "WA", "portland": "OR"}
	a.Route("/cities/{city}", func(r *app.Request) (any, error) {
		return map[string]string{"state": states[r.URIParams["city"]]}, nil
	})
	srv := httptest.NewServer(apptest.New(a))
	b.Cleanup(srv.Close)
	return srv.URL
}

func get(b *testing.B, c *http.Client, url string) {
	resp, err := c.Get(url)
	if err != nil {
		b.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != `{"state":"WA"}` {
		b.Fatalf("%d %s", resp.StatusCode, body)
	}
}

// BenchmarkLocal16Connections: GET /cities/seattle on 16 keep-alive
// connections against a warm pool; reports requests/s and p99 latency.
func BenchmarkLocal16Connections(b *testing.B) {
	base, rt := tutorialRuntime(b)
	url := base + "/cities/seattle"
	const conns = 16
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns}}
	// Warm the connections and let the pool grow to what this load needs.
	var wwg sync.WaitGroup
	for range conns {
		wwg.Add(1)
		go func() {
			defer wwg.Done()
			for range 200 {
				get(b, client, url)
			}
		}()
	}
	wwg.Wait()
	latencies := make([][]time.Duration, conns)
	var next atomic.Int64
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for w := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(b.N) {
				t0 := time.Now()
				get(b, client, url)
				latencies[w] = append(latencies[w], time.Since(t0))
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	all := slices.Concat(latencies...)
	slices.Sort(all)
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "req/s")
	b.ReportMetric(float64(all[len(all)*99/100].Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(len(rt.Processes())), "processes")
}

// BenchmarkOneConnection: one request at a time, through the runtime
// (gateway → Runtime API → app process) and in-process (gateway → handler).
// The difference is the cost of the Lambda hop.
func BenchmarkOneConnection(b *testing.B) {
	for _, c := range []struct {
		name  string
		serve func(*testing.B) string
	}{{"runtime", tutorialServer}, {"in-process", inProcessServer}} {
		b.Run(c.name, func(b *testing.B) {
			url := c.serve(b) + "/cities/seattle"
			client := &http.Client{}
			get(b, client, url)
			b.ResetTimer()
			for b.Loop() {
				get(b, client, url)
			}
		})
	}
}
