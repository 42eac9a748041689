package openapi

import (
	"encoding"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
)

// RefPrefix is where a component's $ref points: RefPrefix + name.
const RefPrefix = "#/components/schemas/"

// Generator makes schemas from Go types and collects the named ones as
// components. Its zero value is not ready: use NewGenerator. A Generator
// is not safe for concurrent use; core uses one per document, at start-up.
type Generator struct {
	components openapi3.Schemas
	byType     map[key]*component
	byName     map[string]reflect.Type
	// inline holds the named non-struct types being described, to catch
	// a type that contains itself where no $ref can break the cycle.
	inline map[reflect.Type]bool
	// differs caches inputDiffers.
	differs map[reflect.Type]bool
}

// key is a component's type and side: a named struct read from a request
// (input) whose schema differs from the one written in responses gets a
// component of its own, named with InputSuffix.
type key struct {
	typ   reflect.Type
	input bool
}

// InputSuffix ends the name of a request's component for a struct whose
// response component says more ("Address-Input" beside "Address"); a Go
// type's name cannot contain "-", so the name is never another type's.
const InputSuffix = "-Input"

// component is a named struct's schema and what its walk found.
type component struct {
	name     string
	ref      *openapi3.SchemaRef
	notes    []string // paths relative to the type
	children []child  // components used inside, for their notes
}

// child is a component used at a path inside another schema.
type child struct {
	path string
	key  key
}

// NewGenerator returns a Generator with no components yet.
func NewGenerator() *Generator {
	return &Generator{
		components: openapi3.Schemas{},
		byType:     map[key]*component{},
		byName:     map[string]reflect.Type{},
		inline:     map[reflect.Type]bool{},
		differs:    map[reflect.Type]bool{},
	}
}

// Components are the named schemas generated so far, for the document's
// components. The map is the Generator's own: later calls add to it.
func (g *Generator) Components() openapi3.Schemas { return g.components }

// Schema is t's schema as encoding/json writes it, for a response: a
// $ref to RefPrefix+name for a named struct type (generated once, then
// reused), inline otherwise. A pointer's schema also allows null. An
// object requires the properties its validate rules require and those
// encoding/json always writes: those without omitempty or omitzero (or
// with omitempty on a struct), unless promoted through an embedded
// pointer. A pointer, slice or map with omitempty or omitzero is left
// out when nil, so it is never null. notes lists the validate rules
// inside t that have no JSON Schema equivalent, as "field.path: rule"
// with wire names; err is a *TypeError when t, or a field inside it,
// cannot be described.
func (g *Generator) Schema(t reflect.Type) (ref *openapi3.SchemaRef, notes []string, err error) {
	w := &walk{g: g, root: t}
	ref, err = w.schema(t, "")
	if err != nil {
		return nil, nil, err
	}
	return ref, w.collect(), nil
}

// EventData is the schema of an SSE event's data of type t, as package
// sse writes it: data of type string or []byte goes out as it is, so its
// schema is {"type": "string"}; any other type, a named string or byte
// slice type included, goes out as its JSON encoding, so its schema is
// Schema(t) (json.RawMessage, written as it is, is JSON, so {}).
func (g *Generator) EventData(t reflect.Type) (ref *openapi3.SchemaRef, notes []string, err error) {
	if t == stringType || t == bytesType {
		return inline(&openapi3.Schema{Type: types("string")}), nil, nil
	}
	return g.Schema(t)
}

// Body is the schema of an input struct's body: only the fields bound
// from the body, leaving out the fields tagged param, query, header,
// cookie or attached, and those tagged json:"-" or nameTag:"-". Properties are named
// by nameTag ("json" for application/json, "form" for the form types); a
// field without that tag takes its json name, else its Go name.
// Embedded structs without a name are flattened as encoding/json does.
// The schema is inline, since it differs from the type's own. A client
// may leave out any property and send null for a pointer, slice or map,
// so only the validate rules make a property required or not null; a
// named struct inside whose schema would differ from Schema's for that
// reason is a component of its own, named with InputSuffix.
func (g *Generator) Body(t reflect.Type, nameTag string) (ref *openapi3.SchemaRef, notes []string, err error) {
	w := &walk{g: g, root: t, input: true}
	st := t
	for st.Kind() == reflect.Pointer {
		st = st.Elem()
	}
	if st.Kind() != reflect.Struct {
		return nil, nil, &TypeError{Root: t, Type: t, Reason: "a body is read into a struct"}
	}
	s, err := w.object(st, "", bodyNamer(nameTag), nameTag == "json")
	if err != nil {
		return nil, nil, err
	}
	return openapi3.NewSchemaRef("", s), w.collect(), nil
}

// Field is the schema of one field used as a parameter (path, query,
// header or cookie), with its validate rules, and whether the rules make
// it required: the rule required, or a pointer whose first rule is not an
// omit rule, since validator fails a nil pointer then. A parameter is
// never null, so a pointer's schema is its element's, and a slice's or
// map's does not allow null. Notes name the field by its param, query,
// header, cookie or json tag, the first it has.
func (g *Generator) Field(f reflect.StructField) (ref *openapi3.SchemaRef, required bool, notes []string, err error) {
	name := f.Name
	for _, tag := range []string{"param", "query", "header", "cookie", "json"} {
		if n := tagName(f, tag); n != "" && n != "-" {
			name = n
			break
		}
	}
	w := &walk{g: g, root: f.Type, input: true}
	t := f.Type
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	ref, err = w.schema(t, name)
	if err != nil {
		return nil, false, nil, err
	}
	ref = nonNull(ref)
	ref, required = w.apply(ref, f.Type, parseRules(f.Tag.Get("validate")), name)
	return ref, required, w.collect(), nil
}

// walk is one call's descent through a type. Paths are relative to the
// walk's root; prefix is the root's own path, for errors. input is set
// for what a request sends (Body, Field), whose schemas say only what
// the validate rules require, and clear for what encoding/json writes.
type walk struct {
	g        *Generator
	root     reflect.Type
	prefix   string
	input    bool
	notes    []string
	children []child
}

func (w *walk) note(path, text string) {
	n := text
	if path != "" {
		n = path + ": " + text
	}
	if !slices.Contains(w.notes, n) {
		w.notes = append(w.notes, n)
	}
}

func (w *walk) fail(path string, t reflect.Type, reason string) error {
	return &TypeError{Root: w.root, Path: joinPath(w.prefix, path), Type: t, Reason: reason}
}

// collect is the walk's notes and those of the components it used.
func (w *walk) collect() []string {
	out := slices.Clone(w.notes)
	visiting := map[reflect.Type]bool{}
	var add func(prefix string, cs []child)
	add = func(prefix string, cs []child) {
		for _, c := range cs {
			if visiting[c.key.typ] {
				continue
			}
			visiting[c.key.typ] = true
			comp := w.g.byType[c.key]
			p := joinPath(prefix, c.path)
			for _, n := range comp.notes {
				if at, text, ok := strings.Cut(n, ": "); ok {
					n = joinPath(p, at) + ": " + text
				}
				if !slices.Contains(out, n) {
					out = append(out, n)
				}
			}
			add(p, comp.children)
			visiting[c.key.typ] = false
		}
	}
	add("", w.children)
	return out
}

// joinPath joins field paths; an item path starts with "[]".
func joinPath(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	case strings.HasPrefix(b, "[]"):
		return a + b
	}
	return a + "." + b
}

var (
	stringType        = reflect.TypeFor[string]()
	bytesType         = reflect.TypeFor[[]byte]()
	timeType          = reflect.TypeFor[time.Time]()
	durationType      = reflect.TypeFor[time.Duration]()
	rawMessageType    = reflect.TypeFor[json.RawMessage]()
	jsonMarshaler     = reflect.TypeFor[json.Marshaler]()
	jsonUnmarshaler   = reflect.TypeFor[json.Unmarshaler]()
	textMarshaler     = reflect.TypeFor[encoding.TextMarshaler]()
	textUnmarshaler   = reflect.TypeFor[encoding.TextUnmarshaler]()
	integerKeyPattern = "^-?[0-9]+$"
)

func implements(t, iface reflect.Type) bool {
	return t.Implements(iface) || reflect.PointerTo(t).Implements(iface)
}

func types(names ...string) *openapi3.Types {
	t := openapi3.Types(names)
	return &t
}

func inline(s *openapi3.Schema) *openapi3.SchemaRef { return openapi3.NewSchemaRef("", s) }

func ptr[T any](v T) *T { return &v }

// schema is t's schema; path is where t is, for notes and errors.
func (w *walk) schema(t reflect.Type, path string) (*openapi3.SchemaRef, error) {
	switch t {
	case rawMessageType:
		return inline(&openapi3.Schema{}), nil
	case timeType:
		return inline(&openapi3.Schema{Type: types("string"), Format: "date-time"}), nil
	}
	if t.Kind() == reflect.Pointer {
		if w.g.inline[t] {
			return nil, w.fail(path, t, "the type contains itself, and only a named struct can (through a $ref)")
		}
		w.g.inline[t] = true
		defer delete(w.g.inline, t)
		elem, err := w.schema(t.Elem(), path)
		if err != nil {
			return nil, err
		}
		return nullable(elem), nil
	}
	if implements(t, jsonMarshaler) || implements(t, jsonUnmarshaler) {
		w.note(path, "custom JSON ("+t.String()+")")
		return inline(&openapi3.Schema{}), nil
	}
	if implements(t, textMarshaler) || implements(t, textUnmarshaler) {
		return inline(&openapi3.Schema{Type: types("string")}), nil
	}
	switch t.Kind() {
	case reflect.Bool:
		return inline(&openapi3.Schema{Type: types("boolean")}), nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		s := integer(t.Kind())
		if t == durationType {
			s.Description = "A duration in nanoseconds."
		}
		return inline(s), nil
	case reflect.Float32:
		return inline(&openapi3.Schema{Type: types("number"), Format: "float"}), nil
	case reflect.Float64:
		return inline(&openapi3.Schema{Type: types("number"), Format: "double"}), nil
	case reflect.String:
		return inline(&openapi3.Schema{Type: types("string")}), nil
	case reflect.Interface:
		if t.NumMethod() == 0 {
			return inline(&openapi3.Schema{}), nil
		}
		return nil, w.fail(path, t, "an interface with methods holds values of types unknown until run time")
	case reflect.Struct:
		if t.Name() != "" {
			return w.component(t, path)
		}
		s, err := w.object(t, path, jsonNamer, true)
		if err != nil {
			return nil, err
		}
		return inline(s), nil
	case reflect.Slice, reflect.Array, reflect.Map:
		if t.Name() != "" {
			if w.g.inline[t] {
				return nil, w.fail(path, t, "the type contains itself, and only a named struct can (through a $ref)")
			}
			w.g.inline[t] = true
			defer delete(w.g.inline, t)
		}
		return w.collection(t, path)
	}
	return nil, w.fail(path, t, "a "+t.Kind().String()+" has no JSON form")
}

// integer is the schema of an integer kind: its format where one fits,
// and its bounds where they are narrower than int64's.
func integer(k reflect.Kind) *openapi3.Schema {
	s := &openapi3.Schema{Type: types("integer")}
	bounds := func(lo, hi float64) { s.Min, s.Max = ptr(lo), ptr(hi) }
	switch k {
	case reflect.Int8:
		s.Format = "int32"
		bounds(math.MinInt8, math.MaxInt8)
	case reflect.Int16:
		s.Format = "int32"
		bounds(math.MinInt16, math.MaxInt16)
	case reflect.Int32:
		s.Format = "int32"
	case reflect.Int, reflect.Int64:
		s.Format = "int64"
	case reflect.Uint8:
		s.Format = "int32"
		bounds(0, math.MaxUint8)
	case reflect.Uint16:
		s.Format = "int32"
		bounds(0, math.MaxUint16)
	case reflect.Uint32:
		s.Format = "int64"
		bounds(0, math.MaxUint32)
	default: // uint, uint64, uintptr: wider than int64
		s.Min = ptr(0.0)
	}
	return s
}

// collection is the schema of a slice, array or map. A nil slice or map
// marshals as null, so their schemas allow null; an array never is.
func (w *walk) collection(t reflect.Type, path string) (*openapi3.SchemaRef, error) {
	elem := t.Elem()
	if t.Kind() == reflect.Slice && elem.Kind() == reflect.Uint8 &&
		!reflect.PointerTo(elem).Implements(jsonMarshaler) && !reflect.PointerTo(elem).Implements(textMarshaler) {
		return inline(&openapi3.Schema{Type: types("string", "null"), ContentEncoding: "base64"}), nil
	}
	if t.Kind() == reflect.Map {
		key := t.Key()
		switch key.Kind() {
		case reflect.String:
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
			reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		default:
			if !key.Implements(textMarshaler) {
				return nil, w.fail(path, t, "a map key must be a string, an integer or an encoding.TextMarshaler")
			}
		}
	}
	items, err := w.schema(elem, path+"[]")
	if err != nil {
		return nil, err
	}
	switch t.Kind() {
	case reflect.Array:
		n := uint64(t.Len())
		return inline(&openapi3.Schema{Type: types("array"), Items: items, MinItems: n, MaxItems: &n}), nil
	case reflect.Slice:
		return inline(&openapi3.Schema{Type: types("array", "null"), Items: items}), nil
	}
	s := &openapi3.Schema{Type: types("object", "null"), AdditionalProperties: openapi3.AdditionalProperties{Schema: items}}
	if k := t.Key().Kind(); k != reflect.String && !t.Key().Implements(textMarshaler) {
		s.PropertyNames = inline(&openapi3.Schema{Type: types("string"), Pattern: integerKeyPattern})
	}
	return inline(s), nil
}

// object is a struct's inline schema, its properties named by name.
func (w *walk) object(t reflect.Type, path string, name namer, quotes bool) (*openapi3.Schema, error) {
	s := &openapi3.Schema{Type: types("object"), Properties: openapi3.Schemas{}}
	for _, f := range structFields(t, name, quotes) {
		at := joinPath(path, f.name)
		var ref *openapi3.SchemaRef
		var err error
		if f.quoted {
			ref = quotedSchema(f.sf.Type)
		} else {
			ref, err = w.schema(f.sf.Type, at)
		}
		if err != nil {
			return nil, err
		}
		if !w.input && f.neverNull() {
			ref = nonNull(ref)
		}
		ref, required := w.applyQuoted(ref, f.sf.Type, parseRules(f.sf.Tag.Get("validate")), at, f.quoted)
		if !w.input && !f.mayOmit() {
			required = true // encoding/json always writes it
		}
		s.Properties[f.name] = ref
		if required {
			s.Required = append(s.Required, f.name)
		}
	}
	return s, nil
}

// quotedSchema is the schema of a field with the ",string" option: a
// number or bool written inside a JSON string.
func quotedSchema(t reflect.Type) *openapi3.SchemaRef {
	null := t.Kind() == reflect.Pointer
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	s := &openapi3.Schema{Type: types("string")}
	switch t.Kind() {
	case reflect.Bool:
		s.Enum = []any{"true", "false"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		s.Pattern = integerKeyPattern
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		s.Pattern = "^[0-9]+$"
	}
	ref := inline(s)
	if null {
		return nullable(ref)
	}
	return ref
}

// component is the $ref of a named struct's component, made on first use.
// An input walk uses the response's component where the two would be
// the same, and one named with InputSuffix where they would not.
func (w *walk) component(t reflect.Type, path string) (*openapi3.SchemaRef, error) {
	k := key{typ: t, input: w.input && w.g.inputDiffers(t)}
	w.children = append(w.children, child{path: path, key: k})
	if c, ok := w.g.byType[k]; ok {
		return openapi3.NewSchemaRef(c.ref.Ref, c.ref.Value), nil
	}
	suffix := ""
	if k.input {
		suffix = InputSuffix
	}
	name := w.g.name(t, suffix)
	c := &component{name: name, ref: openapi3.NewSchemaRef(RefPrefix+name, &openapi3.Schema{})}
	w.g.byType[k], w.g.byName[name] = c, t
	// The component is registered before its fields are walked, so that
	// a field of its own type finds it and becomes a $ref.
	sub := &walk{g: w.g, root: w.root, prefix: joinPath(w.prefix, path), input: k.input}
	s, err := sub.object(t, "", jsonNamer, true)
	if err != nil {
		delete(w.g.byType, k)
		delete(w.g.byName, name)
		return nil, err
	}
	*c.ref.Value = *s
	c.notes, c.children = sub.notes, sub.children
	w.g.components[name] = openapi3.NewSchemaRef("", c.ref.Value)
	return openapi3.NewSchemaRef(c.ref.Ref, c.ref.Value), nil
}

var (
	notNameChar = regexp.MustCompile(`[^A-Za-z0-9_.-]+`)
	pkgPath     = regexp.MustCompile(`[A-Za-z0-9_.~-]*/`)
	pkgName     = regexp.MustCompile(`\b[A-Za-z0-9_]+\.`)
)

// inputDiffers reports whether the named struct t's schema as a request
// reads it differs from Schema's: whether a field of t, or of a struct
// inside it, is always written or never null by encoding/json without
// its validate rules saying so.
func (g *Generator) inputDiffers(t reflect.Type) bool {
	d, ok := g.differs[t]
	if !ok {
		d = fieldsDiffer(t, map[reflect.Type]bool{})
		g.differs[t] = d
	}
	return d
}

// fieldsDiffer is inputDiffers for any type; seen holds the structs
// already looked at, each once.
func fieldsDiffer(t reflect.Type, seen map[reflect.Type]bool) bool {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == timeType || t == rawMessageType || implements(t, jsonMarshaler) || implements(t, jsonUnmarshaler) ||
		implements(t, textMarshaler) || implements(t, textUnmarshaler) {
		return false
	}
	switch t.Kind() {
	case reflect.Slice, reflect.Array, reflect.Map:
		return fieldsDiffer(t.Elem(), seen)
	case reflect.Struct:
		if seen[t] {
			return false
		}
		seen[t] = true
		for _, f := range structFields(t, jsonNamer, true) {
			rs := parseRules(f.sf.Tag.Get("validate"))
			if !f.mayOmit() && !rs.requires(f.sf.Type) || f.neverNull() && !rs.removesNull(f.sf.Type) ||
				fieldsDiffer(f.sf.Type, seen) {
				return true
			}
		}
	}
	return false
}

// name is t's component name: its Go name, with type arguments reduced to
// their own names ("Page[pkg/path.Todo]" becomes "Page_Todo"), then
// suffix. A name another type already has is prefixed with the package's
// name, then with more of its path, then numbered.
func (g *Generator) name(t reflect.Type, suffix string) string {
	base := t.Name()
	if i := strings.IndexByte(base, '['); i >= 0 {
		args := base[i:]
		// Drop package paths and names from the type arguments.
		args = pkgPath.ReplaceAllString(args, "")
		args = pkgName.ReplaceAllString(args, "")
		base = base[:i] + args
	}
	base = strings.Trim(notNameChar.ReplaceAllString(base, "_"), "_") + suffix
	if _, taken := g.byName[base]; !taken {
		return base
	}
	parts := strings.Split(t.PkgPath(), "/")
	name := base
	for i := len(parts) - 1; i >= 0; i-- {
		name = notNameChar.ReplaceAllString(parts[i], "_") + "." + name
		if _, taken := g.byName[name]; !taken {
			return name
		}
	}
	for n := 2; ; n++ {
		if _, taken := g.byName[fmt.Sprintf("%s%d", name, n)]; !taken {
			return fmt.Sprintf("%s%d", name, n)
		}
	}
}

// nullable is ref's schema allowing null too: "null" joins the type
// list, and a $ref becomes anyOf [$ref, {type: null}].
func nullable(ref *openapi3.SchemaRef) *openapi3.SchemaRef {
	if ref.Ref != "" {
		return inline(&openapi3.Schema{AnyOf: openapi3.SchemaRefs{ref, inline(&openapi3.Schema{Type: types("null")})}})
	}
	s := ref.Value
	if s.Type == nil || len(*s.Type) == 0 || slices.Contains(*s.Type, "null") {
		return ref
	}
	*s.Type = append(*s.Type, "null")
	if s.Enum != nil && !slices.Contains(s.Enum, nil) {
		s.Enum = append(s.Enum, nil)
	}
	return ref
}

// nonNull undoes nullable.
func nonNull(ref *openapi3.SchemaRef) *openapi3.SchemaRef {
	if ref.Ref != "" {
		return ref
	}
	s := ref.Value
	if isNullWrapper(s) {
		return s.AnyOf[0]
	}
	if s.Type != nil && slices.Contains(*s.Type, "null") {
		*s.Type = slices.DeleteFunc(*s.Type, func(t string) bool { return t == "null" })
		s.Enum = slices.DeleteFunc(s.Enum, func(v any) bool { return v == nil })
	}
	return ref
}

func isNullWrapper(s *openapi3.Schema) bool {
	return len(s.AnyOf) == 2 && s.AnyOf[0].Ref != "" && s.AnyOf[1].Value != nil &&
		s.AnyOf[1].Value.Type != nil && s.AnyOf[1].Value.Type.Is("null")
}
