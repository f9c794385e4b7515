package app

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

func ok(*Request) (any, error) { return nil, nil }

func TestDeclarationMistakesPanic(t *testing.T) {
	cases := []struct {
		name string
		want string
		fn   func(a *App)
	}{
		{"duplicate method", "GET is already declared for this path by view ok", func(a *App) {
			a.Route("/x", ok)
			a.Route("/x", ok, Methods("POST", "GET"))
		}},
		{"empty path", "path is empty", func(a *App) { a.Route("", ok) }},
		{"no leading slash", "must start with '/'", func(a *App) { a.Route("x", ok) }},
		{"trailing slash", "must not end with '/'", func(a *App) { a.Route("/x/", ok) }},
		{"double slash", "empty segment", func(a *App) { a.Route("/a//b", ok) }},
		{"partial param", "must be a whole segment", func(a *App) { a.Route("/a{b}", ok) }},
		{"unclosed param", "must be a whole segment", func(a *App) { a.Route("/{b", ok) }},
		{"bad param name", "letters, digits", func(a *App) { a.Route("/{a-b}", ok) }},
		{"repeated param", "appears twice", func(a *App) { a.Route("/{a}/{a}", ok) }},
		{"greedy not last", "must be the last segment", func(a *App) { a.Route("/{p+}/x", ok) }},
		{"bad char", "does not allow", func(a *App) { a.Route("/a b", ok) }},
		{"unknown method", `unknown method "FETCH"`, func(a *App) { a.Route("/", ok, Methods("FETCH")) }},
		{"cors with options", "cannot also declare OPTIONS", func(a *App) { a.Route("/", ok, Methods("GET", "OPTIONS"), CORS(nil)) }},
		{"two cors configs", "different CORS configuration", func(a *App) {
			a.Route("/x", ok, CORS(nil))
			a.Route("/x", ok, Methods("PUT"), CORS(&CORSConfig{AllowOrigin: "https://a.example"}))
		}},
		{"foreign authorizer", "was not declared", func(a *App) {
			other := New("other")
			auth := other.Authorizer("tok", func(*AuthRequest) (*AuthResponse, error) { return nil, nil })
			a.Route("/", ok, Authorizer(auth))
		}},
		{"nil handler", "handler is nil", func(a *App) { a.Route("/", nil) }},
		{"duplicate function name", "already used", func(a *App) {
			a.Authorizer("dup", func(*AuthRequest) (*AuthResponse, error) { return nil, nil })
			a.LambdaFunction("dup", func(context.Context, json.RawMessage) (any, error) { return nil, nil })
		}},
		{"sqs without queue", "QueueARN", func(a *App) {
			a.OnSQSMessage("", func(context.Context, events.SQSEvent) error { return nil })
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			mustPanic(t, c.want, func() { c.fn(New("x")) })
		})
	}
	// The panic names the route and the view.
	mustPanic(t, `app.Route("/x/") for view ok`, func() { New("x").Route("/x/", ok) })
}

func TestSameCORSOnOnePathIsFine(t *testing.T) {
	a := New("x")
	a.Route("/x", ok, CORS(nil))
	a.Route("/x", ok, Methods("PUT"), CORS(&CORSConfig{AllowOrigin: "*"}))
	a.Route("/x", ok, Methods("DELETE")) // no CORS on this method: allowed, as in Chalice
}

func TestManifest(t *testing.T) {
	a := New("demo")
	tok := a.Authorizer("tokenauth", func(*AuthRequest) (*AuthResponse, error) { return nil, nil }, AuthTTL(60), AuthHeader("X-Token"))
	pool := CognitoUserPoolAuthorizer("pool", "arn:aws:cognito-idp:us-west-2:123:userpool/abc")
	custom := CustomAuthorizer("ext", "arn:aws:apigateway:us-west-2:lambda:path/2015-03-31/functions/arn:aws:lambda:us-west-2:123:function:auth/invocations")
	custom.InvokeRoleARN = "arn:aws:iam::123:role/invoke"
	a.Route("/", ok)
	a.Route("/objects/{key}", ok, Methods("put", "GET"), CORS(nil), Name("object"))
	a.Route("/private", ok, Authorizer(tok), APIKeyRequired())
	a.Route("/pool", ok, Authorizer(pool.WithScopes("read")))
	a.Route("/ext", ok, Authorizer(custom))
	a.Route("/iam", ok, Authorizer(IAMAuthorizer()))
	a.Schedule("rate(5 minutes)", func(context.Context, events.CloudWatchEvent) error { return nil }, FunctionName("every5"))
	a.OnS3Event("bucket", func(context.Context, events.S3Event) error { return nil }, FunctionName("ons3"), Prefix("in/"))

	m, err := a.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	if m.Version != 1 || m.AppName != "demo" || len(m.BinaryTypes) != 16 {
		t.Errorf("header: %+v", m)
	}
	var routes []string
	for _, r := range m.Routes {
		routes = append(routes, r.Method+" "+r.Path+" "+r.View+" "+r.Authorizer)
	}
	want := []string{"GET / ok ", "PUT /objects/{key} object ", "GET /objects/{key} object ",
		"GET /private ok tokenauth", "GET /pool ok pool", "GET /ext ok ext", "GET /iam ok sigv4"}
	if strings.Join(routes, "|") != strings.Join(want, "|") {
		t.Errorf("routes:\n%s\nwant\n%s", strings.Join(routes, "\n"), strings.Join(want, "\n"))
	}
	if m.Routes[1].CORS["Access-Control-Allow-Origin"] != "*" || m.Routes[0].CORS != nil {
		t.Errorf("cors: %v / %v", m.Routes[1].CORS, m.Routes[0].CORS)
	}
	if !m.Routes[3].APIKeyRequired || strings.Join(m.Routes[4].AuthScopes, ",") != "read" {
		t.Errorf("api key / scopes: %+v %+v", m.Routes[3], m.Routes[4])
	}
	byName := map[string]AuthorizerInfo{}
	for _, au := range m.Authorizers {
		byName[au.Name] = au
	}
	if au := byName["tokenauth"]; au.Type != AuthBuiltin || *au.TTLSeconds != 60 || au.Header != "X-Token" || au.Handler != "authorizer:tokenauth" {
		t.Errorf("builtin: %+v", au)
	}
	if au := byName["pool"]; au.Type != AuthCognito || au.ProviderARNs[0] != "arn:aws:cognito-idp:us-west-2:123:userpool/abc" {
		t.Errorf("cognito: %+v", au)
	}
	if au := byName["ext"]; au.Type != AuthCustom || *au.TTLSeconds != 300 || au.InvokeRoleARN == "" {
		t.Errorf("custom: %+v", au)
	}
	if au := byName["sigv4"]; au.Type != AuthIAM {
		t.Errorf("iam: %+v", au)
	}
	if len(m.Functions) != 2 || m.Functions[0].Handler != "function:every5" || m.Functions[1].Events[0] != "s3:ObjectCreated:*" || m.Functions[1].Prefix != "in/" {
		t.Errorf("functions: %+v", m.Functions)
	}
	// Same app, same manifest bytes.
	b1, _ := json.Marshal(m)
	m2, _ := a.Manifest()
	b2, _ := json.Marshal(m2)
	if !bytes.Equal(b1, b2) {
		t.Error("manifest is not deterministic")
	}
}

func TestManifestRejectsInconsistentApps(t *testing.T) {
	a := New("x")
	a.Route("/up", ok, Methods("POST"), ContentTypes("application/json", "image/png"))
	if _, err := a.Manifest(); err == nil || !strings.Contains(err.Error(), "mix binary") {
		t.Errorf("mixed binary content types: %v", err)
	}
	if _, err := a.LambdaHandler("api"); err == nil {
		t.Error("an inconsistent app must not serve")
	}
	b := New("y")
	b.Route("/a", ok, Authorizer(CognitoUserPoolAuthorizer("p", "arn:1")))
	b.Route("/b", ok, Authorizer(CognitoUserPoolAuthorizer("p", "arn:2")))
	if _, err := b.Manifest(); err == nil || !strings.Contains(err.Error(), `named "p"`) {
		t.Errorf("conflicting authorizer names: %v", err)
	}
}

func TestBuiltinAuthorizerPolicy(t *testing.T) {
	a := New("x")
	var seen AuthRequest
	a.Authorizer("tok", func(r *AuthRequest) (*AuthResponse, error) {
		seen = *r
		switch r.Token {
		case "allow":
			return &AuthResponse{
				Routes:      []AuthRoute{{Path: "/"}, {Path: "/cities/{city}", Methods: []string{"get", "PUT"}}, {Path: "*"}},
				PrincipalID: "user-1", Context: map[string]any{"tier": "gold", "n": 3},
			}, nil
		case "deny":
			return nil, Unauthorized("no")
		case "none":
			return nil, nil
		case "badctx":
			return &AuthResponse{PrincipalID: "u", Context: map[string]any{"m": map[string]string{}}}, nil
		}
		return nil, errors.New("backend down")
	})
	h, err := a.LambdaHandler("authorizer:tok")
	if err != nil {
		t.Fatal(err)
	}
	call := func(token string) (string, error) {
		ev := `{"type":"TOKEN","authorizationToken":"` + token + `","methodArn":"arn:aws:execute-api:us-west-2:123456789012:abc123/api/GET/cities/seattle"}`
		out, err := h.Invoke(context.Background(), []byte(ev))
		return string(out), err
	}
	out, err := call("allow")
	if err != nil {
		t.Fatal(err)
	}
	want := `{"context":{"n":3,"tier":"gold"},"policyDocument":{"Statement":[{"Action":"execute-api:Invoke","Effect":"Allow","Resource":[` +
		`"arn:aws:execute-api:us-west-2:123456789012:abc123/api/*/",` +
		`"arn:aws:execute-api:us-west-2:123456789012:abc123/api/GET/cities/{city}",` +
		`"arn:aws:execute-api:us-west-2:123456789012:abc123/api/PUT/cities/{city}",` +
		`"arn:aws:execute-api:us-west-2:123456789012:abc123/api/*/*"]}],"Version":"2012-10-17"},"principalId":"user-1"}`
	if out != want {
		t.Errorf("policy:\n%s\nwant\n%s", out, want)
	}
	if seen.Type != "TOKEN" || seen.Token != "allow" {
		t.Errorf("auth request: %+v", seen)
	}
	if _, err := call("deny"); err == nil || err.Error() != "Unauthorized" {
		t.Errorf("deny must fail with exactly Unauthorized (API Gateway's 401 signal): %v", err)
	}
	if out, err := call("none"); err != nil || out != "null" {
		t.Errorf("nil response: %q %v", out, err)
	}
	if _, err := call("badctx"); err == nil || !strings.Contains(err.Error(), "only strings, numbers and booleans") {
		t.Errorf("bad context: %v", err)
	}
	if _, err := call("boom"); err == nil || err.Error() != "backend down" {
		t.Errorf("other errors propagate: %v", err)
	}
}

func TestEventFunctions(t *testing.T) {
	a := New("x")
	var got []string
	a.LambdaFunction("raw", func(_ context.Context, ev json.RawMessage) (any, error) {
		return map[string]string{"echo": string(ev)}, nil
	})
	a.Schedule("rate(1 hour)", func(_ context.Context, e events.CloudWatchEvent) error {
		got = append(got, "schedule:"+e.DetailType)
		return nil
	}, FunctionName("hourly"))
	a.OnSNSMessage("topic", func(_ context.Context, e events.SNSEvent) error {
		got = append(got, "sns:"+e.Records[0].SNS.Message)
		return nil
	}, FunctionName("onsns"))
	a.OnSQSMessage("queue", func(_ context.Context, e events.SQSEvent) error {
		got = append(got, "sqs:"+e.Records[0].Body)
		return errors.New("retry me")
	}, FunctionName("onsqs"), BatchSize(10))

	call := func(name, payload string) (string, error) {
		h, err := a.LambdaHandler(name)
		if err != nil {
			t.Fatal(err)
		}
		out, err := h.Invoke(context.Background(), []byte(payload))
		return string(out), err
	}
	if out, _ := call("function:raw", `{"a":1}`); out != `{"echo":"{\"a\":1}"}` {
		t.Errorf("raw: %s", out)
	}
	call("function:hourly", `{"detail-type":"Scheduled Event","source":"aws.events"}`)
	call("function:onsns", `{"Records":[{"Sns":{"Message":"hi"}}]}`)
	if _, err := call("function:onsqs", `{"Records":[{"body":"job"}]}`); err == nil || err.Error() != "retry me" {
		t.Errorf("sqs error must fail the invocation: %v", err)
	}
	if strings.Join(got, ",") != "schedule:Scheduled Event,sns:hi,sqs:job" {
		t.Errorf("got %v", got)
	}
	for _, bad := range []string{"function:nope", "authorizer:nope", "web"} {
		if _, err := a.LambdaHandler(bad); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}

func TestRunModes(t *testing.T) {
	a := New("helloworld")
	a.Route("/", ok)
	env := func(kv ...string) func(string) string {
		return func(k string) string {
			for i := 0; i < len(kv); i += 2 {
				if kv[i] == k {
					return kv[i+1]
				}
			}
			return ""
		}
	}
	noStart := func(LambdaHandler) { t.Fatal("must not start Lambda") }

	var out, errOut bytes.Buffer
	if code := a.run(env("CHALICE_MANIFEST", "1"), &out, &errOut, noStart); code != 0 {
		t.Fatalf("manifest mode exit %d: %s", code, errOut.String())
	}
	var m Manifest
	if err := json.Unmarshal(out.Bytes(), &m); err != nil || m.AppName != "helloworld" || len(m.Routes) != 1 {
		t.Fatalf("manifest output %q: %v", out.String(), err)
	}

	out.Reset()
	errOut.Reset()
	if code := a.run(env(), &out, &errOut, noStart); code != 2 || !strings.Contains(errOut.String(), "chalice local") {
		t.Errorf("plain run: exit %d, %q", code, errOut.String())
	}

	var started LambdaHandler
	code := a.run(env("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:9001"), &out, &errOut, func(h LambdaHandler) { started = h })
	if code != 0 || started == nil {
		t.Fatalf("lambda mode: exit %d, started %v", code, started)
	}
	errOut.Reset()
	code = a.run(env("AWS_LAMBDA_RUNTIME_API", "x", "CHALICE_HANDLER", "function:missing"), &out, &errOut, noStart)
	if code != 1 || !strings.Contains(errOut.String(), `no function "missing"`) {
		t.Errorf("unknown handler: exit %d %q", code, errOut.String())
	}
}

func TestDecodeRealEvent(t *testing.T) {
	raw, err := os.ReadFile("testdata/apigw-cities.json")
	if err != nil {
		t.Fatal(err)
	}
	var ev apiEvent
	if err := decodeAPIEvent(string(raw), &ev); err != nil {
		t.Fatal(err)
	}
	r := ev.req
	if ev.resource != "/cities/{city}" || r.Method != "GET" || r.URIParams["city"] != "seattle" ||
		r.Headers.Get("user-agent") != "PostmanRuntime/2.4.5" || r.QueryParams.Get("name") != "me" ||
		r.StageVars["stageVariableName"] != "stageVariableValue" || r.RequestContext.Identity.SourceIP != "192.168.196.186" ||
		r.RequestContext.RequestTimeEpoch != 1589522469693 || r.RequestContext.Authorizer["principalId"] != "admin" ||
		r.RawBody != nil {
		t.Errorf("decoded: %+v", ev)
	}
}
