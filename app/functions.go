package app

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/aws/aws-lambda-go/events"
)

// function is a Lambda entry point other than the API and authorizers.
type function struct {
	info   FunctionInfo
	invoke func(ctx context.Context, payload []byte) ([]byte, error)
}

// FunctionOption configures an event handler.
type FunctionOption func(*FunctionInfo)

// FunctionName names the Lambda function (default: the handler's name).
func FunctionName(name string) FunctionOption { return func(f *FunctionInfo) { f.Name = name } }

// Description describes a scheduled function's rule.
func Description(d string) FunctionOption { return func(f *FunctionInfo) { f.Description = d } }

// BatchSize sets how many SQS messages one invocation receives (default 1).
func BatchSize(n int) FunctionOption { return func(f *FunctionInfo) { f.BatchSize = n } }

// QueueARN names the queue by ARN instead of by name.
func QueueARN(arn string) FunctionOption { return func(f *FunctionInfo) { f.QueueARN = arn } }

// S3Events sets the S3 event names (default s3:ObjectCreated:*).
func S3Events(names ...string) FunctionOption { return func(f *FunctionInfo) { f.Events = names } }

// Prefix filters S3 events by key prefix.
func Prefix(p string) FunctionOption { return func(f *FunctionInfo) { f.Prefix = p } }

// Suffix filters S3 events by key suffix.
func Suffix(s string) FunctionOption { return func(f *FunctionInfo) { f.Suffix = s } }

// LambdaFunction declares a plain Lambda function receiving the raw event.
// Its result is returned JSON-encoded.
func (a *App) LambdaFunction(name string, fn func(ctx context.Context, event json.RawMessage) (any, error)) {
	if fn == nil {
		panic(fmt.Sprintf("app.LambdaFunction(%q): function is nil", name))
	}
	a.addFunction("app.LambdaFunction", FunctionInfo{Name: name, Kind: KindLambda}, nil,
		func(ctx context.Context, payload []byte) ([]byte, error) {
			v, err := fn(ctx, json.RawMessage(payload))
			if err != nil {
				return nil, err
			}
			return json.Marshal(v)
		})
}

// Schedule runs fn on a schedule: "rate(5 minutes)" or "cron(0 12 * * ? *)".
func (a *App) Schedule(expression string, fn func(context.Context, events.CloudWatchEvent) error, opts ...FunctionOption) {
	if expression == "" {
		panic("app.Schedule: the schedule expression is empty")
	}
	registerEvent(a, "app.Schedule", FunctionInfo{Kind: KindSchedule, Schedule: expression}, fn, opts)
}

// OnSNSMessage runs fn for messages on the SNS topic (a name or an ARN).
func (a *App) OnSNSMessage(topic string, fn func(context.Context, events.SNSEvent) error, opts ...FunctionOption) {
	if topic == "" {
		panic("app.OnSNSMessage: the topic is empty")
	}
	registerEvent(a, "app.OnSNSMessage", FunctionInfo{Kind: KindSNS, Topic: topic}, fn, opts)
}

// OnSQSMessage runs fn for messages on the SQS queue (a name, or "" with
// QueueARN).
func (a *App) OnSQSMessage(queue string, fn func(context.Context, events.SQSEvent) error, opts ...FunctionOption) {
	info := FunctionInfo{Kind: KindSQS, Queue: queue, BatchSize: 1}
	registerEvent(a, "app.OnSQSMessage", info, fn, opts)
}

// OnS3Event runs fn for events of the S3 bucket.
func (a *App) OnS3Event(bucket string, fn func(context.Context, events.S3Event) error, opts ...FunctionOption) {
	if bucket == "" {
		panic("app.OnS3Event: the bucket is empty")
	}
	registerEvent(a, "app.OnS3Event", FunctionInfo{Kind: KindS3, Bucket: bucket, Events: []string{"s3:ObjectCreated:*"}}, fn, opts)
}

func registerEvent[E any](a *App, caller string, info FunctionInfo, fn func(context.Context, E) error, opts []FunctionOption) {
	if fn == nil {
		panic(caller + ": function is nil")
	}
	// Closures are named like main.func1; a function name allows no dots.
	info.Name = strings.ReplaceAll(viewName(fn), ".", "_")
	a.addFunction(caller, info, opts, func(ctx context.Context, payload []byte) ([]byte, error) {
		var e E
		if err := json.Unmarshal(payload, &e); err != nil {
			return nil, fmt.Errorf("%s: reading event: %w", info.Name, err)
		}
		if err := fn(ctx, e); err != nil {
			return nil, err
		}
		return []byte("null"), nil
	})
}

func (a *App) addFunction(caller string, info FunctionInfo, opts []FunctionOption, invoke func(context.Context, []byte) ([]byte, error)) {
	for _, o := range opts {
		o(&info)
	}
	if info.Kind == KindSQS && info.Queue == "" && info.QueueARN == "" {
		panic(caller + ": give a queue name or QueueARN(...)")
	}
	if info.Kind == KindSQS && (info.BatchSize < 1 || info.BatchSize > 10000) {
		panic(fmt.Sprintf("%s: BatchSize(%d) must be between 1 and 10000", caller, info.BatchSize))
	}
	a.checkFunctionName(caller, info.Name)
	info.Handler = "function:" + info.Name
	a.functions = append(a.functions, &function{info: info, invoke: invoke})
}
