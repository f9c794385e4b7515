package app

import (
	"fmt"
	"net/http"
)

// Error is an error a view returns to answer with a specific status code and
// Chalice's body, {"Code": Code, "Message": Message}. Build one with the
// constructors below (BadRequest, NotFound, ...), which mirror Chalice's
// error classes. Views may wrap it; errors.As finds it.
type Error struct {
	StatusCode int
	Code       string
	Message    string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

func newError(status int, code, format string, args []any) *Error {
	msg := format
	if len(args) > 0 {
		msg = fmt.Sprintf(format, args...)
	}
	return &Error{StatusCode: status, Code: code, Message: msg}
}

// BadRequest answers 400 BadRequestError.
func BadRequest(format string, args ...any) *Error {
	return newError(http.StatusBadRequest, "BadRequestError", format, args)
}

// Unauthorized answers 401 UnauthorizedError.
func Unauthorized(format string, args ...any) *Error {
	return newError(http.StatusUnauthorized, "UnauthorizedError", format, args)
}

// Forbidden answers 403 ForbiddenError.
func Forbidden(format string, args ...any) *Error {
	return newError(http.StatusForbidden, "ForbiddenError", format, args)
}

// NotFound answers 404 NotFoundError.
func NotFound(format string, args ...any) *Error {
	return newError(http.StatusNotFound, "NotFoundError", format, args)
}

// MethodNotAllowed answers 405 MethodNotAllowedError.
func MethodNotAllowed(format string, args ...any) *Error {
	return newError(http.StatusMethodNotAllowed, "MethodNotAllowedError", format, args)
}

// RequestTimeout answers 408 RequestTimeoutError.
func RequestTimeout(format string, args ...any) *Error {
	return newError(http.StatusRequestTimeout, "RequestTimeoutError", format, args)
}

// Conflict answers 409 ConflictError.
func Conflict(format string, args ...any) *Error {
	return newError(http.StatusConflict, "ConflictError", format, args)
}

// UnprocessableEntity answers 422 UnprocessableEntityError.
func UnprocessableEntity(format string, args ...any) *Error {
	return newError(http.StatusUnprocessableEntity, "UnprocessableEntityError", format, args)
}

// TooManyRequests answers 429 TooManyRequestsError.
func TooManyRequests(format string, args ...any) *Error {
	return newError(http.StatusTooManyRequests, "TooManyRequestsError", format, args)
}

// ViewError answers 500 ChaliceViewError: an error the view chose to expose.
func ViewError(format string, args ...any) *Error {
	return newError(http.StatusInternalServerError, "ChaliceViewError", format, args)
}
