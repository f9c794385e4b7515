package app

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
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
	dst = append(dst, `,"headers":{`...)
	for i, k := range sortedKeys(headers) {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendJSONString(dst, k)
		dst = append(dst, ':')
		dst = appendJSONString(dst, headers[k])
	}
	dst = append(dst, `},"multiValueHeaders":{`...)
	for i, k := range sortedKeys(multi) {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendJSONString(dst, k)
		dst = append(dst, ":["...)
		for j, v := range multi[k] {
			if j > 0 {
				dst = append(dst, ',')
			}
			dst = appendJSONString(dst, v)
		}
		dst = append(dst, ']')
	}
	dst = append(dst, `},"body":`...)
	if b64 {
		dst = append(dst, '"')
		dst = base64.StdEncoding.AppendEncode(dst, body)
		dst = append(dst, `","isBase64Encoded":true}`...)
		return dst
	}
	dst = appendJSONBytes(dst, body)
	return append(dst, `,"isBase64Encoded":false}`...)
}

func sortedKeys[V any](m map[string]V) []string {
	if len(m) == 0 {
		return nil
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	if len(keys) > 1 {
		sort.Strings(keys)
	}
	return keys
}

const hexDigits = "0123456789abcdef"

func appendJSONString(dst []byte, s string) []byte { return appendJSONBytes(dst, []byte(s)) }

// appendJSONBytes appends s as a JSON string; invalid UTF-8 becomes U+FFFD.
func appendJSONBytes(dst []byte, s []byte) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRune(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i++
			start = i
			continue
		}
		// U+2028 and U+2029 break JavaScript string literals.
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
