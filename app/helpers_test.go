package app

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

// apiRequest builds an event as API Gateway sends it for a REST proxy
// integration: resource template, literal path, both header maps.
func apiRequest(method, resource string, params map[string]string) events.APIGatewayProxyRequest {
	path := resource
	for k, v := range params {
		path = strings.Replace(path, "{"+k+"+}", v, 1)
		path = strings.Replace(path, "{"+k+"}", v, 1)
	}
	return events.APIGatewayProxyRequest{
		Resource:          resource,
		Path:              path,
		HTTPMethod:        method,
		Headers:           map[string]string{"Host": "abc123.execute-api.us-west-2.amazonaws.com", "Accept": "*/*"},
		MultiValueHeaders: map[string][]string{"Host": {"abc123.execute-api.us-west-2.amazonaws.com"}, "Accept": {"*/*"}},
		PathParameters:    params,
		RequestContext: events.APIGatewayProxyRequestContext{
			AccountID: "123456789012", ResourceID: "abc", Stage: "api", RequestID: "req-1",
			Identity:     events.APIGatewayRequestIdentity{SourceIP: "203.0.113.9", UserAgent: "curl/8"},
			ResourcePath: resource, HTTPMethod: method, APIID: "abc123", Path: "/api" + path,
		},
	}
}

func withHeader(ev events.APIGatewayProxyRequest, name string, values ...string) events.APIGatewayProxyRequest {
	h := map[string]string{}
	for k, v := range ev.Headers {
		h[k] = v
	}
	mv := map[string][]string{}
	for k, v := range ev.MultiValueHeaders {
		mv[k] = v
	}
	h[name] = values[len(values)-1]
	mv[name] = values
	ev.Headers, ev.MultiValueHeaders = h, mv
	return ev
}

func withBody(ev events.APIGatewayProxyRequest, contentType, body string) events.APIGatewayProxyRequest {
	ev = withHeader(ev, "Content-Type", contentType)
	ev.Body = body
	return ev
}

// quietApp returns an app whose log goes to the returned buffer.
func quietApp(t *testing.T) (*App, *bytes.Buffer) {
	t.Helper()
	a := New("testapp")
	var buf bytes.Buffer
	a.Log = slog.New(slog.NewTextHandler(&buf, nil))
	return a, &buf
}

// invoke sends ev through the app's API handler as Lambda would.
func invoke(t *testing.T, a *App, ev events.APIGatewayProxyRequest) events.APIGatewayProxyResponse {
	t.Helper()
	payload, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	return invokeRaw(t, a, payload)
}

func invokeRaw(t *testing.T, a *App, payload []byte) events.APIGatewayProxyResponse {
	t.Helper()
	h, err := a.LambdaHandler("api")
	if err != nil {
		t.Fatal(err)
	}
	out, err := h.Invoke(context.Background(), payload)
	if err != nil {
		t.Fatalf("Invoke: %v", err)
	}
	var resp events.APIGatewayProxyResponse
	if err := json.Unmarshal(out, &resp); err != nil {
		t.Fatalf("response is not a proxy response: %v\n%s", err, out)
	}
	return resp
}

func mustPanic(t *testing.T, wantSubstr string, f func()) {
	t.Helper()
	defer func() {
		t.Helper()
		p := recover()
		if p == nil {
			t.Fatalf("no panic; want one mentioning %q", wantSubstr)
		}
		if msg, _ := p.(string); !strings.Contains(msg, wantSubstr) {
			t.Fatalf("panic %q does not mention %q", p, wantSubstr)
		}
	}()
	f()
}
