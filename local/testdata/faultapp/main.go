// faultapp is a fixture for the local runtime's tests: views that answer,
// panic, exit the process, sleep past the timeout, and a built-in
// authorizer.
package main

import (
	"os"
	"sync/atomic"
	"time"

	"github.com/chalice-go/chalice/app"
)

var authCalls atomic.Int64

func main() {
	a := app.New("faultapp")
	auth := a.Authorizer("token", func(r *app.AuthRequest) (*app.AuthResponse, error) {
		n := authCalls.Add(1)
		switch r.Token {
		case "allow":
			return &app.AuthResponse{Routes: []app.AuthRoute{{Path: "*"}}, PrincipalID: "user-1",
				Context: map[string]any{"calls": n}}, nil
		case "other":
			return &app.AuthResponse{Routes: []app.AuthRoute{{Path: "/other", Methods: []string{"GET"}}}, PrincipalID: "user-2"}, nil
		case "nothing":
			return nil, nil
		case "crash":
			os.Exit(3)
		}
		return nil, app.Unauthorized("bad token")
	}, app.AuthTTL(60))
	a.Route("/ok/{n}", func(r *app.Request) (any, error) {
		return map[string]string{"n": r.URIParams["n"]}, nil
	})
	a.Route("/panic", func(*app.Request) (any, error) { panic("boom") })
	a.Route("/exit", func(*app.Request) (any, error) {
		os.Exit(1)
		return nil, nil
	})
	a.Route("/sleep", func(r *app.Request) (any, error) {
		time.Sleep(5 * time.Second)
		return "late", nil
	})
	a.Route("/pid", func(*app.Request) (any, error) { return os.Getpid(), nil })
	a.Route("/env", func(*app.Request) (any, error) {
		env := map[string]string{}
		for _, k := range []string{"CHALICE_HANDLER", "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "GREETING"} {
			env[k] = os.Getenv(k)
		}
		return env, nil
	})
	a.Route("/log", func(*app.Request) (any, error) {
		os.Stdout.WriteString("a line from the view\n")
		return nil, nil
	})
	a.Route("/private", func(r *app.Request) (any, error) {
		return r.RequestContext.Authorizer, nil
	}, app.Authorizer(auth))
	a.Route("/other", func(r *app.Request) (any, error) { return "other", nil }, app.Authorizer(auth))
	a.Route("/keyed", func(r *app.Request) (any, error) { return "keyed", nil }, app.APIKeyRequired())
	a.Route("/files/{path+}", func(r *app.Request) (any, error) {
		return map[string]string{"path": r.URIParams["path"]}, nil
	})
	a.Route("/files/special", func(r *app.Request) (any, error) { return "special", nil })
	a.Route("/echo", func(r *app.Request) (any, error) {
		return &app.Response{StatusCode: 200, Headers: map[string]string{"Content-Type": "application/octet-stream"}, Body: r.RawBody}, nil
	}, app.Methods("POST"), app.ContentTypes("application/octet-stream"))
	a.Route("/cors", func(*app.Request) (any, error) { return "cors", nil }, app.Methods("GET", "PUT"), app.CORS(&app.CORSConfig{AllowOrigin: "https://example.com", MaxAge: 600}))
	a.Run()
}
