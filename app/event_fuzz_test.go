package app

import (
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

// FuzzDecodeAPIEvent checks the lean decoder against aws-lambda-go's
// encoding/json decoding of the same bytes: whatever both accept must give
// the same request.
func FuzzDecodeAPIEvent(f *testing.F) {
	raw, err := os.ReadFile("testdata/apigw-cities.json")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(string(raw))
	f.Add(`{"resource":"/","httpMethod":"GET","headers":{"A":"\u00e9"},"queryStringParameters":null,"body":"x\ny"}`)
	f.Add(`{"resource":"/{p+}","httpMethod":"POST","multiValueQueryStringParameters":{"a":["1","2"]},"pathParameters":{"p":"a/b"},"isBase64Encoded":true,"body":"aGk="}`)
	f.Fuzz(func(t *testing.T, s string) {
		var want events.APIGatewayProxyRequest
		if json.Unmarshal([]byte(s), &want) != nil || hasMiscasedKey(s) {
			return
		}
		var got apiEvent
		if err := decodeAPIEvent(s, &got); err != nil {
			// The lean decoder may refuse what encoding/json tolerates
			// only for bad base64 bodies (which API Gateway never sends).
			if want.IsBase64Encoded {
				return
			}
			t.Fatalf("rejected an event encoding/json accepts: %v\n%q", err, s)
		}
		wantResource := want.Resource
		if wantResource == "" {
			wantResource = want.RequestContext.ResourcePath
		}
		if got.resource != wantResource {
			t.Fatalf("resource %q, want %q", got.resource, wantResource)
		}
		if got.body != want.Body || got.base64 != want.IsBase64Encoded {
			t.Fatalf("body %q/%v, want %q/%v", got.body, got.base64, want.Body, want.IsBase64Encoded)
		}
		if len(want.PathParameters) > 0 || got.req.URIParams != nil {
			if !reflect.DeepEqual(got.req.URIParams, want.PathParameters) {
				t.Fatalf("path params %v, want %v", got.req.URIParams, want.PathParameters)
			}
		}
		for k, v := range want.Headers {
			if g, ok := got.req.Headers.Lookup(k); !ok || (g != v && !hasFoldDup(want.Headers, k)) {
				t.Fatalf("header %q = %q, want %q", k, g, v)
			}
		}
		for k, vs := range want.MultiValueQueryStringParameters {
			if !reflect.DeepEqual(got.req.QueryParams[k], vs) && !(len(vs) == 0 && len(got.req.QueryParams[k]) == 0) {
				t.Fatalf("query %q = %v, want %v", k, got.req.QueryParams[k], vs)
			}
		}
		if got.req.RequestContext.RequestID != want.RequestContext.RequestID ||
			got.req.RequestContext.Identity.SourceIP != want.RequestContext.Identity.SourceIP {
			t.Fatalf("request context %+v, want %+v", got.req.RequestContext, want.RequestContext)
		}
	})
}

// hasMiscasedKey reports whether s spells an event key in another case:
// encoding/json matches keys case-insensitively, API Gateway never sends such
// keys, and the lean decoder matches them exactly.
func hasMiscasedKey(s string) bool {
	ls := toLower(s)
	for _, k := range []string{"resource", "path", "httpMethod", "headers", "multiValueHeaders", "queryStringParameters",
		"multiValueQueryStringParameters", "pathParameters", "stageVariables", "requestContext", "body", "isBase64Encoded",
		"resourcePath", "requestId", "identity", "sourceIp"} {
		q := `"` + k + `"`
		if strings.Count(ls, toLower(q)) != strings.Count(s, q) {
			return true
		}
	}
	return false
}

// hasFoldDup reports whether m has another key equal to k but for case, in
// which case case-insensitive lookup may rightly return either value.
func hasFoldDup(m map[string]string, k string) bool {
	n := 0
	for other := range m {
		if len(other) == len(k) && equalFold(other, k) {
			n++
		}
	}
	return n > 1
}

func equalFold(a, b string) bool { return len(a) == len(b) && (a == b || toLower(a) == toLower(b)) }

func toLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 32
		}
	}
	return string(b)
}
