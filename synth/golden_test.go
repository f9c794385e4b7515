package synth

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/chalice-go/chalice/internal/project"
)

var update = flag.Bool("update", false, "rewrite the golden templates in testdata/")

// exampleInput builds an example app for the host and reads its manifest.
func exampleInput(t *testing.T, name string) Input {
	t.Helper()
	p, err := project.Load(filepath.Join("..", "examples", name))
	if err != nil {
		t.Fatal(err)
	}
	p.CacheDir = t.TempDir()
	m, err := p.Manifest(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	st, err := p.Config.Stage("dev")
	if err != nil {
		t.Fatal(err)
	}
	return Input{Manifest: m, Stage: st, Code: Code{URI: "./deployment.zip"}, Version: "test"}
}

func render(t *testing.T, in Input, f Format) ([]byte, map[string]any) {
	t.Helper()
	tmpl, err := Template(in)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := Document(tmpl)
	if err != nil {
		t.Fatal(err)
	}
	out, err := Encode(doc, f)
	if err != nil {
		t.Fatal(err)
	}
	return out, doc
}

func TestGoldenTemplates(t *testing.T) {
	for _, name := range []string{"helloworld", "tutorial", "authorizers"} {
		t.Run(name, func(t *testing.T) {
			in := exampleInput(t, name)
			got, doc := render(t, in, JSON)
			again, _ := render(t, in, JSON)
			if !bytes.Equal(got, again) {
				t.Fatal("two renders of the same input differ")
			}
			golden := filepath.Join("testdata", name+".json")
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./synth -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("template differs from %s (if the change is intended, run go test ./synth -update and review the diff)", golden)
			}
			validateSAM(t, doc)
			validateOpenAPI(t, doc)
			if n := checkIntegrationURIs(t, doc); n == 0 {
				t.Error("no integration URIs found")
			}
		})
	}
}
