package core

import (
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"reflect"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
)

// Sources of input fields, as FieldError.Source names them.
const (
	sourcePath   = "path"
	sourceQuery  = "query"
	sourceHeader = "header"
	sourceBody   = "body"
)

// inputField is a field of an input struct and where its value comes from.
type inputField struct {
	goPath string // "Title", "Address.City": as validator's StructNamespace, minus the root and [i]
	name   string // as the client sends it: "title", "address.city"
	own    string // the last part of name: "city"
	source string
	typ    reflect.Type
}

// bindPlan is what start-up learns about a handler's input struct, so that
// a request only runs the binding steps the struct needs.
type bindPlan struct {
	typ     reflect.Type // the struct type
	pointer bool         // the handler takes *In
	path    bool
	query   bool
	header  bool
	body    bool
	// mediaTypes are the body's accepted Content-Types: application/json
	// for json (and untagged) fields, the two form types for form fields.
	mediaTypes []string
	fields     map[string]inputField // by goPath
	// notBody are the index paths of the param, query and header fields.
	// encoding/json matches Go field names, so a body could fill them; they
	// are cleared after the body is read, so only their own source can.
	notBody [][]int
	// nested are the struct types inside the input, checked for unknown
	// validate rules at start-up like the input itself.
	nested []reflect.Type
}

// newBindPlan reads the struct's tags once.
func newBindPlan(t reflect.Type) (*bindPlan, error) {
	p := &bindPlan{typ: t, fields: map[string]inputField{}}
	if t.Kind() == reflect.Pointer {
		p.typ, p.pointer = t.Elem(), true
	}
	if p.typ.Kind() != reflect.Struct {
		return nil, fmt.Errorf("the input parameter must be a struct or a pointer to one, got %v", t)
	}
	var jsonFields, formFields bool
	p.addFields(p.typ, nil, true, "", "", &jsonFields, &formFields)
	if jsonFields {
		p.mediaTypes = append(p.mediaTypes, echo.MIMEApplicationJSON)
	}
	if formFields {
		p.mediaTypes = append(p.mediaTypes, echo.MIMEApplicationForm, echo.MIMEMultipartForm)
	}
	return p, nil
}

// addFields records t's fields. index is t's place in the input when
// rooted; a struct inside a body field is not rooted, and its fields are
// filled from the body alone.
func (p *bindPlan) addFields(t reflect.Type, index []int, rooted bool, goPrefix, namePrefix string, jsonFields, formFields *bool) {
	for i := range t.NumField() {
		f := t.Field(i)
		at := append(append([]int(nil), index...), i)
		if f.Anonymous && tagName(f, "json") == "" && structInside(f.Type) != nil && (f.Type.Kind() == reflect.Struct || f.Type.Kind() == reflect.Pointer) {
			// An embedded struct's fields are the outer struct's, as for
			// encoding/json and echo's binder; validator still names it.
			embedded := structInside(f.Type)
			p.fields[goPrefix+f.Name] = inputField{goPath: goPrefix + f.Name, source: sourceBody, typ: f.Type}
			p.nested = append(p.nested, embedded)
			p.addFields(embedded, at, rooted, goPrefix+f.Name+".", namePrefix, jsonFields, formFields)
			continue
		}
		if !f.IsExported() {
			continue
		}
		field := inputField{goPath: goPrefix + f.Name, typ: f.Type}
		switch {
		case tagName(f, "param") != "":
			field.own, field.source, p.path = tagName(f, "param"), sourcePath, true
		case tagName(f, "query") != "":
			field.own, field.source, p.query = tagName(f, "query"), sourceQuery, true
		case tagName(f, "header") != "":
			field.own, field.source, p.header = tagName(f, "header"), sourceHeader, true
		default:
			if f.Tag.Get("json") == "-" {
				continue
			}
			field.own, field.source, p.body = jsonName(f), sourceBody, true
			if tagName(f, "form") != "" {
				field.own = tagName(f, "form")
				*formFields = true
			}
			if tagName(f, "form") == "" || tagName(f, "json") != "" {
				*jsonFields = true
			}
		}
		field.name = namePrefix + field.own
		if field.source == sourceBody {
			if elem := structInside(f.Type); elem != nil {
				p.nested = append(p.nested, elem)
				p.addFields(elem, nil, false, field.goPath+".", field.name+".", jsonFields, formFields)
			}
		} else if rooted {
			p.notBody = append(p.notBody, at)
		}
		p.fields[field.goPath] = field
	}
}

// structInside is the struct type a body field holds, directly or as the
// elements of a slice, array or map, so nested fields can be named too.
func structInside(t reflect.Type) reflect.Type {
	for {
		switch t.Kind() {
		case reflect.Pointer, reflect.Slice, reflect.Array, reflect.Map:
			t = t.Elem()
			continue
		case reflect.Struct:
			if implementsUnmarshaler(t) || t.PkgPath() == "time" {
				return nil
			}
			return t
		}
		return nil
	}
}

func tagName(f reflect.StructField, tag string) string {
	name, _, _ := strings.Cut(f.Tag.Get(tag), ",")
	return name
}

// jsonName is the key encoding/json uses for the field.
func jsonName(f reflect.StructField) string {
	if name := tagName(f, "json"); name != "" {
		return name
	}
	return f.Name
}

func implementsUnmarshaler(t reflect.Type) bool {
	pt := reflect.PointerTo(t)
	return pt.Implements(reflect.TypeFor[json.Unmarshaler]()) || pt.Implements(reflect.TypeFor[encoding.TextUnmarshaler]())
}

// bind fills dst (a pointer to the input struct) with echo's binder. The
// body goes first and the path last, so a body or query can never override
// the resource the URL names.
func (p *bindPlan) bind(c echo.Context, dst any) error {
	b := defaultBinder(c)
	if p.body && c.Request().ContentLength != 0 {
		if err := p.checkMediaType(c.Request()); err != nil {
			return err
		}
		if err := b.BindBody(c, dst); err != nil {
			if isForm(c) {
				return p.paramError(c, sourceBody, err)
			}
			return bodyError(err)
		}
		if len(p.notBody) > 0 {
			v := reflect.ValueOf(dst).Elem()
			for _, at := range p.notBody {
				if f, err := v.FieldByIndexErr(at); err == nil {
					f.SetZero()
				}
			}
		}
	}
	if p.query {
		if err := b.BindQueryParams(c, dst); err != nil {
			return p.paramError(c, sourceQuery, err)
		}
	}
	if p.header {
		if err := b.BindHeaders(c, dst); err != nil {
			return p.paramError(c, sourceHeader, err)
		}
	}
	if p.path {
		if err := b.BindPathParams(c, dst); err != nil {
			return p.paramError(c, sourcePath, err)
		}
	}
	return nil
}

// checkMediaType answers 415, naming the accepted types, for a body whose
// Content-Type the input does not describe: XML, say, or curl's default
// form encoding for a JSON input, which would otherwise bind nothing and
// fail validation with a misleading "required".
func (p *bindPlan) checkMediaType(r *http.Request) error {
	contentType := r.Header.Get(echo.HeaderContentType)
	base, _, _ := strings.Cut(contentType, ";")
	base = strings.TrimSpace(base)
	for _, accepted := range p.mediaTypes {
		// As written, as echo's binder matches it (HTTP media types are
		// case-insensitive, echo's are not): a type echo would refuse
		// gets this 415, which names what the route reads.
		if base == accepted {
			return nil
		}
	}
	accepted := strings.Join(p.mediaTypes, " or ")
	if base == "" {
		return NewProblem(http.StatusUnsupportedMediaType, "the request body has no Content-Type; send it as %s", accepted)
	}
	return NewProblem(http.StatusUnsupportedMediaType, "the request body is %s, but this route reads %s", base, accepted)
}

// defaultBinder is echo's binder: the app's own if it has one of the
// DefaultBinder kind (the usual case), else a fresh one.
func defaultBinder(c echo.Context) *echo.DefaultBinder {
	if b, ok := c.Echo().Binder.(*echo.DefaultBinder); ok {
		return b
	}
	return &echo.DefaultBinder{}
}

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
func isForm(c echo.Context) bool {
	ct := c.Request().Header.Get(echo.HeaderContentType)
	return strings.HasPrefix(ct, echo.MIMEApplicationForm) || strings.HasPrefix(ct, echo.MIMEMultipartForm)
}

// paramError finds which field of a source failed to convert (echo's
// error does not say) by converting each value again. It runs only on the
// error path.
func (p *bindPlan) paramError(c echo.Context, source string, err error) error {
	for _, f := range p.fields {
		if f.source != source {
			continue
		}
		for _, raw := range rawValues(c, f) {
			if convErr := convertible(raw, f.typ); convErr != nil {
				what := map[string]string{sourcePath: "path parameter", sourceQuery: "query parameter", sourceHeader: "header", sourceBody: "form field"}[source]
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

func rawValues(c echo.Context, f inputField) []string {
	switch f.source {
	case sourcePath:
		return []string{c.Param(f.name)}
	case sourceQuery:
		return c.QueryParams()[f.name]
	case sourceHeader:
		return c.Request().Header.Values(f.name)
	case sourceBody:
		if form, err := c.FormParams(); err == nil {
			return form[f.name]
		}
	}
	return nil
}

// convertible reports whether raw can be read as t the way echo's binder
// reads it.
func convertible(raw string, t reflect.Type) error {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if u, ok := reflect.New(t).Interface().(echo.BindUnmarshaler); ok {
		return u.UnmarshalParam(raw)
	}
	if u, ok := reflect.New(t).Interface().(encoding.TextUnmarshaler); ok {
		return u.UnmarshalText([]byte(raw))
	}
	if t.Kind() == reflect.Slice {
		t = t.Elem()
	}
	if raw == "" {
		return nil // echo leaves the zero value
	}
	var err error
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		_, err = strconv.ParseInt(raw, 10, t.Bits())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		_, err = strconv.ParseUint(raw, 10, t.Bits())
	case reflect.Float32, reflect.Float64:
		_, err = strconv.ParseFloat(raw, t.Bits())
	case reflect.Bool:
		_, err = strconv.ParseBool(raw)
	}
	return err
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
