package openapi

import (
	"math"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
)

// rule is one validate rule: "min=3" is {name: "min", param: "3"}.
type rule struct{ name, param string }

func (r rule) String() string {
	if r.param == "" {
		return r.name
	}
	return r.name + "=" + r.param
}

// rules are a validate tag's rules for one level: the value itself, then
// after "dive" its items (and "keys ... endkeys" for a map's keys).
type rules struct {
	here []rule
	keys []rule
	dive *rules
}

// parseRules reads a validate tag as validator does: rules split on ",",
// a parameter after "=", 0x2C and 0x7C escaping "," and "|".
func parseRules(tag string) *rules {
	if tag == "" {
		return &rules{}
	}
	return parseLevel(strings.Split(tag, ","))
}

func parseLevel(tokens []string) *rules {
	rs := &rules{}
	for i, tok := range tokens {
		if tok == "dive" {
			rest := tokens[i+1:]
			var keys []rule
			if len(rest) > 0 && rest[0] == "keys" {
				end := len(rest)
				for j, t := range rest {
					if t == "endkeys" {
						end = j
						break
					}
				}
				for _, t := range rest[1:end] {
					keys = append(keys, parseRule(t))
				}
				rest = rest[min(end+1, len(rest)):]
			}
			rs.dive = parseLevel(rest)
			rs.dive.keys = keys
			return rs
		}
		if tok != "" {
			rs.here = append(rs.here, parseRule(tok))
		}
	}
	return rs
}

func parseRule(tok string) rule {
	name, param, _ := strings.Cut(tok, "=")
	param = strings.ReplaceAll(strings.ReplaceAll(param, "0x2C", ","), "0x7C", "|")
	return rule{name: name, param: param}
}

// allowsNil reports whether a nil pointer passes the rules: validator
// fails a nil pointer on its first rule unless that rule is an omit rule,
// isdefault, or one of the conditional rules that look at nil themselves.
func (rs *rules) allowsNil() bool {
	if len(rs.here) == 0 {
		return true
	}
	switch n := rs.here[0].name; n {
	case "omitempty", "omitnil", "omitzero", "isdefault", "-":
		return true
	default:
		return strings.HasPrefix(n, "required_") || strings.HasPrefix(n, "excluded_")
	}
}

// requires reports whether the rules make a field of type t required, as
// level says.
func (rs *rules) requires(t reflect.Type) bool {
	if len(rs.here) > 0 && rs.here[0].name == "-" {
		return false
	}
	if t.Kind() == reflect.Pointer && !rs.allowsNil() {
		return true
	}
	return rs.has("required")
}

// removesNull reports whether the rules take null out of the schema of a
// field of type t, as level does.
func (rs *rules) removesNull(t reflect.Type) bool {
	if len(rs.here) > 0 && rs.here[0].name == "-" {
		return false
	}
	if t.Kind() == reflect.Pointer {
		return !rs.allowsNil()
	}
	return rs.has("required")
}

func (rs *rules) has(name string) bool {
	return slices.ContainsFunc(rs.here, func(r rule) bool { return r.name == name })
}

// apply adds a field's validate rules to its schema, and says whether
// they make the field required. Rules with no JSON Schema equivalent
// become notes.
func (w *walk) apply(ref *openapi3.SchemaRef, t reflect.Type, rs *rules, path string) (*openapi3.SchemaRef, bool) {
	return w.applyQuoted(ref, t, rs, path, false)
}

// applyQuoted is apply for a field that may have the ",string" option,
// whose numeric rules cannot be said of a string.
func (w *walk) applyQuoted(ref *openapi3.SchemaRef, t reflect.Type, rs *rules, path string, quoted bool) (*openapi3.SchemaRef, bool) {
	if len(rs.here) > 0 && rs.here[0].name == "-" {
		return ref, false
	}
	return w.level(ref, t, rs, path, quoted, true)
}

// The classes of value a rule can be said of.
const (
	classOther = iota
	classString
	classNumber
	classList // slice or array
	classMap
)

// level applies one level's rules; top is the field itself, as opposed to
// its items, and only the field itself can be required in its parent.
func (w *walk) level(ref *openapi3.SchemaRef, t reflect.Type, rs *rules, path string, quoted, top bool) (*openapi3.SchemaRef, bool) {
	required := false
	pointer := t.Kind() == reflect.Pointer
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if pointer && !rs.allowsNil() {
		// A nil pointer fails the rules, so null or a missing field does.
		ref, required = nonNull(ref), top
	}
	s := ref.Value
	class := classOther
	if ref.Ref == "" && s != nil && s.Type != nil && !quoted {
		switch k := t.Kind(); {
		case k == reflect.String && slices.Contains(*s.Type, "string"):
			class = classString
		case isNumber(k) && (slices.Contains(*s.Type, "integer") || slices.Contains(*s.Type, "number")):
			class = classNumber
		case (k == reflect.Slice || k == reflect.Array) && slices.Contains(*s.Type, "array"):
			class = classList
		case k == reflect.Map && slices.Contains(*s.Type, "object"):
			class = classMap
		}
	}
	for _, r := range rs.here {
		switch r.name {
		case "omitempty", "omitnil", "omitzero":
			continue
		case "required":
			if top {
				required = true
			}
			switch {
			case pointer:
				// nonNull above; a pointer to a zero value passes.
			case class == classString:
				s.MinLength = max(s.MinLength, 1)
			case class == classList && t.Kind() == reflect.Slice, class == classMap,
				ref.Ref == "" && s != nil && s.Type != nil && slices.Contains(*s.Type, "null"):
				ref = nonNull(ref)
			case !top:
				w.note(path, r.String())
			case class == classNumber:
				w.note(path, "required (0, the zero value, is rejected)")
			case t.Kind() == reflect.Bool && !quoted:
				w.note(path, "required (false, the zero value, is rejected)")
			}
			continue
		}
		if !w.rule(s, t, class, r) {
			w.note(path, r.String())
		}
	}
	if rs.dive != nil {
		w.dive(ref, t, rs.dive, path, class)
	}
	return ref, required
}

// dive applies the rules after "dive" to the items of a slice, array or
// map. Rules for a map's keys become a note.
func (w *walk) dive(ref *openapi3.SchemaRef, t reflect.Type, rs *rules, path string, class int) {
	if len(rs.keys) > 0 {
		var keys []string
		for _, r := range rs.keys {
			keys = append(keys, r.String())
		}
		w.note(path, "dive,keys,"+strings.Join(keys, ",")+",endkeys")
	}
	s := ref.Value
	var items *openapi3.SchemaRef
	switch class {
	case classList:
		items = s.Items
	case classMap:
		items = s.AdditionalProperties.Schema
	}
	if items == nil {
		w.note(path, "dive")
		return
	}
	items, _ = w.level(items, t.Elem(), rs, path+"[]", false, false)
	if class == classList {
		s.Items = items
	} else {
		s.AdditionalProperties.Schema = items
	}
}

func isNumber(k reflect.Kind) bool {
	switch k {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64:
		return true
	}
	return false
}

// Patterns of the rules that are a regular expression in validator.
var patterns = map[string]string{
	"alpha":    "^[a-zA-Z]+$",
	"alphanum": "^[a-zA-Z0-9]+$",
	"numeric":  "^[-+]?[0-9]+(?:\\.[0-9]+)?$",
	"number":   "^[0-9]+$",
}

const uuid4Pattern = "^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"

// oneofValue matches oneof's values as validator splits them.
var oneofValue = regexp.MustCompile(`'[^']*'|\S+`)

// rule says r in s, and reports false when it cannot.
func (*walk) rule(s *openapi3.Schema, t reflect.Type, class int, r rule) bool {
	if class == classOther {
		return false
	}
	switch r.name {
	case "min", "max", "len", "gt", "gte", "lt", "lte":
		switch class {
		case classString:
			return lengths(r, &s.MinLength, &s.MaxLength)
		case classList:
			return lengths(r, &s.MinItems, &s.MaxItems)
		case classMap:
			return lengths(r, &s.MinProps, &s.MaxProps)
		case classNumber:
			return bounds(s, t, r)
		}
		return false
	case "oneof":
		return enum(s, t, class, r.param)
	}
	if class != classString {
		return false
	}
	format := ""
	pattern := ""
	switch r.name {
	case "email":
		format = "email"
	case "url":
		format = "uri"
	case "uri":
		// validator's uri takes what url.ParseRequestURI takes, "/path" too.
		format = "uri-reference"
	case "uuid":
		format = "uuid"
	case "uuid4":
		format, pattern = "uuid", uuid4Pattern
	case "datetime":
		switch r.param {
		case time.RFC3339:
			format = "date-time"
		case time.DateOnly:
			format = "date"
		default:
			return false
		}
	case "alpha", "alphanum", "numeric", "number":
		pattern = patterns[r.name]
	default:
		return false
	}
	if format != "" && s.Format != "" && s.Format != format || pattern != "" && s.Pattern != "" && s.Pattern != pattern {
		return false // one format and one pattern per schema
	}
	if format != "" {
		s.Format = format
	}
	if pattern != "" {
		s.Pattern = pattern
	}
	return true
}

// lengths says a length rule as bounds; validator reads its parameter as
// an int, and counts a string's runes as JSON Schema counts characters.
func lengths(r rule, lo *uint64, hi **uint64) bool {
	n, err := strconv.ParseInt(r.param, 0, 64)
	if err != nil {
		return false
	}
	setLo := func(v int64) {
		if v > 0 && uint64(v) > *lo {
			*lo = uint64(v)
		}
	}
	setHi := func(v int64) bool {
		if v < 0 {
			return false // nothing passes; say it as written
		}
		if *hi == nil || uint64(v) < **hi {
			*hi = ptr(uint64(v))
		}
		return true
	}
	switch r.name {
	case "min", "gte":
		setLo(n)
	case "gt":
		setLo(n + 1)
	case "max", "lte":
		return setHi(n)
	case "lt":
		return setHi(n - 1)
	case "len":
		setLo(n)
		return setHi(n)
	}
	return true
}

// bounds says a number rule as minimum and maximum. A time.Duration's
// parameter may be a duration ("1h"), as validator allows.
func bounds(s *openapi3.Schema, t reflect.Type, r rule) bool {
	v, ok := number(t, r.param)
	if !ok {
		return false
	}
	lo := func() {
		if s.Min == nil || v > *s.Min {
			s.Min = ptr(v)
		}
	}
	hi := func() {
		if s.Max == nil || v < *s.Max {
			s.Max = ptr(v)
		}
	}
	switch r.name {
	case "min", "gte":
		lo()
	case "max", "lte":
		hi()
	case "len":
		lo()
		hi()
	case "gt":
		if s.ExclusiveMin.Value == nil || v > *s.ExclusiveMin.Value {
			s.ExclusiveMin = openapi3.ExclusiveBound{Value: ptr(v)}
		}
	case "lt":
		if s.ExclusiveMax.Value == nil || v < *s.ExclusiveMax.Value {
			s.ExclusiveMax = openapi3.ExclusiveBound{Value: ptr(v)}
		}
	}
	return true
}

// number reads a parameter as validator does for t's kind.
func number(t reflect.Type, param string) (float64, bool) {
	if t == durationType {
		if d, err := time.ParseDuration(param); err == nil {
			return float64(d), true
		}
	}
	switch t.Kind() {
	case reflect.Float32, reflect.Float64:
		f, err := strconv.ParseFloat(param, 64)
		return f, err == nil && !math.IsInf(f, 0) && !math.IsNaN(f)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		u, err := strconv.ParseUint(param, 0, 64)
		return float64(u), err == nil
	}
	i, err := strconv.ParseInt(param, 0, 64)
	return float64(i), err == nil
}

// enum says oneof as an enum of values typed as the field is: validator
// takes oneof on strings and integers only.
func enum(s *openapi3.Schema, t reflect.Type, class int, param string) bool {
	var values []any
	for _, v := range oneofValue.FindAllString(param, -1) {
		v = strings.TrimSuffix(strings.TrimPrefix(v, "'"), "'")
		switch {
		case class == classString:
			values = append(values, v)
		case class == classNumber && t.Kind() != reflect.Float32 && t.Kind() != reflect.Float64:
			if t == durationType {
				return false
			}
			if u, err := strconv.ParseUint(v, 0, 64); err == nil && strings.HasPrefix(t.Kind().String(), "uint") {
				values = append(values, u)
			} else if i, err := strconv.ParseInt(v, 0, 64); err == nil {
				values = append(values, i)
			} else {
				return false
			}
		default:
			return false
		}
	}
	if s.Type != nil && slices.Contains(*s.Type, "null") {
		values = append(values, nil)
	}
	s.Enum = values
	return true
}
