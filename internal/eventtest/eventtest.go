// Package eventtest builds API Gateway REST proxy events, as API Gateway
// sends them to Lambda, and runs them through an app, for tests.
package eventtest

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/chalice-go/chalice/app"
)

// Event is a request for the route resource (such as /cities/{city}) at the
// literal path (such as /cities/seattle): path parameters are taken from it.
func Event(method, resource, path string) events.APIGatewayProxyRequest {
	params := map[string]string{}
	rs := strings.Split(strings.Trim(resource, "/"), "/")
	ps := strings.Split(strings.Trim(path, "/"), "/")
	for i, seg := range rs {
		if !strings.HasPrefix(seg, "{") || i >= len(ps) {
			continue
		}
		name := strings.Trim(seg, "{}+")
		if strings.HasSuffix(seg, "+}") {
			params[name] = strings.Join(ps[i:], "/")
		} else {
			params[name] = ps[i]
		}
	}
	if len(params) == 0 {
		params = nil
	}
	return events.APIGatewayProxyRequest{
		Resource: resource, Path: path, HTTPMethod: method, PathParameters: params,
		Headers:           map[string]string{"Accept": "*/*"},
		MultiValueHeaders: map[string][]string{"Accept": {"*/*"}},
		RequestContext: events.APIGatewayProxyRequestContext{
			ResourcePath: resource, HTTPMethod: method, Stage: "api", RequestID: "test-request",
			Identity: events.APIGatewayRequestIdentity{SourceIP: "127.0.0.1"},
		},
	}
}

// With returns ev with a header set (single and multi-value maps).
func With(ev events.APIGatewayProxyRequest, header, value string) events.APIGatewayProxyRequest {
	h := map[string]string{header: value}
	mv := map[string][]string{header: {value}}
	for k, v := range ev.Headers {
		if _, ok := h[k]; !ok {
			h[k] = v
		}
	}
	for k, v := range ev.MultiValueHeaders {
		if _, ok := mv[k]; !ok {
			mv[k] = v
		}
	}
	ev.Headers, ev.MultiValueHeaders = h, mv
	return ev
}

// Invoke runs ev through the app's API handler and decodes the response.
func Invoke(t testing.TB, a *app.App, ev events.APIGatewayProxyRequest) events.APIGatewayProxyResponse {
	t.Helper()
	h, err := a.LambdaHandler("api")
	if err != nil {
		t.Fatal(err)
	}
	payload, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	out, err := h.Invoke(context.Background(), payload)
	if err != nil {
		t.Fatalf("invoke %s %s: %v", ev.HTTPMethod, ev.Path, err)
	}
	var resp events.APIGatewayProxyResponse
	if err := json.Unmarshal(out, &resp); err != nil {
		t.Fatalf("not a proxy response: %v: %s", err, out)
	}
	return resp
}
