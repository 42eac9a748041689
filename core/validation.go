package core

import (
	"errors"
	"fmt"
	"reflect"
	"strings"

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
	return "godanet: invalid input: " + strings.Join(parts, "; ")
}

// newValidator makes the App's one validator. Field names in its errors
// are Go names; fieldError turns them into the names clients use, on the
// error path only (a tag-name function would cost allocations on every
// request).
func newValidator() *validator.Validate {
	return validator.New(validator.WithRequiredStructEnabled())
}

// echoValidator lets hand-written echo handlers call c.Validate with the
// App's validator.
type echoValidator struct{ v *validator.Validate }

func (ev echoValidator) Validate(i any) error { return ev.v.Struct(i) }

// validate checks the bound input and explains each failure.
func (p *bindPlan) validate(v *validator.Validate, in any) error {
	err := v.Struct(in)
	if err == nil {
		return nil
	}
	var errs validator.ValidationErrors
	if !errors.As(err, &errs) {
		return fmt.Errorf("godanet: validating %v: %w", p.typ, err)
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

// checkTags validates a zero input once at start-up, so that a validate tag
// the validator does not know fails core.New rather than every request
// (validator panics on an unknown tag).
func (p *bindPlan) checkTags(v *validator.Validate) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("input %v: %v; fix the validate tag, or register the rule with core.WithValidation", p.typ, r)
		}
	}()
	_ = v.Struct(reflect.New(p.typ).Interface())
	// A struct behind a nil pointer or in an empty slice is not walked
	// above; check each one on its own.
	for _, t := range p.nested {
		_ = v.Struct(reflect.New(t).Interface())
	}
	return nil
}
