package policy

import (
	"context"
	"testing"
)

// BenchmarkAnalyzeExamples: the analysis runs on every package and deploy;
// it should cost well under the build it precedes.
func BenchmarkAnalyzeExamples(b *testing.B) {
	for _, name := range []string{"tutorial", "objects"} {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				if _, err := Analyze(context.Background(), "../../examples/"+name); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
