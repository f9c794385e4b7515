// Package unused is in the module but not imported by the app: its calls
// cannot run in the Lambda function and must not widen the policy.
package unused

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

// Drop deletes a table.
func Drop(ctx context.Context, c *dynamodb.Client) error {
	_, err := c.DeleteTable(ctx, &dynamodb.DeleteTableInput{})
	return err
}
