package project

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// APIHandlerName is the name lambda_functions uses for the REST API's function.
const APIHandlerName = "api_handler"

// Defaults, as in Chalice (plus our own lambda_architecture).
const (
	DefaultMemorySize      = 128
	DefaultTimeout         = 60
	DefaultAPIGatewayStage = "api"
	DefaultArchitecture    = "arm64"
	DefaultEndpointType    = "EDGE"
)

// Stage is the resolved configuration of one stage.
type Stage struct {
	Name                   string
	AppName                string
	APIGatewayStage        string
	EndpointType           string // EDGE, REGIONAL or PRIVATE
	EndpointVPCE           []string
	APIPolicyFile          string
	MinimumCompressionSize *int
	XRay                   bool
	Architecture           string // arm64 or x86_64
	DeploymentBucket       string

	cfg *Config
	sc  StageConfig
}

// Function is the resolved configuration of one Lambda function in a stage.
type Function struct {
	Name                 string
	EnvironmentVariables map[string]string
	Tags                 map[string]string
	MemorySize           int
	Timeout              int
	ManageIAMRole        bool
	IAMRoleARN           string
	AutogenPolicy        bool
	IAMPolicyFile        string
	ReservedConcurrency  *int
	Layers               []string
	SubnetIDs            []string
	SecurityGroupIDs     []string
	LogRetentionInDays   int
}

// validLogRetention are the values CloudWatch Logs accepts.
var validLogRetention = []int{1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}

// Stage resolves stage name: stage values override top-level ones.
func (c *Config) Stage(name string) (*Stage, error) {
	sc, ok := c.Stages[name]
	if !ok {
		return nil, &ConfigError{File: c.path, Key: "stages", Msg: fmt.Sprintf("no stage %q; the config has %s (pick one with --stage, or add %q under \"stages\")",
			name, strings.Join(sortedKeys(c.Stages), ", "), name)}
	}
	s := &Stage{Name: name, AppName: c.AppName, cfg: c, sc: sc}
	chain := []*Settings{&sc.Settings, &c.Top}
	s.APIGatewayStage = first(chain, func(x *Settings) *string { return x.APIGatewayStage }, DefaultAPIGatewayStage)
	s.EndpointType = strings.ToUpper(first(chain, func(x *Settings) *string { return x.APIGatewayEndpointType }, DefaultEndpointType))
	s.APIPolicyFile = first(chain, func(x *Settings) *string { return x.APIGatewayPolicyFile }, "")
	s.Architecture = first(chain, func(x *Settings) *string { return x.LambdaArchitecture }, DefaultArchitecture)
	s.DeploymentBucket = first(chain, func(x *Settings) *string { return x.DeploymentBucket }, "")
	s.XRay = first(chain, func(x *Settings) *bool { return x.XRay }, false)
	for _, x := range chain {
		if x.APIGatewayEndpointVPCE != nil {
			s.EndpointVPCE = slices.Clone([]string(*x.APIGatewayEndpointVPCE))
			break
		}
	}
	for _, x := range chain {
		if x.MinimumCompressionSize != nil {
			v := *x.MinimumCompressionSize
			s.MinimumCompressionSize = &v
			break
		}
	}
	if err := s.validate(); err != nil {
		return nil, err
	}
	// Resolve every configured function once so that errors surface now.
	names := map[string]bool{APIHandlerName: true}
	for n := range c.Functions {
		names[n] = true
	}
	for n := range sc.Functions {
		names[n] = true
	}
	for _, n := range sortedKeys(names) {
		if _, err := s.Function(n); err != nil {
			return nil, err
		}
	}
	return s, nil
}

func (s *Stage) errorf(key, format string, args ...any) error {
	return &ConfigError{File: s.cfg.path, Key: key + " (stage " + s.Name + ")", Msg: fmt.Sprintf(format, args...)}
}

func (s *Stage) validate() error {
	switch s.EndpointType {
	case "EDGE", "REGIONAL", "PRIVATE":
	default:
		return s.errorf("api_gateway_endpoint_type", "expected EDGE, REGIONAL or PRIVATE, got %q", s.EndpointType)
	}
	if s.EndpointType == "PRIVATE" && len(s.EndpointVPCE) == 0 {
		return s.errorf("api_gateway_endpoint_vpce", "a PRIVATE endpoint needs api_gateway_endpoint_vpce: the VPC endpoint id(s) allowed to call the API")
	}
	if s.EndpointType != "PRIVATE" && len(s.EndpointVPCE) > 0 {
		return s.errorf("api_gateway_endpoint_vpce", "is only used with \"api_gateway_endpoint_type\": \"PRIVATE\" (the stage uses %s)", s.EndpointType)
	}
	switch s.Architecture {
	case "arm64", "x86_64":
	default:
		return s.errorf("lambda_architecture", "expected arm64 or x86_64, got %q", s.Architecture)
	}
	if v := s.MinimumCompressionSize; v != nil && (*v < 0 || *v > 10485760) {
		return s.errorf("minimum_compression_size", "expected 0 to 10485760 bytes, got %d", *v)
	}
	if s.APIGatewayStage == "" {
		return s.errorf("api_gateway_stage", "must not be empty")
	}
	return nil
}

// Function resolves the settings of the Lambda function name (api_handler
// for the REST API), most specific first: the stage's lambda_functions
// entry, the stage, the top-level lambda_functions entry, the top level.
// environment_variables and tags are merged in the same order.
func (s *Stage) Function(name string) (*Function, error) {
	var chain []*Settings
	if fs, ok := s.sc.Functions[name]; ok {
		chain = append(chain, &fs)
	}
	chain = append(chain, &s.sc.Settings)
	if fs, ok := s.cfg.Functions[name]; ok {
		chain = append(chain, &fs)
	}
	chain = append(chain, &s.cfg.Top)

	f := &Function{Name: name, EnvironmentVariables: map[string]string{}, Tags: map[string]string{}}
	for i := len(chain) - 1; i >= 0; i-- {
		maps.Copy(f.EnvironmentVariables, chain[i].EnvironmentVariables)
		maps.Copy(f.Tags, chain[i].Tags)
	}
	f.MemorySize = first(chain, func(x *Settings) *int { return x.LambdaMemorySize }, DefaultMemorySize)
	f.Timeout = first(chain, func(x *Settings) *int { return x.LambdaTimeout }, DefaultTimeout)
	f.ManageIAMRole = first(chain, func(x *Settings) *bool { return x.ManageIAMRole }, true)
	f.IAMRoleARN = first(chain, func(x *Settings) *string { return x.IAMRoleARN }, "")
	f.AutogenPolicy = first(chain, func(x *Settings) *bool { return x.AutogenPolicy }, true)
	f.IAMPolicyFile = first(chain, func(x *Settings) *string { return x.IAMPolicyFile }, "")
	f.LogRetentionInDays = first(chain, func(x *Settings) *int { return x.LogRetentionInDays }, 0)
	for _, x := range chain {
		if x.ReservedConcurrency != nil {
			v := *x.ReservedConcurrency
			f.ReservedConcurrency = &v
			break
		}
	}
	f.Layers = firstList(chain, func(x *Settings) []string { return x.Layers })
	f.SubnetIDs = firstList(chain, func(x *Settings) []string { return x.SubnetIDs })
	f.SecurityGroupIDs = firstList(chain, func(x *Settings) []string { return x.SecurityGroupIDs })

	errf := func(key, format string, args ...any) error {
		return &ConfigError{File: s.cfg.path, Key: key + " (stage " + s.Name + ", function " + name + ")", Msg: fmt.Sprintf(format, args...)}
	}
	if f.MemorySize < 128 || f.MemorySize > 10240 {
		return nil, errf("lambda_memory_size", "expected 128 to 10240 (MB), got %d", f.MemorySize)
	}
	if f.Timeout < 1 || f.Timeout > 900 {
		return nil, errf("lambda_timeout", "expected 1 to 900 (seconds), got %d", f.Timeout)
	}
	if f.ReservedConcurrency != nil && *f.ReservedConcurrency < 0 {
		return nil, errf("reserved_concurrency", "must not be negative, got %d", *f.ReservedConcurrency)
	}
	if f.LogRetentionInDays != 0 && !slices.Contains(validLogRetention, f.LogRetentionInDays) {
		return nil, errf("log_retention_in_days", "CloudWatch Logs accepts %v, got %d", validLogRetention, f.LogRetentionInDays)
	}
	if (len(f.SubnetIDs) == 0) != (len(f.SecurityGroupIDs) == 0) {
		return nil, errf("subnet_ids", "set both subnet_ids and security_group_ids to run in a VPC, or neither")
	}
	if !f.ManageIAMRole && f.IAMRoleARN == "" {
		return nil, errf("iam_role_arn", "\"manage_iam_role\": false needs iam_role_arn, the role the function runs as")
	}
	return f, nil
}

// first returns the first value set along chain, or def.
func first[T any](chain []*Settings, get func(*Settings) *T, def T) T {
	for _, x := range chain {
		if v := get(x); v != nil {
			return *v
		}
	}
	return def
}

func firstList(chain []*Settings, get func(*Settings) []string) []string {
	for _, x := range chain {
		if v := get(x); v != nil {
			return slices.Clone(v)
		}
	}
	return nil
}
