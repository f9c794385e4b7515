package local

import (
	"net/url"
	"strings"
)

// resource is one API Gateway resource: a node of the path tree. Resources
// exist for every prefix of a route's path, with or without methods.
type resource struct {
	path     string // the template, e.g. /cities/{city}
	literal  map[string]*resource
	param    *resource // {name}
	greedy   *resource // {name+}
	name     string    // parameter name when this is a {param} or {param+} node
	methods  map[string]*route
	corsPath bool // some method here has CORS
}

func newResource(path string) *resource {
	return &resource{path: path, literal: map[string]*resource{}, methods: map[string]*route{}}
}

// add returns the resource for template, creating it and its parents.
func (r *resource) add(template string) *resource {
	if template == "/" {
		return r
	}
	n := r
	for _, seg := range strings.Split(template[1:], "/") {
		child := n.path + "/" + seg
		if n.path == "/" {
			child = "/" + seg
		}
		switch {
		case strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "+}"):
			if n.greedy == nil {
				n.greedy = newResource(child)
				n.greedy.name = seg[1 : len(seg)-2]
			}
			n = n.greedy
		case strings.HasPrefix(seg, "{"):
			if n.param == nil {
				n.param = newResource(child)
				n.param.name = seg[1 : len(seg)-1]
			}
			n = n.param
		default:
			next, ok := n.literal[seg]
			if !ok {
				next = newResource(child)
				n.literal[seg] = next
			}
			n = next
		}
	}
	return n
}

// match finds the resource for a request path as API Gateway ranks them: a
// literal segment before a {param}, a {param} before a greedy {proxy+}.
// It returns nil when no resource matches.
func (r *resource) match(path string) (*resource, map[string]string) {
	segs, ok := splitPath(path)
	if !ok {
		return nil, nil
	}
	if len(segs) == 0 {
		return r, nil
	}
	params := map[string]string{}
	if n := r.walk(segs, params); n != nil {
		if len(params) == 0 {
			params = nil
		}
		return n, params
	}
	return nil, nil
}

func (r *resource) walk(segs []string, params map[string]string) *resource {
	if len(segs) == 0 {
		return r
	}
	seg := segs[0]
	if next, ok := r.literal[seg]; ok {
		if n := next.walk(segs[1:], params); n != nil {
			return n
		}
	}
	if r.param != nil && seg != "" {
		if n := r.param.walk(segs[1:], params); n != nil {
			params[r.param.name] = seg
			return n
		}
	}
	if r.greedy != nil {
		params[r.greedy.name] = strings.Join(segs, "/")
		return r.greedy
	}
	return nil
}

// splitPath turns an escaped URL path into decoded segments. A trailing
// slash is ignored (API Gateway does), except that "/" is the root.
func splitPath(escaped string) ([]string, bool) {
	if escaped == "" || escaped[0] != '/' {
		return nil, false
	}
	p := strings.TrimRight(escaped, "/")
	if p == "" {
		return nil, true
	}
	raw := strings.Split(p[1:], "/")
	segs := make([]string, len(raw))
	for i, s := range raw {
		if s == "" {
			return nil, false // "//": API Gateway has no empty resource names
		}
		d, err := url.PathUnescape(s)
		if err != nil {
			return nil, false
		}
		segs[i] = d
	}
	return segs, true
}
