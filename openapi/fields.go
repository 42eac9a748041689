package openapi

import (
	"reflect"
	"slices"
	"strings"
)

// field is one property of a struct's JSON object, found as encoding/json
// finds it: embedded structs without a name are flattened, and of two
// fields of one name the shallower wins, then the tagged one; a tie
// hides both.
type field struct {
	name   string
	tagged bool
	index  []int
	sf     reflect.StructField
	// quoted is the ",string" option: numbers and bools travel as strings.
	quoted bool
	// viaPointer is set for a field promoted through an embedded pointer,
	// which encoding/json leaves out when the pointer is nil.
	viaPointer bool
}

// namer says the wire name of a field and whether a tag gave it; skip
// leaves the field out.
type namer func(sf reflect.StructField) (name string, tagged, skip bool)

// jsonNamer names fields as encoding/json does.
func jsonNamer(sf reflect.StructField) (string, bool, bool) {
	tag := sf.Tag.Get("json")
	if tag == "-" {
		return "", false, true
	}
	if name, _, _ := strings.Cut(tag, ","); name != "" {
		return name, true, false
	}
	return sf.Name, false, false
}

// bodyNamer names a body's fields by tag, falls back to the json name,
// and leaves out the fields bound from elsewhere.
func bodyNamer(tag string) namer {
	return func(sf reflect.StructField) (string, bool, bool) {
		for _, other := range []string{"param", "query", "header", "cookie"} {
			if tagName(sf, other) != "" {
				return "", false, true
			}
		}
		if _, attached := sf.Tag.Lookup("attached"); attached {
			return "", false, true // core.Attach's value, not the client's
		}
		if sf.Tag.Get(tag) == "-" {
			return "", false, true
		}
		if name := tagName(sf, tag); name != "" {
			return name, true, false
		}
		return jsonNamer(sf)
	}
}

func tagName(sf reflect.StructField, tag string) string {
	name, _, _ := strings.Cut(sf.Tag.Get(tag), ",")
	return name
}

// jsonOption reports whether the field's json tag has the option.
func jsonOption(sf reflect.StructField, option string) bool {
	_, opts, _ := strings.Cut(sf.Tag.Get("json"), ",")
	return slices.Contains(strings.Split(opts, ","), option)
}

// structFields lists t's properties in field order.
func structFields(t reflect.Type, name namer, quotes bool) []field {
	type level struct {
		typ        reflect.Type
		index      []int
		viaPointer bool
	}
	var fields []field
	next := []level{{typ: t}}
	visited := map[reflect.Type]bool{}
	claimed := map[string]bool{}
	for len(next) > 0 {
		current := next
		next = nil
		// found counts the names at this depth, to tell ties apart.
		found := map[string]int{}
		var here []field
		for _, l := range current {
			if visited[l.typ] {
				continue
			}
			visited[l.typ] = true
			for i := range l.typ.NumField() {
				sf := l.typ.Field(i)
				if sf.Anonymous {
					ft := sf.Type
					if ft.Kind() == reflect.Pointer {
						ft = ft.Elem()
					}
					if !sf.IsExported() && ft.Kind() != reflect.Struct {
						continue
					}
				} else if !sf.IsExported() {
					continue
				}
				n, tagged, skip := name(sf)
				if skip {
					continue
				}
				index := append(append([]int(nil), l.index...), i)
				ft := sf.Type
				if ft.Name() == "" && ft.Kind() == reflect.Pointer {
					ft = ft.Elem()
				}
				if sf.Anonymous && !tagged && ft.Kind() == reflect.Struct {
					next = append(next, level{typ: ft, index: index, viaPointer: l.viaPointer || sf.Type.Kind() == reflect.Pointer})
					continue
				}
				quoted := false
				if quotes && jsonOption(sf, "string") {
					switch ft.Kind() {
					case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
						reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
						reflect.Float32, reflect.Float64:
						quoted = true
					}
				}
				found[n]++
				here = append(here, field{name: n, tagged: tagged, index: index, sf: sf, quoted: quoted, viaPointer: l.viaPointer})
			}
		}
		// A name taken at a shallower depth hides this depth's fields of
		// that name; of several at one depth, only a single tagged one
		// survives, else the name is hidden, as in encoding/json.
		for _, f := range here {
			if claimed[f.name] {
				continue
			}
			claimed[f.name] = true
			if found[f.name] == 1 {
				fields = append(fields, f)
				continue
			}
			var tagged []field
			for _, o := range here {
				if o.name == f.name && o.tagged {
					tagged = append(tagged, o)
				}
			}
			if len(tagged) == 1 {
				fields = append(fields, tagged[0])
			}
		}
	}
	out := fields
	slices.SortStableFunc(out, func(a, b field) int { return slices.Compare(a.index, b.index) })
	return out
}

var isZeroer = reflect.TypeFor[interface{ IsZero() bool }]()

// mayOmit reports whether encoding/json can leave f out of an object:
// omitzero leaves out any zero value, omitempty an empty one (false, 0,
// "", a nil pointer or interface, an empty slice, map or array, but never
// a struct), and a field promoted through a nil embedded pointer is left
// out too.
func (f field) mayOmit() bool {
	if f.viaPointer || jsonOption(f.sf, "omitzero") {
		return true
	}
	if !jsonOption(f.sf, "omitempty") {
		return false
	}
	switch t := f.sf.Type; t.Kind() {
	case reflect.Struct:
		return false
	case reflect.Array:
		return t.Len() == 0
	}
	return true
}

// neverNull reports whether encoding/json, which writes a nil pointer,
// slice or map as null, never writes f as null because an omit option
// leaves those out: omitempty a nil (or empty) one, omitzero a nil one,
// unless the type's own IsZero says a nil slice or map is not zero. A
// non-nil pointer to a nil pointer, slice or map is still null.
func (f field) neverNull() bool {
	t := f.sf.Type
	empty, zero := jsonOption(f.sf, "omitempty"), jsonOption(f.sf, "omitzero")
	switch t.Kind() {
	case reflect.Pointer:
		switch t.Elem().Kind() {
		case reflect.Pointer, reflect.Slice, reflect.Map, reflect.Interface:
			return false
		}
		return empty || zero
	case reflect.Slice, reflect.Map:
		return empty || zero && !t.Implements(isZeroer) && !reflect.PointerTo(t).Implements(isZeroer)
	}
	return false
}
