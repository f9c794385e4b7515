package synth

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"strings"
)

// keepIntrinsics protects intrinsic functions written in user documents
// (policy files) from goformation, which otherwise evaluates a literal
// {"Fn::Sub": ...} into a fake string on output. It wraps each one the way
// goformation's own cloudformation.Sub & co. do, which it passes through.
func keepIntrinsics(v any) any {
	switch x := v.(type) {
	case map[string]any:
		if len(x) == 1 {
			for k := range x {
				if isIntrinsicKey(k) {
					b, err := json.Marshal(x)
					if err == nil {
						return base64.StdEncoding.EncodeToString(b)
					}
				}
			}
		}
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = keepIntrinsics(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = keepIntrinsics(e)
		}
		return out
	}
	return v
}

// isIntrinsicKey reports whether a one-key object is an intrinsic function.
func isIntrinsicKey(k string) bool {
	return k == "Ref" || k == "Condition" || strings.HasPrefix(k, "Fn::")
}

// intrinsicDecoder turns the base64 strings that goformation's
// cloudformation.Sub & co. produce back into intrinsic objects. Unlike
// goformation's own pass it never evaluates literal intrinsic objects.
type intrinsicDecoder struct {
	// seen caches decoded strings: one integration URI repeats per route.
	seen map[string]any
}

// b64Object starts the base64 of every JSON object opening with `{"` or
// `{ "` (goformation writes the latter).
const b64Object = "ey"

func (d *intrinsicDecoder) walk(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = d.walk(e)
		}
	case []any:
		for i, e := range x {
			x[i] = d.walk(e)
		}
	case string:
		if !strings.HasPrefix(x, b64Object) {
			return x
		}
		if fn, ok := d.seen[x]; ok {
			return fn
		}
		fn, ok := decodeIntrinsic(x)
		if !ok {
			return x
		}
		fn = d.walk(fn)
		if d.seen == nil {
			d.seen = map[string]any{}
		}
		d.seen[x] = fn
		return fn
	}
	return v
}

func decodeIntrinsic(s string) (any, bool) {
	raw, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, false
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var m map[string]any
	if dec.Decode(&m) != nil || len(m) != 1 {
		return nil, false
	}
	for k := range m {
		if !isIntrinsicKey(k) {
			return nil, false
		}
	}
	return m, true
}
