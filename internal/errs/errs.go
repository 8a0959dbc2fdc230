// Package errs defines the coded error every domain returns and every
// transport maps to a status: REST answers {code, message, details}, the
// console shows the message beside the form.
package errs

import (
	"errors"
	"fmt"
	"net/http"
)

// Stable error codes; they are part of the API.
const (
	Invalid      = "invalid"
	NotFound     = "not_found"
	Conflict     = "conflict"
	Unauthorized = "unauthorized"
	Forbidden    = "forbidden"
	RateLimited  = "rate_limited"
	TooLarge     = "too_large"
	Unavailable  = "unavailable"
	Internal     = "internal"
)

// Error is a failure with a stable code and a message safe to show a user.
type Error struct {
	Code    string
	Message string
	Fields  map[string]string // per-field problems for Invalid
	Err     error             // the cause: logged, never sent
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return e.Code + ": " + e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// E builds a coded error with a formatted message.
func E(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Field builds an Invalid error about one field.
func Field(field, problem string) *Error {
	return &Error{Code: Invalid, Message: field + ": " + problem, Fields: map[string]string{field: problem}}
}

// Fields collects per-field problems; Err returns nil when there are none.
type Fields map[string]string

// Add records a problem with a field (the first problem per field wins).
func (f Fields) Add(field, problem string) {
	if _, ok := f[field]; !ok {
		f[field] = problem
	}
}

// Err returns an Invalid error listing the fields, or nil.
func (f Fields) Err() error {
	if len(f) == 0 {
		return nil
	}
	return &Error{Code: Invalid, Message: "invalid input", Fields: f}
}

// Wrap attaches a cause to a coded error.
func Wrap(err error, code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), Err: err}
}

// CodeOf returns the code of the first coded error in err's chain, or Internal.
func CodeOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}

// Is reports whether err carries the given code.
func Is(err error, code string) bool { return err != nil && CodeOf(err) == code }

// Status maps a code to its HTTP status.
func Status(code string) int {
	switch code {
	case Invalid:
		return http.StatusBadRequest
	case NotFound:
		return http.StatusNotFound
	case Conflict:
		return http.StatusConflict
	case Unauthorized:
		return http.StatusUnauthorized
	case Forbidden:
		return http.StatusForbidden
	case RateLimited:
		return http.StatusTooManyRequests
	case TooLarge:
		return http.StatusRequestEntityTooLarge
	case Unavailable:
		return http.StatusServiceUnavailable
	default:
		return http.StatusInternalServerError
	}
}

// Public returns the code, message and fields that may be shown to a client.
// Errors without a code are reported as Internal with a generic message.
func Public(err error) (code, message string, fields map[string]string) {
	var e *Error
	if errors.As(err, &e) && e.Code != Internal {
		return e.Code, e.Message, e.Fields
	}
	return Internal, "internal error", nil
}

// Message returns the message of err that may be shown to a client.
func Message(err error) string {
	_, m, _ := Public(err)
	return m
}
