package synth

import (
	"fmt"
	"testing"

	"github.com/chalice-go/chalice/app"
)

// bigApp declares 1,000 routes over 300 paths, a third of them with a URI
// parameter and a tenth with CORS.
func bigApp() *app.App {
	a := app.New("big")
	methods := []string{"GET", "POST", "PUT", "DELETE"}
	n := 0
	for p := 0; p < 300; p++ {
		path := fmt.Sprintf("/service%d/resource%d", p%17, p)
		if p%3 == 0 {
			path += "/{id}"
		}
		k := 3
		if p < 100 {
			k = 4
		}
		var opts []app.RouteOption
		if p%10 == 0 {
			opts = append(opts, app.CORS(nil))
		}
		for i := 0; i < k && n < 1000; i++ {
			a.Route(path, view, append(opts, app.Methods(methods[i]))...)
			n++
		}
	}
	return a
}

func BenchmarkSynth1000Routes(b *testing.B) {
	in := inputFor(&testing.T{}, bigApp(), `{"app_name": "big", "stages": {"dev": {}}}`, "dev")
	if len(in.Manifest.Routes) != 1000 {
		b.Fatalf("%d routes", len(in.Manifest.Routes))
	}
	var size, resources int
	for b.Loop() {
		t, err := Template(in)
		if err != nil {
			b.Fatal(err)
		}
		doc, err := Document(t)
		if err != nil {
			b.Fatal(err)
		}
		out, err := Encode(doc, CompactJSON)
		if err != nil {
			b.Fatal(err)
		}
		size, resources = len(out), len(doc["Resources"].(map[string]any))
	}
	b.ReportMetric(float64(size), "template-bytes")
	b.ReportMetric(float64(resources), "resources")
}

// TestResourcesDoNotGrowWithRoutes: routes live in the DefinitionBody.
func TestResourcesDoNotGrowWithRoutes(t *testing.T) {
	const config = `{"app_name": "big", "stages": {"dev": {}}}`
	small := docFor(t, inputFor(t, helloApp(), config, "dev"))
	big := docFor(t, inputFor(t, bigApp(), config, "dev"))
	if a, b := len(small["Resources"].(map[string]any)), len(big["Resources"].(map[string]any)); a != b {
		t.Errorf("1 route: %d resources, 1,000 routes: %d", a, b)
	}
	validateOpenAPI(t, big)
}
