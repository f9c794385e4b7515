// Command everything declares one of each kind of entry point.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/events"

	"github.com/chalice-go/chalice/app"
)

func view(*app.Request) (any, error) { return nil, nil }

func main() {
	a := app.New("everything")
	tok := a.Authorizer("tokenauth", func(*app.AuthRequest) (*app.AuthResponse, error) { return nil, nil }, app.AuthHeader("X-Token"))
	a.Route("/private", view, app.Authorizer(tok), app.APIKeyRequired())
	a.Route("/pool", view, app.Authorizer(app.CognitoUserPoolAuthorizer("pool", "arn:aws:cognito-idp:us-west-2:123:userpool/x")))
	a.Route("/iam", view, app.Authorizer(app.IAMAuthorizer()), app.CORS(&app.CORSConfig{AllowOrigin: "https://example.com"}))
	a.Schedule("rate(1 hour)", func(context.Context, events.CloudWatchEvent) error { return nil }, app.FunctionName("hourly"))
	a.OnSQSMessage("jobs", func(context.Context, events.SQSEvent) error { return nil }, app.FunctionName("worker"), app.BatchSize(5))
	a.OnS3Event("uploads", func(context.Context, events.S3Event) error { return nil }, app.FunctionName("ingest"), app.Suffix(".csv"))
	a.Run()
}
