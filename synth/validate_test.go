package synth

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/awslabs/goformation/v7/schema"
	"github.com/getkin/kin-openapi/openapi2"
	"github.com/getkin/kin-openapi/openapi2conv"
	"github.com/xeipuuv/gojsonschema"
)

var (
	samSchemaOnce sync.Once
	samSchema     *gojsonschema.Schema
	samSchemaErr  error
)

// validateSAM checks doc against the SAM schema goformation ships. The
// schema has no notion of intrinsic functions, so they are replaced with
// placeholder strings first.
func validateSAM(t *testing.T, doc map[string]any) {
	t.Helper()
	for _, e := range samErrors(t, doc) {
		t.Errorf("SAM schema: %s", e)
	}
}

func samErrors(t *testing.T, doc map[string]any) []string {
	t.Helper()
	samSchemaOnce.Do(func() {
		samSchema, samSchemaErr = gojsonschema.NewSchema(gojsonschema.NewStringLoader(schema.SamSchema))
	})
	if samSchemaErr != nil {
		t.Fatalf("compile SAM schema: %v", samSchemaErr)
	}
	plain := placeholders(roundTrip(t, doc))
	res, err := samSchema.Validate(gojsonschema.NewGoLoader(plain))
	if err != nil {
		t.Fatal(err)
	}
	var errs []string
	for _, e := range res.Errors() {
		errs = append(errs, e.String())
	}
	return errs
}

// validateOpenAPI checks the RestAPI's DefinitionBody as an OpenAPI 2.0
// document (converted to 3.0 and validated by kin-openapi).
func validateOpenAPI(t *testing.T, doc map[string]any) {
	t.Helper()
	if err := openAPIError(t, definitionOf(t, doc)); err != nil {
		t.Error(err)
	}
}

func openAPIError(t *testing.T, body map[string]any) error {
	t.Helper()
	plain := placeholders(roundTrip(t, body)).(map[string]any)
	// API Gateway's greedy {name+} is an extension of OpenAPI's templates;
	// its parameter is declared as "name", as API Gateway's exports do.
	if paths, ok := plain["paths"].(map[string]any); ok {
		norm := map[string]any{}
		for p, item := range paths {
			norm[strings.ReplaceAll(p, "+}", "}")] = item
		}
		plain["paths"] = norm
	}
	raw, err := json.Marshal(plain)
	if err != nil {
		t.Fatal(err)
	}
	var v2 openapi2.T
	if err := json.Unmarshal(raw, &v2); err != nil {
		return fmt.Errorf("DefinitionBody is not OpenAPI 2.0: %w", err)
	}
	if v2.Swagger != "2.0" {
		return fmt.Errorf("swagger = %q, want 2.0", v2.Swagger)
	}
	v3, err := openapi2conv.ToV3(&v2)
	if err != nil {
		return fmt.Errorf("OpenAPI 2.0 conversion: %w", err)
	}
	if err := v3.Validate(context.Background()); err != nil {
		return fmt.Errorf("DefinitionBody is not a valid API description: %w", err)
	}
	return nil
}

func definitionOf(t *testing.T, doc map[string]any) map[string]any {
	t.Helper()
	res, _ := doc["Resources"].(map[string]any)
	api, _ := res["RestAPI"].(map[string]any)
	props, _ := api["Properties"].(map[string]any)
	body, ok := props["DefinitionBody"].(map[string]any)
	if !ok {
		t.Fatalf("no RestAPI DefinitionBody in %v", res)
	}
	return body
}

// roundTrip turns json.Numbers and typed values into plain JSON data.
func roundTrip(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func isIntrinsic(m map[string]any) bool {
	if len(m) != 1 {
		return false
	}
	for k := range m {
		return k == "Ref" || strings.HasPrefix(k, "Fn::")
	}
	return false
}

func placeholders(v any) any {
	switch x := v.(type) {
	case map[string]any:
		if isIntrinsic(x) {
			return "placeholder"
		}
		out := map[string]any{}
		for k, e := range x {
			out[k] = placeholders(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = placeholders(e)
		}
		return out
	}
	return v
}

// checkIntegrationURIs fails unless every integration and authorizer URI of
// a Lambda in this template is an Fn::Sub naming the function's Arn: a plain
// string there means goformation resolved an intrinsic into a fake value.
func checkIntegrationURIs(t *testing.T, doc map[string]any) int {
	t.Helper()
	n := 0
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				if k == "uri" || k == "authorizerUri" {
					n++
					if s, ok := e.(string); ok {
						if strings.Contains(s, "${") || strings.Contains(s, "functions//") || !strings.HasPrefix(s, "arn:aws:apigateway:") {
							t.Errorf("%s.%s is a resolved string, not an intrinsic: %q", path, k, s)
						}
						continue
					}
					m, _ := e.(map[string]any)
					sub, _ := m["Fn::Sub"].(string)
					if !strings.HasSuffix(sub, ".Arn}/invocations") || !strings.Contains(sub, "/functions/${") {
						t.Errorf("%s.%s = %v, want Fn::Sub ...${Function.Arn}/invocations", path, k, e)
					}
					continue
				}
				walk(path+"."+k, e)
			}
		case []any:
			for _, e := range x {
				walk(path, e)
			}
		}
	}
	walk("", doc)
	return n
}

// The validators themselves must be able to fail.
func TestValidatorsRejectBrokenDocuments(t *testing.T) {
	in := exampleInput(t, "helloworld")
	_, doc := render(t, in, JSON)
	fn := doc["Resources"].(map[string]any)["APIHandler"].(map[string]any)["Properties"].(map[string]any)
	fn["Runtime"] = []any{"not", "a", "string"}
	fn["NoSuchProperty"] = true
	if errs := samErrors(t, doc); len(errs) < 2 {
		t.Errorf("SAM schema accepted a broken function: %v", errs)
	}
	body := definitionOf(t, doc)
	body["paths"].(map[string]any)["/x/{id}"] = map[string]any{"get": map[string]any{
		"responses": map[string]any{"200": map[string]any{"description": "ok"}}}}
	if err := openAPIError(t, body); err == nil {
		t.Error("OpenAPI validation accepted an undeclared path parameter")
	}
}
