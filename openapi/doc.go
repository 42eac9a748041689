// Package openapi describes a godanet App as an OpenAPI 3.1 document, on
// kin-openapi's document model, and serves it with a docs page:
//
//	app, err := core.New(root, openapi.With(openapi.Config{Title: "Todos", Version: "1.0.0"}))
//	doc := openapi.DocumentOf(app) // also served at /openapi.json, Swagger UI at /docs
//
// # The document
//
// With is a core.Extension: at the end of core.New it reads the route
// table (core.RouteInfo) and Build makes the document, once. Each route
// that is not hidden is an operation with id "Controller.Handler" (the
// controller's type without "Controller"), tagged with its controller
// (whose description describes the tag), with the route's summary and
// description; core.Route.OperationID (or an operationId tag) replaces the
// id, and two routes with one id fail core.New. It has the input's path,
// query, header and cookie parameters (and the path's parameters no field
// reads, as strings), its body in each media type the route reads
// (properties by json or form name; required only when a field is), a
// response for the route's status with the result's schema (JSON;
// text/plain for a string; application/octet-stream for []byte; all
// three for an interface; none for an error-only handler, 204, 304 or a
// redirect), and the application/problem+json answers the route can give:
// 400 on every route (an unreadable query string; with errors[] naming
// each field where there is input), 401 and 403 where there are guards,
// 404 where the path has parameters, 408 and 415 where there is a body,
// 413 where it also has a limit, the statuses the route and its
// controller declare (core.Route.Errors, an errors tag), and 500. A guard
// that implements core.SecuredGuard adds its scheme to components, and
// the operations it guards require it; several such guards are required
// together, as they all run.
//
// An SSE route is a text/event-stream response whose schema is a oneOf of
// one object per declared event (core.Event), as huma writes it: id, event
// (the name, as a constant), data (the event type's schema: a string for string
// or []byte data, which is sent as it is) and retry.
// Config.ItemSchema writes OpenAPI 3.2's itemSchema instead.
//
// Validate rules with no JSON Schema form (see below) are named in the
// operation's description. A type the document cannot describe fails
// core.New with a *core.ControllerError naming the route.
//
// # Generator
//
// Build's schemas come from a Generator, which turns Go types and their
// validate rules into JSON Schema 2020-12, and can be used on its own:
// Schema for what the server writes (results, event data through
// EventData, problems), Body and Field for what a client sends.
//
// # Schemas
//
// A Generator turns a reflect.Type into a schema. A named struct type
// becomes a component, generated once and referred to as
// {"$ref": "#/components/schemas/<Name>"} everywhere it is used, itself
// included, so recursive types work; Components returns them all for the
// document. Anonymous structs, and every other type, are inline.
//
// Properties are named as encoding/json names them: the json tag's name,
// else the Go name; json:"-" and unexported fields are left out, and an
// embedded struct without a name has its fields flattened into the outer
// one, the shallower or tagged field winning a clash. The ",string" option
// makes a number or bool a string.
//
//	bool                      {"type": "boolean"}
//	int8, int16, int32        {"type": "integer", "format": "int32"}, with the type's bounds for 8 and 16 bits
//	int, int64                {"type": "integer", "format": "int64"}
//	uint8, uint16, uint32     "integer", format int32 or int64, minimum 0 and the type's maximum
//	uint, uint64, uintptr     {"type": "integer", "minimum": 0}
//	float32, float64          {"type": "number", "format": "float"} or "double"
//	string                    {"type": "string"}
//	[]byte                    {"type": ["string", "null"], "contentEncoding": "base64"}
//	time.Time                 {"type": "string", "format": "date-time"}
//	time.Duration             {"type": "integer", "format": "int64"}, described as nanoseconds
//	[]T                       {"type": ["array", "null"], "items": T}
//	[N]T                      {"type": "array", "items": T, "minItems": N, "maxItems": N}
//	map[K]T                   {"type": ["object", "null"], "additionalProperties": T}; integer keys get a propertyNames pattern
//	*T                        T allowing null: "null" joins T's type list, or {"anyOf": [{"$ref": ...}, {"type": "null"}]}
//	any, json.RawMessage      {} (anything)
//	encoding.TextMarshaler    {"type": "string"}
//	json.Marshaler            {} and a note "custom JSON (T)"
//
// A nil slice or map marshals as null, hence "null" in their type lists;
// the validate rule required removes it again.
//
// # Responses and requests
//
// Schema describes what encoding/json writes. It writes every field
// without omitempty or omitzero (and a struct field even with
// omitempty), so an object requires those properties, besides the ones
// its validate rules require; a field promoted through an embedded
// pointer is not required, since a nil pointer leaves it out. A pointer,
// slice or map with omitempty or omitzero is left out when nil, never
// written as null, so its schema does not allow null (a pointer to a
// pointer, slice or map still does, as does a slice or map whose own
// IsZero calls nil not zero). core.Problem's schema thus requires type,
// title and status, and its errors, when present, is an array.
//
// Body and Field describe what a client may send: only the validate
// rules make a property required or take null out. A named struct used
// in a body whose schema would differ for that reason gets a component
// of its own, its name ending in InputSuffix ("Address-Input" beside
// "Address"); one whose schemas are the same is shared.
//
// EventData is an SSE event's data as package sse writes it: a string or
// []byte goes out as it is, so its schema is {"type": "string"}; any
// other type, named string and byte slice types included, goes out as
// JSON and has its Schema.
//
// # Using the schemas
//
// Put Components() in the document's components.schemas once every schema
// is made (the map is live, so earlier is fine too). A returned $ref also
// carries the component's schema as its Value, for code that reads the
// model; that Value is shared, so change a copy, never it. Body's and
// Field's schemas, and inline ones, are the caller's own.
//
// # Validate rules
//
// The validate tag's rules are said in JSON Schema where JSON Schema has
// the same rule. Lengths count characters, as validator counts runes.
//
//	required            the parent's "required" list; a string also gets minLength 1, and a
//	                    pointer, slice or map loses "null" (validator rejects nil and "")
//	min, max, len       string: minLength/maxLength; slice, array: minItems/maxItems;
//	                    map: minProperties/maxProperties; number: minimum/maximum
//	gt, gte, lt, lte    number: exclusiveMinimum, minimum, exclusiveMaximum, maximum (3.1: numbers);
//	                    lengths: gt=3 is a minimum length of 4, lt=3 a maximum of 2
//	                    (a time.Duration's parameter may be a duration: lte=1h)
//	oneof               enum, its values typed as the field: 1 2 for integers, 'in progress' for a quoted string
//	email               format email
//	url                 format uri
//	uri                 format uri-reference (validator's uri takes "/path" too)
//	uuid                format uuid
//	uuid4               format uuid and validator's pattern for version 4
//	datetime=<layout>   format date-time for time.RFC3339, date for time.DateOnly
//	alpha, alphanum     pattern ^[a-zA-Z]+$, ^[a-zA-Z0-9]+$
//	numeric, number     pattern ^[-+]?[0-9]+(?:\.[0-9]+)?$, ^[0-9]+$
//	dive                the rules after it apply to the items of a slice, array or map
//	omitempty, omitnil  allow null on a pointer in a request; the zero value skips validator's
//	                    rules, while the schema describes the values a client sends when it sends one
//
// A pointer whose first rule is not an omit rule (nor isdefault, nor a
// conditional required_*/excluded_* rule) is required and not null, since
// validator fails a nil pointer on any other rule.
//
// # Notes
//
// A rule with no JSON Schema equivalent is left out of the schema, never
// approximated, and returned as a note "field.path: rule" in wire names,
// for the caller to say in a description. "[]" in a path stands for an
// item of a slice or a value of a map: "tags[]: excludesall=!". Notes are:
// unknown and app-registered rules; the conditional rules (required_if,
// required_with, excluded_unless, ...); rules joined with "|"; eq, ne and
// every other rule validator has and JSON Schema lacks; a rule put on a
// kind it does not fit (min on a bool, a length rule on []byte, any rule
// on a $ref); datetime with another layout; keys...endkeys; a second
// format or pattern on one field; required on a number or a bool (their
// zero value, 0 or false, is rejected as missing); and "custom JSON" for
// a type with its own MarshalJSON or UnmarshalJSON. A component's notes
// are found again each time it is used, under the path it is used at.
//
// # Errors
//
// A type with no JSON form is an error, a *TypeError naming the root type,
// the field path and the field's type: channels, functions, complex
// numbers, unsafe.Pointer, maps whose keys are not strings, integers or
// TextMarshalers, interfaces with methods, and types that contain
// themselves other than through a named struct (type List []List). Its
// message starts with "openapi: "; a caller adds its own context with
// %w, and errors.As still finds the *TypeError.
package openapi
