// Command tutorial is Chalice's quickstart tutorial written with chalice for
// Go: one route per step of the tutorial.
package main

import (
	"net/url"
	"slices"
	"strings"
	"sync"

	"github.com/chalice-go/chalice/app"
)

var citiesToState = map[string]string{
	"seattle":  "WA",
	"portland": "OR",
}

// objects lives as long as the (warm) Lambda process, as in the tutorial.
var (
	mu      sync.Mutex
	objects = map[string]any{}
)

func newApp() *app.App {
	a := app.New("tutorial")
	a.Route("/", index)
	a.Route("/", states, app.Methods("POST"), app.ContentTypes("application/x-www-form-urlencoded"))
	a.Route("/cities/{city}", stateOf)
	a.Route("/objects/{key}", object, app.Methods("GET", "PUT"))
	a.Route("/introspect", introspect)
	a.Route("/greeting", greeting)
	a.Route("/supports-cors", supportsCORS, app.Methods("PUT"), app.CORS(nil))
	return a
}

// index says hello.
func index(*app.Request) (any, error) {
	return map[string]string{"hello": "world"}, nil
}

// stateOf returns the state a city is in.
func stateOf(r *app.Request) (any, error) {
	city := r.URIParams["city"]
	state, ok := citiesToState[city]
	if !ok {
		known := make([]string, 0, len(citiesToState))
		for c := range citiesToState {
			known = append(known, c)
		}
		slices.Sort(known)
		return nil, app.BadRequest("Unknown city '%s', valid choices are: %s", city, strings.Join(known, ", "))
	}
	return map[string]string{"state": state}, nil
}

// object stores (PUT) and returns (GET) a JSON value under a key.
func object(r *app.Request) (any, error) {
	key := r.URIParams["key"]
	mu.Lock()
	defer mu.Unlock()
	if r.Method == "PUT" {
		body, err := r.JSONBody()
		if err != nil {
			return nil, err
		}
		objects[key] = body
		return nil, nil
	}
	v, ok := objects[key]
	if !ok {
		return nil, app.NotFound("%s", key)
	}
	return map[string]any{key: v}, nil
}

// introspect echoes the request as Chalice's to_dict() shows it.
func introspect(r *app.Request) (any, error) {
	return r.ToMap(), nil
}

// states parses a form post: states=WA&states=OR.
func states(r *app.Request) (any, error) {
	form, err := url.ParseQuery(string(r.RawBody))
	if err != nil {
		return nil, app.BadRequest("malformed form body: %v", err)
	}
	got := form["states"]
	if got == nil {
		got = []string{}
	}
	return map[string][]string{"states": got}, nil
}

// greeting answers plain text with a custom Response.
func greeting(*app.Request) (any, error) {
	return &app.Response{
		StatusCode: 200,
		Headers:    map[string]string{"Content-Type": "text/plain"},
		Body:       "hello world!",
	}, nil
}

// supportsCORS can be called from a page on any origin.
func supportsCORS(*app.Request) (any, error) {
	return map[string]bool{"cors": true}, nil
}

func main() { newApp().Run() }
