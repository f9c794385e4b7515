package app

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestReturnedValueIsCompactJSON(t *testing.T) {
	a, _ := quietApp(t)
	a.Route("/", func(*Request) (any, error) {
		return map[string]any{"hello": "world", "html": "<b>&</b>"}, nil
	})
	resp := invoke(t, a, apiRequest("GET", "/", nil))
	if resp.StatusCode != 200 || resp.Body != `{"hello":"world","html":"<b>&</b>"}` {
		t.Fatalf("got %d %s", resp.StatusCode, resp.Body)
	}
	if ct := resp.Headers["Content-Type"]; ct != "application/json" {
		t.Errorf("Content-Type = %q", ct)
	}
	if resp.IsBase64Encoded {
		t.Error("JSON body must not be base64-encoded")
	}
}

func TestErrorConstructorsMatchChalice(t *testing.T) {
	cases := []struct {
		err    *Error
		status int
		code   string
	}{
		{BadRequest("bad %s", "city"), 400, "BadRequestError"},
		{Unauthorized("x"), 401, "UnauthorizedError"},
		{Forbidden("x"), 403, "ForbiddenError"},
		{NotFound("x"), 404, "NotFoundError"},
		{MethodNotAllowed("x"), 405, "MethodNotAllowedError"},
		{RequestTimeout("x"), 408, "RequestTimeoutError"},
		{Conflict("x"), 409, "ConflictError"},
		{UnprocessableEntity("x"), 422, "UnprocessableEntityError"},
		{TooManyRequests("x"), 429, "TooManyRequestsError"},
		{ViewError("x"), 500, "ChaliceViewError"},
	}
	for _, c := range cases {
		t.Run(c.code, func(t *testing.T) {
			a, _ := quietApp(t)
			a.Route("/", func(*Request) (any, error) { return nil, fmt.Errorf("wrapped: %w", c.err) })
			resp := invoke(t, a, apiRequest("GET", "/", nil))
			want := fmt.Sprintf(`{"Code":%q,"Message":%q}`, c.code, c.err.Message)
			if resp.StatusCode != c.status || resp.Body != want {
				t.Fatalf("got %d %s, want %d %s", resp.StatusCode, resp.Body, c.status, want)
			}
		})
	}
	if got := BadRequest("unknown city %q", "x").Message; got != `unknown city "x"` {
		t.Errorf("formatting: %q", got)
	}
	if got := BadRequest("100%").Message; got != "100%" {
		t.Errorf("a message without args is taken literally: %q", got)
	}
}

func TestUnhandledFailuresAnswerGeneric500(t *testing.T) {
	const generic = `{"Code":"InternalServerError","Message":"An internal server error occurred."}`
	views := map[string]Handler{
		"error": func(*Request) (any, error) { return nil, errors.New("db password is hunter2") },
		"panic": func(*Request) (any, error) { panic("boom") },
		"nilmap": func(*Request) (any, error) {
			var m map[string]int
			m["x"] = 1
			return nil, nil
		},
		"header-newline": func(*Request) (any, error) {
			return &Response{Headers: map[string]string{"X-Bad": "a\nSet-Cookie: x"}, Body: "hi"}, nil
		},
		"unencodable": func(*Request) (any, error) { return map[string]any{"ch": make(chan int)}, nil },
	}
	for name, view := range views {
		t.Run(name, func(t *testing.T) {
			a, log := quietApp(t)
			a.Route("/things/{id}", view)
			resp := invoke(t, a, apiRequest("GET", "/things/{id}", map[string]string{"id": "1"}))
			if resp.StatusCode != 500 || resp.Body != generic {
				t.Fatalf("got %d %s", resp.StatusCode, resp.Body)
			}
			if _, ok := resp.Headers["X-Bad"]; ok {
				t.Error("a header with a newline was emitted")
			}
			if !strings.Contains(log.String(), "/things/{id}") {
				t.Errorf("the failure is not logged with the route's path: %s", log)
			}
			if strings.Contains(log.String(), "goroutine ") {
				t.Errorf("stack trace logged without Debug: %s", log)
			}
		})
	}
}

func TestDebugAddsErrorAndStackAsText(t *testing.T) {
	a, _ := quietApp(t)
	a.Debug = true
	a.Route("/p", func(*Request) (any, error) { panic("kaboom") })
	a.Route("/e", func(*Request) (any, error) { return nil, errors.New("disk full") })
	resp := invoke(t, a, apiRequest("GET", "/p", nil))
	if resp.StatusCode != 500 || resp.Headers["Content-Type"] != "text/plain" {
		t.Fatalf("got %d %v", resp.StatusCode, resp.Headers)
	}
	for _, want := range []string{"panic: kaboom", "goroutine ", "api_test.go"} {
		if !strings.Contains(resp.Body, want) {
			t.Errorf("debug body lacks %q:\n%s", want, resp.Body)
		}
	}
	resp = invoke(t, a, apiRequest("GET", "/e", nil))
	if resp.StatusCode != 500 || !strings.Contains(resp.Body, "disk full") {
		t.Fatalf("got %d %s", resp.StatusCode, resp.Body)
	}
}

func TestMethodNotDeclaredAnswers405WithAllow(t *testing.T) {
	a, _ := quietApp(t)
	ok := func(*Request) (any, error) { return "ok", nil }
	a.Route("/objects/{key}", ok, Methods("GET", "PUT"))
	resp := invoke(t, a, apiRequest("POST", "/objects/{key}", map[string]string{"key": "k"}))
	if resp.StatusCode != 405 || resp.Headers["Allow"] != "GET, PUT" ||
		resp.Body != `{"Code":"MethodNotAllowedError","Message":"Unsupported method: POST"}` {
		t.Fatalf("got %d %v %s", resp.StatusCode, resp.Headers, resp.Body)
	}
	resp = invoke(t, a, apiRequest("GET", "/nowhere", nil))
	if resp.StatusCode != 404 {
		t.Fatalf("unknown resource: got %d %s", resp.StatusCode, resp.Body)
	}
	resp = invokeRaw(t, a, []byte(`{"resource": 5}`))
	if resp.StatusCode != 500 || resp.Body != `{"Code":"InternalServerError","Message":"Unknown request."}` {
		t.Fatalf("malformed event: got %d %s", resp.StatusCode, resp.Body)
	}
}

func TestContentTypes(t *testing.T) {
	echo := func(r *Request) (any, error) { return string(r.RawBody), nil }
	cases := []struct {
		name        string
		routeTypes  []string
		contentType string // "" sends none
		status      int
		body        string
	}{
		{"missing counts as json", nil, "", 200, ""},
		{"json with charset", nil, "application/json; charset=utf-8", 200, "x"},
		{"text refused", nil, "text/plain", 415, `{"Code":"UnsupportedMediaType","Message":"Unsupported media type: text/plain"}`},
		{"form accepted", []string{"application/x-www-form-urlencoded"}, "application/x-www-form-urlencoded", 200, "x"},
		{"case insensitive", []string{"Application/XML"}, "application/xml", 200, "x"},
		{"wildcard route", []string{"*/*"}, "image/png", 200, "x"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a, _ := quietApp(t)
			opts := []RouteOption{Methods("POST")}
			if c.routeTypes != nil {
				opts = append(opts, ContentTypes(c.routeTypes...))
			}
			a.Route("/", echo, opts...)
			ev := apiRequest("POST", "/", nil)
			if c.contentType != "" {
				ev = withBody(ev, c.contentType, "x")
			}
			resp := invoke(t, a, ev)
			if resp.StatusCode != c.status || resp.Body != c.body {
				t.Fatalf("got %d %q, want %d %q", resp.StatusCode, resp.Body, c.status, c.body)
			}
		})
	}
}

func TestUnsupportedMediaTypeCarriesCORSHeaders(t *testing.T) {
	a, _ := quietApp(t)
	a.Route("/", func(*Request) (any, error) { return "x", nil }, Methods("POST"), CORS(nil))
	resp := invoke(t, a, withBody(apiRequest("POST", "/", nil), "text/plain", "x"))
	if resp.StatusCode != 415 || resp.Headers["Access-Control-Allow-Origin"] != "*" {
		t.Fatalf("got %d %v", resp.StatusCode, resp.Headers)
	}
}

func TestJSONBody(t *testing.T) {
	a, _ := quietApp(t)
	a.Route("/v", func(r *Request) (any, error) {
		var v struct{ N int }
		if err := r.JSON(&v); err != nil {
			return nil, err
		}
		return v.N * 2, nil
	}, Methods("POST"))
	a.Route("/any", func(r *Request) (any, error) {
		v, err := r.JSONBody()
		if err != nil {
			return nil, err
		}
		return map[string]any{"got": v}, nil
	}, Methods("POST"), ContentTypes("application/json", "text/plain"))
	cases := []struct {
		path, ct, body string
		status         int
		want           string
	}{
		{"/v", "application/json", `{"N": 21}`, 200, `42`},
		{"/v", "application/json", `{"N": `, 400, `{"Code":"BadRequestError","Message":"Error Parsing JSON"}`},
		{"/any", "application/json", `[1,"a"]`, 200, `{"got":[1,"a"]}`},
		{"/any", "application/json", `nope`, 400, `{"Code":"BadRequestError","Message":"Error Parsing JSON"}`},
		{"/any", "text/plain", `nope`, 200, `{"got":null}`},
	}
	for _, c := range cases {
		resp := invoke(t, a, withBody(apiRequest("POST", c.path, nil), c.ct, c.body))
		if resp.StatusCode != c.status || resp.Body != c.want {
			t.Errorf("%s %s %q: got %d %s, want %d %s", c.path, c.ct, c.body, resp.StatusCode, resp.Body, c.status, c.want)
		}
	}
}

func TestBinaryResponsesAndRequests(t *testing.T) {
	png := []byte{0x89, 'P', 'N', 'G', 0, 1, 2, 0xff}
	a, _ := quietApp(t)
	a.Route("/img", func(*Request) (any, error) {
		return &Response{Headers: map[string]string{"Content-Type": "image/png"}, Body: png}, nil
	})
	a.Route("/upload", func(r *Request) (any, error) {
		return map[string]int{"len": len(r.RawBody), "last": int(r.RawBody[len(r.RawBody)-1])}, nil
	}, Methods("POST"), ContentTypes("application/octet-stream"))
	cases := []struct {
		accept string // "" sends no Accept
		status int
	}{
		{"image/png", 200},
		{"text/html, image/png;q=0.9", 200},
		{"*/*", 200},
		{"", 400},
		{"text/html", 400},
	}
	for _, c := range cases {
		ev := apiRequest("GET", "/img", nil)
		delete(ev.Headers, "Accept")
		delete(ev.MultiValueHeaders, "Accept")
		if c.accept != "" {
			ev = withHeader(ev, "Accept", c.accept)
		}
		resp := invoke(t, a, ev)
		if resp.StatusCode != c.status {
			t.Fatalf("Accept %q: got %d %s", c.accept, resp.StatusCode, resp.Body)
		}
		if c.status == 200 {
			if !resp.IsBase64Encoded || resp.Body != base64.StdEncoding.EncodeToString(png) {
				t.Errorf("Accept %q: binary body not base64: %+v", c.accept, resp)
			}
			continue
		}
		want := `{"Code":"BadRequest","Message":"Request did not specify an Accept header with image/png, The response has a Content-Type of image/png. If a response has a binary Content-Type then the request must specify an Accept header that matches."}`
		if resp.Body != want {
			t.Errorf("Accept %q: body %s", c.accept, resp.Body)
		}
	}
	ev := withBody(apiRequest("POST", "/upload", nil), "application/octet-stream", base64.StdEncoding.EncodeToString(png))
	ev.IsBase64Encoded = true
	resp := invoke(t, a, ev)
	if resp.Body != `{"last":255,"len":8}` {
		t.Fatalf("base64 request body not decoded: %d %s", resp.StatusCode, resp.Body)
	}
}

func TestCORSHeaders(t *testing.T) {
	a, _ := quietApp(t)
	a.Route("/default", func(*Request) (any, error) { return "x", nil }, CORS(nil))
	a.Route("/custom", func(*Request) (any, error) {
		return &Response{Headers: map[string]string{"access-control-allow-origin": "https://mine.example"}, Body: "x"}, nil
	}, CORS(&CORSConfig{AllowOrigin: "https://foo.example", AllowHeaders: []string{"X-Special"},
		ExposeHeaders: []string{"X-One", "X-Two"}, MaxAge: 600, AllowCredentials: true}))
	a.Route("/none", func(*Request) (any, error) { return "x", nil })

	resp := invoke(t, a, apiRequest("GET", "/default", nil))
	want := map[string]string{
		"Access-Control-Allow-Origin":  "*",
		"Access-Control-Allow-Headers": "Authorization,Content-Type,X-Amz-Date,X-Amz-Security-Token,X-Api-Key",
	}
	for k, v := range want {
		if resp.Headers[k] != v {
			t.Errorf("default %s = %q, want %q", k, resp.Headers[k], v)
		}
	}
	resp = invoke(t, a, apiRequest("GET", "/custom", nil))
	want = map[string]string{
		"access-control-allow-origin":      "https://mine.example", // set by the view: kept
		"Access-Control-Allow-Headers":     "Authorization,Content-Type,X-Amz-Date,X-Amz-Security-Token,X-Api-Key,X-Special",
		"Access-Control-Expose-Headers":    "X-One,X-Two",
		"Access-Control-Max-Age":           "600",
		"Access-Control-Allow-Credentials": "true",
	}
	for k, v := range want {
		if resp.Headers[k] != v {
			t.Errorf("custom %s = %q, want %q", k, resp.Headers[k], v)
		}
	}
	if _, dup := resp.Headers["Access-Control-Allow-Origin"]; dup {
		t.Error("CORS origin added although the view set it")
	}
	resp = invoke(t, a, apiRequest("GET", "/none", nil))
	for k := range resp.Headers {
		if strings.HasPrefix(k, "Access-Control") {
			t.Errorf("route without CORS got %s", k)
		}
	}
}

func TestResponseControl(t *testing.T) {
	shared := &Response{StatusCode: 201, Headers: map[string]string{"X-Shared": "1"}, Body: "created",
		MultiValueHeaders: map[string][]string{"Set-Cookie": {"a=1", "b=2"}}}
	a, _ := quietApp(t)
	a.Route("/r", func(*Request) (any, error) { return shared, nil }, CORS(nil))
	a.Route("/text", func(*Request) (any, error) {
		return Response{Headers: map[string]string{"Content-Type": "text/plain"}, Body: "hello"}, nil
	})
	resp := invoke(t, a, apiRequest("GET", "/r", nil))
	if resp.StatusCode != 201 || resp.Body != "created" || resp.Headers["X-Shared"] != "1" ||
		strings.Join(resp.MultiValueHeaders["Set-Cookie"], ";") != "a=1;b=2" {
		t.Fatalf("got %+v", resp)
	}
	if len(shared.Headers) != 1 {
		t.Errorf("the view's shared Response was modified: %v", shared.Headers)
	}
	resp = invoke(t, a, apiRequest("GET", "/text", nil))
	if resp.StatusCode != 200 || resp.Body != "hello" || resp.Headers["Content-Type"] != "text/plain" {
		t.Fatalf("got %+v", resp)
	}
}

func TestRequestFields(t *testing.T) {
	var got *Request
	a, _ := quietApp(t)
	a.Route("/cities/{city}", func(r *Request) (any, error) { got = r; return nil, nil }, Methods("GET", "POST"))
	ev := apiRequest("GET", "/cities/{city}", map[string]string{"city": "seattle"})
	ev.MultiValueQueryStringParameters = map[string][]string{"tag": {"a", "b"}, "q": {"x"}}
	ev.QueryStringParameters = map[string]string{"tag": "b", "q": "x"}
	ev.StageVariables = map[string]string{"env": "dev"}
	ev = withHeader(ev, "X-Custom", "one", "two")
	ev.RequestContext.Authorizer = map[string]any{"principalId": "user-1", "claims": map[string]any{"email": "a@b.c"}}
	invoke(t, a, ev)
	if got.Method != "GET" || got.Path != "/cities/{city}" || got.URIParams["city"] != "seattle" {
		t.Errorf("method/path/params: %q %q %v", got.Method, got.Path, got.URIParams)
	}
	if got.QueryParams.Get("tag") != "b" || strings.Join(got.QueryParams.Values("tag"), ",") != "a,b" || got.QueryParams.Has("nope") {
		t.Errorf("query params: %v", got.QueryParams)
	}
	if got.Headers.Get("x-custom") != "two" || strings.Join(got.Headers.Values("X-CUSTOM"), ",") != "one,two" {
		t.Errorf("headers: %q %v", got.Headers.Get("x-custom"), got.Headers.Values("X-CUSTOM"))
	}
	if got.StageVars["env"] != "dev" || got.RequestContext.Identity.SourceIP != "203.0.113.9" ||
		got.RequestContext.RequestID != "req-1" || got.RequestContext.Stage != "api" {
		t.Errorf("stage vars / context: %v %+v", got.StageVars, got.RequestContext)
	}
	if got.RequestContext.Authorizer["principalId"] != "user-1" ||
		got.RequestContext.Authorizer["claims"].(map[string]any)["email"] != "a@b.c" {
		t.Errorf("authorizer: %v", got.RequestContext.Authorizer)
	}

	noQuery := apiRequest("POST", "/cities/{city}", map[string]string{"city": "x"})
	invoke(t, a, noQuery)
	if got.QueryParams != nil || got.Method != "POST" {
		t.Errorf("absent query string must be nil, got %#v (method %s)", got.QueryParams, got.Method)
	}
}

func TestRequestContextHasLambdaDeadline(t *testing.T) {
	a, _ := quietApp(t)
	var deadline time.Time
	a.Route("/", func(r *Request) (any, error) { deadline, _ = r.Context().Deadline(); return nil, nil })
	h, _ := a.LambdaHandler("api")
	want := time.Now().Add(3 * time.Second)
	ctx, cancel := context.WithDeadline(context.Background(), want)
	defer cancel()
	payload := []byte(`{"resource":"/","httpMethod":"GET","requestContext":{"resourcePath":"/","httpMethod":"GET"}}`)
	if _, err := h.Invoke(ctx, payload); err != nil {
		t.Fatal(err)
	}
	if !deadline.Equal(want) {
		t.Errorf("deadline %v, want %v", deadline, want)
	}
}

func TestToMapHasChaliceKeys(t *testing.T) {
	a, _ := quietApp(t)
	a.Route("/introspect", func(r *Request) (any, error) { return r.ToMap(), nil })
	ev := apiRequest("GET", "/introspect", nil)
	ev.MultiValueQueryStringParameters = map[string][]string{"a": {"1", "2"}}
	resp := invoke(t, a, withHeader(ev, "X-Foo", "bar"))
	for _, want := range []string{`"query_params":{"a":"2"}`, `"x-foo":"bar"`, `"uri_params":null`,
		`"method":"GET"`, `"path":"/introspect"`, `"stage_vars":null`, `"sourceIp":"203.0.113.9"`, `"resourcePath":"/introspect"`} {
		if !strings.Contains(resp.Body, want) {
			t.Errorf("ToMap lacks %s: %s", want, resp.Body)
		}
	}
}

func TestGreedyPath(t *testing.T) {
	a, _ := quietApp(t)
	a.Route("/files/{path+}", func(r *Request) (any, error) { return r.URIParams["path"], nil })
	resp := invoke(t, a, apiRequest("GET", "/files/{path+}", map[string]string{"path": "a/b/c.txt"}))
	if resp.StatusCode != http.StatusOK || resp.Body != "a/b/c.txt" {
		t.Fatalf("got %d %s", resp.StatusCode, resp.Body)
	}
}

func TestHeadersFromEitherMap(t *testing.T) {
	a, _ := quietApp(t)
	a.Route("/", func(r *Request) (any, error) {
		return r.Headers.Get("x-token") + "|" + strings.Join(r.Headers.Values("X-Token"), ","), nil
	})
	onlyMulti := `{"resource":"/","httpMethod":"GET","multiValueHeaders":{"X-Token":["a","b"]}}`
	onlySingle := `{"resource":"/","httpMethod":"GET","headers":{"X-Token":"b"}}`
	for ev, want := range map[string]string{onlyMulti: "b|a,b", onlySingle: "b|b"} {
		if resp := invokeRaw(t, a, []byte(ev)); resp.Body != want {
			t.Errorf("%s: got %q, want %q", ev, resp.Body, want)
		}
	}
}

func TestViewsCanBeCalledDirectly(t *testing.T) {
	view := func(r *Request) (any, error) { return r.Headers.Get("accept"), nil }
	got, _ := view(&Request{Headers: NewHeader(map[string]string{"Accept": "text/html"})})
	if got != "text/html" {
		t.Errorf("got %v", got)
	}
}
