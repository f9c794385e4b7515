// Package bench compares chalice for Go with the usual Go-on-Lambda stack.
// It is its own module so that the product never depends on its peers.
package bench

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/chalice-go/chalice/app"
)

var states = map[string]string{"seattle": "WA", "portland": "OR"}

func loadEvent(b *testing.B) []byte {
	raw, err := os.ReadFile("../app/testdata/apigw-cities.json")
	if err != nil {
		b.Fatal(err)
	}
	return raw
}

// BenchmarkChalice is app.BenchmarkDispatch, repeated here so that both
// stacks run in one process and one `go test -bench` line each.
func BenchmarkChalice(b *testing.B) {
	raw := loadEvent(b)
	a := app.New("bench")
	a.Route("/cities/{city}", func(r *app.Request) (any, error) {
		s, ok := states[r.URIParams["city"]]
		if !ok {
			return nil, app.BadRequest("unknown city %q", r.URIParams["city"])
		}
		return map[string]string{"state": s}, nil
	})
	h, err := a.LambdaHandler("api")
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := h.Invoke(ctx, raw); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAPIProxyServeMux is the same request through
// aws-lambda-go-api-proxy and net/http.ServeMux, from the same raw bytes to
// response bytes, as aws-lambda-go does for a typed handler.
func BenchmarkAPIProxyServeMux(b *testing.B) {
	raw := loadEvent(b)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /cities/{city}", func(w http.ResponseWriter, r *http.Request) {
		s, ok := states[r.PathValue("city")]
		w.Header().Set("Content-Type", "application/json")
		if !ok {
			w.WriteHeader(http.StatusBadRequest)
			json.NewEncoder(w).Encode(map[string]string{"Code": "BadRequestError"})
			return
		}
		json.NewEncoder(w).Encode(map[string]string{"state": s})
	})
	adapter := httpadapter.New(mux)
	ctx := context.Background()
	handle := func() ([]byte, error) {
		var ev events.APIGatewayProxyRequest
		if err := json.Unmarshal(raw, &ev); err != nil {
			return nil, err
		}
		resp, err := adapter.ProxyWithContext(ctx, ev)
		if err != nil {
			return nil, err
		}
		return json.Marshal(resp)
	}
	out, err := handle()
	if err != nil {
		b.Fatal(err)
	}
	var resp events.APIGatewayProxyResponse
	if json.Unmarshal(out, &resp) != nil || resp.StatusCode != 200 || resp.Body != "{\"state\":\"WA\"}\n" {
		b.Fatalf("unexpected response %s", out)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := handle(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeOnly is the floor of the typed approach: encoding/json into
// events.APIGatewayProxyRequest plus encoding a response, no routing.
func BenchmarkDecodeOnly(b *testing.B) {
	raw := loadEvent(b)
	b.ReportAllocs()
	for b.Loop() {
		var ev events.APIGatewayProxyRequest
		if err := json.Unmarshal(raw, &ev); err != nil {
			b.Fatal(err)
		}
		if _, err := json.Marshal(events.APIGatewayProxyResponse{StatusCode: 200, Body: `{"state":"WA"}`,
			Headers: map[string]string{"Content-Type": "application/json"}}); err != nil {
			b.Fatal(err)
		}
	}
}
