package app

import (
	"fmt"
	"reflect"
	"runtime"
	"slices"
	"strings"
)

// Handler is a view: it answers one API request.
type Handler func(*Request) (any, error)

// RouteOption configures a route.
type RouteOption func(*routeOptions)

type routeOptions struct {
	methods      []string
	contentTypes []string
	cors         *CORSConfig
	corsSet      bool
	authorizer   Auth
	apiKey       bool
	name         string
}

// Methods sets the HTTP methods the route answers (default GET).
func Methods(methods ...string) RouteOption {
	return func(o *routeOptions) { o.methods = methods }
}

// ContentTypes sets the request Content-Types the route accepts (default
// application/json). A request with another Content-Type gets 415.
func ContentTypes(types ...string) RouteOption {
	return func(o *routeOptions) { o.contentTypes = types }
}

// CORS enables CORS for the route; nil allows any origin with the default
// headers.
func CORS(c *CORSConfig) RouteOption {
	return func(o *routeOptions) { o.cors, o.corsSet = c, true }
}

// Authorizer protects the route with a.
func Authorizer(a Auth) RouteOption {
	return func(o *routeOptions) { o.authorizer = a }
}

// APIKeyRequired makes API Gateway require an x-api-key header.
func APIKeyRequired() RouteOption {
	return func(o *routeOptions) { o.apiKey = true }
}

// Name sets the view name shown by `chalice routes` (default: the handler's
// function name).
func Name(name string) RouteOption {
	return func(o *routeOptions) { o.name = name }
}

var knownMethods = []string{"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"}

// route is one (path, method) pair.
type route struct {
	path         string
	method       string
	view         string
	handler      Handler
	contentTypes []string
	cors         *CORSConfig // nil: no CORS
	corsHeaders  map[string]string
	auth         Auth
	apiKey       bool
}

// parsePath validates a route path and returns its parameter names.
func parsePath(path string) ([]string, error) {
	if path == "" {
		return nil, fmt.Errorf("path is empty")
	}
	if path[0] != '/' {
		return nil, fmt.Errorf("path must start with '/'")
	}
	if path == "/" {
		return nil, nil
	}
	if strings.HasSuffix(path, "/") {
		return nil, fmt.Errorf("path must not end with '/'")
	}
	segs := strings.Split(path[1:], "/")
	var params []string
	for i, seg := range segs {
		if seg == "" {
			return nil, fmt.Errorf("path has an empty segment ('//')")
		}
		if !strings.ContainsAny(seg, "{}") {
			if bad := strings.IndexFunc(seg, func(r rune) bool {
				return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-._~:@!$&'()*+,;=", r))
			}); bad >= 0 {
				return nil, fmt.Errorf("segment %q has a character API Gateway does not allow in a resource path", seg)
			}
			continue
		}
		if seg[0] != '{' || seg[len(seg)-1] != '}' {
			return nil, fmt.Errorf("segment %q: a parameter must be a whole segment, like {name}", seg)
		}
		name := seg[1 : len(seg)-1]
		greedy := strings.HasSuffix(name, "+")
		if greedy {
			name = name[:len(name)-1]
			if i != len(segs)-1 {
				return nil, fmt.Errorf("greedy parameter {%s+} must be the last segment", name)
			}
		}
		if name == "" || strings.IndexFunc(name, func(r rune) bool {
			return !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9')
		}) >= 0 {
			return nil, fmt.Errorf("segment %q: parameter names are letters, digits and '_'", seg)
		}
		if slices.Contains(params, name) {
			return nil, fmt.Errorf("parameter {%s} appears twice", name)
		}
		params = append(params, name)
	}
	return params, nil
}

// viewName derives a view's name from its function, as Chalice uses the
// Python function's name: main.stateOf → stateOf; closures keep their
// compiler names (main.main.func1 → main.func1).
func viewName(h any) string {
	fn := runtime.FuncForPC(reflect.ValueOf(h).Pointer())
	if fn == nil {
		return "view"
	}
	name := fn.Name()
	if i := strings.LastIndex(name, "/"); i >= 0 {
		name = name[i+1:]
	}
	// package.func or package.(*T).method: drop the package.
	if i := strings.Index(name, "."); i >= 0 {
		name = name[i+1:]
	}
	name = strings.TrimSuffix(name, "-fm") // method values
	return name
}

func sameCORS(a, b *CORSConfig) bool {
	return reflect.DeepEqual(a.Headers(), b.Headers())
}
