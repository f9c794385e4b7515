package main

import (
	"bytes"
	"context"
	"io"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/chalice-go/chalice/app/apptest"
	"github.com/chalice-go/chalice/examples/objects/store"
)

// memory fakes the bucket and the table.
type memory struct {
	mu      sync.Mutex
	objects map[string][]byte
	items   map[string]map[string]types.AttributeValue
}

func (m *memory) PutObject(_ context.Context, in *s3.PutObjectInput, _ ...func(*s3.Options)) (*s3.PutObjectOutput, error) {
	b, _ := io.ReadAll(in.Body)
	m.mu.Lock()
	defer m.mu.Unlock()
	m.objects[*in.Key] = b
	return &s3.PutObjectOutput{}, nil
}

func (m *memory) GetObject(_ context.Context, in *s3.GetObjectInput, _ ...func(*s3.Options)) (*s3.GetObjectOutput, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	b, ok := m.objects[*in.Key]
	if !ok {
		return nil, &s3types.NoSuchKey{}
	}
	return &s3.GetObjectOutput{Body: io.NopCloser(bytes.NewReader(b))}, nil
}

func (m *memory) DeleteObject(_ context.Context, in *s3.DeleteObjectInput, _ ...func(*s3.Options)) (*s3.DeleteObjectOutput, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.objects, *in.Key)
	return &s3.DeleteObjectOutput{}, nil
}

func (m *memory) PutItem(_ context.Context, in *dynamodb.PutItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.items[in.Item["key"].(*types.AttributeValueMemberS).Value] = in.Item
	return &dynamodb.PutItemOutput{}, nil
}

func (m *memory) DeleteItem(_ context.Context, in *dynamodb.DeleteItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.items, in.Key["key"].(*types.AttributeValueMemberS).Value)
	return &dynamodb.DeleteItemOutput{}, nil
}

func (m *memory) Scan(_ context.Context, in *dynamodb.ScanInput, _ ...func(*dynamodb.Options)) (*dynamodb.ScanOutput, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var keys []string
	for k := range m.items {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := &dynamodb.ScanOutput{}
	for _, k := range keys {
		out.Items = append(out.Items, m.items[k])
	}
	return out, nil
}

func TestObjects(t *testing.T) {
	mem := &memory{objects: map[string][]byte{}, items: map[string]map[string]types.AttributeValue{}}
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	st := &store.Store{Objects: mem, Index: mem, Bucket: "b", Table: "t", Now: func() time.Time { return now }}
	s := apptest.New(newApp(func(context.Context) (*store.Store, error) { return st, nil }))
	steps := []struct {
		method, path, body string
		status             int
		want               string
	}{
		{"GET", "/objects/a", "", 404, `{"Code":"NotFoundError","Message":"no object \"a\""}`},
		{"PUT", "/objects/a", `{"x": 1}`, 200, `null`},
		{"PUT", "/objects/b", `not json`, 400, `{"Code":"BadRequestError","Message":"Error Parsing JSON"}`},
		{"GET", "/objects/a", "", 200, `{"x": 1}`},
		{"GET", "/objects", "", 200, `[{"key":"a","size":8,"updated":"2026-11-26T12:00:00Z"}]`},
		{"DELETE", "/objects/a", "", 200, `null`},
		{"GET", "/objects", "", 200, `[]`},
	}
	for _, c := range steps {
		resp := s.Do(c.method, c.path, c.body, "Content-Type", "application/json")
		if resp.StatusCode != c.status || resp.Text() != c.want {
			t.Errorf("%s %s: %d %s; want %d %s", c.method, c.path, resp.StatusCode, resp.Body, c.status, c.want)
		}
	}
}
