// Command authorizers shows every way to protect a route, CORS variants, and
// event-driven functions beside the API.
package main

import (
	"context"
	"strings"

	"github.com/aws/aws-lambda-go/events"

	"github.com/chalice-go/chalice/app"
)

func newApp() *app.App {
	a := app.New("authorizers")

	// A built-in authorizer: its own Lambda function, in this app.
	token := a.Authorizer("token_auth", checkToken, app.AuthTTL(60))
	pool := app.CognitoUserPoolAuthorizer("users", "arn:aws:cognito-idp:us-west-2:123456789012:userpool/us-west-2_example")
	external := app.CustomAuthorizer("external",
		"arn:aws:apigateway:us-west-2:lambda:path/2015-03-31/functions/arn:aws:lambda:us-west-2:123456789012:function:auth/invocations")

	a.Route("/public", public, app.CORS(nil))
	a.Route("/token", whoami, app.Authorizer(token), app.CORS(nil))
	a.Route("/token", whoami, app.Methods("POST"), app.Authorizer(token), app.CORS(nil))
	a.Route("/users/{id}", whoami, app.Authorizer(pool.WithScopes("profile/read")),
		app.CORS(&app.CORSConfig{AllowOrigin: "https://app.example.com", AllowHeaders: []string{"X-Request-Id"},
			ExposeHeaders: []string{"X-Request-Id"}, MaxAge: 600, AllowCredentials: true}))
	a.Route("/external", whoami, app.Authorizer(external))
	a.Route("/iam", whoami, app.Authorizer(app.IAMAuthorizer()))
	a.Route("/keyed", whoami, app.APIKeyRequired())

	a.Schedule("rate(1 hour)", cleanup, app.FunctionName("cleanup"), app.Description("hourly cleanup"))
	a.OnSQSMessage("jobs", work, app.FunctionName("worker"), app.BatchSize(5))
	return a
}

// checkToken allows "allow" and refuses everything else.
func checkToken(r *app.AuthRequest) (*app.AuthResponse, error) {
	if strings.TrimPrefix(r.Token, "Bearer ") != "allow" {
		return nil, app.Unauthorized("invalid token")
	}
	return &app.AuthResponse{Routes: []app.AuthRoute{{Path: "/token"}}, PrincipalID: "user-1",
		Context: map[string]any{"plan": "gold"}}, nil
}

// public needs no credentials.
func public(*app.Request) (any, error) { return map[string]string{"hello": "anyone"}, nil }

// whoami shows what the authorizer passed on.
func whoami(r *app.Request) (any, error) {
	return map[string]any{"authorizer": r.RequestContext.Authorizer}, nil
}

func cleanup(context.Context, events.CloudWatchEvent) error { return nil }

func work(_ context.Context, e events.SQSEvent) error { return nil }

func main() { newApp().Run() }
