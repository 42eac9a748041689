package core

import (
	"fmt"
	"net/http"
)

// Problem is an RFC 9457 problem details object. Return one from a handler,
// guard or filter to answer with exactly this status and body; the helpers
// below make the common ones.
type Problem struct {
	// Type is a URI that identifies the problem type; "about:blank" when
	// the status says it all.
	Type string `json:"type"`
	// Title is a short summary of the problem type.
	Title string `json:"title"`
	// Status is the HTTP status code.
	Status int `json:"status"`
	// Detail explains this occurrence for the client.
	Detail string `json:"detail,omitempty"`
	// Instance is a URI for this occurrence, if any.
	Instance string `json:"instance,omitempty"`
	// Errors lists what was wrong with each field of the input.
	Errors []FieldError `json:"errors,omitempty"`
}

// FieldError describes one invalid input field, named as the client sent it.
type FieldError struct {
	// Field is the name the client used: the json, param, query or header
	// name, with dots for nested JSON fields ("address.city").
	Field string `json:"field"`
	// Source is where the field came from: "path", "query", "header", "cookie" or "body".
	Source string `json:"source"`
	// Rule is the check that failed: a validate tag such as "required" or
	// "max", or "type" when the value could not be read as the field's type.
	Rule string `json:"rule"`
	// Message says what is wrong, for people.
	Message string `json:"message"`
}

// Error makes Problem an error, so handlers can return it.
func (p *Problem) Error() string {
	if p.Detail != "" {
		return fmt.Sprintf("%d %s: %s", p.Status, p.Title, p.Detail)
	}
	return fmt.Sprintf("%d %s", p.Status, p.Title)
}

// NewProblem returns a problem with the status's standard title and the
// given detail (formatted as fmt.Sprintf).
func NewProblem(status int, detail string, args ...any) *Problem {
	if len(args) > 0 {
		detail = fmt.Sprintf(detail, args...)
	}
	return &Problem{Type: "about:blank", Title: http.StatusText(status), Status: status, Detail: detail}
}

// BadRequest is a 400 problem.
func BadRequest(detail string, args ...any) *Problem {
	return NewProblem(http.StatusBadRequest, detail, args...)
}

// Unauthorized is a 401 problem: the credentials are missing or wrong.
func Unauthorized(detail string, args ...any) *Problem {
	return NewProblem(http.StatusUnauthorized, detail, args...)
}

// Forbidden is a 403 problem: the caller is known but not allowed.
func Forbidden(detail string, args ...any) *Problem {
	return NewProblem(http.StatusForbidden, detail, args...)
}

// NotFound is a 404 problem.
func NotFound(detail string, args ...any) *Problem {
	return NewProblem(http.StatusNotFound, detail, args...)
}

// Conflict is a 409 problem.
func Conflict(detail string, args ...any) *Problem {
	return NewProblem(http.StatusConflict, detail, args...)
}

// UnprocessableEntity is a 422 problem: well-formed input that cannot be acted on.
func UnprocessableEntity(detail string, args ...any) *Problem {
	return NewProblem(http.StatusUnprocessableEntity, detail, args...)
}

// TooManyRequests is a 429 problem.
func TooManyRequests(detail string, args ...any) *Problem {
	return NewProblem(http.StatusTooManyRequests, detail, args...)
}

// ServiceUnavailable is a 503 problem.
func ServiceUnavailable(detail string, args ...any) *Problem {
	return NewProblem(http.StatusServiceUnavailable, detail, args...)
}
