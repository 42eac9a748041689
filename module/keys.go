package module

import (
	"fmt"
	"reflect"
	"strings"

	"go.uber.org/dig"
)

// key identifies one thing in the dependency graph, as dig does: a type,
// optionally a name, or a value group that collects many values of a type.
type key struct {
	t     reflect.Type
	name  string
	group string
}

func (k key) String() string {
	switch {
	case k.name != "":
		return fmt.Sprintf("%v[name=%q]", k.t, k.name)
	case k.group != "":
		return fmt.Sprintf("[]%v[group=%q]", k.t, k.group)
	}
	return k.t.String()
}

// input is one dependency of a constructor.
type input struct {
	key
	optional bool
}

var errorType = reflect.TypeFor[error]()

// inputsOf lists the dependencies of a constructor type, looking inside
// dig.In parameter structs the way dig does.
func inputsOf(fn reflect.Type) []input {
	var ins []input
	for i := range fn.NumIn() {
		t := fn.In(i)
		if fn.IsVariadic() && i == fn.NumIn()-1 {
			continue // dig fills a variadic parameter with nothing
		}
		if dig.IsIn(t) {
			ins = appendInFields(ins, t)
			continue
		}
		ins = append(ins, input{key: key{t: t}})
	}
	return ins
}

func appendInFields(ins []input, t reflect.Type) []input {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Anonymous && f.Type == reflect.TypeFor[dig.In]() || !f.IsExported() {
			continue
		}
		if dig.IsIn(f.Type) {
			ins = appendInFields(ins, f.Type)
			continue
		}
		in := input{key: key{t: f.Type, name: f.Tag.Get("name")}, optional: f.Tag.Get("optional") == "true"}
		if g := f.Tag.Get("group"); g != "" && f.Type.Kind() == reflect.Slice {
			in.key = key{t: f.Type.Elem(), group: strings.Split(g, ",")[0]}
		}
		ins = append(ins, in)
	}
	return ins
}

// outputsOf lists what a constructor type provides under the given options,
// looking inside dig.Out result structs the way dig does. As dig does, an
// As of the result's own type is ignored, and the result is provided as
// itself only when no other As is given.
func outputsOf(fn reflect.Type, spec provideSpec) []key {
	var outs []key
	for i := range fn.NumOut() {
		t := fn.Out(i)
		if t == errorType {
			continue
		}
		if dig.IsOut(t) {
			outs = appendOutFields(outs, t)
			continue
		}
		var types []reflect.Type
		for _, as := range spec.as {
			if as != t {
				types = append(types, as)
			}
		}
		if len(types) == 0 {
			types = []reflect.Type{t}
		}
		for _, t := range types {
			outs = append(outs, key{t: t, name: spec.name(), group: spec.group()})
		}
	}
	return outs
}

func appendOutFields(outs []key, t reflect.Type) []key {
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Anonymous && f.Type == reflect.TypeFor[dig.Out]() || !f.IsExported() {
			continue
		}
		if dig.IsOut(f.Type) {
			outs = appendOutFields(outs, f.Type)
			continue
		}
		k := key{t: f.Type, name: f.Tag.Get("name")}
		if g := f.Tag.Get("group"); g != "" {
			parts := strings.Split(g, ",")
			k = key{t: f.Type, group: parts[0]}
			if len(parts) > 1 && parts[1] == "flatten" && f.Type.Kind() == reflect.Slice {
				k.t = f.Type.Elem()
			}
		}
		outs = append(outs, k)
	}
	return outs
}
