package main

import (
	"context"
	"testing"

	"github.com/chalice-go/chalice/internal/eventtest"
)

func TestPublicAndWhoami(t *testing.T) {
	a := newApp()
	resp := eventtest.Invoke(t, a, eventtest.Event("GET", "/public", "/public"))
	if resp.StatusCode != 200 || resp.Headers["Access-Control-Allow-Origin"] != "*" {
		t.Fatalf("public: %d %v", resp.StatusCode, resp.Headers)
	}
	ev := eventtest.Event("GET", "/users/{id}", "/users/42")
	ev.RequestContext.Authorizer = map[string]any{"claims": map[string]any{"sub": "42"}}
	resp = eventtest.Invoke(t, a, ev)
	if resp.Body != `{"authorizer":{"claims":{"sub":"42"}}}` || resp.Headers["Access-Control-Allow-Credentials"] != "true" {
		t.Fatalf("users: %s %v", resp.Body, resp.Headers)
	}
}

func TestTokenAuthorizer(t *testing.T) {
	h, err := newApp().LambdaHandler("authorizer:token_auth")
	if err != nil {
		t.Fatal(err)
	}
	arn := "arn:aws:execute-api:us-west-2:123456789012:abc/api/GET/token"
	out, err := h.Invoke(context.Background(), []byte(`{"type":"TOKEN","authorizationToken":"Bearer allow","methodArn":"`+arn+`"}`))
	if err != nil || len(out) == 0 {
		t.Fatalf("allow: %v", err)
	}
	if _, err := h.Invoke(context.Background(), []byte(`{"type":"TOKEN","authorizationToken":"nope","methodArn":"`+arn+`"}`)); err == nil || err.Error() != "Unauthorized" {
		t.Fatalf("deny: %v", err)
	}
}
