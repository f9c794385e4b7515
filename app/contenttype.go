package app

import "strings"

// defaultBinaryTypes are the content types API Gateway treats as binary by
// default in Chalice apps.
var defaultBinaryTypes = []string{
	"application/octet-stream", "application/x-tar", "application/zip",
	"audio/basic", "audio/ogg", "audio/mp4", "audio/mpeg", "audio/wav",
	"audio/webm", "image/png", "image/jpg", "image/jpeg", "image/gif",
	"video/ogg", "video/mpeg", "video/webm",
}

// DefaultBinaryTypes returns a fresh copy of the 16 binary types Chalice
// configures by default.
func DefaultBinaryTypes() []string { return append([]string(nil), defaultBinaryTypes...) }

// MatchesContentType reports whether a Content-Type or Accept header value
// matches one of valid, with Chalice's rules: case-insensitive, "*/*" on
// either side matches everything, and the header is split on ',' and ';'.
func MatchesContentType(header string, valid []string) bool {
	h := strings.ToLower(header)
	if strings.Contains(h, "*/*") {
		return true
	}
	for _, v := range valid {
		if v == "*/*" {
			return true
		}
	}
	for h != "" {
		i := strings.IndexAny(h, ",;")
		part := h
		if i >= 0 {
			part, h = h[:i], h[i+1:]
		} else {
			h = ""
		}
		part = strings.TrimSpace(part)
		for _, v := range valid {
			if strings.EqualFold(part, v) {
				return true
			}
		}
	}
	return false
}
