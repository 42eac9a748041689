package core

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"reflect"
	"strings"
)

// bindError is a 400 that says which input was wrong.
type bindError struct {
	detail string
	fields []FieldError
	cause  error
}

func (e *bindError) Error() string { return e.detail }
func (e *bindError) Unwrap() error { return e.cause }

// bodyError explains why the body could not be read. Other errors (413
// from BodyLimit, 415 for an unknown content type) keep their status.
func bodyError(err error) error {
	var (
		syntax   *json.SyntaxError
		typeErr  *json.UnmarshalTypeError
		maxBytes *http.MaxBytesError
	)
	switch {
	case errors.As(err, &maxBytes):
		return bodyTooLarge(maxBytes.Limit)
	case errors.Is(err, errTrailingData):
		return &bindError{detail: "the request body has more after its JSON value; send exactly one JSON value", cause: err}
	case errors.Is(err, os.ErrDeadlineExceeded):
		return NewProblem(http.StatusRequestTimeout, "the request body did not arrive in time")
	case errors.As(err, &syntax):
		return &bindError{detail: fmt.Sprintf("the request body is not valid JSON: %s (at byte %d)", syntax.Error(), syntax.Offset), cause: err}
	case errors.As(err, &typeErr):
		field, want, got := typeErr.Field, describeType(typeErr.Type), withArticle(typeErr.Value)
		if field == "" {
			return &bindError{detail: fmt.Sprintf("the request body is %s, but it must be %s", got, want), cause: err}
		}
		return &bindError{
			detail: fmt.Sprintf("the request body has %s where %q needs %s", got, field, want),
			fields: []FieldError{{Field: field, Source: sourceBody, Rule: "type", Message: fmt.Sprintf("must be %s, got %s", want, got)}},
			cause:  err,
		}
	case errors.Is(err, io.ErrUnexpectedEOF) || strings.Contains(err.Error(), "unexpected EOF"):
		return &bindError{detail: "the request body is not valid JSON: it ends too soon", cause: err}
	}
	return err
}

// withArticle puts "a" or "an" before a JSON kind: "an array", "a number".
func withArticle(kind string) string {
	if kind != "" && strings.ContainsRune("aeiou", rune(kind[0])) {
		return "an " + kind
	}
	return "a " + kind
}

// isForm reports whether the body is a form, which echo's binder reads
// field by field like query parameters.
func isForm(c Context) bool {
	ct := c.Request().Header.Get(headerContentType)
	return strings.HasPrefix(ct, mimeForm) || strings.HasPrefix(ct, mimeMultipartForm)
}

// paramError finds which field of a source failed to convert (echo's
// error does not say) by converting each value again. It runs only on the
// error path.
func (p *bindPlan) paramError(c Context, source string, err error) error {
	for _, f := range p.fields {
		if f.source != source {
			continue
		}
		for _, raw := range rawValues(c, f) {
			if convErr := convertible(raw, f.typ); convErr != nil {
				what := map[string]string{sourcePath: "path parameter", sourceQuery: "query parameter", sourceHeader: "header", sourceCookie: "cookie", sourceBody: "form field"}[source]
				msg := fmt.Sprintf("must be %s, got %q", describeType(f.typ), raw)
				return &bindError{
					detail: fmt.Sprintf("%s %q %s", what, f.name, msg),
					fields: []FieldError{{Field: f.name, Source: source, Rule: "type", Message: msg}},
					cause:  err,
				}
			}
		}
	}
	if source == sourceBody {
		return bodyError(err) // not a field's value: a broken form, or too large
	}
	return &bindError{detail: fmt.Sprintf("a %s parameter could not be read", source), cause: err}
}

func rawValues(c Context, f inputField) []string {
	switch f.source {
	case sourcePath:
		return []string{c.Param(f.name)}
	case sourceQuery:
		return c.QueryParams()[f.name]
	case sourceHeader:
		return c.Request().Header.Values(f.name)
	case sourceCookie:
		if ck, err := c.Request().Cookie(f.name); err == nil {
			return []string{ck.Value}
		}
	case sourceBody:
		if form, err := c.FormParams(); err == nil {
			return form[f.name]
		}
	}
	return nil
}

// describeType names a Go type for clients: "an integer", "a string".
func describeType(t reflect.Type) string {
	if t == nil {
		return "a value"
	}
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return "an integer"
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a non-negative integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Bool:
		return "true or false"
	case reflect.String:
		return "a string"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Map, reflect.Struct:
		return "an object"
	}
	return "a " + t.String()
}
