package jsonwrite

import (
	"encoding/json"
	"testing"
)

// TestMatchesEncodingJSON: the same string decodes back from ours as from
// encoding/json's; both replace invalid UTF-8 and escape U+2028/U+2029.
func TestMatchesEncodingJSON(t *testing.T) {
	for _, s := range []string{"", "plain", `q"uote\back`, "\n\r\t\x00\x1f", "é✓😀", "\u2028\u2029", "bad\xffutf8\xc3", "<&>"} {
		ours := AppendString(nil, s)
		var back, std string
		if err := json.Unmarshal(ours, &back); err != nil {
			t.Fatalf("%q → %s is not JSON: %v", s, ours, err)
		}
		b, _ := json.Marshal(s)
		json.Unmarshal(b, &std)
		if back != std {
			t.Errorf("%q: ours decodes to %q, encoding/json's to %q", s, back, std)
		}
		if string(AppendBytes(nil, []byte(s))) != string(ours) {
			t.Errorf("%q: AppendBytes and AppendString differ", s)
		}
	}
	if got := string(AppendString(nil, "a\u2028b")); got != `"a\u2028b"` {
		t.Errorf("U+2028 must be escaped for JavaScript: %s", got)
	}
}
