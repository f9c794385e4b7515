package synth

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/awslabs/goformation/v7/cloudformation"
	"gopkg.in/yaml.v3"
)

// Format is how a template is written.
type Format string

const (
	JSON        Format = "json"        // indented, for people and diffs
	CompactJSON Format = "compactjson" // for CloudFormation's size limits
	YAML        Format = "yaml"
)

// Document returns the template as plain data: maps, slices, strings,
// json.Number and bools, with intrinsic functions as their JSON objects.
//
// It does what goformation's Template.JSON does, in one pass instead of
// three: that indents, decodes, evaluates and re-indents the whole template,
// which is most of the time spent on a large API.
func Document(t *cloudformation.Template) (map[string]any, error) {
	raw, err := json.Marshal(t)
	if err != nil {
		return nil, fmt.Errorf("render template: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var doc map[string]any
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("render template: %w", err)
	}
	r := intrinsicDecoder{}
	return r.walk(doc).(map[string]any), nil
}

// Encode writes a document in format. Keys are sorted and HTML characters
// are not escaped, so output is stable and readable.
func Encode(doc map[string]any, format Format) ([]byte, error) {
	switch format {
	case JSON, CompactJSON:
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if format == JSON {
			enc.SetIndent("", "  ")
		}
		if err := enc.Encode(doc); err != nil {
			return nil, err
		}
		out := buf.Bytes()
		if format == CompactJSON {
			out = bytes.TrimSuffix(out, []byte("\n"))
		}
		return out, nil
	case YAML:
		var buf bytes.Buffer
		enc := yaml.NewEncoder(&buf)
		enc.SetIndent(2)
		if err := enc.Encode(yamlValues(doc)); err != nil {
			return nil, err
		}
		return buf.Bytes(), enc.Close()
	}
	return nil, fmt.Errorf("unknown template format %q: use json or yaml", format)
}

// yamlValues turns json.Numbers into numbers so YAML does not quote them.
func yamlValues(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = yamlValues(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = yamlValues(e)
		}
		return out
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return i
		}
		f, _ := x.Float64()
		return f
	}
	return v
}

// ParseMergeFile reads a user's template fragment, JSON or YAML (with
// CloudFormation's short tags such as !Ref and !GetAtt).
func ParseMergeFile(name string, data []byte) (map[string]any, error) {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) > 0 && trimmed[0] == '{' {
		dec := json.NewDecoder(bytes.NewReader(trimmed))
		dec.UseNumber()
		var doc map[string]any
		if err := dec.Decode(&doc); err != nil {
			return nil, fmt.Errorf("merge template %s: invalid JSON: %w", name, err)
		}
		return doc, nil
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, fmt.Errorf("merge template %s: neither JSON nor YAML: %w", name, err)
	}
	v, err := fromYAML(&root)
	if err != nil {
		return nil, fmt.Errorf("merge template %s: %w", name, err)
	}
	doc, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("merge template %s: expected a template (a mapping with Resources, Outputs, ...), got %T", name, v)
	}
	return doc, nil
}

// fromYAML converts a YAML node to plain data, expanding CloudFormation's
// short-form intrinsics (!Ref X → {"Ref": "X"}, !GetAtt A.B → {"Fn::GetAtt": ["A", "B"]}).
func fromYAML(n *yaml.Node) (any, error) {
	var v any
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, fmt.Errorf("the file is empty")
		}
		return fromYAML(n.Content[0])
	case yaml.AliasNode:
		return fromYAML(n.Alias)
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			val, err := fromYAML(n.Content[i+1])
			if err != nil {
				return nil, err
			}
			m[n.Content[i].Value] = val
		}
		v = m
	case yaml.SequenceNode:
		s := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			val, err := fromYAML(c)
			if err != nil {
				return nil, err
			}
			s = append(s, val)
		}
		v = s
	case yaml.ScalarNode:
		plain := *n
		if strings.HasPrefix(n.Tag, "!") && !strings.HasPrefix(n.Tag, "!!") {
			plain.Tag = ""
		}
		if err := plain.Decode(&v); err != nil {
			return nil, fmt.Errorf("line %d: %w", n.Line, err)
		}
		if i, ok := v.(int); ok {
			v = json.Number(strconv.Itoa(i))
		} else if f, ok := v.(float64); ok {
			v = json.Number(strconv.FormatFloat(f, 'g', -1, 64))
		}
	}
	if !strings.HasPrefix(n.Tag, "!") || strings.HasPrefix(n.Tag, "!!") {
		return v, nil
	}
	fn := n.Tag[1:]
	switch fn {
	case "Ref", "Condition":
		return map[string]any{fn: v}, nil
	case "GetAtt":
		if s, ok := v.(string); ok {
			res, attr, _ := strings.Cut(s, ".")
			v = []any{res, attr}
		}
	}
	return map[string]any{"Fn::" + fn: v}, nil
}

// Merge deep-merges overlay into base: mappings merge key by key, the
// overlay's value wins for anything else (lists are replaced, not joined).
func Merge(base, overlay map[string]any) map[string]any {
	out := make(map[string]any, len(base)+len(overlay))
	for k, v := range base {
		out[k] = v
	}
	for k, v := range overlay {
		bm, bok := out[k].(map[string]any)
		om, ook := v.(map[string]any)
		if bok && ook {
			out[k] = Merge(bm, om)
			continue
		}
		out[k] = v
	}
	return out
}
