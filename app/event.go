package app

import (
	"encoding/base64"
	"fmt"

	"github.com/chalice-go/chalice/internal/jsonread"
)

// apiEvent is what dispatch needs of an API Gateway REST proxy event. Strings
// point into the event's bytes (held as one string) so decoding an event
// costs a few allocations rather than one per key.
type apiEvent struct {
	resource string
	method   string
	body     string
	base64   bool
	req      Request
}

// decodeAPIEvent reads an API Gateway (REST, v1) proxy event.
func decodeAPIEvent(src string, ev *apiEvent) error {
	r := jsonread.New(src)
	if !r.Object() {
		return fmt.Errorf("API event: expected a JSON object")
	}
	var singleQuery []headerField
	for key, ok := r.NextKey(); ok; key, ok = r.NextKey() {
		switch key {
		case "resource":
			ev.resource = r.Str()
		case "httpMethod":
			ev.method = r.Str()
		case "headers":
			ev.req.Headers.single = readFields(r, ev.req.Headers.single)
		case "multiValueHeaders":
			if r.Kind() == 'n' {
				r.Null()
			} else {
				ev.req.Headers.multi = r.Raw()
			}
		case "queryStringParameters":
			singleQuery = readFields(r, singleQuery)
		case "multiValueQueryStringParameters":
			ev.req.QueryParams = readMultiMap(r, ev.req.QueryParams)
		case "pathParameters":
			ev.req.URIParams = readStringMap(r, ev.req.URIParams)
		case "stageVariables":
			ev.req.StageVars = readStringMap(r, ev.req.StageVars)
		case "requestContext":
			if err := readRequestContext(r, &ev.req.RequestContext); err != nil {
				return fmt.Errorf("API event: requestContext: %w", err)
			}
		case "body":
			ev.body = r.Str()
		case "isBase64Encoded":
			ev.base64 = r.Bool()
		default:
			r.Skip()
		}
	}
	if err := r.Finish(); err != nil {
		return fmt.Errorf("API event: %w", err)
	}
	// Events built by hand may carry only one of the two header maps.
	if ev.req.Headers.single == nil && ev.req.Headers.multi != "" {
		mr := jsonread.New(ev.req.Headers.multi)
		mr.Object()
		for k, ok := mr.NextKey(); ok; k, ok = mr.NextKey() {
			last, seen := "", false
			if mr.Array() {
				for mr.NextElem() {
					last, seen = mr.Str(), true
				}
			}
			if seen {
				ev.req.Headers.single = append(ev.req.Headers.single, headerField{k, last})
			}
		}
	}
	if ev.req.QueryParams == nil && singleQuery != nil {
		ev.req.QueryParams = make(QueryParams, len(singleQuery))
		for _, f := range singleQuery {
			ev.req.QueryParams[f.name] = []string{f.value}
		}
	}
	rc := &ev.req.RequestContext
	if ev.resource == "" {
		ev.resource = rc.ResourcePath
	}
	if ev.method == "" {
		ev.method = rc.HTTPMethod
	}
	ev.req.Method = ev.method
	ev.req.Path = ev.resource
	if ev.body != "" {
		if ev.base64 {
			b, err := base64.StdEncoding.DecodeString(ev.body)
			if err != nil {
				return fmt.Errorf("API event: body is not valid base64: %w", err)
			}
			ev.req.RawBody = b
		} else {
			ev.req.RawBody = []byte(ev.body)
		}
	}
	return nil
}

// The readers below add to what an earlier occurrence of the same key
// read, as encoding/json does; API Gateway never repeats keys.

// readFields reads an object of strings as a list of fields.
func readFields(r *jsonread.Reader, dst []headerField) []headerField {
	if !r.Object() {
		return nil // null clears, as in encoding/json
	}
	if dst == nil {
		dst = make([]headerField, 0, 24)
	}
	for k, ok := r.NextKey(); ok; k, ok = r.NextKey() {
		dst = append(dst, headerField{k, r.Str()})
	}
	return dst
}

// readStringMap reads an object of strings.
func readStringMap(r *jsonread.Reader, m map[string]string) map[string]string {
	if !r.Object() {
		return nil
	}
	if m == nil {
		m = make(map[string]string, 4)
	}
	for k, ok := r.NextKey(); ok; k, ok = r.NextKey() {
		m[k] = r.Str()
	}
	return m
}

// readMultiMap reads an object of string arrays.
func readMultiMap(r *jsonread.Reader, m QueryParams) QueryParams {
	if !r.Object() {
		return nil
	}
	if m == nil {
		m = make(QueryParams, 4)
	}
	for k, ok := r.NextKey(); ok; k, ok = r.NextKey() {
		var vals []string
		if r.Array() {
			for r.NextElem() {
				vals = append(vals, r.Str())
			}
		}
		m[k] = vals
	}
	return m
}

// readRequestContext keeps the raw object (for ToMap) and reads its fields.
func readRequestContext(r *jsonread.Reader, rc *RequestContext) error {
	if r.Kind() != '{' {
		r.Skip()
		return r.Err()
	}
	raw := r.Raw()
	rc.raw = raw
	sub := jsonread.New(raw)
	sub.Object()
	for key, ok := sub.NextKey(); ok; key, ok = sub.NextKey() {
		switch key {
		case "accountId":
			rc.AccountID = sub.Str()
		case "apiId":
			rc.APIID = sub.Str()
		case "domainName":
			rc.DomainName = sub.Str()
		case "domainPrefix":
			rc.DomainPrefix = sub.Str()
		case "extendedRequestId":
			rc.ExtendedRequestID = sub.Str()
		case "httpMethod":
			rc.HTTPMethod = sub.Str()
		case "path":
			rc.Path = sub.Str()
		case "protocol":
			rc.Protocol = sub.Str()
		case "requestId":
			rc.RequestID = sub.Str()
		case "requestTime":
			rc.RequestTime = sub.Str()
		case "requestTimeEpoch":
			rc.RequestTimeEpoch = sub.Int64()
		case "resourceId":
			rc.ResourceID = sub.Str()
		case "resourcePath":
			rc.ResourcePath = sub.Str()
		case "stage":
			rc.Stage = sub.Str()
		case "identity":
			readIdentity(sub, &rc.Identity)
		case "authorizer":
			if m, ok := sub.Any().(map[string]any); ok {
				rc.Authorizer = m
			}
		default:
			sub.Skip()
		}
	}
	return sub.Err()
}

func readIdentity(r *jsonread.Reader, id *Identity) {
	if !r.Object() {
		return
	}
	for key, ok := r.NextKey(); ok; key, ok = r.NextKey() {
		var dst *string
		switch key {
		case "accessKey":
			dst = &id.AccessKey
		case "accountId":
			dst = &id.AccountID
		case "apiKey":
			dst = &id.APIKey
		case "apiKeyId":
			dst = &id.APIKeyID
		case "caller":
			dst = &id.Caller
		case "cognitoAuthenticationProvider":
			dst = &id.CognitoAuthenticationProvider
		case "cognitoAuthenticationType":
			dst = &id.CognitoAuthenticationType
		case "cognitoIdentityId":
			dst = &id.CognitoIdentityID
		case "cognitoIdentityPoolId":
			dst = &id.CognitoIdentityPoolID
		case "sourceIp":
			dst = &id.SourceIP
		case "user":
			dst = &id.User
		case "userAgent":
			dst = &id.UserAgent
		case "userArn":
			dst = &id.UserARN
		}
		if dst == nil {
			r.Skip()
			continue
		}
		*dst = r.Str()
	}
}
