// Package jsonread is a small pull reader for JSON documents held in a string.
//
// Lambda events are read once and mostly thrown away: a handler needs a dozen
// strings out of a 3 KB API Gateway event. encoding/json allocates for every
// key and value it decodes; this reader returns substrings of the source for
// every string without escapes, so decoding an event costs a handful of
// allocations. Errors are sticky: after the first one every call returns a
// zero value, loops end, and Err reports it.
package jsonread

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// Reader reads one JSON value from src.
type Reader struct {
	src string
	pos int
	err error
	// first is true right after '{' or '[' so that Next* knows no comma is due.
	first bool
}

// New returns a Reader over s.
func New(s string) *Reader { return &Reader{src: s} }

// Err returns the first error met, if any.
func (r *Reader) Err() error { return r.err }

// Finish checks that nothing but white space follows the value just read.
func (r *Reader) Finish() error {
	r.ws()
	if r.err == nil && r.pos != len(r.src) {
		r.fail("unexpected data after the top-level value")
	}
	return r.err
}

func (r *Reader) fail(msg string) {
	if r.err == nil {
		r.err = &SyntaxError{Offset: r.pos, Msg: msg}
	}
	r.pos = len(r.src)
}

// SyntaxError reports malformed JSON and where it was found.
type SyntaxError struct {
	Offset int
	Msg    string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("invalid JSON at offset %d: %s", e.Offset, e.Msg)
}

func (r *Reader) ws() {
	for r.pos < len(r.src) {
		switch r.src[r.pos] {
		case ' ', '\t', '\n', '\r':
			r.pos++
		default:
			return
		}
	}
}

// peek returns the next non-space byte without consuming it, or 0 at the end.
func (r *Reader) peek() byte {
	r.ws()
	if r.pos >= len(r.src) {
		return 0
	}
	return r.src[r.pos]
}

// Kind returns the kind of the next value: one of '{', '[', '"', 'n', 't',
// 'f', '0' (a number), or 0 at the end or after an error.
func (r *Reader) Kind() byte {
	if r.err != nil {
		return 0
	}
	switch c := r.peek(); c {
	case '{', '[', '"', 'n', 't', 'f':
		return c
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		return '0'
	default:
		return 0
	}
}

// Null consumes a null and reports whether there was one.
func (r *Reader) Null() bool {
	if r.err != nil || r.peek() != 'n' {
		return false
	}
	r.literal("null")
	return r.err == nil
}

func (r *Reader) literal(word string) {
	if strings.HasPrefix(r.src[r.pos:], word) {
		r.pos += len(word)
		return
	}
	r.fail("invalid literal")
}

// Object starts reading an object. It returns false, consuming it, for null;
// any other non-object value is an error. Read the members with NextKey.
func (r *Reader) Object() bool {
	if r.err != nil {
		return false
	}
	switch r.peek() {
	case '{':
		r.pos++
		r.first = true
		return true
	case 'n':
		r.literal("null")
		return false
	}
	r.fail("expected an object")
	return false
}

// NextKey returns the next member's key, or ok=false at the end of the
// object. The caller must read or Skip the member's value before calling
// NextKey again.
func (r *Reader) NextKey() (key string, ok bool) {
	if r.err != nil {
		return "", false
	}
	c := r.peek()
	if c == '}' {
		r.pos++
		r.first = false
		return "", false
	}
	if !r.first {
		if c != ',' {
			r.fail("expected ',' or '}' in object")
			return "", false
		}
		r.pos++
		c = r.peek()
	}
	r.first = false
	if c != '"' {
		r.fail("expected a string key")
		return "", false
	}
	key = r.str()
	if r.peek() != ':' {
		r.fail("expected ':' after key")
		return "", false
	}
	r.pos++
	return key, r.err == nil
}

// Array starts reading an array. It returns false, consuming it, for null.
// Read the elements with NextElem.
func (r *Reader) Array() bool {
	if r.err != nil {
		return false
	}
	switch r.peek() {
	case '[':
		r.pos++
		r.first = true
		return true
	case 'n':
		r.literal("null")
		return false
	}
	r.fail("expected an array")
	return false
}

// NextElem reports whether another element follows; the caller must then
// read or Skip it.
func (r *Reader) NextElem() bool {
	if r.err != nil {
		return false
	}
	c := r.peek()
	if c == ']' {
		r.pos++
		r.first = false
		return false
	}
	if !r.first {
		if c != ',' {
			r.fail("expected ',' or ']' in array")
			return false
		}
		r.pos++
		if r.peek() == ']' {
			r.fail("trailing comma in array")
			return false
		}
	}
	r.first = false
	return true
}

// Str reads a string; null reads as "". Any other value is an error.
func (r *Reader) Str() string {
	if r.err != nil {
		return ""
	}
	switch r.peek() {
	case '"':
		return r.str()
	case 'n':
		r.literal("null")
		return ""
	}
	r.fail("expected a string")
	return ""
}

// plain marks the bytes a string may hold without a closer look: not '"',
// '\\', a control character or the start of a multi-byte rune.
var plain = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// str reads the string starting at r.pos (which holds '"').
func (r *Reader) str() string {
	start := r.pos + 1
	i := start
	src := r.src
	for i < len(src) {
		for i < len(src) && plain[src[i]] {
			i++
		}
		if i >= len(src) {
			break
		}
		c := src[i]
		switch {
		case c == '"':
			r.pos = i + 1
			return r.src[start:i]
		case c == '\\':
			return r.escaped(start, i)
		case c < 0x20:
			r.pos = i
			r.fail("control character in string")
			return ""
		case c >= utf8.RuneSelf:
			rn, size := utf8.DecodeRuneInString(r.src[i:])
			if rn == utf8.RuneError && size == 1 {
				// Replaced by U+FFFD, as encoding/json does.
				return r.escaped(start, i)
			}
			i += size
		default:
			i++
		}
	}
	r.pos = len(r.src)
	r.fail("unterminated string")
	return ""
}

// escaped finishes a string that has escapes; the plain prefix is src[start:i].
func (r *Reader) escaped(start, i int) string {
	var b strings.Builder
	b.Grow(i - start + 16)
	b.WriteString(r.src[start:i])
	for i < len(r.src) {
		c := r.src[i]
		switch {
		case c == '"':
			r.pos = i + 1
			return b.String()
		case c < 0x20:
			r.pos = i
			r.fail("control character in string")
			return ""
		case c != '\\':
			rn, size := utf8.DecodeRuneInString(r.src[i:])
			if rn == utf8.RuneError && size == 1 {
				b.WriteRune(utf8.RuneError)
				i++
				continue
			}
			b.WriteString(r.src[i : i+size])
			i += size
			continue
		}
		if i+1 >= len(r.src) {
			break
		}
		switch e := r.src[i+1]; e {
		case '"', '\\', '/':
			b.WriteByte(e)
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'u':
			rn, ok := hex4(r.src, i+2)
			if !ok {
				r.pos = i
				r.fail("invalid \\u escape")
				return ""
			}
			i += 6
			if utf16.IsSurrogate(rn) {
				// A high surrogate pairs with a following \uDC00-\uDFFF;
				// alone, it decodes to U+FFFD as encoding/json does.
				if lo, ok := hex4(r.src, i+2); ok && i+1 < len(r.src) && r.src[i] == '\\' && r.src[i+1] == 'u' {
					if dec := utf16.DecodeRune(rn, lo); dec != utf8.RuneError {
						b.WriteRune(dec)
						i += 6
						continue
					}
				}
				rn = utf8.RuneError
			}
			b.WriteRune(rn)
			continue
		default:
			r.pos = i
			r.fail("invalid escape")
			return ""
		}
		i += 2
	}
	r.pos = len(r.src)
	r.fail("unterminated string")
	return ""
}

func hex4(s string, i int) (rune, bool) {
	if i+4 > len(s) {
		return 0, false
	}
	var v rune
	for _, c := range []byte(s[i : i+4]) {
		switch {
		case '0' <= c && c <= '9':
			v = v<<4 | rune(c-'0')
		case 'a' <= c && c <= 'f':
			v = v<<4 | rune(c-'a'+10)
		case 'A' <= c && c <= 'F':
			v = v<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return v, true
}

// Bool reads a boolean; null reads as false.
func (r *Reader) Bool() bool {
	if r.err != nil {
		return false
	}
	switch r.peek() {
	case 't':
		r.literal("true")
		return r.err == nil
	case 'f':
		r.literal("false")
		return false
	case 'n':
		r.literal("null")
		return false
	}
	r.fail("expected a boolean")
	return false
}

// number returns the text of the number at r.pos, checked against the JSON
// grammar.
func (r *Reader) number() string {
	start := r.pos
	i := start
	s := r.src
	if i < len(s) && s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && '1' <= s[i] && s[i] <= '9':
		for i < len(s) && '0' <= s[i] && s[i] <= '9' {
			i++
		}
	default:
		r.fail("invalid number")
		return ""
	}
	if i < len(s) && s[i] == '.' {
		i++
		j := i
		for i < len(s) && '0' <= s[i] && s[i] <= '9' {
			i++
		}
		if i == j {
			r.pos = i
			r.fail("invalid number")
			return ""
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		j := i
		for i < len(s) && '0' <= s[i] && s[i] <= '9' {
			i++
		}
		if i == j {
			r.pos = i
			r.fail("invalid number")
			return ""
		}
	}
	r.pos = i
	return s[start:i]
}

// Number reads a number and returns its text; null reads as "".
func (r *Reader) Number() string {
	switch r.Kind() {
	case '0':
		return r.number()
	case 'n':
		r.literal("null")
		return ""
	}
	r.fail("expected a number")
	return ""
}

// Int64 reads an integer; null reads as 0.
func (r *Reader) Int64() int64 {
	text := r.Number()
	if text == "" {
		return 0
	}
	v, err := strconv.ParseInt(text, 10, 64)
	if err != nil {
		// Event producers sometimes write 1.7e12 for an integer.
		f, ferr := strconv.ParseFloat(text, 64)
		if ferr != nil {
			r.fail("number out of range")
			return 0
		}
		return int64(f)
	}
	return v
}

// Raw returns the source text of the next value and consumes it.
func (r *Reader) Raw() string {
	r.ws()
	start := r.pos
	r.Skip()
	if r.err != nil {
		return ""
	}
	return r.src[start:r.pos]
}

// Skip consumes the next value, checking its syntax.
func (r *Reader) Skip() {
	switch r.Kind() {
	case '{':
		r.Object()
		for _, ok := r.NextKey(); ok; _, ok = r.NextKey() {
			r.Skip()
		}
	case '[':
		r.Array()
		for r.NextElem() {
			r.Skip()
		}
	case '"':
		r.str()
	case 'n':
		r.literal("null")
	case 't':
		r.literal("true")
	case 'f':
		r.literal("false")
	case '0':
		r.number()
	default:
		r.fail("expected a value")
	}
}

// Any reads the next value as encoding/json would into an interface{}:
// map[string]any, []any, string, float64, bool or nil.
func (r *Reader) Any() any {
	switch r.Kind() {
	case '{':
		m := map[string]any{}
		r.Object()
		for k, ok := r.NextKey(); ok; k, ok = r.NextKey() {
			m[k] = r.Any()
		}
		return m
	case '[':
		s := []any{}
		r.Array()
		for r.NextElem() {
			s = append(s, r.Any())
		}
		return s
	case '"':
		return r.str()
	case 'n':
		r.literal("null")
		return nil
	case 't', 'f':
		return r.Bool()
	case '0':
		f, err := strconv.ParseFloat(r.number(), 64)
		if err != nil && r.err == nil {
			r.fail("number out of range")
			return nil
		}
		return f
	}
	r.fail("expected a value")
	return nil
}

// StringMap reads an object of strings (null reads as nil).
func (r *Reader) StringMap() map[string]string {
	if !r.Object() {
		return nil
	}
	m := make(map[string]string, 8)
	for k, ok := r.NextKey(); ok; k, ok = r.NextKey() {
		m[k] = r.Str()
	}
	return m
}
