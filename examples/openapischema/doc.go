// Package openapischema checks package openapi's schemas with a second
// implementation, libopenapi and its validator, so that the root module
// needs only kin-openapi. It holds tests only: a document built from
// generated schemas must validate, and requests and responses encoded by
// encoding/json must match their schemas exactly when they should.
package openapischema
