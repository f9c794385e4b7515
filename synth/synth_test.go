package synth

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/chalice-go/chalice/app"
	"github.com/chalice-go/chalice/internal/project"
)

func view(*app.Request) (any, error) { return nil, nil }

// inputFor builds an Input from an in-process app and a config's stage.
func inputFor(t *testing.T, a *app.App, config, stage string) Input {
	t.Helper()
	m, err := a.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := project.ParseConfig("config.json", []byte(config))
	if err != nil {
		t.Fatal(err)
	}
	st, err := cfg.Stage(stage)
	if err != nil {
		t.Fatal(err)
	}
	return Input{Manifest: m, Stage: st, Code: Code{URI: "./deployment.zip"}, Version: "test"}
}

func docFor(t *testing.T, in Input) map[string]any {
	t.Helper()
	_, doc := render(t, in, JSON)
	validateSAM(t, doc)
	return roundTrip(t, doc).(map[string]any)
}

// get walks a document: get(doc, "Resources", "APIHandler", "Properties").
func get(v any, path ...string) any {
	for _, p := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[p]
	}
	return v
}

func js(v any) string { b, _ := json.Marshal(v); return string(b) }

func helloApp() *app.App {
	a := app.New("demo")
	a.Route("/", view)
	return a
}

func TestConfigKeysReachTheTemplate(t *testing.T) {
	fn := func(doc map[string]any, p ...string) any {
		return get(doc, append([]string{"Resources", "APIHandler", "Properties"}, p...)...)
	}
	api := func(doc map[string]any, p ...string) any {
		return get(doc, append([]string{"Resources", "RestAPI", "Properties"}, p...)...)
	}
	cases := []struct {
		name  string
		stage string // the dev stage's settings
		files Files
		check func(t *testing.T, doc map[string]any)
	}{
		{"defaults", `{}`, Files{}, func(t *testing.T, doc map[string]any) {
			if js(fn(doc, "MemorySize")) != "128" || js(fn(doc, "Timeout")) != "60" || js(fn(doc, "Architectures")) != `["arm64"]` ||
				fn(doc, "Runtime") != "provided.al2023" || fn(doc, "Handler") != "bootstrap" || fn(doc, "CodeUri") != "./deployment.zip" {
				t.Errorf("function defaults: %s", js(fn(doc)))
			}
			if api(doc, "StageName") != "api" || js(api(doc, "EndpointConfiguration")) != `{"Type":"EDGE"}` {
				t.Errorf("api defaults: %s", js(api(doc)))
			}
			if js(get(doc, "Outputs", "EndpointURL", "Value")) != `{"Fn::Sub":"https://${RestAPI}.execute-api.${AWS::Region}.${AWS::URLSuffix}/api/"}` {
				t.Errorf("EndpointURL: %s", js(get(doc, "Outputs", "EndpointURL")))
			}
			for _, k := range []string{"Tracing", "VpcConfig", "Layers", "ReservedConcurrentExecutions"} {
				if fn(doc, k) != nil {
					t.Errorf("%s set by default", k)
				}
			}
		}},
		{"api_gateway_stage", `{"api_gateway_stage": "v1"}`, Files{}, func(t *testing.T, doc map[string]any) {
			if api(doc, "StageName") != "v1" || !strings.HasSuffix(js(get(doc, "Outputs", "EndpointURL")), `/v1/"}}`) {
				t.Errorf("stage: %v %s", api(doc, "StageName"), js(get(doc, "Outputs", "EndpointURL")))
			}
		}},
		{"regional endpoint", `{"api_gateway_endpoint_type": "REGIONAL"}`, Files{}, func(t *testing.T, doc map[string]any) {
			if js(api(doc, "EndpointConfiguration")) != `{"Type":"REGIONAL"}` {
				t.Errorf("%s", js(api(doc, "EndpointConfiguration")))
			}
		}},
		{"private endpoint", `{"api_gateway_endpoint_type": "PRIVATE", "api_gateway_endpoint_vpce": ["vpce-1", "vpce-2"]}`, Files{}, func(t *testing.T, doc map[string]any) {
			if js(api(doc, "EndpointConfiguration")) != `{"Type":"PRIVATE","VpcEndpointIds":["vpce-1","vpce-2"]}` {
				t.Errorf("%s", js(api(doc, "EndpointConfiguration")))
			}
		}},
		{"api_gateway_policy_file", `{}`, Files{APIPolicy: map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{
			"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke",
			"Resource": map[string]any{"Fn::Sub": "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:*"}}}}},
			func(t *testing.T, doc map[string]any) {
				got := js(api(doc, "DefinitionBody", "x-amazon-apigateway-policy", "Statement"))
				// The Fn::Sub must survive: goformation would otherwise resolve it.
				if !strings.Contains(got, `"Resource":{"Fn::Sub":"arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:*"}`) {
					t.Errorf("policy: %s", got)
				}
			}},
		{"minimum_compression_size", `{"minimum_compression_size": 0}`, Files{}, func(t *testing.T, doc map[string]any) {
			if js(api(doc, "MinimumCompressionSize")) != "0" {
				t.Errorf("%v", api(doc, "MinimumCompressionSize"))
			}
		}},
		{"xray", `{"xray": true}`, Files{}, func(t *testing.T, doc map[string]any) {
			if fn(doc, "Tracing") != "Active" || api(doc, "TracingEnabled") != true ||
				!strings.Contains(js(get(doc, "Resources", "DefaultRole")), "xray:PutTraceSegments") {
				t.Errorf("xray: %v %v", fn(doc, "Tracing"), api(doc, "TracingEnabled"))
			}
		}},
		{"lambda_architecture", `{"lambda_architecture": "x86_64"}`, Files{}, func(t *testing.T, doc map[string]any) {
			if js(fn(doc, "Architectures")) != `["x86_64"]` {
				t.Errorf("%v", fn(doc, "Architectures"))
			}
		}},
		{"environment_variables and tags", `{"environment_variables": {"TABLE": "t"}, "tags": {"team": "x"}}`, Files{}, func(t *testing.T, doc map[string]any) {
			if js(fn(doc, "Environment")) != `{"Variables":{"CHALICE_HANDLER":"api","TABLE":"t"}}` ||
				js(fn(doc, "Tags")) != `{"aws-chalice":"version=test:stage=dev:app=demo","team":"x"}` {
				t.Errorf("env/tags: %s %s", js(fn(doc, "Environment")), js(fn(doc, "Tags")))
			}
		}},
		{"memory, timeout, concurrency, layers", `{"lambda_memory_size": 512, "lambda_timeout": 30, "reserved_concurrency": 5, "layers": ["arn:aws:lambda:us-west-2:123:layer:x:1"]}`, Files{}, func(t *testing.T, doc map[string]any) {
			if js(fn(doc, "MemorySize")) != "512" || js(fn(doc, "Timeout")) != "30" || js(fn(doc, "ReservedConcurrentExecutions")) != "5" ||
				js(fn(doc, "Layers")) != `["arn:aws:lambda:us-west-2:123:layer:x:1"]` {
				t.Errorf("%s", js(fn(doc)))
			}
		}},
		{"vpc", `{"subnet_ids": ["subnet-1"], "security_group_ids": ["sg-1"]}`, Files{}, func(t *testing.T, doc map[string]any) {
			if js(fn(doc, "VpcConfig")) != `{"SecurityGroupIds":["sg-1"],"SubnetIds":["subnet-1"]}` ||
				!strings.Contains(js(get(doc, "Resources", "DefaultRole")), "ec2:CreateNetworkInterface") {
				t.Errorf("vpc: %s", js(fn(doc, "VpcConfig")))
			}
		}},
		{"log_retention_in_days", `{"log_retention_in_days": 14}`, Files{}, func(t *testing.T, doc map[string]any) {
			lg := get(doc, "Resources", "APIHandlerLogGroup")
			if js(get(lg, "Properties")) != `{"LogGroupName":{"Fn::Sub":"/aws/lambda/${APIHandler}"},"RetentionInDays":14}` || get(lg, "Type") != "AWS::Logs::LogGroup" {
				t.Errorf("log group: %s", js(lg))
			}
		}},
		{"manage_iam_role false", `{"manage_iam_role": false, "iam_role_arn": "arn:aws:iam::123:role/mine"}`, Files{}, func(t *testing.T, doc map[string]any) {
			if fn(doc, "Role") != "arn:aws:iam::123:role/mine" || get(doc, "Resources", "DefaultRole") != nil {
				t.Errorf("role: %v, DefaultRole %v", fn(doc, "Role"), get(doc, "Resources", "DefaultRole") != nil)
			}
		}},
		{"iam_policy_file", `{}`, Files{RolePolicy: map[string]any{"Version": "2012-10-17", "Statement": []any{
			map[string]any{"Effect": "Allow", "Action": []any{"dynamodb:GetItem"}, "Resource": "*"}}}}, func(t *testing.T, doc map[string]any) {
			role := get(doc, "Resources", "DefaultRole", "Properties")
			if js(get(role, "Policies")) != `[{"PolicyDocument":{"Statement":[{"Action":["dynamodb:GetItem"],"Effect":"Allow","Resource":"*"}],"Version":"2012-10-17"},"PolicyName":"DefaultRolePolicy"}]` {
				t.Errorf("policy: %s", js(get(role, "Policies")))
			}
			if js(fn(doc, "Role")) != `{"Fn::GetAtt":["DefaultRole","Arn"]}` {
				t.Errorf("role: %v", fn(doc, "Role"))
			}
		}},
		{"default role policy", `{}`, Files{}, func(t *testing.T, doc map[string]any) {
			role := get(doc, "Resources", "DefaultRole", "Properties")
			if js(get(role, "AssumeRolePolicyDocument", "Statement")) != `[{"Action":"sts:AssumeRole","Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Sid":""}]` {
				t.Errorf("trust: %s", js(get(role, "AssumeRolePolicyDocument")))
			}
			want := `[{"PolicyDocument":{"Statement":[{"Action":["logs:CreateLogGroup","logs:CreateLogStream","logs:PutLogEvents"],"Effect":"Allow","Resource":{"Fn::Sub":"arn:${AWS::Partition}:logs:*:*:*"}}],"Version":"2012-10-17"},"PolicyName":"DefaultRolePolicy"}]`
			if js(get(role, "Policies")) != want {
				t.Errorf("default policy: %s", js(get(role, "Policies")))
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			config := `{"app_name": "demo", "stages": {"dev": ` + c.stage + `}}`
			in := inputFor(t, helloApp(), config, "dev")
			in.Files = c.files
			c.check(t, docFor(t, in))
		})
	}
}

func TestS3LocationForDeploy(t *testing.T) {
	in := inputFor(t, helloApp(), `{"app_name": "demo", "stages": {"dev": {}}}`, "dev")
	in.Code = Code{Bucket: "my-bucket", Key: "demo/abc123.zip"}
	doc := docFor(t, in)
	if js(get(doc, "Resources", "APIHandler", "Properties", "CodeUri")) != `{"Bucket":"my-bucket","Key":"demo/abc123.zip"}` {
		t.Errorf("CodeUri: %s", js(get(doc, "Resources", "APIHandler", "Properties", "CodeUri")))
	}
	in.Code = Code{}
	if _, err := Template(in); err == nil {
		t.Error("no code location must fail")
	}
}

func TestCORSPropertyOnlyWhenEveryRouteSharesOneConfig(t *testing.T) {
	const config = `{"app_name": "demo", "stages": {"dev": {}}}`
	shared := &app.CORSConfig{AllowOrigin: "https://a.example", MaxAge: 60, AllowCredentials: true}

	all := app.New("demo")
	all.Route("/a", view, app.CORS(shared))
	all.Route("/a", view, app.Methods("POST"), app.CORS(shared))
	all.Route("/b/{id}", view, app.Methods("PUT"), app.CORS(shared))
	doc := docFor(t, inputFor(t, all, config, "dev"))
	cors := get(doc, "Resources", "RestAPI", "Properties", "Cors")
	if js(cors) != `{"AllowCredentials":true,"AllowHeaders":"'Authorization,Content-Type,X-Amz-Date,X-Amz-Security-Token,X-Api-Key'","AllowOrigin":"'https://a.example'","MaxAge":"'60'"}` {
		t.Errorf("Cors: %s", js(cors))
	}
	// SAM's transform adds an OPTIONS method only to paths that lack one and
	// keeps existing ones: every path already has ours, answering with the
	// same headers, so SAM's CORS handling cannot duplicate or change it.
	paths := get(doc, "Resources", "RestAPI", "Properties", "DefinitionBody", "paths").(map[string]any)
	wantMethods := map[string]string{"/a": "'GET,POST,OPTIONS'", "/b/{id}": "'PUT,OPTIONS'"}
	for path, item := range paths {
		opt := get(item, "options", "x-amazon-apigateway-integration", "responses", "default", "responseParameters")
		if opt == nil {
			t.Fatalf("%s has no OPTIONS: SAM would add its own", path)
		}
		p := opt.(map[string]any)
		if p["method.response.header.Access-Control-Allow-Origin"] != "'https://a.example'" ||
			p["method.response.header.Access-Control-Allow-Headers"] != get(cors, "AllowHeaders") ||
			p["method.response.header.Access-Control-Max-Age"] != "'60'" ||
			p["method.response.header.Access-Control-Allow-Methods"] != wantMethods[path] {
			t.Errorf("%s preflight disagrees with Cors: %s", path, js(p))
		}
	}

	mixed := app.New("demo")
	mixed.Route("/a", view, app.CORS(nil))
	mixed.Route("/private", view)
	doc = docFor(t, inputFor(t, mixed, config, "dev"))
	if get(doc, "Resources", "RestAPI", "Properties", "Cors") != nil {
		t.Error("Cors set although /private has no CORS: SAM would widen CORS to it")
	}
	if get(doc, "Resources", "RestAPI", "Properties", "DefinitionBody", "paths", "/private", "options") != nil {
		t.Error("a preflight was added to a path without CORS")
	}

	differ := app.New("demo")
	differ.Route("/a", view, app.CORS(nil))
	differ.Route("/b", view, app.CORS(shared))
	if get(docFor(t, inputFor(t, differ, config, "dev")), "Resources", "RestAPI", "Properties", "Cors") != nil {
		t.Error("Cors set although two paths have different CORS configs")
	}

	userOptions := app.New("demo")
	userOptions.Route("/a", view, app.CORS(nil))
	userOptions.Route("/a", view, app.Methods("OPTIONS"), app.Name("myOptions"))
	doc = docFor(t, inputFor(t, userOptions, config, "dev"))
	if get(doc, "Resources", "RestAPI", "Properties", "DefinitionBody", "paths", "/a", "options", "x-amazon-apigateway-integration", "type") != "aws_proxy" {
		t.Error("the user's OPTIONS view must not be replaced by a mock preflight")
	}
}

func TestRouteDetailsInDefinitionBody(t *testing.T) {
	a := app.New("demo")
	a.BinaryTypes = []string{"image/png"}
	a.Route("/files/{path+}", view, app.Methods("PUT"), app.ContentTypes("image/png"), app.APIKeyRequired())
	doc := docFor(t, inputFor(t, a, `{"app_name": "demo", "stages": {"dev": {}}}`, "dev"))
	body := get(doc, "Resources", "RestAPI", "Properties", "DefinitionBody")
	op := get(body, "paths", "/files/{path+}", "put")
	if js(get(op, "consumes")) != `["image/png"]` || js(get(op, "parameters")) != `[{"in":"path","name":"path","required":true,"type":"string"}]` ||
		js(get(op, "security")) != `[{"api_key":[]}]` || js(get(body, "x-amazon-apigateway-binary-media-types")) != `["image/png"]` ||
		js(get(body, "securityDefinitions", "api_key")) != `{"in":"header","name":"x-api-key","type":"apiKey"}` {
		t.Errorf("op: %s\nbody: %s", js(op), js(body))
	}
	validateOpenAPI(t, doc)
}

func TestEventFunctions(t *testing.T) {
	a := app.New("demo")
	a.Schedule("cron(0 12 * * ? *)", func(context.Context, events.CloudWatchEvent) error { return nil }, app.FunctionName("noon"))
	a.OnSNSMessage("alerts", func(context.Context, events.SNSEvent) error { return nil }, app.FunctionName("on-alert"))
	a.OnSQSMessage("", func(context.Context, events.SQSEvent) error { return nil }, app.FunctionName("jobs"),
		app.QueueARN("arn:aws:sqs:us-west-2:123:jobs"))
	a.LambdaFunction("raw", func(context.Context, json.RawMessage) (any, error) { return nil, nil })
	doc := docFor(t, inputFor(t, a, `{"app_name": "demo", "stages": {"dev": {"lambda_functions": {"raw": {"lambda_memory_size": 1024}}}}}`, "dev"))
	res := doc["Resources"].(map[string]any)
	if _, ok := res["APIHandler"]; ok {
		t.Error("an app without routes has no API handler")
	}
	if get(res, "OnAlert", "Properties", "Environment", "Variables", "CHALICE_HANDLER") != "function:on-alert" ||
		js(get(res, "Noon", "Properties", "Events")) != `{"NoonSchedule":{"Properties":{"Schedule":"cron(0 12 * * ? *)"},"Type":"Schedule"}}` ||
		js(get(res, "OnAlert", "Properties", "Events", "OnAlertSnsSubscription", "Properties", "Topic")) != `{"Fn::Sub":"arn:${AWS::Partition}:sns:${AWS::Region}:${AWS::AccountId}:alerts"}` ||
		get(res, "Jobs", "Properties", "Events", "JobsSqsEventSource", "Properties", "Queue") != "arn:aws:sqs:us-west-2:123:jobs" ||
		js(get(res, "Raw", "Properties", "MemorySize")) != "1024" || get(res, "Raw", "Properties", "Events") != nil {
		t.Errorf("functions: %s", js(res))
	}
	if _, ok := doc["Outputs"]; ok {
		t.Error("API outputs without an API")
	}
}

func TestTemplateErrors(t *testing.T) {
	const config = `{"app_name": "demo", "stages": {"dev": {}}}`
	s3 := app.New("demo")
	s3.OnS3Event("uploads", func(context.Context, events.S3Event) error { return nil })
	empty := app.New("demo")
	reserved := helloApp()
	clash := app.New("demo")
	clash.Route("/", view)
	clash.LambdaFunction("RestAPI", func(context.Context, json.RawMessage) (any, error) { return nil, nil })
	cases := []struct {
		a      *app.App
		config string
		want   string
	}{
		{s3, config, "cannot be packaged as a SAM template"},
		{empty, config, "nothing to deploy"},
		{reserved, `{"app_name": "demo", "stages": {"dev": {"environment_variables": {"CHALICE_HANDLER": "x"}}}}`, "CHALICE_HANDLER is reserved"},
		{clash, config, "would be named RestAPI"},
	}
	for _, c := range cases {
		_, err := Template(inputFor(t, c.a, c.config, "dev"))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("got %v, want %q", err, c.want)
		}
	}
}

func TestLogicalID(t *testing.T) {
	for in, want := range map[string]string{"token_auth": "TokenAuth", "on-alert": "OnAlert", "worker": "Worker", "a__b": "AB", "main_func1": "MainFunc1"} {
		if got := LogicalID(in); got != want {
			t.Errorf("LogicalID(%q) = %q, want %q", in, got, want)
		}
	}
}
