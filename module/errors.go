package module

import (
	"fmt"
	"reflect"
	"strings"

	"go.uber.org/dig"
)

// Build's errors are typed, so that a caller can tell them apart with
// errors.As, and each says what is wrong, where (the module and the
// provider, which are also fields), and how to fix it. An error that comes
// from dig keeps dig's error reachable with Unwrap (errors.Is, errors.As,
// dig.IsCycleDetected and dig.RootCause see through it) and says dig's
// cause once, in its short form.

// MissingProviderError reports a dependency that no module provides.
type MissingProviderError struct {
	// Module and Provider are the module and the provider or controller
	// that need the type; both are empty when Resolve asked for it.
	Module, Provider string
	// Type is the type needed, and Name its module.Name, if it has one.
	Type reflect.Type
	Name string
	// instead, when set, says what the type is (a controller, a type
	// provided under another key) and replaces the usual fix; hint adds a
	// guess to it.
	instead, hint string
}

func (e *MissingProviderError) Error() string {
	k := key{t: e.Type, name: e.Name}
	var b strings.Builder
	if e.Module == "" {
		fmt.Fprintf(&b, "module: resolve %v: no module provides it", k)
	} else {
		fmt.Fprintf(&b, "module: module %q: %s needs %v, but no module provides it", e.Module, e.Provider, k)
	}
	switch {
	case e.instead != "":
		b.WriteString("; " + e.instead)
	case e.Module == "":
		b.WriteString("; add its constructor to the Providers of a module" + e.hint)
	default:
		fmt.Fprintf(&b, "; add its constructor to the Providers of %q (or of a module it imports, and export it there)%s", e.Module, e.hint)
	}
	return b.String()
}

// NotVisibleError reports a dependency that a module other than the one
// needing it provides, but that the needing module cannot see: the owner
// does not export it, or the needing module does not import the owner.
type NotVisibleError struct {
	// Module and Provider are the module and the provider or controller
	// that need the type.
	Module, Provider string
	// Type is the type needed, and Name its module.Name, if it has one.
	Type reflect.Type
	Name string
	// Owner is the module that provides the type, with OwnerProvider;
	// Exported says whether Owner exports it, and Imported whether Module
	// imports Owner.
	Owner, OwnerProvider string
	Exported, Imported   bool
}

func (e *NotVisibleError) Error() string {
	k := key{t: e.Type, name: e.Name}
	if e.Exported {
		return fmt.Sprintf("module: module %q: %s needs %v, which module %q provides and exports, but %q does not import %q; add %q to the Imports of %q",
			e.Module, e.Provider, k, e.Owner, e.Module, e.Owner, e.Owner, e.Module)
	}
	if e.Imported {
		return fmt.Sprintf("module: module %q: %s needs %v, which module %q provides but does not export; add %s to the Exports of %q",
			e.Module, e.Provider, k, e.Owner, e.OwnerProvider, e.Owner)
	}
	return fmt.Sprintf("module: module %q: %s needs %v, which module %q provides but does not export; add %s to the Exports of %q and import %q in %q",
		e.Module, e.Provider, k, e.Owner, e.OwnerProvider, e.Owner, e.Owner, e.Module)
}

// DuplicateProviderError reports a type (with its module.Name) that two
// providers provide: one application has one dig container, so a type has
// one provider.
type DuplicateProviderError struct {
	// Module and Provider are the second provider of the type.
	Module, Provider string
	// Type is the type provided twice, and Name its module.Name, if any.
	Type reflect.Type
	Name string
	// FirstModule and FirstProvider are the provider met first.
	FirstModule, FirstProvider string
}

func (e *DuplicateProviderError) Error() string {
	return fmt.Sprintf("module: %v is provided twice: by %s in module %q and by %s in module %q; keep one, or tell them apart with module.Name",
		key{t: e.Type, name: e.Name}, e.FirstProvider, e.FirstModule, e.Provider, e.Module)
}

// DefinitionError reports a module that is not defined correctly: a nil
// import, a missing or shared Name, an import cycle, an export that is
// not one of the module's providers, or a provider or controller entry
// that cannot be used (nil, not a constructor, bad options, or rejected
// by dig, whose error Err then holds).
type DefinitionError struct {
	// Module is the module whose definition is wrong; empty when the
	// module has no Name, or there is no module (a nil root).
	Module string
	// Field is where in the module the problem is: "Imports[1]",
	// "Providers[0]", "Controllers[2]" or "Exports[3]"; empty when the
	// problem is the module as a whole.
	Field string
	// Provider names the provider or controller concerned, if any.
	Provider string
	// Reason says what is wrong and how to fix it.
	Reason string
	// Err is dig's error when dig rejected the provider, and nil otherwise.
	Err error
}

func (e *DefinitionError) Error() string {
	var b strings.Builder
	b.WriteString("module: ")
	if e.Module != "" {
		fmt.Fprintf(&b, "module %q: ", e.Module)
	}
	where := strings.TrimSpace(e.Field + " " + e.Provider)
	if where != "" {
		b.WriteString(where)
		b.WriteString(": ")
	}
	b.WriteString(e.Reason)
	return b.String()
}

func (e *DefinitionError) Unwrap() error { return e.Err }

// ConstructorError reports a constructor that returned an error while the
// graph was built. Err is dig's error, through which errors.Is and
// errors.As reach the constructor's own error (dig.RootCause returns it).
type ConstructorError struct {
	// Module and Provider are the module and the constructor that failed.
	Module, Provider string
	Err              error
}

func (e *ConstructorError) Error() string {
	return fmt.Sprintf("module: module %q: %s failed: %v", e.Module, e.Provider, dig.RootCause(e.Err))
}

func (e *ConstructorError) Unwrap() error { return e.Err }

// CycleError reports constructors that depend on each other in a cycle,
// which dig rejects. Err is dig's error: dig.IsCycleDetected reports true
// for a CycleError.
type CycleError struct {
	// Module and Provider are the module and the constructor that closed
	// the cycle when it was provided.
	Module, Provider string
	Err              error
	path             string // the cycle in module's words
}

func (e *CycleError) Error() string {
	cycle := e.path
	if cycle == "" {
		cycle = dig.RootCause(e.Err).Error()
	}
	return fmt.Sprintf("module: module %q: %s introduces a cycle: %s; break it by moving what they share into a provider of its own, which both can depend on",
		e.Module, e.Provider, cycle)
}

func (e *CycleError) Unwrap() error { return e.Err }

// OverrideError reports an Override that cannot apply.
type OverrideError struct {
	// Type is the type to override.
	Type reflect.Type
	// Module and Provider are the provider it would replace, when there
	// is one.
	Module, Provider string
	// Reason says what is wrong and how to fix it.
	Reason string
}

func (e *OverrideError) Error() string {
	return fmt.Sprintf("module: override %v: %s", e.Type, e.Reason)
}

// digFailure is dig's error in a situation Build's checks should have
// ruled out; it says where, and dig's cause once.
type digFailure struct {
	where string
	err   error
}

func (e *digFailure) Error() string {
	return fmt.Sprintf("module: %s: %v", e.where, dig.RootCause(e.err))
}

func (e *digFailure) Unwrap() error { return e.err }
