package synth

import (
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
				if k == "Ref" || k == "Condition" || strings.HasPrefix(k, "Fn::") {
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
