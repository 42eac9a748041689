package module

import (
	"fmt"
	"reflect"
	"strings"

	"go.uber.org/dig"
)

// ProvideOption changes what a provider provides: the type it is injected
// as (As), a name that sets it apart from other providers of its type
// (Name), or a value group it joins (Group). Pass options to Provide or
// Value. An option prints itself as it is written in Go.
//
// module reads these options itself, to know what each module provides
// and exports, and hands dig the matching dig.As, dig.Name and dig.Group
// when it builds the graph. Other dig options have no module form: what
// they do is either done by module (the constructor's location in
// messages) or out of place in a module (dig.Export).
type ProvideOption interface {
	fmt.Stringer
	applyTo(*provideSpec)
}

// As provides the result as the interface T instead of its own type, the
// way dig.As does: module.Provide(NewPgStore, module.As[Store]()) makes
// Store injectable and *PgStore not. Several As options provide the result
// as each of the interfaces. T must be an interface the result implements;
// Build says so otherwise.
func As[T any]() ProvideOption { return asOption{reflect.TypeFor[T]()} }

// Name provides the result under a name, as dig.Name does, so that one
// type can have several providers; a consumer asks for it with a
// `name:"..."` tag in a dig.In struct. An export keeps the name.
func Name(name string) ProvideOption { return nameOption(name) }

// Group adds the result to the value group group, as dig.Group does; a
// consumer receives every member with a `group:"..."` tag on a slice field
// of a dig.In struct. Groups are application-wide (see the package doc).
func Group(group string) ProvideOption { return groupOption(group) }

type asOption struct{ t reflect.Type }

func (o asOption) String() string { return fmt.Sprintf("module.As[%v]()", o.t) }

func (o asOption) applyTo(s *provideSpec) { s.as = append(s.as, o.t) }

type nameOption string

func (o nameOption) String() string { return fmt.Sprintf("module.Name(%q)", string(o)) }

func (o nameOption) applyTo(s *provideSpec) { s.names = append(s.names, string(o)) }

type groupOption string

func (o groupOption) String() string { return fmt.Sprintf("module.Group(%q)", string(o)) }

func (o groupOption) applyTo(s *provideSpec) { s.groups = append(s.groups, string(o)) }

// provideSpec is what a provider's options say, once read and checked.
type provideSpec struct {
	as     []reflect.Type
	names  []string // as given; check leaves at most one
	groups []string // as given; check leaves at most one
}

func (s provideSpec) name() string  { return first(s.names) }
func (s provideSpec) group() string { return first(s.groups) }

func first(list []string) string {
	if len(list) == 0 {
		return ""
	}
	return list[0]
}

// readOptions reads options into a spec and checks it. The problem it
// returns is a sentence for a DefinitionError's Reason.
func readOptions(options []ProvideOption) (provideSpec, string) {
	var s provideSpec
	for i, o := range options {
		if o == nil {
			return s, fmt.Sprintf("option %d is nil; pass module.As, module.Name or module.Group", i+1)
		}
		o.applyTo(&s)
	}
	for _, t := range s.as {
		if t.Kind() != reflect.Interface {
			return s, fmt.Sprintf("module.As[%v](): %v is not an interface; As provides a result as an interface it implements, so drop it or name the interface", t, t)
		}
	}
	for _, list := range []struct {
		values []string
		option string
		bad    string
	}{
		{s.names, "module.Name", "`"},
		{s.groups, "module.Group", "`,"},
	} {
		for _, v := range list.values {
			if v == "" || strings.ContainsAny(v, list.bad) {
				return s, fmt.Sprintf("%s(%q) is not a usable name; give a non-empty name without %s", list.option, v, describeChars(list.bad))
			}
			if v != list.values[0] {
				return s, fmt.Sprintf("%s is given twice, as %q and %q; keep one", list.option, list.values[0], v)
			}
		}
	}
	if len(s.names) > 0 && len(s.groups) > 0 {
		return s, fmt.Sprintf("module.Name(%q) and module.Group(%q) are both given; a value is either named or a member of a group, so keep one", s.name(), s.group())
	}
	return s, ""
}

func describeChars(chars string) string {
	if chars == "`" {
		return "backquotes"
	}
	return "backquotes or commas"
}

// digOptions translates the spec into dig's options.
func (s provideSpec) digOptions() []dig.ProvideOption {
	var options []dig.ProvideOption
	if len(s.as) > 0 {
		ifaces := make([]any, len(s.as))
		for i, t := range s.as {
			ifaces[i] = reflect.New(t).Interface() // dig.As wants a pointer to the interface
		}
		options = append(options, dig.As(ifaces...))
	}
	if n := s.name(); n != "" {
		options = append(options, dig.Name(n))
	}
	if g := s.group(); g != "" {
		options = append(options, dig.Group(g))
	}
	return options
}

// empty reports whether the spec changes nothing.
func (s provideSpec) empty() bool {
	return len(s.as) == 0 && len(s.names) == 0 && len(s.groups) == 0
}
