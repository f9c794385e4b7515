package app

import (
	"context"
	"os"
	"testing"
)

// BenchmarkDispatch measures one GET /cities/{city} from the raw API Gateway
// event bytes (3.6 KB, as Lambda hands them over) to the response bytes.
// bench/ runs the same event through aws-lambda-go-api-proxy + ServeMux.
func BenchmarkDispatch(b *testing.B) {
	raw, err := os.ReadFile("testdata/apigw-cities.json")
	if err != nil {
		b.Fatal(err)
	}
	states := map[string]string{"seattle": "WA", "portland": "OR"}
	a := New("bench")
	a.Route("/cities/{city}", func(r *Request) (any, error) {
		s, ok := states[r.URIParams["city"]]
		if !ok {
			return nil, BadRequest("unknown city %q", r.URIParams["city"])
		}
		return map[string]string{"state": s}, nil
	})
	h, err := a.LambdaHandler("api")
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	out, err := h.Invoke(ctx, raw)
	if err != nil || string(out) != `{"statusCode":200,"headers":{"Content-Type":"application/json"},"multiValueHeaders":{},"body":"{\"state\":\"WA\"}","isBase64Encoded":false}` {
		b.Fatalf("unexpected response %s %v", out, err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		if _, err := h.Invoke(ctx, raw); err != nil {
			b.Fatal(err)
		}
	}
}
