package app

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"runtime"
	"runtime/debug"
	"strings"
)

// apiHandler dispatches API Gateway proxy events. API Gateway has already
// matched the route, so dispatch is a map lookup on (resource, method).
type apiHandler struct {
	app    *App
	routes map[routeKey]*route
	allow  map[string]string // path → Allow header for 405s
}

func (a *App) apiHandler() *apiHandler {
	h := &apiHandler{app: a, routes: a.routes, allow: map[string]string{}}
	for path, rts := range a.paths {
		ms := make([]string, len(rts))
		for i, rt := range rts {
			ms[i] = rt.method
		}
		h.allow[path] = strings.Join(ms, ", ")
	}
	return h
}

// Invoke answers one API Gateway REST proxy event with a proxy response.
func (h *apiHandler) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	var ev apiEvent
	if err := decodeAPIEvent(string(payload), &ev); err != nil {
		h.app.Log.Error("Unknown request", "error", err)
		return h.encode(nil, errorResponse(http.StatusInternalServerError, "InternalServerError", "Unknown request.", nil)), nil
	}
	rt, ok := h.routes[routeKey{ev.resource, ev.method}]
	if !ok {
		if allow, known := h.allow[ev.resource]; known {
			resp := errorResponse(http.StatusMethodNotAllowed, "MethodNotAllowedError", "Unsupported method: "+ev.method, nil)
			resp.Headers["Allow"] = allow
			return h.encode(&ev.req, resp), nil
		}
		return h.encode(&ev.req, errorResponse(http.StatusNotFound, "NotFoundError", "No route for resource: "+ev.resource, nil)), nil
	}
	ev.req.ctx = ctx
	return h.encode(&ev.req, h.serve(rt, &ev.req)), nil
}

// serve runs the view and applies Chalice's response rules.
func (h *apiHandler) serve(rt *route, req *Request) *Response {
	ct, ok := req.Headers.Lookup("Content-Type")
	if !ok {
		ct = "application/json"
	}
	if !MatchesContentType(ct, rt.contentTypes) {
		return errorResponse(http.StatusUnsupportedMediaType, "UnsupportedMediaType", "Unsupported media type: "+ct, rt.corsHeaders)
	}
	resp := h.call(rt, req)
	for k, v := range rt.corsHeaders {
		if !resp.hasHeader(k) {
			resp.Headers[k] = v
		}
	}
	respCT, ok := resp.header("Content-Type")
	if !ok {
		respCT = "application/json"
	}
	if MatchesContentType(respCT, h.app.BinaryTypes) {
		accept, ok := req.Headers.Lookup("Accept")
		if !ok || !MatchesContentType(accept, h.app.BinaryTypes) {
			return errorResponse(http.StatusBadRequest, "BadRequest", fmt.Sprintf(
				"Request did not specify an Accept header with %s, The response has a Content-Type of %s. If a response has a binary Content-Type then the request must specify an Accept header that matches.",
				respCT, respCT), rt.corsHeaders)
		}
	}
	return resp
}

// call runs the view, turning its result, error or panic into a Response
// whose Headers map is ours to modify.
func (h *apiHandler) call(rt *route, req *Request) (resp *Response) {
	defer func() {
		if p := recover(); p != nil {
			resp = h.internalError(rt, fmt.Errorf("panic: %v", p), panicLocation(), debug.Stack())
		}
	}()
	v, err := rt.handler(req)
	if err != nil {
		var ce *Error
		if errors.As(err, &ce) {
			return errorResponse(ce.StatusCode, ce.Code, ce.Message, nil)
		}
		return h.internalError(rt, err, "", nil)
	}
	var out Response
	switch r := v.(type) {
	case *Response:
		if r == nil {
			out.Body = nil
		} else {
			out = *r
		}
	case Response:
		out = r
	default:
		out.Body = v
	}
	// Copy the headers: a view may return a shared *Response.
	headers := make(map[string]string, len(out.Headers)+len(rt.corsHeaders)+1)
	for k, v := range out.Headers {
		headers[k] = v
	}
	out.Headers = headers
	if out.StatusCode == 0 {
		out.StatusCode = http.StatusOK
	}
	if err := out.validateHeaders(); err != nil {
		return h.internalError(rt, err, "", nil)
	}
	return &out
}

// internalError logs a failure and answers 500: Chalice's generic body, or
// with Debug the error and stack trace as text/plain.
func (h *apiHandler) internalError(rt *route, err error, where string, stack []byte) *Response {
	attrs := []any{"view", rt.view, "method", rt.method, "error", err.Error()}
	if where != "" {
		attrs = append(attrs, "at", where)
	}
	h.app.Log.Error("Caught error for path "+rt.path, attrs...)
	if !h.app.Debug {
		return errorResponse(http.StatusInternalServerError, "InternalServerError", "An internal server error occurred.", nil)
	}
	body := fmt.Sprintf("Error in view %s (%s %s): %v\n", rt.view, rt.method, rt.path, err)
	if where != "" {
		body += "at " + where + "\n"
	}
	if stack != nil {
		body += "\n" + string(stack)
	}
	return &Response{StatusCode: http.StatusInternalServerError, Headers: map[string]string{"Content-Type": "text/plain"}, Body: body}
}

// panicLocation names the first frame outside the runtime, where the view
// panicked.
func panicLocation() string {
	pcs := make([]uintptr, 32)
	n := runtime.Callers(3, pcs)
	frames := runtime.CallersFrames(pcs[:n])
	for {
		f, more := frames.Next()
		if !strings.HasPrefix(f.Function, "runtime.") && f.Function != "" {
			return fmt.Sprintf("%s (%s:%d)", f.Function, f.File, f.Line)
		}
		if !more {
			return ""
		}
	}
}

// errorResponse is Chalice's {"Code", "Message"} error with extra headers.
func errorResponse(status int, code, msg string, extra map[string]string) *Response {
	headers := make(map[string]string, len(extra)+2)
	for k, v := range extra {
		headers[k] = v
	}
	return &Response{StatusCode: status, Headers: headers, Body: errorBody{code, msg}}
}

type errorBody struct {
	Code    string `json:"Code"`
	Message string `json:"Message"`
}

// encode renders resp as a Lambda proxy response; binary bodies are
// base64-encoded. A body that cannot be encoded becomes a 500.
func (h *apiHandler) encode(req *Request, resp *Response) []byte {
	if resp.Headers == nil {
		resp.Headers = map[string]string{}
	}
	ct, ok := resp.header("Content-Type")
	if !ok {
		ct = "application/json"
		resp.Headers["Content-Type"] = ct
	}
	body, err := bodyBytes(resp.Body)
	if err != nil {
		path := ""
		if req != nil {
			path = req.Path
		}
		h.app.Log.Error("Caught error for path "+path, "error", "encoding response body: "+err.Error())
		resp = errorResponse(http.StatusInternalServerError, "InternalServerError", "An internal server error occurred.", nil)
		resp.Headers["Content-Type"] = "application/json"
		body, _ = bodyBytes(resp.Body)
		ct = "application/json"
	}
	b64 := MatchesContentType(ct, h.app.BinaryTypes)
	dst := make([]byte, 0, len(body)*4/3+256)
	return appendProxyResponse(dst, resp.StatusCode, resp.Headers, resp.MultiValueHeaders, body, b64)
}
