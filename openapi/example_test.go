package openapi_test

import (
	"encoding/json"
	"fmt"
	"reflect"

	"github.com/godanet/godanet/openapi"
)

type Address struct {
	City string `json:"city" validate:"required,max=40"`
}

type Customer struct {
	Name    string   `json:"name" validate:"required,min=2"`
	Email   string   `json:"email,omitempty" validate:"omitempty,email"`
	Plan    string   `json:"plan" validate:"oneof=free pro"`
	Age     *int     `json:"age,omitempty" validate:"omitempty,gte=18"`
	Address *Address `json:"address,omitempty"`
	Code    string   `json:"code" validate:"iso3166_1_alpha2"`
}

// The schema of Customer is a $ref to its component; Address becomes a
// component too. A response always has the fields without omitempty, so
// they are required, and never has null for age or address, which
// omitempty leaves out when nil. iso3166_1_alpha2 has no JSON Schema
// equivalent, so it is a note, for the operation's description.
func ExampleGenerator_Schema() {
	g := openapi.NewGenerator()
	ref, notes, err := g.Schema(reflect.TypeFor[Customer]())
	if err != nil {
		fmt.Println(err)
		return
	}
	out, _ := json.MarshalIndent(map[string]any{"schema": ref, "components": g.Components()}, "", "  ")
	fmt.Println(string(out))
	fmt.Println(notes)
	// Output:
	// {
	//   "components": {
	//     "Address": {
	//       "properties": {
	//         "city": {
	//           "maxLength": 40,
	//           "minLength": 1,
	//           "type": "string"
	//         }
	//       },
	//       "required": [
	//         "city"
	//       ],
	//       "type": "object"
	//     },
	//     "Customer": {
	//       "properties": {
	//         "address": {
	//           "$ref": "#/components/schemas/Address"
	//         },
	//         "age": {
	//           "format": "int64",
	//           "minimum": 18,
	//           "type": "integer"
	//         },
	//         "code": {
	//           "type": "string"
	//         },
	//         "email": {
	//           "format": "email",
	//           "type": "string"
	//         },
	//         "name": {
	//           "minLength": 2,
	//           "type": "string"
	//         },
	//         "plan": {
	//           "enum": [
	//             "free",
	//             "pro"
	//           ],
	//           "type": "string"
	//         }
	//       },
	//       "required": [
	//         "name",
	//         "plan",
	//         "code"
	//       ],
	//       "type": "object"
	//     }
	//   },
	//   "schema": {
	//     "$ref": "#/components/schemas/Customer"
	//   }
	// }
	// [code: iso3166_1_alpha2]
}

// A field whose type has no JSON form is an error naming the field.
func ExampleTypeError() {
	type Job struct {
		Done chan struct{} `json:"done"`
	}
	_, _, err := openapi.NewGenerator().Schema(reflect.TypeFor[Job]())
	fmt.Println(err)
	// Output:
	// openapi: type openapi_test.Job: field "done" has type chan struct {}: a chan has no JSON form; change its type or leave it out of the wire with json:"-"
}
