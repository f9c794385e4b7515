// Package store keeps JSON objects in S3 and an index of them in DynamoDB.
package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// ErrNotFound: no object under that key.
var ErrNotFound = errors.New("not found")

// Objects is the part of the S3 client the store uses; *s3.Client
// satisfies it, and tests pass a fake.
type Objects interface {
	PutObject(ctx context.Context, in *s3.PutObjectInput, opts ...func(*s3.Options)) (*s3.PutObjectOutput, error)
	GetObject(ctx context.Context, in *s3.GetObjectInput, opts ...func(*s3.Options)) (*s3.GetObjectOutput, error)
	DeleteObject(ctx context.Context, in *s3.DeleteObjectInput, opts ...func(*s3.Options)) (*s3.DeleteObjectOutput, error)
}

// Index is the part of the DynamoDB client the store uses.
type Index interface {
	PutItem(ctx context.Context, in *dynamodb.PutItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error)
	dynamodb.ScanAPIClient
}

// Store is a bucket of JSON documents with a table listing them.
type Store struct {
	Objects Objects
	Index   Index
	Bucket  string
	Table   string
	Now     func() time.Time
}

// Put stores body under key and records it in the index.
func (s *Store) Put(ctx context.Context, key string, body []byte) error {
	_, err := s.Objects.PutObject(ctx, &s3.PutObjectInput{
		Bucket: &s.Bucket, Key: &key, Body: bytes.NewReader(body), ContentType: aws.String("application/json"),
	})
	if err != nil {
		return fmt.Errorf("store %s: %w", key, err)
	}
	_, err = s.Index.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.Table, Item: map[string]types.AttributeValue{
		"key":     &types.AttributeValueMemberS{Value: key},
		"size":    &types.AttributeValueMemberN{Value: strconv.Itoa(len(body))},
		"updated": &types.AttributeValueMemberS{Value: s.Now().UTC().Format(time.RFC3339)},
	}})
	if err != nil {
		return fmt.Errorf("index %s: %w", key, err)
	}
	return nil
}

// Get returns the document under key.
func (s *Store) Get(ctx context.Context, key string) ([]byte, error) {
	out, err := s.Objects.GetObject(ctx, &s3.GetObjectInput{Bucket: &s.Bucket, Key: &key})
	var missing *s3types.NoSuchKey
	if errors.As(err, &missing) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", key, err)
	}
	defer out.Body.Close()
	return io.ReadAll(out.Body)
}

// Delete removes the document and its index entry.
func (s *Store) Delete(ctx context.Context, key string) error {
	if _, err := s.Objects.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &s.Bucket, Key: &key}); err != nil {
		return fmt.Errorf("delete %s: %w", key, err)
	}
	_, err := s.Index.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: &s.Table, Key: map[string]types.AttributeValue{
		"key": &types.AttributeValueMemberS{Value: key},
	}})
	return err
}

// Entry is one indexed document.
type Entry struct {
	Key     string `json:"key"`
	Size    int    `json:"size"`
	Updated string `json:"updated"`
}

// List returns every index entry, page by page.
func (s *Store) List(ctx context.Context) ([]Entry, error) {
	entries := []Entry{}
	pages := dynamodb.NewScanPaginator(s.Index, &dynamodb.ScanInput{TableName: &s.Table})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list: %w", err)
		}
		for _, item := range page.Items {
			var e Entry
			if v, ok := item["key"].(*types.AttributeValueMemberS); ok {
				e.Key = v.Value
			}
			if v, ok := item["size"].(*types.AttributeValueMemberN); ok {
				e.Size, _ = strconv.Atoi(v.Value)
			}
			if v, ok := item["updated"].(*types.AttributeValueMemberS); ok {
				e.Updated = v.Value
			}
			entries = append(entries, e)
		}
	}
	return entries, nil
}
