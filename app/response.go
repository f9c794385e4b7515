package app

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"github.com/chalice-go/chalice/internal/jsonwrite"
	"strconv"
	"strings"
)

// Response gives a view full control of the answer. A view may also return
// any other value, which is sent as JSON with status 200.
type Response struct {
	// StatusCode defaults to 200.
	StatusCode int
	// Headers are single-value response headers.
	Headers map[string]string
	// MultiValueHeaders are headers with several values (Set-Cookie, ...).
	MultiValueHeaders map[string][]string
	// Body: a string or []byte is sent as is; anything else is encoded as
	// compact JSON. Bodies with a binary Content-Type are base64-encoded for
	// API Gateway automatically.
	Body any
}

// header returns the value of a single-value header, case-insensitively.
func (r *Response) header(name string) (string, bool) {
	if v, ok := r.Headers[name]; ok {
		return v, true
	}
	for k, v := range r.Headers {
		if strings.EqualFold(k, name) {
			return v, true
		}
	}
	return "", false
}

func (r *Response) hasHeader(name string) bool {
	if _, ok := r.header(name); ok {
		return true
	}
	for k := range r.MultiValueHeaders {
		if strings.EqualFold(k, name) {
			return true
		}
	}
	return false
}

func (r *Response) setHeader(name, value string) {
	if r.Headers == nil {
		r.Headers = make(map[string]string, 4)
	}
	r.Headers[name] = value
}

// validateHeaders refuses header values that would split the HTTP response.
func (r *Response) validateHeaders() error {
	for k, v := range r.Headers {
		if strings.ContainsAny(v, "\r\n") {
			return fmt.Errorf("bad value for header %q: %q", k, v)
		}
	}
	for k, vs := range r.MultiValueHeaders {
		for _, v := range vs {
			if strings.ContainsAny(v, "\r\n") {
				return fmt.Errorf("bad value for header %q: %q", k, v)
			}
		}
	}
	return nil
}

// bodyBytes renders the body: strings and bytes as they are, the rest as
// compact JSON without HTML escaping (as Python's json.dumps).
func bodyBytes(body any) ([]byte, error) {
	switch b := body.(type) {
	case nil:
		return []byte("null"), nil
	case string:
		return []byte(b), nil
	case []byte:
		return b, nil
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(body); err != nil {
		return nil, err
	}
	out := buf.Bytes()
	return out[:len(out)-1], nil // Encode appends a newline
}

// appendProxyResponse encodes the Lambda proxy integration response.
func appendProxyResponse(dst []byte, status int, headers map[string]string, multi map[string][]string, body []byte, b64 bool) []byte {
	dst = append(dst, `{"statusCode":`...)
	dst = strconv.AppendInt(dst, int64(status), 10)
	dst = append(dst, `,"headers":`...)
	dst = jsonwrite.AppendStringMap(dst, headers)
	dst = append(dst, `,"multiValueHeaders":`...)
	dst = jsonwrite.AppendStringsMap(dst, multi)
	dst = append(dst, `,"body":`...)
	if b64 {
		dst = append(dst, '"')
		dst = base64.StdEncoding.AppendEncode(dst, body)
		dst = append(dst, `","isBase64Encoded":true}`...)
		return dst
	}
	dst = jsonwrite.AppendBytes(dst, body)
	return append(dst, `,"isBase64Encoded":false}`...)
}
