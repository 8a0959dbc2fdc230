// Package errs defines the coded error every domain returns and every
// transport maps to a status: REST answers {code, message, details}, the
// console shows the message beside the form.
//
// A message belongs to the domain that says it: the domain defines it once
// with Define (a key, its English and its Chinese text) and returns it with
// New, FieldMsg or Fields.AddMsg; transports render it in the reader's language
// with PublicIn, never by matching its English wording.
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
	Message string // in English, for logs and callers that did not ask for a language
	Text    Text   // the message by key, when the domain defined it
	Fields  Fields // per-field problems for Invalid
	Err     error  // the cause: logged, never sent
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return e.Code + ": " + e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// New builds a coded error from a defined message.
func New(code string, m *Msg, args ...any) *Error {
	t := m.With(args...)
	return &Error{Code: code, Message: t.String(), Text: t}
}

// FieldMsg builds an Invalid error about one field from a defined message.
func FieldMsg(field string, m *Msg, args ...any) *Error {
	t := m.With(args...)
	return &Error{Code: Invalid, Message: field + ": " + t.String(), Text: fieldText.With(field, t), Fields: Fields{field: t}}
}

// FieldText builds an Invalid error about one field from a text another
// check said (a keyed Text keeps its key).
func FieldText(field string, t Text) *Error {
	return &Error{Code: Invalid, Message: field + ": " + t.String(), Text: fieldText.With(field, t), Fields: Fields{field: t}}
}

var (
	fieldText    = Define("errs.field", "%s: %s", "%s：%s")
	invalidInput = Define("errs.invalid_input", "invalid input", "输入有误")
	internalText = Define("errs.internal", "internal error", "内部错误")
)

// Fields collects per-field problems; Err returns nil when there are none.
type Fields map[string]Text

// AddMsg records a defined message as the problem with a field.
func (f Fields) AddMsg(field string, m *Msg, args ...any) { f.AddText(field, m.With(args...)) }

// AddText records a problem with a field (the first problem per field wins).
func (f Fields) AddText(field string, t Text) {
	if _, ok := f[field]; !ok {
		f[field] = t
	}
}

// In returns the problems said in lang.
func (f Fields) In(lang string) map[string]string {
	if f == nil {
		return nil
	}
	m := make(map[string]string, len(f))
	for k, v := range f {
		m[k] = v.In(lang)
	}
	return m
}

// Err returns an Invalid error listing the fields, or nil.
func (f Fields) Err() error {
	if len(f) == 0 {
		return nil
	}
	return &Error{Code: Invalid, Message: invalidInput.En, Text: invalidInput.With(), Fields: f}
}

// Wrap attaches a cause to a coded error with a message that has no key:
// for Internal errors only, whose message is never shown (a test holds it).
func Wrap(err error, code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), Err: err}
}

// WrapMsg attaches a cause to a coded error with a defined message.
func WrapMsg(err error, code string, m *Msg, args ...any) *Error {
	e := New(code, m, args...)
	e.Err = err
	return e
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

// Public returns the code, message and fields that may be shown to a client,
// in English. Errors without a code are reported as Internal with a generic
// message.
func Public(err error) (code, message string, fields map[string]string) {
	return PublicIn(err, "en")
}

// PublicIn is Public in lang (see Lang): a message defined by key is said in
// that language, one without a key as the domain worded it.
func PublicIn(err error, lang string) (code, message string, fields map[string]string) {
	var e *Error
	if errors.As(err, &e) && e.Code != Internal {
		msg := e.Message
		if e.Text.Msg != nil {
			msg = e.Text.In(lang)
		}
		return e.Code, msg, e.Fields.In(lang)
	}
	return Internal, internalText.With().In(lang), nil
}

// TextOf returns err's message as a Text (keyed where the domain defined it).
func TextOf(err error) Text {
	var e *Error
	if errors.As(err, &e) && e.Code != Internal {
		if e.Text.Msg != nil {
			return e.Text
		}
		return Raw(e.Message)
	}
	return internalText.With()
}

// Message returns the message of err that may be shown to a client, in English.
func Message(err error) string {
	_, m, _ := Public(err)
	return m
}
