// Package synth turns an app's manifest and a stage's configuration into a
// SAM/CloudFormation template: the Lambda functions, the REST API with an
// OpenAPI 2.0 DefinitionBody, the IAM role, permissions and outputs.
//
// Template is pure: it reads no files (the caller passes their contents in
// Files) and the same inputs give the same template.
package synth

import (
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/awslabs/goformation/v7/cloudformation"
	"github.com/awslabs/goformation/v7/cloudformation/iam"
	"github.com/awslabs/goformation/v7/cloudformation/lambda"
	"github.com/awslabs/goformation/v7/cloudformation/logs"
	"github.com/awslabs/goformation/v7/cloudformation/serverless"

	"github.com/chalice-go/chalice/app"
	"github.com/chalice-go/chalice/internal/project"
)

// Logical IDs and outputs, as Chalice names them.
const (
	APIHandlerID     = "APIHandler"
	RestAPIID        = "RestAPI"
	APIPermissionID  = "APIHandlerInvokePermission"
	DefaultRoleID    = "DefaultRole"
	DefaultPolicyKey = "DefaultRolePolicy"
)

// Code says where the deployment package is.
type Code struct {
	// URI is a local path such as ./deployment.zip (chalice package).
	URI string
	// Bucket and Key locate an uploaded package (chalice deploy).
	Bucket, Key string
}

// Files are the contents of files the configuration names, read by the
// caller so that Template does no I/O.
type Files struct {
	// APIPolicy is api_gateway_policy_file: the REST API's resource policy.
	APIPolicy map[string]any
	// RolePolicy is the DefaultRole's policy document (iam_policy_file or
	// .chalice/policy-<stage>.json); nil gives a CloudWatch Logs-only policy.
	RolePolicy map[string]any
}

// Input is everything a template is made of.
type Input struct {
	Manifest *app.Manifest
	Stage    *project.Stage
	Code     Code
	Files    Files
	// Version is the chalice version, recorded in the aws-chalice tag.
	Version string
}

// Template builds the SAM template for in.
func Template(in Input) (*cloudformation.Template, error) {
	m, st := in.Manifest, in.Stage
	if m == nil || st == nil {
		return nil, errors.New("synth: a manifest and a stage are required")
	}
	if (in.Code.URI == "") == (in.Code.Bucket == "") {
		return nil, errors.New("synth: the code location needs exactly one of URI or Bucket+Key")
	}
	b := &builder{in: in, t: cloudformation.NewTemplate()}
	b.t.AWSTemplateFormatVersion = "2010-09-09"
	b.t.Transform = &cloudformation.Transform{String: cloudformation.String("AWS::Serverless-2016-10-31")}
	if err := b.build(); err != nil {
		return nil, err
	}
	return b.t, nil
}

type builder struct {
	in      Input
	t       *cloudformation.Template
	useRole bool // some function runs as DefaultRole
	vpc     bool
}

func (b *builder) build() error {
	m := b.in.Manifest
	ids := map[string]string{APIHandlerID: "the REST API's function", RestAPIID: "the REST API",
		DefaultRoleID: "the default role", APIPermissionID: "the API's invoke permission"}
	claim := func(id, what string) error {
		if prev, ok := ids[id]; ok {
			return fmt.Errorf("%s would be named %s in the template, like %s: rename it", what, id, prev)
		}
		ids[id] = what
		return nil
	}
	if len(m.Routes) > 0 {
		if err := b.api(); err != nil {
			return err
		}
	}
	for _, a := range m.Authorizers {
		if a.Type != app.AuthBuiltin {
			continue
		}
		id := LogicalID(a.Name)
		if err := claim(id, "authorizer "+a.Name); err != nil {
			return err
		}
		if err := claim(id+"InvokePermission", "authorizer "+a.Name+"'s permission"); err != nil {
			return err
		}
		fn, err := b.function(a.Name, a.Handler)
		if err != nil {
			return err
		}
		b.t.Resources[id] = fn
		b.t.Resources[id+"InvokePermission"] = &lambda.Permission{
			Action:       "lambda:InvokeFunction",
			FunctionName: cloudformation.GetAtt(id, "Arn"),
			Principal:    "apigateway.amazonaws.com",
			SourceArn:    cloudformation.SubPtr("arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${" + RestAPIID + "}/*"),
		}
		b.logGroup(a.Name, id)
	}
	for _, f := range m.Functions {
		id := LogicalID(f.Name)
		if err := claim(id, f.Kind+" function "+f.Name); err != nil {
			return err
		}
		fn, err := b.function(f.Name, f.Handler)
		if err != nil {
			return err
		}
		events, err := eventSources(f)
		if err != nil {
			return err
		}
		fn.Events = events
		b.t.Resources[id] = fn
		b.logGroup(f.Name, id)
	}
	if b.useRole {
		b.t.Resources[DefaultRoleID] = b.role()
	}
	if len(b.t.Resources) == 0 {
		return fmt.Errorf("app %s declares no routes and no functions: there is nothing to deploy", m.AppName)
	}
	return nil
}

// api adds APIHandler, RestAPI, the invoke permission and the outputs.
func (b *builder) api() error {
	st := b.in.Stage
	fn, err := b.function(project.APIHandlerName, "api")
	if err != nil {
		return err
	}
	b.t.Resources[APIHandlerID] = fn
	b.logGroup(project.APIHandlerName, APIHandlerID)

	body, err := definitionBody(b.in.Manifest, b.in.Files.APIPolicy)
	if err != nil {
		return err
	}
	restAPI := &serverless.Api{
		StageName:      st.APIGatewayStage,
		DefinitionBody: body,
		EndpointConfiguration: &serverless.Api_EndpointConfiguration{
			Type: cloudformation.String(st.EndpointType),
		},
		MinimumCompressionSize: st.MinimumCompressionSize,
	}
	if len(st.EndpointVPCE) > 0 {
		restAPI.EndpointConfiguration.VpcEndpointIds = slices.Clone(st.EndpointVPCE)
	}
	if st.XRay {
		restAPI.TracingEnabled = cloudformation.Bool(true)
	}
	if cors, ok := sharedCORS(b.in.Manifest); ok {
		restAPI.Cors = samCORS(cors)
	}
	b.t.Resources[RestAPIID] = restAPI
	b.t.Resources[APIPermissionID] = &lambda.Permission{
		Action:       "lambda:InvokeFunction",
		FunctionName: cloudformation.Ref(APIHandlerID),
		Principal:    "apigateway.amazonaws.com",
		SourceArn:    cloudformation.SubPtr("arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${" + RestAPIID + "}/*"),
	}
	b.t.Outputs["RestAPIId"] = cloudformation.Output{Value: cloudformation.Ref(RestAPIID)}
	b.t.Outputs["APIHandlerName"] = cloudformation.Output{Value: cloudformation.Ref(APIHandlerID)}
	b.t.Outputs["APIHandlerArn"] = cloudformation.Output{Value: cloudformation.GetAtt(APIHandlerID, "Arn")}
	b.t.Outputs["EndpointURL"] = cloudformation.Output{Value: cloudformation.Sub(
		"https://${" + RestAPIID + "}.execute-api.${AWS::Region}.${AWS::URLSuffix}/" + st.APIGatewayStage + "/")}
	return nil
}

// function builds the AWS::Serverless::Function for the Lambda function
// name, which the binary serves as handler (its CHALICE_HANDLER).
func (b *builder) function(name, handler string) (*serverless.Function, error) {
	st := b.in.Stage
	cfg, err := st.Function(name)
	if err != nil {
		return nil, err
	}
	env := maps.Clone(cfg.EnvironmentVariables)
	if _, taken := env["CHALICE_HANDLER"]; taken {
		return nil, fmt.Errorf("environment_variables of %s: CHALICE_HANDLER is reserved (chalice sets it to pick the function's entry point)", name)
	}
	env["CHALICE_HANDLER"] = handler
	tags := maps.Clone(cfg.Tags)
	tags["aws-chalice"] = fmt.Sprintf("version=%s:stage=%s:app=%s", b.in.Version, st.Name, st.AppName)
	arch := st.Architecture
	fn := &serverless.Function{
		Runtime:                      cloudformation.String("provided.al2023"),
		Handler:                      cloudformation.String("bootstrap"),
		Architectures:                []string{arch},
		MemorySize:                   cloudformation.Int(cfg.MemorySize),
		Timeout:                      cloudformation.Int(cfg.Timeout),
		Environment:                  &serverless.Function_FunctionEnvironment{Variables: env},
		Tags:                         tags,
		ReservedConcurrentExecutions: cfg.ReservedConcurrency,
		Layers:                       slices.Clone(cfg.Layers),
	}
	if b.in.Code.URI != "" {
		fn.CodeUri = &serverless.Function_CodeUri{String: cloudformation.String(b.in.Code.URI)}
	} else {
		fn.CodeUri = &serverless.Function_CodeUri{S3Location: &serverless.Function_S3Location{Bucket: b.in.Code.Bucket, Key: b.in.Code.Key}}
	}
	if cfg.ManageIAMRole {
		b.useRole = true
		fn.Role = cloudformation.GetAttPtr(DefaultRoleID, "Arn")
	} else {
		fn.Role = cloudformation.String(cfg.IAMRoleARN)
	}
	if st.XRay {
		fn.Tracing = cloudformation.String("Active")
	}
	if len(cfg.SubnetIDs) > 0 {
		b.vpc = b.vpc || cfg.ManageIAMRole
		fn.VpcConfig = &serverless.Function_VpcConfig{SubnetIds: slices.Clone(cfg.SubnetIDs), SecurityGroupIds: slices.Clone(cfg.SecurityGroupIDs)}
	}
	return fn, nil
}

// logGroup adds <ID>LogGroup when the function keeps its logs for a set time.
func (b *builder) logGroup(name, id string) {
	cfg, err := b.in.Stage.Function(name)
	if err != nil || cfg.LogRetentionInDays == 0 {
		return
	}
	b.t.Resources[id+"LogGroup"] = &logs.LogGroup{
		LogGroupName:    cloudformation.SubPtr("/aws/lambda/${" + id + "}"),
		RetentionInDays: cloudformation.Int(cfg.LogRetentionInDays),
	}
}

// role is DefaultRole: Lambda may assume it; it may write logs, plus what
// the policy file grants, plus ENI and X-Ray access when those are on.
func (b *builder) role() *iam.Role {
	doc := b.in.Files.RolePolicy
	if doc == nil {
		doc = map[string]any{"Version": "2012-10-17", "Statement": []any{logsStatement()}}
	} else {
		doc = keepIntrinsics(doc).(map[string]any)
	}
	var extra []any
	if b.vpc {
		extra = append(extra, map[string]any{
			"Effect":   "Allow",
			"Action":   []any{"ec2:AssignPrivateIpAddresses", "ec2:CreateNetworkInterface", "ec2:DeleteNetworkInterface", "ec2:DescribeNetworkInterfaces", "ec2:UnassignPrivateIpAddresses"},
			"Resource": "*",
		})
	}
	if b.in.Stage.XRay {
		extra = append(extra, map[string]any{
			"Effect":   "Allow",
			"Action":   []any{"xray:PutTelemetryRecords", "xray:PutTraceSegments"},
			"Resource": "*",
		})
	}
	if extra != nil {
		stmts, _ := doc["Statement"].([]any)
		doc["Statement"] = append(slices.Clone(stmts), extra...)
	}
	return &iam.Role{
		AssumeRolePolicyDocument: map[string]any{
			"Version": "2012-10-17",
			"Statement": []any{map[string]any{
				"Sid":       "",
				"Effect":    "Allow",
				"Principal": map[string]any{"Service": "lambda.amazonaws.com"},
				"Action":    "sts:AssumeRole",
			}},
		},
		Policies: []iam.Role_Policy{{PolicyName: DefaultPolicyKey, PolicyDocument: doc}},
	}
}

// logsStatement lets a function write its CloudWatch Logs.
func logsStatement() map[string]any {
	return map[string]any{
		"Effect":   "Allow",
		"Action":   []any{"logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"},
		"Resource": cloudformation.Sub("arn:${AWS::Partition}:logs:*:*:*"),
	}
}

// eventSources maps a function's trigger to SAM events.
func eventSources(f app.FunctionInfo) (map[string]serverless.Function_EventSource, error) {
	id := LogicalID(f.Name)
	switch f.Kind {
	case app.KindLambda:
		return nil, nil
	case app.KindSchedule:
		ev := &serverless.Function_ScheduleEvent{Schedule: f.Schedule}
		if f.Description != "" {
			ev.Description = cloudformation.String(f.Description)
		}
		return map[string]serverless.Function_EventSource{id + "Schedule": {Type: "Schedule",
			Properties: &serverless.Function_Properties{ScheduleEvent: ev}}}, nil
	case app.KindSNS:
		topic := f.Topic
		if !strings.HasPrefix(topic, "arn:") {
			topic = cloudformation.Sub("arn:${AWS::Partition}:sns:${AWS::Region}:${AWS::AccountId}:" + topic)
		}
		return map[string]serverless.Function_EventSource{id + "SnsSubscription": {Type: "SNS",
			Properties: &serverless.Function_Properties{SNSEvent: &serverless.Function_SNSEvent{Topic: topic}}}}, nil
	case app.KindSQS:
		queue := f.QueueARN
		if queue == "" {
			queue = cloudformation.Sub("arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:" + f.Queue)
		}
		return map[string]serverless.Function_EventSource{id + "SqsEventSource": {Type: "SQS",
			Properties: &serverless.Function_Properties{SQSEvent: &serverless.Function_SQSEvent{Queue: queue, BatchSize: cloudformation.Int(f.BatchSize)}}}}, nil
	case app.KindS3:
		return nil, fmt.Errorf("function %s: S3 event handlers (app.OnS3Event on bucket %s) cannot be packaged as a SAM template: CloudFormation cannot add notifications to a bucket it does not manage (as in Chalice); declare the bucket and its notification in a --merge-template file instead", f.Name, f.Bucket)
	}
	return nil, fmt.Errorf("function %s: unknown kind %q (is the CLI older than the app's chalice?)", f.Name, f.Kind)
}

var nonAlnum = regexp.MustCompile(`[^A-Za-z0-9]+`)

// LogicalID turns a function name into a CloudFormation logical ID the way
// Chalice does: my_auth-fn → MyAuthFn.
func LogicalID(name string) string {
	var sb strings.Builder
	for _, w := range nonAlnum.Split(name, -1) {
		if w == "" {
			continue
		}
		sb.WriteString(strings.ToUpper(w[:1]) + w[1:])
	}
	return sb.String()
}
