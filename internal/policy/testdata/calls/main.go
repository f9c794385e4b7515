// calls exercises every way an app reaches AWS that the analysis must see.
package main

import (
	"context"
	"strings"

	"github.com/aws/aws-sdk-go-v2/feature/s3/manager"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc"

	"github.com/chalice-go/chalice/app"

	"example.com/calls/helper"
)

// queue holds a client in a struct field.
type queue struct {
	c   *sqs.Client
	url string
}

func (q *queue) send(ctx context.Context, body string) error {
	_, err := q.c.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &q.url, MessageBody: &body})
	if err != nil {
		return err
	}
	_, err = q.c.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: &q.url, Entries: []types.SendMessageBatchRequestEntry{}})
	return err
}

// itemGetter is satisfied by *dynamodb.Client.
type itemGetter interface {
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
}

func lookup(ctx context.Context, g itemGetter) error {
	_, err := g.GetItem(ctx, &dynamodb.GetItemInput{})
	return err
}

func bucket(ctx context.Context, c *s3.Client) error {
	pages := s3.NewListObjectsV2Paginator(c, &s3.ListObjectsV2Input{})
	for pages.HasMorePages() {
		if _, err := pages.NextPage(ctx); err != nil {
			return err
		}
	}
	if err := s3.NewObjectExistsWaiter(c).Wait(ctx, &s3.HeadObjectInput{}, 0); err != nil {
		return err
	}
	if _, err := s3.NewPresignClient(c).PresignPutObject(ctx, &s3.PutObjectInput{}); err != nil {
		return err
	}
	_, err := manager.NewUploader(c).Upload(ctx, &s3.PutObjectInput{Body: strings.NewReader("x")})
	return err
}

func token(ctx context.Context, c *ssooidc.Client) error {
	_, err := c.CreateToken(ctx, &ssooidc.CreateTokenInput{})
	return err
}

func main() {
	a := app.New("calls")
	q := &queue{}
	a.Route("/", func(r *app.Request) (any, error) {
		return nil, q.send(r.Context(), "hi")
	})
	_ = lookup
	_ = bucket
	_ = token
	_ = helper.Notify
	a.Run()
}
