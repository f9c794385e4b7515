package main

import (
	"testing"

	"github.com/chalice-go/chalice/internal/eventtest"
)

func TestIndex(t *testing.T) {
	resp := eventtest.Invoke(t, newApp(), eventtest.Event("GET", "/", "/"))
	if resp.StatusCode != 200 || resp.Body != `{"hello":"world"}` {
		t.Fatalf("got %d %s", resp.StatusCode, resp.Body)
	}
}
