package app

// ManifestVersion is the version of the manifest format this package writes.
const ManifestVersion = 1

// Manifest describes an app to the chalice CLI: it is all that synth and
// local know of the app. A binary built from the app prints it when run with
// CHALICE_MANIFEST=1.
type Manifest struct {
	Version     int              `json:"version"`
	AppName     string           `json:"app_name"`
	Debug       bool             `json:"debug"`
	BinaryTypes []string         `json:"binary_types"`
	Routes      []RouteInfo      `json:"routes"`
	Authorizers []AuthorizerInfo `json:"authorizers"`
	Functions   []FunctionInfo   `json:"functions"`
}

// RouteInfo is one (path, method) of the REST API.
type RouteInfo struct {
	Path   string `json:"path"`
	Method string `json:"method"`
	// View is the handler's name.
	View string `json:"view"`
	// Summary is the first line of the view's doc comment, when the CLI
	// found it in the source.
	Summary      string   `json:"summary,omitempty"`
	ContentTypes []string `json:"content_types"`
	// CORS holds the Access-Control-* headers when the route has CORS.
	CORS map[string]string `json:"cors,omitempty"`
	// Authorizer names an entry of Manifest.Authorizers.
	Authorizer     string   `json:"authorizer,omitempty"`
	AuthScopes     []string `json:"authorization_scopes,omitempty"`
	APIKeyRequired bool     `json:"api_key_required,omitempty"`
}

// AuthorizerInfo describes an authorizer used by routes or declared in the app.
type AuthorizerInfo struct {
	Name string `json:"name"`
	// Type is one of AuthIAM, AuthCognito, AuthCustom, AuthBuiltin.
	Type          string   `json:"type"`
	Header        string   `json:"header,omitempty"`
	ProviderARNs  []string `json:"provider_arns,omitempty"`
	AuthorizerURI string   `json:"authorizer_uri,omitempty"`
	TTLSeconds    *int     `json:"ttl_seconds,omitempty"`
	InvokeRoleARN string   `json:"invoke_role_arn,omitempty"`
	ExecutionRole string   `json:"execution_role,omitempty"`
	// Handler is the CHALICE_HANDLER value of a built-in authorizer's function.
	Handler string `json:"handler,omitempty"`
}

// Function kinds in the manifest.
const (
	KindLambda   = "lambda_function"
	KindSchedule = "schedule"
	KindSNS      = "sns"
	KindSQS      = "sqs"
	KindS3       = "s3"
)

// FunctionInfo is a Lambda function other than the API handler and the
// authorizers, with its event source.
type FunctionInfo struct {
	Name string `json:"name"`
	Kind string `json:"kind"`
	// Handler is the function's CHALICE_HANDLER value: function:<name>.
	Handler string `json:"handler"`

	Schedule    string `json:"schedule,omitempty"`
	Description string `json:"description,omitempty"`
	Topic       string `json:"topic,omitempty"`
	Queue       string `json:"queue,omitempty"`
	QueueARN    string `json:"queue_arn,omitempty"`
	BatchSize   int    `json:"batch_size,omitempty"`
	Bucket      string `json:"bucket,omitempty"`
	// Events are S3 event names; default s3:ObjectCreated:*.
	Events []string `json:"events,omitempty"`
	Prefix string   `json:"prefix,omitempty"`
	Suffix string   `json:"suffix,omitempty"`
}
