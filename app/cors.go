package app

import (
	"sort"
	"strconv"
	"strings"
)

// corsRequiredHeaders are always allowed, as in Chalice.
var corsRequiredHeaders = []string{"Authorization", "Content-Type", "X-Amz-Date", "X-Amz-Security-Token", "X-Api-Key"}

// CORSConfig is a route's CORS policy. The zero value (or CORS(nil)) allows
// any origin with Chalice's default allowed headers.
type CORSConfig struct {
	// AllowOrigin defaults to "*".
	AllowOrigin string
	// AllowHeaders are merged with Authorization, Content-Type, X-Amz-Date,
	// X-Amz-Security-Token and X-Api-Key.
	AllowHeaders []string
	// ExposeHeaders, when set, is sent as Access-Control-Expose-Headers.
	ExposeHeaders []string
	// MaxAge in seconds; 0 sends no Access-Control-Max-Age.
	MaxAge int
	// AllowCredentials sends Access-Control-Allow-Credentials: true.
	AllowCredentials bool
}

// Headers returns the Access-Control-* response headers for c.
func (c *CORSConfig) Headers() map[string]string {
	if c == nil {
		c = &CORSConfig{}
	}
	origin := c.AllowOrigin
	if origin == "" {
		origin = "*"
	}
	set := map[string]bool{}
	for _, h := range corsRequiredHeaders {
		set[h] = true
	}
	for _, h := range c.AllowHeaders {
		set[h] = true
	}
	allow := make([]string, 0, len(set))
	for h := range set {
		allow = append(allow, h)
	}
	sort.Strings(allow)
	h := map[string]string{
		"Access-Control-Allow-Origin":  origin,
		"Access-Control-Allow-Headers": strings.Join(allow, ","),
	}
	if len(c.ExposeHeaders) > 0 {
		h["Access-Control-Expose-Headers"] = strings.Join(c.ExposeHeaders, ",")
	}
	if c.MaxAge > 0 {
		h["Access-Control-Max-Age"] = strconv.Itoa(c.MaxAge)
	}
	if c.AllowCredentials {
		h["Access-Control-Allow-Credentials"] = "true"
	}
	return h
}
