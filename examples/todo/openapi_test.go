package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	"github.com/pb33f/libopenapi-validator/schema_validation"
	"github.com/pb33f/libopenapi/datamodel/high/base"
)

var updateGolden = flag.Bool("update", false, "rewrite testdata/openapi.golden.json from the app's document")

const goldenPath = "testdata/openapi.golden.json"

// servedDocument is the document the app serves at /openapi.json.
func servedDocument(t *testing.T, do func(call) reply) []byte {
	t.Helper()
	r := do(call{method: "GET", path: "/openapi.json"})
	if r.status != 200 || !strings.HasPrefix(r.ctype, "application/json") {
		t.Fatalf("/openapi.json answered %d %s", r.status, r.ctype)
	}
	return []byte(r.body)
}

// newDocumentValidator reads the document with libopenapi, an
// implementation independent of the kin-openapi model godanet builds it
// with, and checks it against the OpenAPI 3.1 specification's schema.
func newDocumentValidator(t *testing.T, raw []byte) (validator.Validator, libopenapi.Document) {
	t.Helper()
	doc, err := libopenapi.NewDocument(raw)
	if err != nil {
		t.Fatalf("libopenapi cannot read the document: %v", err)
	}
	v, errs := validator.NewValidator(doc)
	if len(errs) > 0 {
		t.Fatalf("libopenapi-validator: %v", errs)
	}
	if ok, verrs := v.ValidateDocument(); !ok {
		for _, e := range verrs {
			t.Errorf("the document is not valid OpenAPI 3.1: %s: %s", e.Message, e.Reason)
		}
		t.FailNow()
	}
	return v, doc
}

// TestOpenAPIDocument: the document validates as OpenAPI 3.1 with an
// independent validator, and testdata/openapi.golden.json shows it for
// review (go test -run TestOpenAPIDocument -update rewrites it).
func TestOpenAPIDocument(t *testing.T) {
	_, do := newServer(t)
	raw := servedDocument(t, do)
	newDocumentValidator(t, raw)
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, raw, "", "  "); err != nil {
		t.Fatal(err)
	}
	pretty.WriteByte('\n')
	if *updateGolden {
		if err := os.WriteFile(goldenPath, pretty.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	golden, err := os.ReadFile(goldenPath)
	if err != nil {
		t.Fatalf("%v (run go test -run TestOpenAPIDocument -update to write it)", err)
	}
	if !bytes.Equal(golden, pretty.Bytes()) {
		t.Errorf("the document differs from %s; review the change, then rewrite the file with go test -run TestOpenAPIDocument -update", goldenPath)
	}
}

// TestOpenAPIContract sends real requests for every route's success and
// its main errors, and validates each answer against the document (status,
// content type and body), so that the document cannot drift from what the
// app does. The events of both streams are each validated against their
// declared schema.
func TestOpenAPIContract(t *testing.T) {
	srv, do := newServer(t)
	v, doc := newDocumentValidator(t, servedDocument(t, do))

	big := `{"title":"` + strings.Repeat("x", 70<<10) + `"}`
	steps := []struct {
		method, path, body, contentType string
		auth                            bool
		want                            int
	}{
		{"GET", "/todos", "", "", false, 200},
		{"POST", "/todos", `{"title":"milk"}`, "", true, 201},
		{"POST", "/todos", `{"title":"bread"}`, "", true, 201},
		{"POST", "/todos", `{"title":"milk"}`, "", false, 401},
		{"POST", "/todos", `{"title":""}`, "", true, 400},
		{"POST", "/todos", `{"title":`, "", true, 400},
		{"POST", "/todos", `title=milk`, "application/x-www-form-urlencoded", true, 415},
		{"POST", "/todos", big, "", true, 413},
		{"GET", "/todos", "", "", false, 200},
		{"GET", "/todos/1", "", "", false, 200},
		{"GET", "/todos/999", "", "", false, 404},
		{"GET", "/todos/0", "", "", false, 400},
		{"GET", "/todos/abc", "", "", false, 400},
		{"PATCH", "/todos/1", `{"done":true}`, "", true, 200},
		{"PATCH", "/todos/1", `{"title":""}`, "", true, 400},
		{"PATCH", "/todos/999", `{"done":true}`, "", true, 404},
		{"PATCH", "/todos/1", `{"done":true}`, "", false, 401},
		{"PATCH", "/todos/1", big, "", true, 413},
		{"PATCH", "/todos/1", `done=true`, "application/x-www-form-urlencoded", true, 415},
		{"GET", "/todos/0/events", "", "", false, 400},
		{"GET", "/todos?a=%zz", "", "", false, 400},
		{"GET", "/todos/999/events", "", "", false, 404},
		{"DELETE", "/todos/2", "", "", true, 204},
		{"DELETE", "/todos/2", "", "", true, 404},
		{"DELETE", "/todos/1", "", "", false, 401},
	}
	for _, s := range steps {
		name := fmt.Sprintf("%s %s %d", s.method, s.path, s.want)
		req, err := http.NewRequest(s.method, srv.URL+s.path, strings.NewReader(s.body))
		if err != nil {
			t.Fatal(err)
		}
		if s.body != "" {
			ct := s.contentType
			if ct == "" {
				ct = "application/json"
			}
			req.Header.Set("Content-Type", ct)
		}
		if s.auth {
			req.Header.Set("Authorization", "Bearer "+testToken)
		}
		res, err := srv.Client().Do(req)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		body, err := io.ReadAll(res.Body)
		res.Body.Close()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if res.StatusCode != s.want {
			t.Fatalf("%s: answered %d: %s", name, res.StatusCode, body)
		}
		// The validator reads the request only to find the operation.
		check, _ := http.NewRequest(s.method, srv.URL+s.path, nil)
		res.Body = io.NopCloser(bytes.NewReader(body))
		if ok, errs := v.ValidateHttpResponse(check, res); !ok {
			for _, e := range errs {
				t.Errorf("%s: the answer does not match the document: %s: %s (body %.200s)", name, e.Message, e.Reason, body)
			}
		}
	}

	model, err := doc.BuildV3Model()
	if err != nil {
		t.Fatal(err)
	}
	// eventSchema is the schema of the stream at path, which each of its
	// events, as an object of its fields, must match.
	eventSchema := func(path string) *base.Schema {
		t.Helper()
		item := model.Model.Paths.PathItems.GetOrZero(path)
		if item == nil || item.Get == nil {
			t.Fatalf("the document has no GET %s", path)
		}
		mt := item.Get.Responses.Codes.GetOrZero("200").Content.GetOrZero("text/event-stream")
		if mt == nil || mt.Schema == nil {
			t.Fatalf("GET %s has no text/event-stream schema", path)
		}
		return mt.Schema.Schema()
	}
	all := openStream(t, srv.Client(), srv.URL+"/todos/events", "")
	one := openStream(t, srv.Client(), srv.URL+"/todos/1/events", "")
	// A stream's answer: its status and content type are the document's.
	for path, s := range map[string]*eventStream{"/todos/events": all, "/todos/{id}/events": one} {
		resp := model.Model.Paths.PathItems.GetOrZero(path).Get.Responses.Codes.GetOrZero(strconv.Itoa(s.res.StatusCode))
		if resp == nil || resp.Content.GetOrZero(s.res.Header.Get("Content-Type")) == nil {
			t.Errorf("GET %s answered %d %s, which the document does not describe", path, s.res.StatusCode, s.res.Header.Get("Content-Type"))
		}
	}
	created := do(call{method: "POST", path: "/todos", body: `{"title":"jam"}`, auth: true})
	if created.status != 201 {
		t.Fatalf("POST /todos answered %d", created.status)
	}
	if r := do(call{method: "PATCH", path: "/todos/1", body: `{"title":"oat milk"}`, auth: true}); r.status != 200 {
		t.Fatalf("PATCH /todos/1 answered %d", r.status)
	}
	if r := do(call{method: "DELETE", path: "/todos/1", auth: true}); r.status != 204 {
		t.Fatalf("DELETE /todos/1 answered %d", r.status)
	}
	sv := schema_validation.NewSchemaValidator()
	validateEvents := func(path string, s *eventStream, want []string) {
		t.Helper()
		schema := eventSchema(path)
		for _, name := range want {
			e := s.Next()
			var data any
			if err := json.Unmarshal([]byte(e.Data), &data); err != nil {
				t.Fatalf("%s: event %s: data %q is not JSON: %v", path, e.Type, e.Data, err)
			}
			if e.Type != name {
				t.Fatalf("%s: event %q, want %q", path, e.Type, name)
			}
			object := map[string]any{"id": e.LastEventID, "event": e.Type, "data": data}
			if ok, errs := sv.ValidateSchemaObject(schema, object); !ok {
				for _, err := range errs {
					t.Errorf("%s: event %s does not match its declared schema: %s: %s", path, e.Type, err.Message, err.Reason)
				}
			}
			// And an event no route declares does not pass.
			object["event"] = "renamed"
			if ok, _ := sv.ValidateSchemaObject(schema, object); ok {
				t.Errorf("%s: an undeclared event passes the schema", path)
			}
		}
	}
	validateEvents("/todos/events", all, []string{"created", "updated", "deleted"})
	validateEvents("/todos/{id}/events", one, []string{"updated", "deleted"})
}
