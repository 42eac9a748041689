package openapischema_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"

	"github.com/godanet/godanet/openapi"
)

// del marks a property to remove in a case's body.
const del = "\x00delete"

// docItem exercises most kinds in one document.
type docItem struct {
	ID      int64             `json:"id" validate:"gt=0"`
	Title   string            `json:"title" validate:"required,min=3,max=100"`
	State   string            `json:"state" validate:"oneof=open 'in progress' done"`
	Prio    *int              `json:"prio" validate:"omitempty,gte=1,lte=5"`
	Tags    []string          `json:"tags" validate:"max=5,dive,alphanum"`
	Labels  map[string]string `json:"labels"`
	ByDay   map[int]float64   `json:"byDay"`
	Owner   *docPerson        `json:"owner"`
	Parent  *docItem          `json:"parent,omitempty"`
	Due     time.Time         `json:"due"`
	Payload []byte            `json:"payload"`
	Extra   any               `json:"extra"`
	Count   uint16            `json:"count,string"`
	Pair    [2]int8           `json:"pair"`
	Ratio   float32           `json:"ratio" validate:"gte=0,lt=1"`
}

type docPerson struct {
	Email string `json:"email" validate:"required,email"`
	ID    string `json:"id" validate:"uuid4"`
}

type docCreate struct {
	ID     int        `param:"id" validate:"gt=0"`
	Notify bool       `query:"notify"`
	Title  string     `json:"title" validate:"required,min=3"`
	Owner  *docPerson `json:"owner"`
}

// TestDocumentValidates builds an OpenAPI 3.1 document from generated
// schemas and checks it, and requests and responses against it, with
// libopenapi.
func TestDocumentValidates(t *testing.T) {
	g := openapi.NewGenerator()
	item, _, err := g.Schema(reflect.TypeFor[docItem]())
	if err != nil {
		t.Fatal(err)
	}
	body, _, err := g.Body(reflect.TypeFor[docCreate](), "json")
	if err != nil {
		t.Fatal(err)
	}
	f, _ := reflect.TypeFor[docCreate]().FieldByName("ID")
	idSchema, _, _, err := g.Field(f)
	if err != nil {
		t.Fatal(err)
	}
	list, _, err := g.Schema(reflect.TypeFor[[]docItem]())
	if err != nil {
		t.Fatal(err)
	}

	doc := &openapi3.T{
		OpenAPI:    "3.1.0",
		Info:       &openapi3.Info{Title: "test", Version: "1"},
		Paths:      openapi3.NewPaths(),
		Components: &openapi3.Components{Schemas: g.Components()},
	}
	doc.Paths.Set("/items/{id}", &openapi3.PathItem{
		Put: &openapi3.Operation{
			OperationID: "putItem",
			Parameters: openapi3.Parameters{{Value: &openapi3.Parameter{
				Name: "id", In: "path", Required: true, Schema: idSchema,
			}}},
			RequestBody: &openapi3.RequestBodyRef{Value: openapi3.NewRequestBody().WithJSONSchemaRef(body).WithRequired(true)},
			Responses: openapi3.NewResponses(openapi3.WithStatus(200, &openapi3.ResponseRef{
				Value: openapi3.NewResponse().WithDescription("the item").WithJSONSchemaRef(item),
			})),
		},
	})
	doc.Paths.Set("/items", &openapi3.PathItem{
		Get: &openapi3.Operation{
			OperationID: "listItems",
			Responses: openapi3.NewResponses(openapi3.WithStatus(200, &openapi3.ResponseRef{
				Value: openapi3.NewResponse().WithDescription("the items").WithJSONSchemaRef(list),
			})),
		},
	})
	raw, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	// kin-openapi's own check, as core may run it, must pass too.
	if err := doc.Validate(context.Background()); err != nil {
		t.Errorf("kin-openapi: %v", err)
	}

	ldoc, err := libopenapi.NewDocument(raw)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ldoc.BuildV3Model(); err != nil {
		t.Fatalf("BuildV3Model: %v", err)
	}
	v, errs := validator.NewValidator(ldoc)
	if len(errs) > 0 {
		t.Fatalf("NewValidator: %v", errs)
	}
	if ok, verrs := v.ValidateDocument(); !ok {
		for _, e := range verrs {
			t.Errorf("document: %v", e)
		}
		t.Fatalf("%s", raw)
	}

	// ValidateDocument checks the document's shape but not the schemas'
	// keywords; validating messages compiles each schema used against the
	// JSON Schema 2020-12 metaschema, so the cases below check that too.
	for _, c := range []struct {
		name, path, body string
		ok               bool
	}{
		{"body", "/items/1", `{"title":"abc","Notify":"not a field of the body"}`, true},
		{"body without title", "/items/1", `{}`, false},
		{"body with short title", "/items/1", `{"title":"ab"}`, false},
		{"path id 0", "/items/0", `{"title":"abc"}`, false},
		// A client may leave out what a response always has (the owner's
		// id: docPerson-Input), and send null.
		{"body owner without id", "/items/1", `{"title":"abc","owner":{"email":"a@example.com"}}`, true},
		{"body owner null", "/items/1", `{"title":"abc","owner":null}`, true},
		{"body owner without email", "/items/1", `{"title":"abc","owner":{"id":"x"}}`, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodPut, c.path, strings.NewReader(c.body))
			req.Header.Set("Content-Type", "application/json")
			ok, verrs := v.ValidateHttpRequest(req)
			if ok != c.ok {
				t.Errorf("valid = %v, want %v: %v", ok, c.ok, verrs)
			}
		})
	}

	// Formats are annotations in JSON Schema 2020-12, so the cases below
	// test types, bounds, enums, patterns and required properties.
	// A response marshalled from Go values must match its schema, and a
	// wrong one must not, so that the schemas say what they mean.
	prio := 3
	good := docItem{
		ID: 1, Title: "write docs", State: "in progress", Prio: &prio, Tags: []string{"a1"},
		ByDay: map[int]float64{1: 2}, Owner: &docPerson{Email: "a@example.com", ID: "0b5c9f5e-55a1-4b8f-9c2e-2f3c8f5d9a10"},
		Parent: &docItem{ID: 2, Title: "parent", State: "open"}, Payload: []byte("hi"), Count: 7, Ratio: 0.5,
	}
	// with is the minimal item's JSON with some properties set, or
	// removed when the value is del.
	minimal := docItem{ID: 1, Title: "abc", State: "done"}
	with := func(set map[string]any) map[string]any {
		var m map[string]any
		b, _ := json.Marshal(minimal)
		_ = json.Unmarshal(b, &m)
		for k, v := range set {
			if v == del {
				delete(m, k)
			} else {
				m[k] = v
			}
		}
		return m
	}
	for _, c := range []struct {
		name string
		path string
		body any
		ok   bool
	}{
		{"item", "/items/1", good, true},
		{"nil slices and maps", "/items/1", minimal, true},
		{"minimal as a map", "/items/1", with(nil), true},
		{"list", "/items", []docItem{good}, true},
		{"nil list", "/items", []docItem(nil), true},
		{"bad state", "/items/1", docItem{ID: 1, Title: "abc", State: "closed"}, false},
		{"short title", "/items/1", docItem{ID: 1, Title: "ab", State: "done"}, false},
		{"zero id", "/items/1", docItem{ID: 0, Title: "abc", State: "done"}, false},
		{"no owner email", "/items/1", docItem{ID: 1, Title: "abc", State: "done", Owner: &docPerson{ID: "0b5c9f5e-55a1-4b8f-9c2e-2f3c8f5d9a10"}}, false},
		{"uuid not v4", "/items/1", docItem{ID: 1, Title: "abc", State: "done", Owner: &docPerson{Email: "a@b.c", ID: "0b5c9f5e-55a1-1b8f-9c2e-2f3c8f5d9a10"}}, false},
		{"bad pair", "/items/1", with(map[string]any{"pair": []int{1, 2, 3}}), false},
		{"count not quoted", "/items/1", with(map[string]any{"count": 3}), false},
		{"ratio 1", "/items/1", docItem{ID: 1, Title: "abc", State: "done", Ratio: 1}, false},
		// encoding/json always writes a field without omitempty, and never
		// writes an omitempty pointer as null.
		{"no due", "/items/1", with(map[string]any{"due": del}), false},
		{"no tags", "/items/1", with(map[string]any{"tags": del}), false},
		{"no owner", "/items/1", with(map[string]any{"owner": del}), false},
		{"owner without id", "/items/1", with(map[string]any{"owner": map[string]any{"email": "a@b.c"}}), false},
		{"parent null", "/items/1", with(map[string]any{"parent": nil}), false},
	} {
		t.Run(c.name, func(t *testing.T) {
			b, _ := json.Marshal(c.body)
			method := http.MethodPut
			var reqBody io.Reader = strings.NewReader(`{"title":"abc"}`)
			if c.path == "/items" {
				method, reqBody = http.MethodGet, nil
			}
			req := httptest.NewRequest(method, c.path, reqBody)
			req.Header.Set("Content-Type", "application/json")
			res := &http.Response{
				StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}},
				Body: io.NopCloser(bytes.NewReader(b)), Request: req,
			}
			ok, verrs := v.ValidateHttpResponse(req, res)
			if ok != c.ok {
				t.Errorf("valid = %v, want %v for %s: %v", ok, c.ok, b, verrs)
			}
		})
	}
}
