package main

import (
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/chalice-go/chalice/app"
	"github.com/chalice-go/chalice/internal/eventtest"
)

func TestTutorial(t *testing.T) {
	a := newApp()
	put := eventtest.With(eventtest.Event("PUT", "/objects/{key}", "/objects/mykey"), "Content-Type", "application/json")
	put.Body = `{"foo": "bar"}`
	form := eventtest.With(eventtest.Event("POST", "/", "/"), "Content-Type", "application/x-www-form-urlencoded")
	form.Body = "states=WA&states=CA"
	introspect := eventtest.With(eventtest.Event("GET", "/introspect", "/introspect"), "X-Custom", "value")
	introspect.MultiValueQueryStringParameters = map[string][]string{"query1": {"value1"}}

	steps := []struct {
		name   string
		do     func() (int, string, map[string]string)
		status int
		body   string
	}{
		{"index", call(t, a, eventtest.Event("GET", "/", "/")), 200, `{"hello":"world"}`},
		{"known city", call(t, a, eventtest.Event("GET", "/cities/{city}", "/cities/seattle")), 200, `{"state":"WA"}`},
		{"unknown city", call(t, a, eventtest.Event("GET", "/cities/{city}", "/cities/vancouver")), 400,
			`{"Code":"BadRequestError","Message":"Unknown city 'vancouver', valid choices are: portland, seattle"}`},
		{"missing object", call(t, a, eventtest.Event("GET", "/objects/{key}", "/objects/mykey")), 404,
			`{"Code":"NotFoundError","Message":"mykey"}`},
		{"put object", call(t, a, put), 200, `null`},
		{"get object", call(t, a, eventtest.Event("GET", "/objects/{key}", "/objects/mykey")), 200, `{"mykey":{"foo":"bar"}}`},
		{"form", call(t, a, form), 200, `{"states":["WA","CA"]}`},
		{"text", call(t, a, eventtest.Event("GET", "/greeting", "/greeting")), 200, `hello world!`},
		{"cors", call(t, a, eventtest.Event("PUT", "/supports-cors", "/supports-cors")), 200, `{"cors":true}`},
	}
	for _, s := range steps {
		status, body, _ := s.do()
		if status != s.status || body != s.body {
			t.Errorf("%s: got %d %s, want %d %s", s.name, status, body, s.status, s.body)
		}
	}

	_, body, _ := call(t, a, introspect)()
	for _, want := range []string{`"query_params":{"query1":"value1"}`, `"x-custom":"value"`, `"path":"/introspect"`, `"method":"GET"`} {
		if !strings.Contains(body, want) {
			t.Errorf("introspect lacks %s: %s", want, body)
		}
	}
	_, _, headers := call(t, a, eventtest.Event("PUT", "/supports-cors", "/supports-cors"))()
	if headers["Access-Control-Allow-Origin"] != "*" {
		t.Errorf("cors headers: %v", headers)
	}
	_, _, headers = call(t, a, eventtest.Event("GET", "/greeting", "/greeting"))()
	if headers["Content-Type"] != "text/plain" {
		t.Errorf("greeting content type: %v", headers)
	}
}

// call returns a step that sends ev through the app as Lambda would.
func call(t *testing.T, a *app.App, ev events.APIGatewayProxyRequest) func() (int, string, map[string]string) {
	return func() (int, string, map[string]string) {
		resp := eventtest.Invoke(t, a, ev)
		return resp.StatusCode, resp.Body, resp.Headers
	}
}
