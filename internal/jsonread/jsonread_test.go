package jsonread

import (
	"encoding/json"
	"reflect"
	"testing"
)

func TestAnyMatchesEncodingJSON(t *testing.T) {
	cases := []string{
		`{"a":"b","c":[1,2.5,-3e2,true,false,null],"d":{"e":"\u00e9\n\"\\\/"}}`,
		`"\ud83d\ude00 smile"`,
		`"\ud83d alone"`,
		`"\udc00 low"`,
		"\"bad \xff utf8\"",
		` [ ] `,
		`{}`,
		`0`,
		`-0.5E+3`,
	}
	for _, c := range cases {
		var want any
		if err := json.Unmarshal([]byte(c), &want); err != nil {
			t.Fatalf("%q: encoding/json: %v", c, err)
		}
		r := New(c)
		got := r.Any()
		if err := r.Finish(); err != nil {
			t.Fatalf("%q: %v", c, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%q: got %#v, want %#v", c, got, want)
		}
	}
}

func TestRejectsMalformed(t *testing.T) {
	bad := []string{
		``, `{`, `{"a"}`, `{"a":}`, `{"a":1,}`, `[1,]`, `[1 2]`, `{"a":1 "b":2}`,
		`"unterminated`, "\"ctl\x01\"", `"\x"`, `"\u12"`, `01`, `1.`, `1e`, `-`,
		`tru`, `nul`, `{1:2}`, `[] []`, `1e400`,
	}
	for _, c := range bad {
		r := New(c)
		r.Any()
		if r.Finish() == nil {
			t.Errorf("%q: accepted malformed JSON", c)
		}
	}
}

func TestPlainStringsAreSubstrings(t *testing.T) {
	src := `{"headers":{"Accept":"*/*","Host":"example.com"}}`
	allocs := testing.AllocsPerRun(100, func() {
		r := New(src)
		r.Object()
		for k, ok := r.NextKey(); ok; k, ok = r.NextKey() {
			if k != "headers" {
				t.Fatal(k)
			}
			r.Object()
			for _, ok := r.NextKey(); ok; _, ok = r.NextKey() {
				_ = r.Str()
			}
		}
	})
	if allocs > 1 { // the Reader itself
		t.Errorf("reading plain strings allocated %v times, want at most 1", allocs)
	}
}

func TestTypedReaders(t *testing.T) {
	r := New(`{"s":"x","n":null,"i":1589522469693,"f":1.5e3,"b":true,"m":{"k":"v"},"raw":{"x":[1]}}`)
	r.Object()
	got := map[string]any{}
	for k, ok := r.NextKey(); ok; k, ok = r.NextKey() {
		switch k {
		case "s", "n":
			got[k] = r.Str()
		case "i", "f":
			got[k] = r.Int64()
		case "b":
			got[k] = r.Bool()
		case "m":
			got[k] = r.StringMap()
		case "raw":
			got[k] = r.Raw()
		}
	}
	if err := r.Finish(); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"s": "x", "n": "", "i": int64(1589522469693), "f": int64(1500), "b": true,
		"m": map[string]string{"k": "v"}, "raw": `{"x":[1]}`}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %#v\nwant %#v", got, want)
	}
	r = New(`{"s":1}`)
	r.Object()
	r.NextKey()
	r.Str()
	if r.Err() == nil {
		t.Error("a number read as a string must fail")
	}
}

// FuzzAny checks that the reader accepts exactly what encoding/json accepts
// and decodes it to the same value.
func FuzzAny(f *testing.F) {
	for _, s := range []string{`{"a":[1,"x",null,true]}`, `"\u00e9"`, `[]`, `-1.5e3`, `{"a":{"b":{}}}`, "\"\xff\""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var want any
		werr := json.Unmarshal([]byte(s), &want)
		r := New(s)
		got := r.Any()
		gerr := r.Finish()
		if (werr == nil) != (gerr == nil) {
			t.Fatalf("%q: encoding/json err=%v, jsonread err=%v", s, werr, gerr)
		}
		if werr == nil && !reflect.DeepEqual(got, want) {
			t.Fatalf("%q: got %#v, want %#v", s, got, want)
		}
	})
}
