package app

import (
	"context"
	"encoding/json"
	"iter"
	"strings"

	"github.com/chalice-go/chalice/internal/jsonread"
)

// Request is the API Gateway request a view receives.
type Request struct {
	// Method is the HTTP method, upper case.
	Method string
	// Path is the resource template that matched, such as /cities/{city},
	// not the literal URL (as in Chalice).
	Path string
	// URIParams holds the values of the path's {params}; nil when none.
	URIParams map[string]string
	// QueryParams is nil when the request had no query string.
	QueryParams QueryParams
	// Headers are case-insensitive.
	Headers Header
	// RawBody is the body, base64-decoded when API Gateway encoded it.
	RawBody []byte
	// StageVars are the API Gateway stage variables; nil when none.
	StageVars map[string]string
	// RequestContext is API Gateway's request context, with the
	// authorizer's claims or context when the route has an authorizer.
	RequestContext RequestContext

	ctx        context.Context
	jsonBody   any
	jsonErr    error
	jsonParsed bool
}

// Context returns the request's context: it carries the Lambda deadline and
// is cancelled when the invocation ends, as http.Request.Context does.
func (r *Request) Context() context.Context {
	if r.ctx == nil {
		return context.Background()
	}
	return r.ctx
}

// isJSON reports whether the body is to be read as JSON. A request without
// Content-Type counts as application/json, as for route matching.
func (r *Request) isJSON() bool {
	ct, ok := r.Headers.Lookup("Content-Type")
	return !ok || strings.HasPrefix(strings.ToLower(strings.TrimSpace(ct)), "application/json")
}

// errParsingJSON is Chalice's answer to an unreadable JSON body.
func errParsingJSON() *Error { return BadRequest("Error Parsing JSON") }

// JSON decodes the JSON body into v. A body that is not valid JSON, or a
// request whose Content-Type is not application/json, gives a 400
// BadRequestError "Error Parsing JSON" when returned from the view.
func (r *Request) JSON(v any) error {
	if !r.isJSON() {
		return BadRequest("Content-Type must be application/json")
	}
	if err := json.Unmarshal(r.RawBody, v); err != nil {
		return errParsingJSON()
	}
	return nil
}

// JSONBody returns the body decoded as encoding/json decodes into an any
// (map[string]any, []any, string, float64, bool or nil), like Chalice's
// json_body. It is nil without error when the Content-Type is not JSON.
func (r *Request) JSONBody() (any, error) {
	if !r.isJSON() {
		return nil, nil
	}
	if !r.jsonParsed {
		r.jsonParsed = true
		var v any
		if err := json.Unmarshal(r.RawBody, &v); err != nil {
			r.jsonErr = errParsingJSON()
		} else {
			r.jsonBody = v
		}
	}
	return r.jsonBody, r.jsonErr
}

// ToMap returns the request as Chalice's Request.to_dict() does: the keys
// query_params, headers, uri_params, method, context, stage_vars and path.
// Headers and query params map to their last value.
func (r *Request) ToMap() map[string]any {
	headers := make(map[string]string, r.Headers.Len())
	for k, v := range r.Headers.All() {
		headers[strings.ToLower(k)] = v
	}
	m := map[string]any{
		"headers": headers,
		"method":  r.Method,
		"path":    r.Path,
		"context": r.RequestContext.Map(),
	}
	if r.QueryParams == nil {
		m["query_params"] = nil
	} else {
		q := make(map[string]string, len(r.QueryParams))
		for k := range r.QueryParams {
			q[k] = r.QueryParams.Get(k)
		}
		m["query_params"] = q
	}
	if r.URIParams == nil {
		m["uri_params"] = nil
	} else {
		m["uri_params"] = r.URIParams
	}
	if r.StageVars == nil {
		m["stage_vars"] = nil
	} else {
		m["stage_vars"] = r.StageVars
	}
	return m
}

// QueryParams maps each query parameter to all its values, in order.
type QueryParams map[string][]string

// Get returns the last value of key, as Chalice's MultiDict does, or "".
func (q QueryParams) Get(key string) string {
	if v := q[key]; len(v) > 0 {
		return v[len(v)-1]
	}
	return ""
}

// Values returns every value of key.
func (q QueryParams) Values(key string) []string { return q[key] }

// Has reports whether key was given.
func (q QueryParams) Has(key string) bool { _, ok := q[key]; return ok }

// Header holds request headers and looks them up case-insensitively.
// The zero value is empty.
type Header struct {
	single []headerField // API Gateway's "headers": last value of each
	multi  string        // raw "multiValueHeaders", read on demand
}

type headerField struct{ name, value string }

// NewHeader builds a Header from name/value pairs, for tests.
func NewHeader(kv map[string]string) Header {
	var h Header
	for k, v := range kv {
		h.single = append(h.single, headerField{k, v})
	}
	return h
}

// Get returns the value of the header name, or "".
func (h Header) Get(name string) string { v, _ := h.Lookup(name); return v }

// Lookup returns the value of the header name and whether it was sent.
func (h Header) Lookup(name string) (string, bool) {
	// From the end: a repeated name means its last value.
	for i := len(h.single) - 1; i >= 0; i-- {
		if strings.EqualFold(h.single[i].name, name) {
			return h.single[i].value, true
		}
	}
	return "", false
}

// Values returns every value sent for name (a header sent several times has
// several).
func (h Header) Values(name string) []string {
	if h.multi != "" {
		r := jsonread.New(h.multi)
		var out []string
		r.Object()
		for k, ok := r.NextKey(); ok; k, ok = r.NextKey() {
			if !strings.EqualFold(k, name) {
				r.Skip()
				continue
			}
			r.Array()
			for r.NextElem() {
				out = append(out, r.Str())
			}
		}
		if r.Err() == nil && out != nil {
			return out
		}
	}
	if v, ok := h.Lookup(name); ok {
		return []string{v}
	}
	return nil
}

// Len returns the number of distinct headers.
func (h Header) Len() int { return len(h.single) }

// All iterates over the headers with the names as sent.
func (h Header) All() iter.Seq2[string, string] {
	return func(yield func(string, string) bool) {
		for _, f := range h.single {
			if !yield(f.name, f.value) {
				return
			}
		}
	}
}

// MarshalJSON writes the headers as an object with lower-case names.
func (h Header) MarshalJSON() ([]byte, error) {
	m := make(map[string]string, len(h.single))
	for _, f := range h.single {
		m[strings.ToLower(f.name)] = f.value
	}
	return json.Marshal(m)
}

// RequestContext is API Gateway's requestContext for REST proxy integrations.
type RequestContext struct {
	AccountID         string
	APIID             string
	DomainName        string
	DomainPrefix      string
	ExtendedRequestID string
	HTTPMethod        string
	Path              string
	Protocol          string
	RequestID         string
	RequestTime       string
	RequestTimeEpoch  int64
	ResourceID        string
	ResourcePath      string
	Stage             string
	Identity          Identity
	// Authorizer holds what the route's authorizer passed on: the context and
	// principalId of a Lambda authorizer, or {"claims": {...}} for Cognito.
	// Nil when the route has no authorizer.
	Authorizer map[string]any

	raw string
}

// Map returns the request context exactly as API Gateway sent it.
func (c RequestContext) Map() map[string]any {
	if c.raw == "" {
		return map[string]any{}
	}
	r := jsonread.New(c.raw)
	m, _ := r.Any().(map[string]any)
	return m
}

// Identity is the caller's identity in the request context.
type Identity struct {
	AccessKey                     string
	AccountID                     string
	APIKey                        string
	APIKeyID                      string
	Caller                        string
	CognitoAuthenticationProvider string
	CognitoAuthenticationType     string
	CognitoIdentityID             string
	CognitoIdentityPoolID         string
	SourceIP                      string
	User                          string
	UserAgent                     string
	UserARN                       string
}
