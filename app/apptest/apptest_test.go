package apptest_test

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chalice-go/chalice/app"
	"github.com/chalice-go/chalice/app/apptest"
)

func newApp() *app.App {
	a := app.New("demo")
	a.Route("/", func(*app.Request) (any, error) { return map[string]string{"hello": "world"}, nil })
	a.Route("/users/{id}", func(r *app.Request) (any, error) {
		return map[string]any{"id": r.URIParams["id"], "q": r.QueryParams.Get("q"), "stage": r.RequestContext.Stage}, nil
	}, app.Methods("GET", "PUT"), app.CORS(nil))
	a.Route("/boom", func(*app.Request) (any, error) { panic("boom") })
	a.Route("/deadline", func(r *app.Request) (any, error) {
		d, ok := r.Context().Deadline()
		return map[string]bool{"deadline": ok && time.Until(d) <= 5*time.Second}, nil
	})
	auth := a.Authorizer("token", func(r *app.AuthRequest) (*app.AuthResponse, error) {
		switch r.Token {
		case "ok":
			return &app.AuthResponse{Routes: []app.AuthRoute{{Path: "/secret"}}, PrincipalID: "me"}, nil
		case "panic":
			panic("authorizer bug")
		}
		return nil, app.Unauthorized("no")
	})
	a.Route("/secret", func(r *app.Request) (any, error) {
		return r.RequestContext.Authorizer["principalId"], nil
	}, app.Authorizer(auth))
	a.Route("/keyed", func(*app.Request) (any, error) { return "in", nil }, app.APIKeyRequired())
	return a
}

func TestServerAnswersLikeChaliceLocal(t *testing.T) {
	s := apptest.New(newApp(), apptest.Stage("dev"), apptest.APIKeys("k"), apptest.Timeout(5*time.Second))
	cases := []struct {
		method, path string
		header       []string
		status       int
		body         string
	}{
		{"GET", "/", nil, 200, `{"hello":"world"}`},
		{"GET", "/users/7?q=a&q=b", nil, 200, `{"id":"7","q":"b","stage":"dev"}`},
		{"GET", "/users/7/", nil, 200, `{"id":"7","q":"","stage":"dev"}`},
		{"DELETE", "/users/7", nil, 403, `{"message":"Missing Authentication Token"}`},
		{"GET", "/nowhere", nil, 403, `{"message":"Missing Authentication Token"}`},
		{"OPTIONS", "/users/7", nil, 200, ``},
		{"GET", "/boom", nil, 500, `{"Code":"InternalServerError","Message":"An internal server error occurred."}`},
		{"GET", "/deadline", nil, 200, `{"deadline":true}`},
		{"GET", "/secret", nil, 401, `{"message":"Unauthorized"}`},
		{"GET", "/secret", []string{"Authorization", "bad"}, 401, `{"message":"Unauthorized"}`},
		{"GET", "/secret", []string{"Authorization", "panic"}, 500, `{"message": null}`},
		{"GET", "/secret", []string{"Authorization", "ok"}, 200, `me`},
		{"GET", "/keyed", nil, 403, `{"message":"Forbidden"}`},
		{"GET", "/keyed", []string{"X-Api-Key", "k"}, 200, `in`},
	}
	for _, c := range cases {
		resp := s.Do(c.method, c.path, nil, c.header...)
		if resp.StatusCode != c.status || resp.Text() != c.body {
			t.Errorf("%s %s: %d %s; want %d %s", c.method, c.path, resp.StatusCode, resp.Body, c.status, c.body)
		}
	}
	pre := s.Do("OPTIONS", "/users/7", nil)
	if pre.Header.Get("x-amzn-RequestId") == "" {
		t.Error("x-amzn-RequestId cannot be read with Header.Get")
	}
	if got := pre.Header.Get("Access-Control-Allow-Methods"); got != "GET,PUT,OPTIONS" {
		t.Errorf("preflight methods %q", got)
	}
	var v struct{ ID string }
	if err := s.Get("/users/9").JSON(&v); err != nil || v.ID != "9" {
		t.Errorf("JSON: %v %+v", err, v)
	}
}

func TestServerIsAnHTTPHandler(t *testing.T) {
	srv := httptest.NewServer(apptest.New(newApp()))
	defer srv.Close()
	resp, err := srv.Client().Get(srv.URL + "/users/1")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Errorf("%d %v", resp.StatusCode, resp.Header)
	}
}

func TestMisdeclaredAppPanicsWithTheReason(t *testing.T) {
	defer func() {
		if v := recover(); v == nil || !strings.Contains(v.(string), "apptest:") {
			t.Errorf("recovered %v", v)
		}
	}()
	a := app.New("bad")
	a.Route("/x", func(*app.Request) (any, error) { return nil, nil }, app.ContentTypes("image/png", "text/plain"), app.Methods("POST"))
	apptest.New(a)
}
