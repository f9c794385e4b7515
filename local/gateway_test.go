package local

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/chalice-go/chalice/app"
)

var routeTree = []string{
	"/", "/users", "/users/{id}", "/users/{id}/posts", "/users/me", "/files/{path+}", "/files/static/logo.png", "/{any+}",
}

func tree() *resource {
	root := newResource("/")
	for _, p := range routeTree {
		root.add(p).methods["GET"] = &route{info: app.RouteInfo{Path: p, Method: "GET"}}
	}
	return root
}

func TestMatchRanksLikeAPIGateway(t *testing.T) {
	root := tree()
	cases := []struct {
		path, resource string
		params         map[string]string
	}{
		{"/", "/", nil},
		{"/users", "/users", nil},
		{"/users/", "/users", nil},
		{"/users/me", "/users/me", nil},
		{"/users/42", "/users/{id}", map[string]string{"id": "42"}},
		{"/users/a%2Fb", "/users/{id}", map[string]string{"id": "a/b"}},
		{"/users/42/posts", "/users/{id}/posts", map[string]string{"id": "42"}},
		{"/users/me/posts", "/users/{id}/posts", map[string]string{"id": "me"}}, // backtracks from the literal
		{"/files/static/logo.png", "/files/static/logo.png", nil},
		{"/files/static/other.png", "/files/{path+}", map[string]string{"path": "static/other.png"}},
		{"/files/x", "/files/{path+}", map[string]string{"path": "x"}},
		{"/elsewhere/deep/path", "/{any+}", map[string]string{"any": "elsewhere/deep/path"}},
		{"/users/42/posts/9", "/{any+}", map[string]string{"any": "users/42/posts/9"}},
	}
	for _, c := range cases {
		res, params := root.match(c.path)
		if res == nil || res.path != c.resource || !equalMaps(params, c.params) {
			got := "<none>"
			if res != nil {
				got = res.path
			}
			t.Errorf("%s: %s %v; want %s %v", c.path, got, params, c.resource, c.params)
		}
	}
	for _, bad := range []string{"", "users", "/users//42", "/bad%zz"} {
		if res, _ := root.match(bad); res != nil && res.path != "/{any+}" {
			t.Errorf("%q matched %s", bad, res.path)
		}
	}
	noGreedy := newResource("/")
	noGreedy.add("/a/{b}")
	if res, _ := noGreedy.match("/a//"); res == nil || res.path != "/a" {
		t.Errorf("/a// should be /a with trailing slashes ignored: %v", res)
	}
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func FuzzMatch(f *testing.F) {
	for _, s := range []string{"/", "/users/42", "/files/a/b", "/users/me/posts", "/a%20b", "//", "/x/"} {
		f.Add(s)
	}
	root := tree()
	f.Fuzz(func(t *testing.T, path string) {
		res, params := root.match(path)
		if res == nil {
			return
		}
		segs, ok := splitPath(path)
		if !ok {
			t.Fatalf("%q matched %s but does not split", path, res.path)
		}
		// The template's segments agree with the path's: literals equal,
		// parameters carry the segment, a greedy parameter the rest.
		tmpl := strings.Split(strings.TrimPrefix(res.path, "/"), "/")
		if res.path == "/" {
			tmpl = nil
		}
		for i, ts := range tmpl {
			switch {
			case strings.HasSuffix(ts, "+}"):
				if got := params[ts[1:len(ts)-2]]; got != strings.Join(segs[i:], "/") {
					t.Fatalf("%q → %s: greedy %q", path, res.path, got)
				}
				return
			case strings.HasPrefix(ts, "{"):
				if params[ts[1:len(ts)-1]] != segs[i] {
					t.Fatalf("%q → %s: param %v", path, res.path, params)
				}
			default:
				if i >= len(segs) || segs[i] != ts {
					t.Fatalf("%q → %s: literal %q", path, res.path, ts)
				}
			}
		}
		if len(tmpl) != len(segs) {
			t.Fatalf("%q → %s: %d segments for %d", path, res.path, len(tmpl), len(segs))
		}
	})
}

// capture is an Invoker that records the API event and answers with a
// fixed proxy response.
type capture struct {
	event  events.APIGatewayProxyRequest
	answer string
}

func (c *capture) Invoke(_ context.Context, fn string, payload []byte) ([]byte, error) {
	if err := json.Unmarshal(payload, &c.event); err != nil {
		return nil, err
	}
	return []byte(c.answer), nil
}

func eventGateway(c *capture) *Gateway {
	m := &app.Manifest{BinaryTypes: app.DefaultBinaryTypes(), Routes: []app.RouteInfo{
		{Path: "/items/{id}", Method: "POST", ContentTypes: []string{"*/*"}},
		{Path: "/items/{id}", Method: "GET"},
	}}
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	return NewGateway(m, c, Options{Stage: "dev", StageVars: map[string]string{"v": "1"}, Now: func() time.Time { return now }})
}

func TestEventIsWhatAPIGatewaySends(t *testing.T) {
	c := &capture{answer: `{"statusCode":201,"headers":{"X-One":"1"},"multiValueHeaders":{"Set-Cookie":["a=1","b=2"]},"body":"aGk=","isBase64Encoded":true}`}
	g := eventGateway(c)
	req := httptest.NewRequest("POST", "http://localhost:8000/items/7/?q=1&q=2&single=x", strings.NewReader("payload"))
	req.Header.Set("Content-Type", "text/plain")
	req.Header.Add("X-Multi", "a")
	req.Header.Add("X-Multi", "b")
	rec := httptest.NewRecorder()
	g.ServeHTTP(rec, req)

	ev := c.event
	if ev.Resource != "/items/{id}" || ev.Path != "/items/7" || ev.HTTPMethod != "POST" {
		t.Errorf("resource/path/method: %q %q %q", ev.Resource, ev.Path, ev.HTTPMethod)
	}
	if ev.PathParameters["id"] != "7" || ev.StageVariables["v"] != "1" {
		t.Errorf("pathParameters %v stageVariables %v", ev.PathParameters, ev.StageVariables)
	}
	if ev.QueryStringParameters["q"] != "2" || strings.Join(ev.MultiValueQueryStringParameters["q"], ",") != "1,2" {
		t.Errorf("query: %v %v", ev.QueryStringParameters, ev.MultiValueQueryStringParameters)
	}
	if ev.Headers["X-Multi"] != "b" || strings.Join(ev.MultiValueHeaders["X-Multi"], ",") != "a,b" || ev.Headers["Host"] != "localhost:8000" {
		t.Errorf("headers: %v %v", ev.Headers, ev.MultiValueHeaders)
	}
	rc := ev.RequestContext
	if rc.ResourcePath != "/items/{id}" || rc.Stage != "dev" || rc.RequestID == "" || rc.Identity.SourceIP == "" || rc.Path != "/dev/items/7" || rc.HTTPMethod != "POST" {
		t.Errorf("requestContext: %+v", rc)
	}
	if id := rec.Header()["x-amzn-RequestId"]; len(id) != 1 || rc.RequestID != id[0] {
		t.Error("the event's requestId is not the response's x-amzn-RequestId")
	}
	if ev.Body != "payload" || ev.IsBase64Encoded {
		t.Errorf("text body: %q %v", ev.Body, ev.IsBase64Encoded)
	}
	// The proxy response, back to HTTP.
	if rec.Code != 201 || rec.Body.String() != "hi" || rec.Header().Get("X-One") != "1" || strings.Join(rec.Header().Values("Set-Cookie"), ";") != "a=1;b=2" {
		t.Errorf("response: %d %q %v", rec.Code, rec.Body.String(), rec.Header())
	}

	// No query string: none, not empty. Binary bodies are base64.
	req = httptest.NewRequest("POST", "/items/8", strings.NewReader("\x00\xff"))
	req.Header.Set("Content-Type", "image/png")
	g.ServeHTTP(httptest.NewRecorder(), req)
	if c.event.QueryStringParameters != nil || c.event.MultiValueQueryStringParameters != nil {
		t.Errorf("absent query string became %v", c.event.QueryStringParameters)
	}
	if !c.event.IsBase64Encoded || c.event.Body != base64.StdEncoding.EncodeToString([]byte("\x00\xff")) {
		t.Errorf("binary body: %q %v", c.event.Body, c.event.IsBase64Encoded)
	}
}

func TestMalformedProxyResponseIs502(t *testing.T) {
	for _, answer := range []string{`not json`, `{"statusCode":0}`, `{"statusCode":200,"body":"%%","isBase64Encoded":true}`} {
		g := eventGateway(&capture{answer: answer})
		rec := httptest.NewRecorder()
		g.ServeHTTP(rec, httptest.NewRequest("GET", "/items/1", nil))
		if rec.Code != http.StatusBadGateway || rec.Body.String() != `{"message": "Internal server error"}` {
			t.Errorf("%s: %d %s", answer, rec.Code, rec.Body.String())
		}
	}
}

func FuzzEvent(f *testing.F) {
	f.Add("POST", "/items/1", "a=1&a=2", "text/plain", []byte("hello"))
	f.Add("GET", "/items/%E2%9C%93", "", "", []byte{})
	f.Add("POST", "/items/x/", "k", "application/octet-stream", []byte{0, 0xff})
	f.Fuzz(func(t *testing.T, method, path, query, contentType string, body []byte) {
		if method != "GET" && method != "POST" {
			return
		}
		u, err := url.Parse("http://h" + path)
		if err != nil || u.Path == "" {
			return
		}
		u.RawQuery = query
		req, err := http.NewRequest(method, u.String(), strings.NewReader(string(body)))
		if err != nil {
			return
		}
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		req.RemoteAddr = "127.0.0.1:1234"
		c := &capture{answer: `{"statusCode":200,"body":""}`}
		rec := httptest.NewRecorder()
		eventGateway(c).ServeHTTP(rec, req)
		if c.event.HTTPMethod == "" {
			return // answered by the gateway (no route)
		}
		// The app gets back exactly the body that was sent.
		got := []byte(c.event.Body)
		if c.event.IsBase64Encoded {
			if got, err = base64.StdEncoding.DecodeString(c.event.Body); err != nil {
				t.Fatal(err)
			}
		}
		if string(got) != string(body) && !(len(body) > 0 && !c.event.IsBase64Encoded && !utf8Valid(body)) {
			t.Fatalf("body %q arrived as %q", body, got)
		}
		// Query parameters survive as the last and all values (text that is
		// not UTF-8 cannot pass through JSON unchanged).
		want := req.URL.Query()
		if !utf8Valid([]byte(req.URL.RawQuery)) || !utf8Valid([]byte(fmt.Sprint(want))) {
			return
		}
		for k, vs := range want {
			if c.event.QueryStringParameters[k] != vs[len(vs)-1] || len(c.event.MultiValueQueryStringParameters[k]) != len(vs) {
				t.Fatalf("query %q: %v / %v", k, c.event.QueryStringParameters, c.event.MultiValueQueryStringParameters)
			}
		}
		if c.event.PathParameters["id"] == "" || c.event.Resource != "/items/{id}" {
			t.Fatalf("path %q → %v %q", path, c.event.PathParameters, c.event.Resource)
		}
	})
}

// utf8Valid: a text body that is not UTF-8 cannot survive JSON unchanged,
// in API Gateway either; such bodies should be sent with a binary type.
func utf8Valid(b []byte) bool { return strings.ToValidUTF8(string(b), "\uFFFD") == string(b) }

func TestWildcardMatch(t *testing.T) {
	arn := "arn:aws:execute-api:us-east-1:123456789012:local0api0/api/GET/cities/seattle"
	cases := []struct {
		pattern string
		want    bool
	}{
		{arn, true},
		{"*", true},
		{"arn:aws:execute-api:us-east-1:123456789012:local0api0/api/*/*", true},
		{"arn:aws:execute-api:*:*:local0api0/api/GET/cities/*", true},
		{"arn:aws:execute-api:us-east-1:123456789012:local0api0/api/GET/cities/seattl?", true},
		{"arn:aws:execute-api:us-east-1:123456789012:local0api0/api/POST/*", false},
		{"arn:aws:execute-api:us-east-1:123456789012:local0api0/api/GET/cities", false},
		{"arn:aws:execute-api:us-east-1:123456789012:local0api0/api/GET/cities/seattle/x", false},
	}
	for _, c := range cases {
		if got := wildcardMatch(c.pattern, arn); got != c.want {
			t.Errorf("%s: %v", c.pattern, got)
		}
	}
	deny := &authResult{PolicyDocument: policyDocument{Statement: []statement{
		{Effect: "Allow", Action: []string{"execute-api:*"}, Resource: []string{"*"}},
		{Effect: "Deny", Action: []string{"execute-api:Invoke"}, Resource: []string{"*/GET/cities/*"}},
	}}}
	if deny.allows(arn) || !deny.allows(strings.Replace(arn, "cities", "towns", 1)) {
		t.Error("an explicit Deny must win over an Allow, and only where it matches")
	}
}

func TestCognitoClaimsAreDecoded(t *testing.T) {
	claims := base64.RawURLEncoding.EncodeToString([]byte(`{"sub":"abc","email":"a@example.com","exp":1700000000,"groups":["x"]}`))
	got, ok := jwtClaims("Bearer eyJhbGciOiJub25lIn0." + claims + ".sig")
	if !ok || got["sub"] != "abc" || got["exp"] != "1700000000" || got["groups"] != `["x"]` {
		t.Errorf("claims: %v %v", got, ok)
	}
	for _, bad := range []string{"", "abc", "a.b", "a.!!!.c", "a." + base64.RawURLEncoding.EncodeToString([]byte("[]")) + ".c"} {
		if _, ok := jwtClaims(bad); ok {
			t.Errorf("%q accepted as a JWT", bad)
		}
	}
	m := &app.Manifest{
		Authorizers: []app.AuthorizerInfo{{Name: "pool", Type: app.AuthCognito, Header: "Authorization"}},
		Routes:      []app.RouteInfo{{Path: "/me", Method: "GET", Authorizer: "pool"}},
	}
	c := &capture{answer: `{"statusCode":200,"body":""}`}
	var warn strings.Builder
	g := NewGateway(m, c, Options{Warn: &warn})
	if !strings.Contains(warn.String(), "NOT verified") {
		t.Errorf("no start-up warning about unverified tokens: %q", warn.String())
	}
	rec := httptest.NewRecorder()
	g.ServeHTTP(rec, httptest.NewRequest("GET", "/me", nil))
	if rec.Code != 401 {
		t.Errorf("no token: %d", rec.Code)
	}
	req := httptest.NewRequest("GET", "/me", nil)
	req.Header.Set("Authorization", "h."+claims+".s")
	g.ServeHTTP(httptest.NewRecorder(), req)
	if cl, _ := c.event.RequestContext.Authorizer["claims"].(map[string]any); cl["email"] != "a@example.com" {
		t.Errorf("claims not in requestContext.authorizer: %v", c.event.RequestContext.Authorizer)
	}
}

// TestAppendEventMatchesEncodingJSON: the hand-written encoder gives the
// same document as encoding/json for the fields API Gateway sends.
func TestAppendEventMatchesEncodingJSON(t *testing.T) {
	ev := &events.APIGatewayProxyRequest{
		Resource: "/a/{b}", Path: "/a/\u2028\"x\"", HTTPMethod: "POST",
		Headers:           map[string]string{"B": "2", "A": "\x00<&>"},
		MultiValueHeaders: map[string][]string{"A": {"1", "\xff"}},
		PathParameters:    map[string]string{"b": "é"},
		RequestContext: events.APIGatewayProxyRequestContext{
			AccountID: "1", Stage: "api", RequestID: "r", ResourcePath: "/a/{b}", HTTPMethod: "POST",
			RequestTimeEpoch: 1700000000000, Identity: events.APIGatewayRequestIdentity{SourceIP: "127.0.0.1"},
			Authorizer: map[string]any{"principalId": "p", "n": 1},
		},
		Body: "body\n", IsBase64Encoded: false,
	}
	ours, err := appendEvent(nil, ev)
	if err != nil {
		t.Fatal(err)
	}
	var a, b events.APIGatewayProxyRequest
	if err := json.Unmarshal(ours, &a); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, ours)
	}
	std, _ := json.Marshal(ev)
	json.Unmarshal(std, &b)
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	if string(ja) != string(jb) {
		t.Errorf("ours decodes to\n%s\nencoding/json's to\n%s", ja, jb)
	}
}
