package project

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestConfigErrorsNameFileKeyAndExpectation(t *testing.T) {
	cases := []struct {
		name, json, want string
	}{
		{"syntax", "{\n  \"app_name\": \"x\",\n  \"stages\": {\n}", "cfg.json: line 4, column 2"},
		{"not an object", `[]`, "cfg.json: expected an object, got [] (a list)"},
		{"missing app_name", `{"stages": {"dev": {}}}`, `cfg.json: app_name: missing`},
		{"missing stages", `{"app_name": "x"}`, `cfg.json: stages: missing`},
		{"unknown key with hint", `{"app_name": "x", "stages": {"dev": {"lamda_timeout": 5}}}`,
			`cfg.json: stages.dev.lamda_timeout: unknown key; did you mean lambda_timeout?`},
		{"unknown key", `{"app_name": "x", "stages": {"dev": {}}, "colour": "blue"}`, `cfg.json: colour: unknown key`},
		{"wrong type int", `{"app_name": "x", "stages": {"dev": {"lambda_memory_size": "128"}}}`,
			`cfg.json: stages.dev.lambda_memory_size: expected an integer, got "128" (a string)`},
		{"wrong type bool", `{"app_name": "x", "stages": {"dev": {}}, "xray": "yes"}`,
			`cfg.json: xray: expected true or false, got "yes" (a string)`},
		{"wrong type map", `{"app_name": "x", "stages": {"dev": {"environment_variables": {"A": 1}}}}`,
			`cfg.json: stages.dev.environment_variables: expected an object of string values, got {"A": 1} (an object)`},
		{"wrong type list", `{"app_name": "x", "stages": {"dev": {"layers": "arn"}}}`,
			`cfg.json: stages.dev.layers: expected a list of strings, got "arn" (a string)`},
		{"stage-only key in function", `{"app_name": "x", "stages": {"dev": {"lambda_functions": {"api_handler": {"xray": true}}}}}`,
			`cfg.json: stages.dev.lambda_functions.api_handler.xray: applies to the whole stage`},
		{"app_name in stage", `{"app_name": "x", "stages": {"dev": {"app_name": "y"}}}`,
			`cfg.json: stages.dev.app_name: allowed only at the top level`},
		{"stage not an object", `{"app_name": "x", "stages": {"dev": 3}}`, `cfg.json: stages.dev: expected an object, got 3 (a number)`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseConfig("cfg.json", []byte(c.json))
			if err == nil || !strings.HasPrefix(err.Error(), c.want) {
				t.Fatalf("got %v\nwant prefix %s", err, c.want)
			}
			var ce *ConfigError
			if !errors.As(err, &ce) || ce.File != "cfg.json" {
				t.Errorf("not a ConfigError naming the file: %#v", err)
			}
		})
	}
}

const fullConfig = `{
  "version": "2.0",
  "app_name": "demo",
  "environment_variables": {"A": "top", "B": "top"},
  "tags": {"team": "core"},
  "lambda_timeout": 30,
  "lambda_functions": {
    "api_handler": {"lambda_memory_size": 512, "environment_variables": {"C": "top-fn"}},
    "worker": {"lambda_timeout": 300}
  },
  "stages": {
    "dev": {
      "api_gateway_stage": "dev-api",
      "environment_variables": {"B": "dev"},
      "xray": true,
      "lambda_architecture": "x86_64",
      "minimum_compression_size": 0,
      "lambda_functions": {
        "api_handler": {"environment_variables": {"A": "dev-fn"}, "reserved_concurrency": 0}
      }
    },
    "prod": {
      "lambda_memory_size": 1024,
      "api_gateway_endpoint_type": "private",
      "api_gateway_endpoint_vpce": "vpce-123",
      "subnet_ids": ["subnet-1"],
      "security_group_ids": ["sg-1"],
      "log_retention_in_days": 14,
      "deployment_bucket": "my-bucket",
      "manage_iam_role": false,
      "iam_role_arn": "arn:aws:iam::123:role/r"
    }
  }
}`

func TestStageResolution(t *testing.T) {
	cfg, err := ParseConfig("cfg.json", []byte(fullConfig))
	if err != nil {
		t.Fatal(err)
	}
	dev, err := cfg.Stage("dev")
	if err != nil {
		t.Fatal(err)
	}
	if dev.APIGatewayStage != "dev-api" || !dev.XRay || dev.Architecture != "x86_64" || dev.EndpointType != "EDGE" ||
		dev.MinimumCompressionSize == nil || *dev.MinimumCompressionSize != 0 {
		t.Errorf("dev stage: %+v", dev)
	}
	api, err := dev.Function(APIHandlerName)
	if err != nil {
		t.Fatal(err)
	}
	// Most specific wins: stage function > stage > top function > top.
	wantEnv := map[string]string{"A": "dev-fn", "B": "dev", "C": "top-fn"}
	if !reflect.DeepEqual(api.EnvironmentVariables, wantEnv) {
		t.Errorf("env: %v, want %v", api.EnvironmentVariables, wantEnv)
	}
	if api.MemorySize != 512 || api.Timeout != 30 || !api.ManageIAMRole || !api.AutogenPolicy ||
		api.ReservedConcurrency == nil || *api.ReservedConcurrency != 0 || api.Tags["team"] != "core" {
		t.Errorf("api_handler: %+v", api)
	}
	worker, _ := dev.Function("worker")
	if worker.Timeout != 300 || worker.MemorySize != 128 || worker.ReservedConcurrency != nil {
		t.Errorf("worker: %+v", worker)
	}

	prod, err := cfg.Stage("prod")
	if err != nil {
		t.Fatal(err)
	}
	papi, _ := prod.Function(APIHandlerName)
	// As in Chalice, the stage (1024) beats the top-level api_handler entry (512).
	if prod.EndpointType != "PRIVATE" || prod.EndpointVPCE[0] != "vpce-123" || prod.APIGatewayStage != "api" ||
		prod.DeploymentBucket != "my-bucket" || prod.Architecture != "arm64" || papi.MemorySize != 1024 ||
		papi.LogRetentionInDays != 14 || papi.ManageIAMRole || papi.SubnetIDs[0] != "subnet-1" {
		t.Errorf("prod: %+v %+v", prod, papi)
	}
}

func TestStageValidation(t *testing.T) {
	cases := []struct{ name, stage, want string }{
		{"unknown stage", ``, `no stage "dev"`},
		{"private without vpce", `"dev": {"api_gateway_endpoint_type": "PRIVATE"}`, "api_gateway_endpoint_vpce (stage dev): a PRIVATE endpoint needs"},
		{"vpce without private", `"dev": {"api_gateway_endpoint_vpce": ["v"]}`, "only used with"},
		{"bad endpoint type", `"dev": {"api_gateway_endpoint_type": "GLOBAL"}`, "expected EDGE, REGIONAL or PRIVATE"},
		{"bad arch", `"dev": {"lambda_architecture": "arm"}`, "expected arm64 or x86_64"},
		{"subnets only", `"dev": {"subnet_ids": ["s"]}`, "set both subnet_ids and security_group_ids"},
		{"groups only", `"dev": {"lambda_functions": {"api_handler": {"security_group_ids": ["g"]}}}`, "function api_handler"},
		{"unmanaged role without arn", `"dev": {"manage_iam_role": false}`, "needs iam_role_arn"},
		{"memory", `"dev": {"lambda_memory_size": 64}`, "expected 128 to 10240"},
		{"timeout", `"dev": {"lambda_timeout": 901}`, "expected 1 to 900"},
		{"log retention", `"dev": {"log_retention_in_days": 2}`, "CloudWatch Logs accepts"},
		{"compression", `"dev": {"minimum_compression_size": 10485761}`, "expected 0 to 10485760"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			stages := `"other": {}`
			if c.stage != "" {
				stages = c.stage
			}
			cfg, err := ParseConfig("cfg.json", []byte(`{"app_name": "x", "stages": {`+stages+`}}`))
			if err != nil {
				t.Fatal(err)
			}
			_, err = cfg.Stage("dev")
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "cfg.json: ") {
				t.Fatalf("got %v, want %q", err, c.want)
			}
		})
	}
}

// FuzzParseConfig: any input either parses or fails with a ConfigError; it
// never panics.
func FuzzParseConfig(f *testing.F) {
	f.Add(fullConfig)
	f.Add(`{"app_name": "x", "stages": {"dev": {"lambda_functions": {"f": {"tags": {"a": "b"}}}}}}`)
	f.Fuzz(func(t *testing.T, s string) {
		cfg, err := ParseConfig("cfg.json", []byte(s))
		if err != nil {
			var ce *ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("not a ConfigError: %v", err)
			}
			return
		}
		for name := range cfg.Stages {
			if _, err := cfg.Stage(name); err != nil {
				var ce *ConfigError
				if !errors.As(err, &ce) {
					t.Fatalf("not a ConfigError: %v", err)
				}
			}
		}
	})
}
