package openapi

import (
	"fmt"
	"reflect"
)

// TypeError says that a type, or a field inside it, has no JSON Schema:
// a channel, a function, a complex number, an unsafe.Pointer, a map whose
// keys are not strings or integers, an interface with methods, or a type
// that contains itself other than through a named struct.
type TypeError struct {
	// Root is the type the schema was asked for.
	Root reflect.Type
	// Path is the field path in wire names, "" for Root itself:
	// "address.tags[]" is an item of the tags field of the address field.
	Path string
	// Type is the type that cannot be described.
	Type reflect.Type
	// Reason says why, in a few words.
	Reason string
}

func (e *TypeError) Error() string {
	if e.Path == "" {
		return fmt.Sprintf("openapi: type %v: %s; change its type or leave it out of the wire with json:\"-\"", e.Type, e.Reason)
	}
	return fmt.Sprintf("openapi: type %v: field %q has type %v: %s; change its type or leave it out of the wire with json:\"-\"", e.Root, e.Path, e.Type, e.Reason)
}
