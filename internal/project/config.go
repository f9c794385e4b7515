// Package project finds a chalice project, reads .chalice/config.json,
// resolves a stage's settings, builds the app (for the host and for Lambda)
// and extracts its manifest.
package project

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"
)

// Settings are the keys allowed at the top level, in a stage, or (the
// function-level subset) in lambda_functions. Nil means "not set here".
type Settings struct {
	APIGatewayStage        *string           `json:"api_gateway_stage" level:"stage"`
	APIGatewayEndpointType *string           `json:"api_gateway_endpoint_type" level:"stage"`
	APIGatewayEndpointVPCE *stringList       `json:"api_gateway_endpoint_vpce" level:"stage"`
	APIGatewayPolicyFile   *string           `json:"api_gateway_policy_file" level:"stage"`
	MinimumCompressionSize *int              `json:"minimum_compression_size" level:"stage"`
	XRay                   *bool             `json:"xray" level:"stage"`
	LambdaArchitecture     *string           `json:"lambda_architecture" level:"stage"`
	DeploymentBucket       *string           `json:"deployment_bucket" level:"stage"`
	EnvironmentVariables   map[string]string `json:"environment_variables" level:"function"`
	Tags                   map[string]string `json:"tags" level:"function"`
	LambdaMemorySize       *int              `json:"lambda_memory_size" level:"function"`
	LambdaTimeout          *int              `json:"lambda_timeout" level:"function"`
	ManageIAMRole          *bool             `json:"manage_iam_role" level:"function"`
	IAMRoleARN             *string           `json:"iam_role_arn" level:"function"`
	AutogenPolicy          *bool             `json:"autogen_policy" level:"function"`
	IAMPolicyFile          *string           `json:"iam_policy_file" level:"function"`
	ReservedConcurrency    *int              `json:"reserved_concurrency" level:"function"`
	Layers                 []string          `json:"layers" level:"function"`
	SubnetIDs              []string          `json:"subnet_ids" level:"function"`
	SecurityGroupIDs       []string          `json:"security_group_ids" level:"function"`
	LogRetentionInDays     *int              `json:"log_retention_in_days" level:"function"`
}

// stringList accepts a string or a list of strings (Chalice allows both for
// api_gateway_endpoint_vpce).
type stringList []string

func (s *stringList) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*s = stringList{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return errors.New("expected a string or a list of strings")
	}
	*s = many
	return nil
}

// Config is .chalice/config.json as written.
type Config struct {
	Version   string
	AppName   string
	Top       Settings
	Functions map[string]Settings // top-level lambda_functions
	Stages    map[string]StageConfig
	path      string
}

// StageConfig is one entry of "stages".
type StageConfig struct {
	Settings
	Functions map[string]Settings
}

// ConfigError names the file and key a problem was found at.
type ConfigError struct {
	File string
	Key  string // dotted path, such as stages.dev.lambda_timeout
	Msg  string
}

func (e *ConfigError) Error() string {
	if e.Key == "" {
		return fmt.Sprintf("%s: %s", e.File, e.Msg)
	}
	return fmt.Sprintf("%s: %s: %s", e.File, e.Key, e.Msg)
}

type level int

const (
	levelTop level = iota
	levelStage
	levelFunction
)

type field struct {
	index int
	level string // "stage" (top and stage only) or "function" (everywhere)
	typ   reflect.Type
}

var settingsFields = func() map[string]field {
	m := map[string]field{}
	t := reflect.TypeFor[Settings]()
	for i := range t.NumField() {
		f := t.Field(i)
		m[f.Tag.Get("json")] = field{index: i, level: f.Tag.Get("level"), typ: f.Type}
	}
	return m
}()

// ParseConfig parses the bytes of a config file; file names it in errors.
func ParseConfig(file string, data []byte) (*Config, error) {
	cfg := &Config{path: file}
	top, err := object(file, "", data)
	if err != nil {
		return nil, err
	}
	for _, key := range sortedKeys(top) {
		raw := top[key]
		switch key {
		case "version":
			if err := decodeAs(file, key, raw, &cfg.Version); err != nil {
				return nil, err
			}
		case "app_name":
			if err := decodeAs(file, key, raw, &cfg.AppName); err != nil {
				return nil, err
			}
		case "stages":
			stages, err := object(file, key, raw)
			if err != nil {
				return nil, err
			}
			cfg.Stages = map[string]StageConfig{}
			for _, name := range sortedKeys(stages) {
				sc, err := parseStage(file, "stages."+name, stages[name])
				if err != nil {
					return nil, err
				}
				cfg.Stages[name] = sc
			}
		case "lambda_functions":
			fns, err := parseFunctions(file, key, raw)
			if err != nil {
				return nil, err
			}
			cfg.Functions = fns
		default:
			if err := setSetting(file, key, key, raw, &cfg.Top, levelTop); err != nil {
				return nil, err
			}
		}
	}
	if cfg.AppName == "" {
		return nil, &ConfigError{File: file, Key: "app_name", Msg: "missing: set \"app_name\" to your app's name"}
	}
	if len(cfg.Stages) == 0 {
		return nil, &ConfigError{File: file, Key: "stages", Msg: `missing: add at least one stage, e.g. "stages": {"dev": {"api_gateway_stage": "api"}}`}
	}
	return cfg, nil
}

func parseStage(file, at string, raw json.RawMessage) (StageConfig, error) {
	var sc StageConfig
	m, err := object(file, at, raw)
	if err != nil {
		return sc, err
	}
	for _, key := range sortedKeys(m) {
		if key == "lambda_functions" {
			if sc.Functions, err = parseFunctions(file, at+"."+key, m[key]); err != nil {
				return sc, err
			}
			continue
		}
		if key == "app_name" || key == "version" || key == "stages" {
			return sc, &ConfigError{File: file, Key: at + "." + key, Msg: "allowed only at the top level"}
		}
		if err := setSetting(file, at+"."+key, key, m[key], &sc.Settings, levelStage); err != nil {
			return sc, err
		}
	}
	return sc, nil
}

func parseFunctions(file, at string, raw json.RawMessage) (map[string]Settings, error) {
	m, err := object(file, at, raw)
	if err != nil {
		return nil, err
	}
	out := map[string]Settings{}
	for _, name := range sortedKeys(m) {
		fm, err := object(file, at+"."+name, m[name])
		if err != nil {
			return nil, err
		}
		var s Settings
		for _, key := range sortedKeys(fm) {
			if err := setSetting(file, at+"."+name+"."+key, key, fm[key], &s, levelFunction); err != nil {
				return nil, err
			}
		}
		out[name] = s
	}
	return out, nil
}

func setSetting(file, at, key string, raw json.RawMessage, s *Settings, lv level) error {
	f, ok := settingsFields[key]
	if !ok {
		msg := "unknown key"
		if near := nearest(key); near != "" {
			msg += "; did you mean " + near + "?"
		} else {
			msg += " (see the configuration section of the README for the keys chalice reads)"
		}
		return &ConfigError{File: file, Key: at, Msg: msg}
	}
	if lv == levelFunction && f.level != "function" {
		return &ConfigError{File: file, Key: at, Msg: "applies to the whole stage: set it at the top level or in the stage, not in lambda_functions"}
	}
	dst := reflect.ValueOf(s).Elem().Field(f.index)
	ptr := reflect.New(f.typ)
	if err := decodeAs(file, at, raw, ptr.Interface()); err != nil {
		return err
	}
	dst.Set(ptr.Elem())
	return nil
}

// decodeAs decodes raw into v, explaining a type mismatch in words.
func decodeAs(file, at string, raw json.RawMessage, v any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(v); err != nil {
		return &ConfigError{File: file, Key: at, Msg: fmt.Sprintf("expected %s, got %s", describeType(reflect.TypeOf(v).Elem()), describeValue(raw))}
	}
	return nil
}

func describeType(t reflect.Type) string {
	if t == reflect.TypeFor[stringList]() {
		return "a string or a list of strings"
	}
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Int:
		return "an integer"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice:
		return "a list of strings"
	case reflect.Map:
		return "an object of string values"
	}
	return t.String()
}

func describeValue(raw json.RawMessage) string {
	s := strings.TrimSpace(string(raw))
	kind := "a number"
	switch {
	case s == "null":
		return "null"
	case strings.HasPrefix(s, `"`):
		kind = "a string"
	case strings.HasPrefix(s, "{"):
		kind = "an object"
	case strings.HasPrefix(s, "["):
		kind = "a list"
	case s == "true" || s == "false":
		kind = "a boolean"
	}
	if len(s) > 40 {
		s = s[:37] + "..."
	}
	return fmt.Sprintf("%s (%s)", s, kind)
}

// object parses raw as a JSON object, with line and column on syntax errors.
func object(file, at string, raw []byte) (map[string]json.RawMessage, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			line, col := lineCol(raw, se.Offset)
			return nil, &ConfigError{File: file, Msg: fmt.Sprintf("line %d, column %d: %v", line, col, se)}
		}
		return nil, &ConfigError{File: file, Key: at, Msg: "expected an object, got " + describeValue(raw)}
	}
	if m == nil {
		return nil, &ConfigError{File: file, Key: at, Msg: "expected an object, got null"}
	}
	return m, nil
}

func lineCol(b []byte, off int64) (int, int) {
	if off > int64(len(b)) {
		off = int64(len(b))
	}
	before := b[:off]
	line := bytes.Count(before, []byte("\n")) + 1
	col := int(off) - bytes.LastIndexByte(before, '\n')
	return line, col
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// nearest suggests a known key within edit distance 3 of key.
func nearest(key string) string {
	if len(key) > 64 { // not a typo of a known key; keep the check cheap
		return ""
	}
	best, bestD := "", 4
	cands := append(sortedKeys(settingsFields), "app_name", "version", "stages", "lambda_functions")
	for _, k := range cands {
		if d := editDistance(key, k); d < bestD {
			best, bestD = k, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
