package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Auth is an authorizer a route can use: IAMAuthorizer(),
// CognitoUserPoolAuthorizer(...), CustomAuthorizer(...) or a built-in one
// declared with App.Authorizer.
type Auth interface {
	info() AuthorizerInfo
	scopes() []string
}

// Authorizer kinds in the manifest.
const (
	AuthIAM     = "iam"
	AuthCognito = "cognito_user_pools"
	AuthCustom  = "custom"
	AuthBuiltin = "builtin"
)

// IAMAuth is API Gateway's AWS_IAM (SigV4) authorization.
type IAMAuth struct{}

// IAMAuthorizer requires SigV4-signed requests.
func IAMAuthorizer() *IAMAuth { return &IAMAuth{} }

func (*IAMAuth) info() AuthorizerInfo {
	return AuthorizerInfo{Name: "sigv4", Type: AuthIAM, Header: "Authorization"}
}
func (*IAMAuth) scopes() []string { return nil }

// CognitoAuth is a Cognito user pool authorizer.
type CognitoAuth struct {
	Name         string
	ProviderARNs []string
	// Header carrying the token; default Authorization.
	Header string
	Scopes []string
}

// CognitoUserPoolAuthorizer authorizes with the user pools given by ARN.
func CognitoUserPoolAuthorizer(name string, providerARNs ...string) *CognitoAuth {
	if name == "" || len(providerARNs) == 0 {
		panic("app.CognitoUserPoolAuthorizer: a name and at least one user pool ARN are required")
	}
	return &CognitoAuth{Name: name, ProviderARNs: providerARNs, Header: "Authorization"}
}

// WithScopes returns a copy requiring the OAuth scopes.
func (c *CognitoAuth) WithScopes(scopes ...string) *CognitoAuth {
	cp := *c
	cp.Scopes = scopes
	return &cp
}

func (c *CognitoAuth) info() AuthorizerInfo {
	return AuthorizerInfo{Name: c.Name, Type: AuthCognito, Header: orDefault(c.Header, "Authorization"),
		ProviderARNs: slices.Clone(c.ProviderARNs)}
}
func (c *CognitoAuth) scopes() []string { return c.Scopes }

// CustomAuth is a token authorizer backed by a Lambda function deployed
// elsewhere.
type CustomAuth struct {
	Name string
	// AuthorizerURI is the authorizer function's invocation URI.
	AuthorizerURI string
	// TTLSeconds caches results; default 300.
	TTLSeconds int
	// Header carrying the token; default Authorization.
	Header string
	// InvokeRoleARN is the role API Gateway assumes to call the function.
	InvokeRoleARN string
	Scopes        []string
}

// CustomAuthorizer authorizes with the Lambda function at authorizerURI.
func CustomAuthorizer(name, authorizerURI string) *CustomAuth {
	if name == "" || authorizerURI == "" {
		panic("app.CustomAuthorizer: a name and an authorizer URI are required")
	}
	return &CustomAuth{Name: name, AuthorizerURI: authorizerURI, TTLSeconds: 300, Header: "Authorization"}
}

// WithScopes returns a copy requiring the scopes.
func (c *CustomAuth) WithScopes(scopes ...string) *CustomAuth {
	cp := *c
	cp.Scopes = scopes
	return &cp
}

func (c *CustomAuth) info() AuthorizerInfo {
	ttl := c.TTLSeconds
	return AuthorizerInfo{Name: c.Name, Type: AuthCustom, Header: orDefault(c.Header, "Authorization"),
		AuthorizerURI: c.AuthorizerURI, TTLSeconds: &ttl, InvokeRoleARN: c.InvokeRoleARN}
}
func (c *CustomAuth) scopes() []string { return c.Scopes }

// AuthFunc is a built-in authorizer's function.
type AuthFunc func(*AuthRequest) (*AuthResponse, error)

// BuiltinAuth is an authorizer declared in the app with App.Authorizer; it is
// deployed as its own Lambda function.
type BuiltinAuth struct {
	name   string
	fn     AuthFunc
	ttl    int
	header string
	role   string
	scope  []string
}

// AuthorizerOption configures a built-in authorizer.
type AuthorizerOption func(*BuiltinAuth)

// AuthTTL caches the authorizer's answer for seconds (default 300; 0 disables).
func AuthTTL(seconds int) AuthorizerOption { return func(b *BuiltinAuth) { b.ttl = seconds } }

// AuthHeader names the header carrying the token (default Authorization).
func AuthHeader(name string) AuthorizerOption { return func(b *BuiltinAuth) { b.header = name } }

// AuthExecutionRole is the role API Gateway assumes to invoke the authorizer.
func AuthExecutionRole(arn string) AuthorizerOption { return func(b *BuiltinAuth) { b.role = arn } }

// WithScopes returns a copy requiring the scopes.
func (b *BuiltinAuth) WithScopes(scopes ...string) *BuiltinAuth {
	cp := *b
	cp.scope = scopes
	return &cp
}

// Name is the authorizer's name.
func (b *BuiltinAuth) Name() string { return b.name }

func (b *BuiltinAuth) info() AuthorizerInfo {
	ttl := b.ttl
	return AuthorizerInfo{Name: b.name, Type: AuthBuiltin, Header: b.header, TTLSeconds: &ttl,
		ExecutionRole: b.role, Handler: "authorizer:" + b.name}
}
func (b *BuiltinAuth) scopes() []string { return b.scope }

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// AuthRequest is what API Gateway sends a TOKEN authorizer.
type AuthRequest struct {
	// Type is "TOKEN".
	Type string `json:"type"`
	// Token is the value of the authorizer's header.
	Token string `json:"authorizationToken"`
	// MethodARN identifies the method being called:
	// arn:aws:execute-api:<region>:<account>:<api-id>/<stage>/<METHOD>/<path>.
	MethodARN string `json:"methodArn"`
}

// AuthResponse allows the principal to call Routes.
type AuthResponse struct {
	// Routes the principal may call. AuthRoute{Path: "*"} allows everything.
	Routes      []AuthRoute
	PrincipalID string
	// Context is passed to views in RequestContext.Authorizer; values must be
	// strings, numbers or booleans (API Gateway's rule).
	Context map[string]any
}

// AuthRoute allows Methods (all when empty) on Path, a route path such as
// /cities/{city}; "*" stands for every path.
type AuthRoute struct {
	Path    string
	Methods []string
}

// Policy renders the response as the document API Gateway expects from a
// Lambda authorizer, given the request it answers.
func (a *AuthResponse) Policy(req *AuthRequest) (map[string]any, error) {
	for k, v := range a.Context {
		switch v.(type) {
		case string, bool, int, int32, int64, float32, float64, json.Number:
		default:
			return nil, fmt.Errorf("authorizer context %q: API Gateway accepts only strings, numbers and booleans, not %T", k, v)
		}
	}
	var resources []string
	for _, r := range a.Routes {
		methods := r.Methods
		if len(methods) == 0 || r.Path == "*" {
			methods = []string{"*"}
		}
		for _, m := range methods {
			resources = append(resources, authARN(req.MethodARN, r.Path, strings.ToUpper(m)))
		}
	}
	ctx := a.Context
	if ctx == nil {
		ctx = map[string]any{}
	}
	if resources == nil {
		resources = []string{}
	}
	return map[string]any{
		"context":     ctx,
		"principalId": a.PrincipalID,
		"policyDocument": map[string]any{
			"Version": "2012-10-17",
			"Statement": []any{map[string]any{
				"Action":   "execute-api:Invoke",
				"Effect":   "Allow",
				"Resource": resources,
			}},
		},
	}, nil
}

// authARN builds the resource ARN allowing method on path, keeping the API id
// and stage of the incoming method ARN (Chalice's _generate_arn).
func authARN(methodARN, path, method string) string {
	parts := strings.SplitN(methodARN, ":", 6)
	last := parts[len(parts)-1]
	base := strings.SplitN(last, "/", 3)
	if len(base) > 2 {
		base = base[:2]
	}
	res := strings.Join(base, "/") + "/" + method + "/"
	if path == "*" {
		res += "*"
	} else {
		res += strings.TrimPrefix(path, "/")
	}
	parts[len(parts)-1] = res
	return strings.Join(parts, ":")
}

// invokeAuthorizer runs a built-in authorizer on a raw TOKEN event.
func (b *BuiltinAuth) invoke(_ context.Context, payload []byte) ([]byte, error) {
	var req AuthRequest
	if err := json.Unmarshal(payload, &req); err != nil {
		return nil, fmt.Errorf("authorizer %s: reading event: %w", b.name, err)
	}
	resp, err := b.fn(&req)
	if err != nil {
		// API Gateway answers 401 when a TOKEN authorizer fails with
		// exactly "Unauthorized".
		var ae *Error
		if errors.As(err, &ae) && ae.StatusCode == 401 {
			return nil, errUnauthorized{}
		}
		return nil, err
	}
	if resp == nil {
		return []byte("null"), nil
	}
	policy, err := resp.Policy(&req)
	if err != nil {
		return nil, err
	}
	return json.Marshal(policy)
}

type errUnauthorized struct{}

func (errUnauthorized) Error() string { return "Unauthorized" }
