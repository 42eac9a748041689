package core

import (
	"cmp"
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strings"

	"github.com/go-playground/validator/v10"
)

// Media types and headers core reads and writes.
const (
	mimeJSON          = "application/json"
	mimeForm          = "application/x-www-form-urlencoded"
	mimeMultipartForm = "multipart/form-data"
	mimeOctetStream   = "application/octet-stream"
	mimeProblem       = "application/problem+json"
	headerContentType = "Content-Type"
	headerRequestID   = "X-Request-Id"
	headerLocation    = "Location"
)

// Sources of input fields, as FieldError.Source names them.
const (
	sourcePath     = "path"
	sourceQuery    = "query"
	sourceHeader   = "header"
	sourceCookie   = "cookie"
	sourceBody     = "body"
	sourceAttached = "attached" // Attach's values, never the client's
)

// inputField is a field of an input struct and where its value comes from.
type inputField struct {
	goPath string // "Title", "Address.City": as validator's StructNamespace, minus the root and [i]
	name   string // as the client sends it: "title", "address.city"
	own    string // the last part of name: "city"
	source string
	typ    reflect.Type
	field  reflect.StructField // for RouteInfo.Params
	index  []int               // the field's place in the input, through embedded structs
	// optional is set for an attached field tagged attached:"optional".
	optional bool
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
	// params are the fields read from the path, the query and headers, in
	// field order: start-up checks the path has each of its own, and the
	// route table describes them.
	params []inputField
	// cookies are the params read from cookies, which core reads itself.
	cookies []inputField
	// attached are the fields tagged attached, filled from the request's
	// attached values (Attach) after the input is bound. exceptAttached
	// are their Go paths when validation must leave them out by name
	// (decodeAttached), nil when they are validated as the zeros they are
	// before they are filled.
	attached       []inputField
	exceptAttached []string
	// misplaced says why an attached field can never be filled (inside a
	// body field, or unexported): New refuses it.
	misplaced string
	// bodyView is typ with its fields read from elsewhere hidden from
	// the body (newBodyView), or nil.
	bodyView reflect.Type
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
	for _, f := range p.params {
		if json := tagName(f.field, "json"); f.source == sourceCookie && json != "" && json != "-" {
			return nil, fmt.Errorf("field %s reads cookie %q and is tagged json %q too, but a cookie field is never read from the body; drop the json tag", f.goPath, f.own, json)
		}
		if f.source == sourceCookie && !readsText(f.typ) {
			return nil, fmt.Errorf("field %s reads cookie %q, but a %v cannot be read from a cookie's text; use a string, a number, a bool, or a type with UnmarshalText", f.goPath, f.own, f.typ)
		}
		if f.source == sourceCookie {
			p.cookies = append(p.cookies, f)
		}
	}
	if p.misplaced != "" {
		return nil, errors.New(p.misplaced)
	}
	for _, f := range p.attached {
		if json := tagName(f.field, "json"); json != "" && json != "-" {
			return nil, fmt.Errorf("field %s is attached and tagged json %q too, but an attached field is never read from the body; drop the json tag", f.goPath, json)
		}
		for _, source := range []string{"param", "query", "header", "cookie", "form"} {
			if tagName(f.field, source) != "" {
				return nil, fmt.Errorf("field %s is attached and tagged %s %q too, but an attached field is only ever what a guard or middleware attached; drop one of the tags", f.goPath, source, tagName(f.field, source))
			}
		}
		if tag := f.field.Tag.Get("attached"); tag != "" && tag != "optional" {
			return nil, fmt.Errorf("field %s is tagged attached:%q; use attached:\"\" for a value the request must have, or attached:\"optional\" for one it may lack", f.goPath, tag)
		}
	}
	for _, f := range p.attached {
		if _, rules := f.field.Tag.Lookup("validate"); rules || f.typ.Kind() == reflect.Struct || f.typ.Kind() == reflect.Array {
			// The validator would look into this one even zero.
			for _, f := range p.attached {
				p.exceptAttached = append(p.exceptAttached, f.goPath)
			}
			break
		}
	}
	if p.body {
		hidden := map[int]bool{}
		for _, at := range p.notBody {
			if len(at) == 1 {
				hidden[at[0]] = true
			}
		}
		p.bodyView = newBodyView(p.typ, hidden)
	}
	if jsonFields {
		p.mediaTypes = append(p.mediaTypes, mimeJSON)
	}
	if formFields {
		p.mediaTypes = append(p.mediaTypes, mimeForm, mimeMultipartForm)
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
		if _, attached := f.Tag.Lookup("attached"); attached && !f.IsExported() {
			p.misplaced = cmp.Or(p.misplaced, fmt.Sprintf("field %s is tagged attached but unexported, so it can never be filled; export it (rename it %s)", goPrefix+f.Name, strings.ToUpper(f.Name[:1])+f.Name[1:]))
			continue
		}
		if !f.IsExported() {
			continue
		}
		field := inputField{goPath: goPrefix + f.Name, typ: f.Type, field: f, index: at}
		if tag, ok := f.Tag.Lookup("attached"); ok {
			if !rooted {
				p.misplaced = cmp.Or(p.misplaced, fmt.Sprintf("field %s is tagged attached inside a body field, which only the body fills; put the attached field in the input struct itself", field.goPath))
				continue
			}
			field.source, field.optional = sourceAttached, tag == "optional"
			p.notBody = append(p.notBody, at)
			p.attached = append(p.attached, field)
			p.fields[field.goPath] = field
			continue
		}
		switch {
		case tagName(f, "param") != "":
			field.own, field.source, p.path = tagName(f, "param"), sourcePath, true
		case tagName(f, "query") != "":
			field.own, field.source, p.query = tagName(f, "query"), sourceQuery, true
		case tagName(f, "header") != "":
			field.own, field.source, p.header = tagName(f, "header"), sourceHeader, true
		case tagName(f, "cookie") != "":
			field.own, field.source = tagName(f, "cookie"), sourceCookie
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
			p.params = append(p.params, field)
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

// decode is the pipeline's first stage: it fills dst, a pointer to the
// input struct, from the request, then validates it.
func (p *bindPlan) decode(c Context, v *validator.Validate, dst any) error {
	if err := p.bind(c, dst); err != nil {
		return err
	}
	if len(p.attached) > 0 {
		return p.decodeAttached(c, v, dst)
	}
	return p.validate(v, dst)
}

// bind fills dst with echo's binder. The body goes first and the path
// last, so a body or query can never override the resource the URL names.
// A custom Binder set on App.Echo() reads the whole input instead.
func (p *bindPlan) bind(c Context, dst any) error {
	b := binderOf(c)
	if b.custom != nil {
		if err := b.custom.Bind(dst, c); err != nil {
			return err
		}
		p.fillAttached(nil, dst) // the server's to fill, whatever the binder read
		return nil
	}
	if p.body && c.Request().ContentLength != 0 {
		if err := p.checkMediaType(c.Request()); err != nil {
			return err
		}
		if err := b.body(c, p.bodyTarget(dst)); err != nil {
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
		if err := b.query(c, dst); err != nil {
			return p.paramError(c, sourceQuery, err)
		}
	}
	if p.header {
		if err := b.headers(c, dst); err != nil {
			return p.paramError(c, sourceHeader, err)
		}
	}
	if len(p.cookies) > 0 {
		if err := p.bindCookies(c, dst); err != nil {
			return p.paramError(c, sourceCookie, err)
		}
	}
	if p.path {
		if err := b.path(c, dst); err != nil {
			return p.paramError(c, sourcePath, err)
		}
	}
	return nil
}

// bindCookies fills the cookie fields (echo's binder reads no cookies),
// converting each value as echo's binder converts a query parameter.
func (p *bindPlan) bindCookies(c Context, dst any) error {
	v := reflect.ValueOf(dst).Elem()
	for _, f := range p.cookies {
		ck, err := c.Request().Cookie(f.own)
		if err != nil {
			continue // no such cookie: the zero value, as for a missing query parameter
		}
		field, err := v.FieldByIndexErr(f.index)
		if err != nil {
			continue
		}
		if err := setParam(field, ck.Value); err != nil {
			return err
		}
	}
	return nil
}

// checkMediaType answers 415, naming the accepted types, for a body whose
// Content-Type the input does not describe: XML, say, or curl's default
// form encoding for a JSON input, which would otherwise bind nothing and
// fail validation with a misleading "required".
func (p *bindPlan) checkMediaType(r *http.Request) error {
	contentType := r.Header.Get(headerContentType)
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
