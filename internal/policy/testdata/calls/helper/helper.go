// Package helper calls SNS for the app.
package helper

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/sns"
)

// Notify publishes a message.
func Notify(ctx context.Context, c *sns.Client, msg string) error {
	_, err := c.Publish(ctx, &sns.PublishInput{Message: &msg})
	return err
}
