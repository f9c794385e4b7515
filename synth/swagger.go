package synth

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/awslabs/goformation/v7/cloudformation"
	"github.com/awslabs/goformation/v7/cloudformation/serverless"

	"github.com/chalice-go/chalice/app"
)

// definitionBody is the REST API's OpenAPI 2.0 document, as Chalice writes
// it: one aws_proxy integration per route to APIHandler, a mock OPTIONS per
// CORS path, and the authorizers as security definitions.
func definitionBody(m *app.Manifest, policy map[string]any) (map[string]any, error) {
	auths := map[string]app.AuthorizerInfo{}
	for _, a := range m.Authorizers {
		auths[a.Name] = a
	}
	// The integration is the same object for every route; share it.
	apiURI := invocationURI(APIHandlerID)
	paths := map[string]any{}
	secDefs := map[string]any{}
	byPath := map[string][]app.RouteInfo{}
	var order []string
	for _, r := range m.Routes {
		if _, ok := byPath[r.Path]; !ok {
			order = append(order, r.Path)
		}
		byPath[r.Path] = append(byPath[r.Path], r)
	}
	for _, path := range order {
		routes := byPath[path]
		item := map[string]any{}
		params := pathParameters(path)
		var corsMethods []string
		var cors map[string]string
		for _, r := range routes {
			op := map[string]any{
				"consumes":  slices.Clone(r.ContentTypes),
				"produces":  []any{"application/json"},
				"responses": map[string]any{"200": okResponse(nil)},
				"x-amazon-apigateway-integration": map[string]any{
					"responses":           map[string]any{"default": map[string]any{"statusCode": "200"}},
					"uri":                 apiURI,
					"passthroughBehavior": "when_no_match",
					"httpMethod":          "POST",
					"contentHandling":     "CONVERT_TO_TEXT",
					"type":                "aws_proxy",
				},
			}
			if params != nil {
				op["parameters"] = params
			}
			if r.Summary != "" {
				op["summary"] = r.Summary
			}
			var security []any
			if r.APIKeyRequired {
				security = append(security, map[string]any{"api_key": []any{}})
				secDefs["api_key"] = map[string]any{"type": "apiKey", "name": "x-api-key", "in": "header"}
			}
			if r.Authorizer != "" {
				a, ok := auths[r.Authorizer]
				if !ok {
					return nil, fmt.Errorf("route %s %s: authorizer %q is not in the manifest", r.Method, r.Path, r.Authorizer)
				}
				scopes := []any{}
				for _, s := range r.AuthScopes {
					scopes = append(scopes, s)
				}
				security = append(security, map[string]any{a.Name: scopes})
				secDefs[a.Name] = securityDefinition(a)
			}
			if security != nil {
				op["security"] = security
			}
			item[strings.ToLower(r.Method)] = op
			if r.CORS != nil {
				corsMethods = append(corsMethods, r.Method)
				cors = r.CORS
			}
		}
		if cors != nil {
			if _, user := item["options"]; !user {
				opt := preflight(cors, corsMethods)
				if params != nil {
					opt["parameters"] = params
				}
				item["options"] = opt
			}
		}
		paths[path] = item
	}
	binary := []any{}
	for _, t := range m.BinaryTypes {
		binary = append(binary, t)
	}
	doc := map[string]any{
		"swagger":                                "2.0",
		"info":                                   map[string]any{"version": "1.0", "title": m.AppName},
		"schemes":                                []any{"https"},
		"paths":                                  paths,
		"definitions":                            map[string]any{"Empty": map[string]any{"type": "object", "title": "Empty Schema"}},
		"x-amazon-apigateway-binary-media-types": binary,
	}
	if len(secDefs) > 0 {
		doc["securityDefinitions"] = secDefs
	}
	if policy != nil {
		doc["x-amazon-apigateway-policy"] = keepIntrinsics(policy)
	}
	return doc, nil
}

// invocationURI is the integration URI of function id, as an Fn::Sub (the
// form `sam local` resolves).
func invocationURI(id string) string {
	return cloudformation.Sub("arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${" + id + ".Arn}/invocations")
}

func okResponse(headers map[string]any) map[string]any {
	r := map[string]any{"description": "200 response", "schema": map[string]any{"$ref": "#/definitions/Empty"}}
	if headers != nil {
		r["headers"] = headers
	}
	return r
}

// pathParameters declares the {params} of path.
func pathParameters(path string) []any {
	var params []any
	for _, seg := range strings.Split(path, "/") {
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
			name := strings.TrimSuffix(seg[1:len(seg)-1], "+")
			params = append(params, map[string]any{"name": name, "in": "path", "required": true, "type": "string"})
		}
	}
	return params
}

// preflight is API Gateway's answer to OPTIONS on a CORS path: a mock
// integration returning the CORS headers.
func preflight(cors map[string]string, methods []string) map[string]any {
	h := maps.Clone(cors)
	h["Access-Control-Allow-Methods"] = strings.Join(append(slices.Clone(methods), "OPTIONS"), ",")
	headers := map[string]any{}
	params := map[string]any{}
	for k, v := range h {
		headers[k] = map[string]any{"type": "string"}
		params["method.response.header."+k] = "'" + v + "'"
	}
	return map[string]any{
		"consumes":  []any{"application/json"},
		"produces":  []any{"application/json"},
		"responses": map[string]any{"200": okResponse(headers)},
		"x-amazon-apigateway-integration": map[string]any{
			"responses":           map[string]any{"default": map[string]any{"statusCode": "200", "responseParameters": params}},
			"requestTemplates":    map[string]any{"application/json": `{"statusCode": 200}`},
			"passthroughBehavior": "when_no_match",
			"type":                "mock",
			"contentHandling":     "CONVERT_TO_TEXT",
		},
	}
}

// securityDefinition describes an authorizer for API Gateway.
func securityDefinition(a app.AuthorizerInfo) map[string]any {
	d := map[string]any{"in": "header", "type": "apiKey", "name": a.Header}
	switch a.Type {
	case app.AuthIAM:
		d["name"] = "Authorization"
		d["x-amazon-apigateway-authtype"] = "awsSigv4"
	case app.AuthCognito:
		arns := []any{}
		for _, arn := range a.ProviderARNs {
			arns = append(arns, arn)
		}
		d["x-amazon-apigateway-authtype"] = "cognito_user_pools"
		d["x-amazon-apigateway-authorizer"] = map[string]any{"type": "cognito_user_pools", "providerARNs": arns}
	case app.AuthCustom, app.AuthBuiltin:
		auth := map[string]any{"type": "token", "authorizerResultTtlInSeconds": ttl(a)}
		if a.Type == app.AuthBuiltin {
			auth["authorizerUri"] = invocationURI(LogicalID(a.Name))
			if a.ExecutionRole != "" {
				auth["authorizerCredentials"] = a.ExecutionRole
			}
		} else {
			auth["authorizerUri"] = a.AuthorizerURI
			if a.InvokeRoleARN != "" {
				auth["authorizerCredentials"] = a.InvokeRoleARN
			}
		}
		d["x-amazon-apigateway-authtype"] = "custom"
		d["x-amazon-apigateway-authorizer"] = auth
	}
	return d
}

func ttl(a app.AuthorizerInfo) int {
	if a.TTLSeconds == nil {
		return 300
	}
	return *a.TTLSeconds
}

// sharedCORS returns the CORS headers every route shares, if every route has
// CORS and all with one configuration. Only then may the Api carry SAM's
// Cors property: SAM adds an OPTIONS method to every path and `sam local`
// adds the headers to every response, which would widen CORS to routes that
// did not ask for it.
func sharedCORS(m *app.Manifest) (map[string]string, bool) {
	var shared map[string]string
	for _, r := range m.Routes {
		if r.CORS == nil {
			return nil, false
		}
		if shared == nil {
			shared = r.CORS
		} else if !maps.Equal(shared, r.CORS) {
			return nil, false
		}
	}
	return shared, shared != nil
}

// samCORS renders shared CORS headers as SAM's Cors property. AllowMethods
// is left out so that SAM allows each path's own methods.
func samCORS(h map[string]string) *serverless.Api_Cors {
	q := func(s string) *string { return cloudformation.String("'" + s + "'") }
	c := &serverless.Api_CorsConfiguration{AllowOrigin: "'" + h["Access-Control-Allow-Origin"] + "'"}
	if v, ok := h["Access-Control-Allow-Headers"]; ok {
		c.AllowHeaders = q(v)
	}
	if v, ok := h["Access-Control-Max-Age"]; ok {
		c.MaxAge = q(v)
	}
	if h["Access-Control-Allow-Credentials"] == "true" {
		c.AllowCredentials = cloudformation.Bool(true)
	}
	return &serverless.Api_Cors{CorsConfiguration: c}
}
