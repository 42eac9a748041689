package core

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/go-playground/validator/v10"
)

// ValidationError is a 400 listing every invalid input field. Handlers
// never see it: the request is answered before they run.
type ValidationError struct {
	Fields []FieldError
}

func (e *ValidationError) Error() string {
	parts := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		parts[i] = f.Field + " " + f.Message
	}
	return "core: invalid input: " + strings.Join(parts, "; ")
}

// newValidator makes the App's one validator. Field names in its errors
// are Go names; fieldError turns them into the names clients use, on the
// error path only (a tag-name function would cost allocations on every
// request).
func newValidator() *validator.Validate {
	return validator.New(validator.WithRequiredStructEnabled())
}

// validate checks the bound input and explains each failure. Attached
// values are the server's, not the client's: they are left out, so that a
// rule of theirs never fails the request with a 400 naming a field the
// client never sent, and a user struct is not walked on every request.
func (p *bindPlan) validate(v *validator.Validate, in any) error {
	var err error
	if p.exceptAttached == nil {
		err = v.Struct(in)
	} else {
		err = v.StructExcept(in, p.exceptAttached...)
	}
	if err == nil {
		return nil
	}
	var errs validator.ValidationErrors
	if !errors.As(err, &errs) {
		return fmt.Errorf("core: validating %v: %w", p.typ, err)
	}
	out := &ValidationError{Fields: make([]FieldError, 0, len(errs))}
	for _, fe := range errs {
		out.Fields = append(out.Fields, p.fieldError(fe))
	}
	return out
}

func (p *bindPlan) fieldError(fe validator.FieldError) FieldError {
	name, source := p.clientName(fe.StructNamespace())
	return FieldError{Field: name, Source: source, Rule: fe.Tag(), Message: ruleMessage(fe)}
}

// clientName turns validator's Go path, "UpdateItem.Items[2].Name", into
// the client's, "items[2].name", and says where the field came from.
func (p *bindPlan) clientName(namespace string) (name, source string) {
	_, goPath, _ := strings.Cut(namespace, ".")
	source = sourceBody
	var (
		parts  []string
		prefix string
	)
	for _, seg := range strings.Split(goPath, ".") {
		base, index := seg, ""
		if j := strings.IndexByte(seg, '['); j >= 0 {
			base, index = seg[:j], seg[j:]
		}
		if prefix != "" {
			prefix += "."
		}
		prefix += base
		own := base
		if f, ok := p.fields[prefix]; ok {
			own, source = f.own, f.source
		}
		if own == "" {
			continue // an embedded struct: its fields are the outer struct's
		}
		parts = append(parts, own+index)
	}
	return strings.Join(parts, "."), source
}

// ruleMessage says, for people, what a failed rule wanted.
func ruleMessage(fe validator.FieldError) string {
	param := fe.Param()
	unit := ""
	switch fe.Kind() {
	case reflect.String:
		unit = " characters"
	case reflect.Slice, reflect.Array, reflect.Map:
		unit = " items"
	}
	switch fe.Tag() {
	case "required", "required_if", "required_unless", "required_with", "required_without":
		return "is required"
	case "max", "lte":
		return fmt.Sprintf("must be at most %s%s", param, unit)
	case "min", "gte":
		return fmt.Sprintf("must be at least %s%s", param, unit)
	case "len":
		return fmt.Sprintf("must be exactly %s%s", param, unit)
	case "gt":
		return fmt.Sprintf("must be greater than %s%s", param, unit)
	case "lt":
		return fmt.Sprintf("must be less than %s%s", param, unit)
	case "eq":
		return fmt.Sprintf("must equal %s", param)
	case "ne":
		return fmt.Sprintf("must not equal %s", param)
	case "oneof":
		return fmt.Sprintf("must be one of: %s", strings.Join(strings.Fields(param), ", "))
	case "email":
		return "must be an email address"
	case "url", "http_url":
		return "must be a URL"
	case "uuid", "uuid4":
		return "must be a UUID"
	case "alphanum":
		return "must contain only letters and digits"
	case "numeric", "number":
		return "must be a number"
	case "datetime":
		return fmt.Sprintf("must be a date/time in the layout %s", param)
	}
	if param != "" {
		return fmt.Sprintf("failed the %q rule (%s)", fe.Tag(), param)
	}
	return fmt.Sprintf("failed the %q rule", fe.Tag())
}

// tagChecker finds, at start-up, the validate rules the App's validator
// cannot run, so that they fail core.New rather than every request
// (validator panics on an unknown rule).
//
// It does not validate a zero input of each type: the validator caches
// what it learns of each struct type in a map it copies whole on every new
// type, so n input types cost it n²/2 copies, three quarters of New's time
// at 1,000 routes. Instead it runs each distinct (field type, rule) pair
// once with validator.Var on a zero of the field's type, which parses the
// rule (into a cache keyed by the rule's text, which routes share) and
// runs it as a request would, without caching any struct. A struct-typed
// field is probed through a nil pointer, so that Var does not walk into
// it; its own fields are probed as the input's are. A probe that panics
// is confirmed by validating a zero of the whole type, as before, so that
// a rule that needs its struct around it (eqfield, required_if on a
// slice) is never refused for the probe's sake.
type tagChecker struct {
	v *validator.Validate
	// byField is set when the validator reads the validate tag; one whose
	// tag name was changed (SetTagName in WithValidator) is checked by
	// validating a zero of each type, as validator reads its own tag.
	byField bool
	checked map[checkedRule]bool
}

type checkedRule struct {
	typ  reflect.Type
	rule string
}

func newTagChecker(v *validator.Validate) *tagChecker {
	probe := reflect.StructOf([]reflect.StructField{{Name: "F", Type: reflect.TypeFor[string](), Tag: `validate:"required"`}})
	return &tagChecker{v: v, byField: v.Struct(reflect.New(probe).Interface()) != nil, checked: map[checkedRule]bool{}}
}

// check checks the rules of the input and of every struct inside it.
func (tc *tagChecker) check(p *bindPlan) error {
	for _, t := range append([]reflect.Type{p.typ}, p.nested...) {
		if err := tc.checkStruct(t); err != nil {
			return fmt.Errorf("input %v: %w; fix the validate tag, or register the rule with core.WithValidation", p.typ, err)
		}
	}
	return nil
}

func (tc *tagChecker) checkStruct(t reflect.Type) error {
	if !tc.byField {
		return tc.validateZero(t)
	}
	for i := range t.NumField() {
		f := t.Field(i)
		rule := f.Tag.Get("validate")
		if rule == "" || rule == "-" || (!f.IsExported() && !f.Anonymous) {
			continue
		}
		key := checkedRule{f.Type, rule}
		if tc.checked[key] {
			continue
		}
		if tc.probe(f.Type, rule) != nil {
			if err := tc.validateZero(t); err != nil {
				return err
			}
		}
		tc.checked[key] = true
	}
	return nil
}

// probe runs rule on a zero of typ (a nil pointer for a struct) and
// returns what it panicked with, or nil.
func (tc *tagChecker) probe(typ reflect.Type, rule string) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	zero := reflect.Zero(typ)
	if typ.Kind() == reflect.Struct && typ != reflect.TypeFor[time.Time]() {
		zero = reflect.Zero(reflect.PointerTo(typ))
	}
	_ = tc.v.Var(zero.Interface(), rule)
	return nil
}

// validateZero validates a zero t and returns what the validator panicked
// with, or nil.
func (tc *tagChecker) validateZero(t reflect.Type) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	_ = tc.v.Struct(reflect.New(t).Interface())
	return nil
}
