package project

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// fakeRuntimeAPI serves one invocation of payload through the Lambda Runtime
// API and reports what the function answered.
func fakeRuntimeAPI(t *testing.T, payload string) (addr string, answer <-chan string) {
	t.Helper()
	out := make(chan string, 1)
	var served atomic.Bool
	done := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == "GET" && r.URL.Path == "/2018-06-01/runtime/invocation/next":
			if served.Swap(true) { // no more work: hold the poll until the test ends
				<-done
				return
			}
			w.Header().Set("Lambda-Runtime-Aws-Request-Id", "req-1")
			w.Header().Set("Lambda-Runtime-Deadline-Ms", "4102444800000")
			w.Header().Set("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-west-2:123456789012:function:tutorial-dev")
			io.WriteString(w, payload)
		case r.Method == "POST" && strings.HasPrefix(r.URL.Path, "/2018-06-01/runtime/invocation/req-1/"):
			b, _ := io.ReadAll(r.Body)
			out <- strings.TrimPrefix(r.URL.Path, "/2018-06-01/runtime/invocation/req-1/") + " " + string(b)
			w.WriteHeader(http.StatusAccepted)
		default:
			b, _ := io.ReadAll(r.Body)
			out <- r.URL.Path + " " + string(b)
			w.WriteHeader(http.StatusAccepted)
		}
	}))
	t.Cleanup(func() { close(done); srv.Close() })
	return strings.TrimPrefix(srv.URL, "http://"), out
}

// TestRunServesUnderLambda runs the tutorial's real binary as Lambda would:
// app.Run sees AWS_LAMBDA_RUNTIME_API, polls for the event and posts the
// proxy response.
func TestRunServesUnderLambda(t *testing.T) {
	p := loadProject(t, "../../examples/tutorial")
	bin, err := p.BuildHost(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	event, err := os.ReadFile("../../app/testdata/apigw-cities.json")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		handler, want string
	}{
		{"api", `response {"statusCode":200,"headers":{"Content-Type":"application/json"},"multiValueHeaders":{},"body":"{\"state\":\"WA\"}","isBase64Encoded":false}`},
		{"", `response {"statusCode":200,`}, // api is the default
	}
	for _, c := range cases {
		addr, answer := fakeRuntimeAPI(t, string(event))
		cmd := exec.Command(bin)
		cmd.Env = append(os.Environ(), "AWS_LAMBDA_RUNTIME_API="+addr, "CHALICE_HANDLER="+c.handler)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		select {
		case got := <-answer:
			if !strings.HasPrefix(got, c.want) {
				t.Errorf("CHALICE_HANDLER=%q: got %s\nwant %s", c.handler, got, c.want)
			}
		case <-time.After(20 * time.Second):
			t.Errorf("CHALICE_HANDLER=%q: no answer; stderr: %s", c.handler, stderr.String())
		}
		cmd.Process.Kill()
		cmd.Wait()
	}

	// An unknown entry point fails at start, saying why.
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), "AWS_LAMBDA_RUNTIME_API=127.0.0.1:1", "CHALICE_HANDLER=function:nope")
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), `app tutorial has no function "nope"`) {
		t.Errorf("unknown handler: %v %s", err, out)
	}
}
