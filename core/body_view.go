package core

import (
	"encoding"
	"encoding/json"
	"reflect"
)

// A body view
//
// encoding/json fills every field of a struct whose name matches a key of
// the body, ignoring case, tagged or not: decoded into the input itself, a
// body {"from": "x"} would reach a field From that an attached value, a
// path parameter or a header fills, and a key of the wrong type would fail
// the request with a 400 naming a field the client never meant. So the
// body is decoded into the input's memory seen as another type: the same
// fields, in the same places, with those read from elsewhere tagged
// json:"-". Nothing is copied and nothing allocated; the other sources
// fill their fields afterwards, as before.

// newBodyView is input struct t seen by its body: t with the fields at
// the root indices notBody tagged json:"-" and nothing else, so that form
// binding (which reads form tags) skips them too. It is nil when no field
// needs hiding, or when the view could not read the body as t does: t
// decodes itself (UnmarshalJSON, UnmarshalText, promoted from an embedded
// field too), or embeds an unexported type, or a type with methods after
// its first field, which reflect.StructOf refuses. The fields of an
// embedded struct keep their tags. Without a view, and for the fields of
// embedded structs, the body is decoded into the input itself, and the
// fields from other sources are cleared after it (bindPlan.notBody): a
// body key of the wrong type for one of them is then a 400.
func newBodyView(t reflect.Type, notBody map[int]bool) (view reflect.Type) {
	if len(notBody) == 0 {
		return nil
	}
	pt := reflect.PointerTo(t)
	if pt.Implements(reflect.TypeFor[json.Unmarshaler]()) || pt.Implements(reflect.TypeFor[encoding.TextUnmarshaler]()) {
		return nil
	}
	fields := make([]reflect.StructField, t.NumField())
	for i := range fields {
		f := t.Field(i)
		if f.Anonymous && !f.IsExported() {
			return nil
		}
		f.Index, f.Offset = nil, 0
		if notBody[i] {
			f.Tag = `json:"-"`
		}
		fields[i] = f
	}
	defer func() {
		if recover() != nil {
			view = nil // a struct reflect.StructOf cannot make: read t itself
		}
	}()
	view = reflect.StructOf(fields)
	// The view is read through t's memory: every field must be where t
	// has it. StructOf lays fields out as the compiler does; check it.
	if view.Size() != t.Size() || view.Align() != t.Align() {
		return nil
	}
	for i := range fields {
		if view.Field(i).Offset != t.Field(i).Offset || view.Field(i).Type != t.Field(i).Type {
			return nil
		}
	}
	return view
}

// bodyTarget is where the body of the input at dst (a pointer to the
// input struct) is decoded: dst seen through the body view, or dst itself.
func (p *bindPlan) bodyTarget(dst any) any {
	if p.bodyView == nil {
		return dst
	}
	return reflect.NewAt(p.bodyView, reflect.ValueOf(dst).UnsafePointer()).Interface()
}
