package devserver

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// BenchmarkReloadTutorial edits a handler of examples/tutorial (in a copy)
// and measures until the new code answers: debounce, go build, manifest,
// a warm process. Run with -benchtime=10x; reports the median.
func BenchmarkReloadTutorial(b *testing.B) {
	src, err := os.ReadFile("../../examples/tutorial/main.go")
	if err != nil {
		b.Fatal(err)
	}
	dir := newProject(b, string(src))
	cfg, _ := os.ReadFile("../../examples/tutorial/.chalice/config.json")
	os.WriteFile(filepath.Join(dir, ".chalice", "config.json"), cfg, 0o644)
	s := start(b, Options{ProjectDir: dir, AutoReload: true})
	waitFor(b, s.url+"/cities/seattle", `{"state":"WA"}`, 5*time.Second)
	var took []time.Duration
	b.ResetTimer()
	for i := range b.N {
		edited := strings.Replace(string(src), `"seattle":  "WA"`, fmt.Sprintf(`"seattle":  "WA%d"`, i), 1)
		t0 := time.Now()
		if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(edited), 0o644); err != nil {
			b.Fatal(err)
		}
		waitFor(b, s.url+"/cities/seattle", fmt.Sprintf(`{"state":"WA%d"}`, i), 60*time.Second)
		took = append(took, time.Since(t0))
		// Let the watcher's queue drain so edits do not overlap.
		for len(s.reloads) > 0 {
			<-s.reloads
		}
	}
	b.StopTimer()
	slices.Sort(took)
	b.ReportMetric(took[len(took)/2].Seconds(), "median-s")
}
