// objects keeps JSON documents in S3, indexed in DynamoDB: Chalice's S3
// objects tutorial with a listing, deletes, and tests that need no AWS.
//
// `chalice gen-policy` derives the Lambda role's policy from the calls in
// store/: s3 Put/Get/DeleteObject, dynamodb PutItem, DeleteItem and Scan.
package main

import (
	"context"
	"errors"
	"os"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/chalice-go/chalice/app"
	"github.com/chalice-go/chalice/examples/objects/store"
)

func newApp(open func(context.Context) (*store.Store, error)) *app.App {
	a := app.New("objects")
	a.Route("/objects", func(r *app.Request) (any, error) {
		s, err := open(r.Context())
		if err != nil {
			return nil, err
		}
		return s.List(r.Context())
	})
	a.Route("/objects/{key}", func(r *app.Request) (any, error) {
		s, err := open(r.Context())
		if err != nil {
			return nil, err
		}
		key := r.URIParams["key"]
		switch r.Method {
		case "PUT":
			if _, err := r.JSONBody(); err != nil {
				return nil, err
			}
			return nil, s.Put(r.Context(), key, r.RawBody)
		case "DELETE":
			return nil, s.Delete(r.Context(), key)
		}
		body, err := s.Get(r.Context(), key)
		if errors.Is(err, store.ErrNotFound) {
			return nil, app.NotFound("no object %q", key)
		}
		if err != nil {
			return nil, err
		}
		return &app.Response{StatusCode: 200, Headers: map[string]string{"Content-Type": "application/json"}, Body: body}, nil
	}, app.Methods("GET", "PUT", "DELETE"))
	return a
}

// awsStore connects to AWS on first use, once per warm process, so that
// reading the manifest (and chalice local's start) needs no credentials.
func awsStore() func(context.Context) (*store.Store, error) {
	var once sync.Once
	var s *store.Store
	var err error
	return func(ctx context.Context) (*store.Store, error) {
		once.Do(func() {
			cfg, cerr := config.LoadDefaultConfig(ctx)
			if cerr != nil {
				err = cerr
				return
			}
			s = &store.Store{Objects: s3.NewFromConfig(cfg), Index: dynamodb.NewFromConfig(cfg),
				Bucket: os.Getenv("BUCKET"), Table: os.Getenv("TABLE"), Now: time.Now}
		})
		return s, err
	}
}

func main() { newApp(awsStore()).Run() }
