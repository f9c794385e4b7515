package local

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/chalice-go/chalice/app"
)

// authorize applies the route's API key and authorizer as API Gateway does,
// filling ev.RequestContext.Authorizer. It answers the request itself and
// returns false when the request may not go on.
func (g *Gateway) authorize(w http.ResponseWriter, r *http.Request, rt *route, ev *events.APIGatewayProxyRequest) bool {
	if rt.info.APIKeyRequired && len(g.apiKeys) > 0 && !g.apiKeys[r.Header.Get("x-api-key")] {
		gatewayError(w, http.StatusForbidden, "ForbiddenException", `{"message":"Forbidden"}`)
		return false
	}
	if rt.info.Authorizer == "" {
		return true
	}
	a, ok := g.auths[rt.info.Authorizer]
	if !ok {
		gatewayError(w, http.StatusInternalServerError, "", `{"message": null}`)
		return false
	}
	switch a.Type {
	case app.AuthBuiltin:
		return g.builtin(w, r, a, ev)
	case app.AuthCognito:
		token := r.Header.Get(a.Header)
		claims, ok := jwtClaims(token)
		if !ok {
			unauthorized(w)
			return false
		}
		ev.RequestContext.Authorizer = map[string]any{"claims": claims}
	}
	return true
}

func unauthorized(w http.ResponseWriter) {
	gatewayError(w, http.StatusUnauthorized, "UnauthorizedException", `{"message":"Unauthorized"}`)
}

func denied(w http.ResponseWriter) {
	gatewayError(w, http.StatusForbidden, "AccessDeniedException", `{"Message":"User is not authorized to access this resource"}`)
}

// builtin runs a built-in (Lambda TOKEN) authorizer, through the cache, and
// evaluates its policy against the method ARN.
func (g *Gateway) builtin(w http.ResponseWriter, r *http.Request, a app.AuthorizerInfo, ev *events.APIGatewayProxyRequest) bool {
	header := a.Header
	if header == "" {
		header = "Authorization"
	}
	token := r.Header.Get(header)
	if token == "" {
		unauthorized(w)
		return false
	}
	arn := methodARN(g.opts.Stage, r.Method, ev.Path)
	ttl := 300 * time.Second
	if a.TTLSeconds != nil {
		ttl = time.Duration(*a.TTLSeconds) * time.Second
	}
	key := a.Name + "\x00" + token
	res, ok := g.cache.get(key, g.opts.Now())
	if !ok {
		payload, _ := json.Marshal(app.AuthRequest{Type: "TOKEN", Token: token, MethodARN: arn})
		out, err := g.invoker.Invoke(r.Context(), "authorizer:"+a.Name, payload)
		var fe *FunctionError
		switch {
		case errors.As(err, &fe) && fe.Message == "Unauthorized":
			unauthorized(w)
			return false
		case err != nil:
			gatewayError(w, http.StatusInternalServerError, "AuthorizerConfigurationException", `{"message": null}`)
			return false
		}
		res, err = parseAuthResult(out)
		if err != nil {
			gatewayError(w, http.StatusInternalServerError, "AuthorizerConfigurationException", `{"message": null}`)
			return false
		}
		if ttl > 0 {
			g.cache.put(key, res, g.opts.Now().Add(ttl))
		}
	}
	if !res.allows(arn) {
		denied(w)
		return false
	}
	ctx := map[string]any{}
	for k, v := range res.Context {
		ctx[k] = v
	}
	ctx["principalId"] = res.PrincipalID
	ev.RequestContext.Authorizer = ctx
	return true
}

// methodARN is the ARN API Gateway passes authorizers for a request.
func methodARN(stage, method, path string) string {
	return fmt.Sprintf("arn:aws:execute-api:%s:%s:%s/%s/%s/%s", region, accountID, apiID, stage, method, strings.TrimPrefix(path, "/"))
}

// authResult is a Lambda authorizer's answer.
type authResult struct {
	PrincipalID    string         `json:"principalId"`
	PolicyDocument policyDocument `json:"policyDocument"`
	Context        map[string]any `json:"context"`
}

type policyDocument struct {
	Statement []statement `json:"Statement"`
}

type statement struct {
	Effect   string      `json:"Effect"`
	Action   stringOrSet `json:"Action"`
	Resource stringOrSet `json:"Resource"`
}

// stringOrSet is IAM's "a string or a list of strings".
type stringOrSet []string

func (s *stringOrSet) UnmarshalJSON(b []byte) error {
	if bytes.HasPrefix(bytes.TrimSpace(b), []byte("[")) {
		return json.Unmarshal(b, (*[]string)(s))
	}
	var one string
	if err := json.Unmarshal(b, &one); err != nil {
		return err
	}
	*s = []string{one}
	return nil
}

func parseAuthResult(out []byte) (*authResult, error) {
	if bytes.Equal(bytes.TrimSpace(out), []byte("null")) {
		return nil, errors.New("the authorizer returned nothing")
	}
	var res authResult
	if err := json.Unmarshal(out, &res); err != nil {
		return nil, err
	}
	if res.PolicyDocument.Statement == nil {
		return nil, errors.New("the authorizer's answer has no policyDocument")
	}
	return &res, nil
}

// allows evaluates the policy for arn: an explicit Deny wins, then an Allow.
func (a *authResult) allows(arn string) bool {
	allowed := false
	for _, s := range a.PolicyDocument.Statement {
		if !matchesAny(s.Action, "execute-api:Invoke") || !matchesAny(s.Resource, arn) {
			continue
		}
		switch s.Effect {
		case "Deny":
			return false
		case "Allow":
			allowed = true
		}
	}
	return allowed
}

func matchesAny(patterns []string, s string) bool {
	for _, p := range patterns {
		if wildcardMatch(p, s) {
			return true
		}
	}
	return false
}

// wildcardMatch matches IAM-style patterns: * any run, ? any one character.
func wildcardMatch(pattern, s string) bool {
	p, i := 0, 0
	star, mark := -1, 0
	for i < len(s) {
		switch {
		case p < len(pattern) && (pattern[p] == '?' || pattern[p] == s[i]):
			p++
			i++
		case p < len(pattern) && pattern[p] == '*':
			star, mark = p, i
			p++
		case star >= 0:
			p = star + 1
			mark++
			i = mark
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}

// authCache keeps authorizer answers for their TTL, keyed by authorizer and
// token, as API Gateway caches them.
type authCache struct {
	mu sync.Mutex
	m  map[string]cached
}

type cached struct {
	res     *authResult
	expires time.Time
}

func newAuthCache() *authCache { return &authCache{m: map[string]cached{}} }

func (c *authCache) get(key string, now time.Time) (*authResult, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[key]
	if !ok || !now.Before(e.expires) {
		delete(c.m, key)
		return nil, false
	}
	return e.res, true
}

func (c *authCache) put(key string, res *authResult, expires time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m[key] = cached{res: res, expires: expires}
}

// jwtClaims decodes a JWT's claims without verifying it (API Gateway hands
// views the claims as strings). A "Bearer " prefix is accepted.
func jwtClaims(token string) (map[string]any, bool) {
	token = strings.TrimPrefix(token, "Bearer ")
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, false
	}
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return nil, false
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var claims map[string]any
	if err := dec.Decode(&claims); err != nil || claims == nil {
		return nil, false
	}
	out := make(map[string]any, len(claims))
	for k, v := range claims {
		switch x := v.(type) {
		case string:
			out[k] = x
		case json.Number:
			out[k] = x.String()
		default:
			b, _ := json.Marshal(x)
			out[k] = string(b)
		}
	}
	return out, true
}
