package core

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/godanet/godanet/openapi"
	"github.com/godanet/godanet/openapi/swaggerui"
)

// OpenAPI configures the OpenAPI 3.1 document that WithOpenAPI builds
// from the route table and serves, with a docs page. Title and Version
// are required.
type OpenAPI struct {
	// Title, Version and Description are the document's info.
	Title, Version, Description string
	// DocumentPath is where the document is served as JSON (default
	// "/openapi.json"); "-" serves none (App.OpenAPI still returns it).
	DocumentPath string
	// DocsPath is where the docs page is served (default "/docs"): Swagger
	// UI, from assets inside the binary (no CDN). "-" serves none.
	DocsPath string
	// ItemSchema describes an SSE route's events with OpenAPI 3.2's
	// itemSchema (the schema of each event of the stream) instead of the
	// stream's schema being a oneOf of the events; the document then says
	// it is OpenAPI 3.2.0.
	ItemSchema bool
}

// WithOpenAPI builds an OpenAPI 3.1 document of the App's routes in New,
// serves it at DocumentPath and a docs page at DocsPath. A route whose
// types cannot be described fails New, naming the route. See the package
// doc, "OpenAPI".
func WithOpenAPI(o OpenAPI) Option {
	return option{fmt.Sprintf("WithOpenAPI(%q)", o.Title), func(s *settings) {
		s.openapi = &o
	}}
}

// OpenAPI returns the App's OpenAPI document, or nil without WithOpenAPI.
// It is built once, in New; marshal it with encoding/json to write it to a
// file. Do not change it: the App serves the JSON it made in New.
func (a *App) OpenAPI() *openapi3.T { return a.document }

// describedRoute is a mapped route as the document needs it.
type describedRoute struct {
	ci     *controllerInfo
	rt     *Route
	plan   *handlerPlan
	path   string
	guards []Guard
}

// problemType is the Go type of every problem+json answer.
var problemType = reflect.TypeFor[Problem]()

// buildOpenAPI builds the document from the routes mapped, and serves it
// and the docs page.
func (a *App) buildOpenAPI(table *routeTable) error {
	routes := table.described
	o := a.cfg.openapi
	if o.Title == "" || o.Version == "" {
		return &OptionError{Option: "WithOpenAPI", Err: fmt.Errorf("the document needs a Title and a Version, such as core.OpenAPI{Title: \"Todos\", Version: \"1.0.0\"}")}
	}
	version := "3.1.0"
	if o.ItemSchema {
		version = "3.2.0" // itemSchema is 3.2's
	}
	doc := &openapi3.T{
		OpenAPI: version,
		Info:    &openapi3.Info{Title: o.Title, Version: o.Version, Description: o.Description},
		Paths:   openapi3.NewPaths(),
	}
	gen := openapi.NewGenerator()
	problem, _, err := gen.Schema(problemType)
	if err != nil {
		return fmt.Errorf("core: describing core.Problem: %w", err)
	}
	schemes := openapi3.SecuritySchemes{}
	tags := map[string]bool{}
	for _, d := range routes {
		if d.rt.doc.hidden {
			continue
		}
		ops, err := a.describeRoute(gen, d, problem, schemes)
		if err != nil {
			return d.ci.errorf(d.rt, "OpenAPI: %v", err)
		}
		path := openAPIPath(d.path)
		item := doc.Paths.Value(path)
		if item == nil {
			item = &openapi3.PathItem{}
			doc.Paths.Set(path, item)
		}
		for method, op := range ops {
			item.SetOperation(method, op)
		}
		tag := controllerTag(d.ci)
		if !tags[tag] {
			tags[tag] = true
			doc.Tags = append(doc.Tags, &openapi3.Tag{Name: tag, Description: d.ci.description})
		}
	}
	doc.Components = &openapi3.Components{Schemas: gen.Components()}
	if len(schemes) > 0 {
		doc.Components.SecuritySchemes = schemes
	}
	a.document = doc
	body, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return fmt.Errorf("core: writing the OpenAPI document: %w", err)
	}
	documentPath, docsPath := withDefault(o.DocumentPath, "/openapi.json"), withDefault(o.DocsPath, "/docs")
	for _, p := range []string{documentPath, docsPath} {
		if who, taken := table.declared[routeKey(http.MethodGet, p)]; taken && p != "-" {
			return &OptionError{Option: "WithOpenAPI", Err: fmt.Errorf("%s is taken by %s; choose another DocumentPath or DocsPath, or \"-\" for none", p, who)}
		}
	}
	if documentPath != "-" {
		a.mount(documentPath, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set(headerContentType, mimeJSON)
			w.Header().Set("Cache-Control", "no-cache")
			_, _ = w.Write(body)
		}), false)
	}
	if docsPath != "-" && documentPath != "-" {
		a.mount(docsPath, swaggerui.Handler(docsPath, documentPath, o.Title), true)
	}
	return nil
}

func withDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// controllerTag is the controller's group in the document: its type's
// name without "Controller".
func controllerTag(ci *controllerInfo) string {
	if name := strings.TrimSuffix(ci.short, "Controller"); name != "" {
		return name
	}
	return ci.short
}

// describeRoute makes the route's operations: one, or one per method for
// ANY.
func (a *App) describeRoute(gen *openapi.Generator, d describedRoute, problem *openapi3.SchemaRef, schemes openapi3.SecuritySchemes) (map[string]*openapi3.Operation, error) {
	op := &openapi3.Operation{
		OperationID: controllerTag(d.ci) + "." + d.rt.name,
		Tags:        []string{controllerTag(d.ci)},
		Summary:     d.rt.doc.summary,
		Description: d.rt.doc.description,
		Responses:   openapi3.NewResponses(),
	}
	var notes []string
	if in := d.plan.input; in != nil {
		n, err := describeInput(gen, op, in)
		if err != nil {
			return nil, err
		}
		notes = append(notes, n...)
	}
	n, err := describeSuccess(gen, op, d, a.cfg.openapi.ItemSchema)
	if err != nil {
		return nil, err
	}
	notes = append(notes, n...)
	describeProblems(op, d, problem)
	for _, g := range d.guards {
		sg, ok := g.(SecuredGuard)
		if !ok {
			continue
		}
		s := sg.SecurityScheme()
		if s.Name == "" || s.Type == "" {
			return nil, fmt.Errorf("guard %T describes a security scheme without a Name or Type; give both, such as core.SecurityScheme{Name: \"bearer\", Type: \"http\", Scheme: \"bearer\"}", g)
		}
		schemes[s.Name] = &openapi3.SecuritySchemeRef{Value: &openapi3.SecurityScheme{
			Type: s.Type, Scheme: s.Scheme, BearerFormat: s.BearerFormat, In: s.In, Name: s.Param, Description: s.Description,
		}}
		req := openapi3.SecurityRequirement{s.Name: []string{}}
		if op.Security == nil {
			op.Security = &openapi3.SecurityRequirements{}
		}
		*op.Security = append(*op.Security, req)
	}
	if len(notes) > 0 {
		if op.Description != "" {
			op.Description += "\n\n"
		}
		op.Description += "Validation rules this document does not express: " + strings.Join(notes, "; ") + "."
	}
	if d.rt.method != methodAny {
		return map[string]*openapi3.Operation{d.rt.method: op}, nil
	}
	ops := map[string]*openapi3.Operation{}
	for _, m := range []string{http.MethodGet, http.MethodPut, http.MethodPost, http.MethodDelete, http.MethodOptions, http.MethodHead, http.MethodPatch, http.MethodTrace} {
		each := *op
		each.OperationID = op.OperationID + "." + strings.ToLower(m)
		ops[m] = &each
	}
	return ops, nil
}

// describeInput adds the input's parameters and request body.
func describeInput(gen *openapi.Generator, op *openapi3.Operation, in *bindPlan) ([]string, error) {
	var notes []string
	fields := make([]inputField, 0, len(in.fields))
	for _, f := range in.fields {
		if f.source != sourceBody && f.field.Name != "" {
			fields = append(fields, f)
		}
	}
	slices.SortFunc(fields, func(x, y inputField) int { return slices.Compare(x.field.Index, y.field.Index) })
	for _, f := range fields {
		schema, required, n, err := gen.Field(f.field)
		if err != nil {
			return nil, fmt.Errorf("field %s: %w", f.goPath, err)
		}
		notes = append(notes, n...)
		p := &openapi3.Parameter{Name: f.own, In: f.source, Schema: schema, Required: required || f.source == sourcePath}
		op.Parameters = append(op.Parameters, &openapi3.ParameterRef{Value: p})
	}
	if !in.body {
		return notes, nil
	}
	content := openapi3.Content{}
	for _, mt := range in.mediaTypes {
		nameTag := "json"
		if mt != mimeJSON {
			nameTag = "form"
		}
		schema, n, err := gen.Body(in.typ, nameTag)
		if err != nil {
			return nil, fmt.Errorf("request body: %w", err)
		}
		if mt == mimeJSON {
			notes = append(notes, n...)
		}
		content[mt] = &openapi3.MediaType{Schema: schema}
	}
	op.RequestBody = &openapi3.RequestBodyRef{Value: &openapi3.RequestBody{Required: true, Content: content}}
	return notes, nil
}

// describeSuccess adds the route's success response: what its finish
// stage writes.
func describeSuccess(gen *openapi.Generator, op *openapi3.Operation, d describedRoute, itemSchema bool) ([]string, error) {
	status, result := d.rt.status, d.plan.result
	desc := http.StatusText(status)
	resp := &openapi3.Response{Description: &desc}
	var notes []string
	switch {
	case d.rt.stream:
		stream, n, err := describeEvents(gen, d.rt.doc.events)
		if err != nil {
			return nil, err
		}
		notes = n
		mt := &openapi3.MediaType{Schema: stream}
		if itemSchema {
			mt = &openapi3.MediaType{Extensions: map[string]any{"itemSchema": stream}}
		}
		resp.Content = openapi3.Content{"text/event-stream": mt}
	case result == nil || status == http.StatusNoContent || status == http.StatusNotModified || status >= 300 && status < 400:
	case result.Kind() == reflect.String:
		resp.Content = openapi3.NewContentWithSchema(openapi3.NewStringSchema(), []string{"text/plain; charset=UTF-8"})
	case result.Kind() == reflect.Slice && result.Elem().Kind() == reflect.Uint8:
		resp.Content = openapi3.NewContentWithSchema(openapi3.NewStringSchema(), []string{mimeOctetStream})
	default:
		schema, n, err := gen.Schema(result)
		if err != nil {
			return nil, fmt.Errorf("result %v: %w", result, err)
		}
		notes = n
		resp.Content = openapi3.Content{mimeJSON: &openapi3.MediaType{Schema: schema}}
	}
	if status >= 300 && status < 400 && status != http.StatusNotModified {
		resp.Headers = openapi3.Headers{"Location": &openapi3.HeaderRef{Value: &openapi3.Header{Parameter: openapi3.Parameter{
			Schema: openapi3.NewStringSchema().NewRef(), Required: true}}}}
	}
	op.Responses.Set(strconv.Itoa(status), &openapi3.ResponseRef{Value: resp})
	return notes, nil
}

// describeEvents is an SSE stream's schema, as huma writes it: a oneOf of
// one object per event, with the event's name as a constant and its data.
// Without declared events, data is any value.
func describeEvents(gen *openapi.Generator, events []EventType) (*openapi3.SchemaRef, []string, error) {
	eventObject := func(name string, data *openapi3.SchemaRef) *openapi3.SchemaRef {
		s := &openapi3.Schema{Type: &openapi3.Types{openapi3.TypeObject}, Required: []string{"data"}, Properties: openapi3.Schemas{
			"id":    openapi3.NewStringSchema().NewRef(),
			"data":  data,
			"retry": openapi3.NewIntegerSchema().NewRef(),
		}}
		if name != "" {
			s.Properties["event"] = (&openapi3.Schema{Type: &openapi3.Types{openapi3.TypeString}, Const: name}).NewRef()
			s.Required = append(s.Required, "event")
		} else {
			s.Properties["event"] = openapi3.NewStringSchema().NewRef()
		}
		if name != "" {
			s.Title = name
		}
		return s.NewRef()
	}
	if len(events) == 0 {
		return eventObject("", &openapi3.SchemaRef{Value: &openapi3.Schema{}}), nil, nil
	}
	var (
		one   []*openapi3.SchemaRef
		notes []string
	)
	for _, e := range events {
		data, n, err := gen.Schema(e.Data)
		if err != nil {
			return nil, nil, fmt.Errorf("event %q: %w", e.Name, err)
		}
		notes = append(notes, n...)
		one = append(one, eventObject(e.Name, data))
	}
	if len(one) == 1 {
		return one[0], notes, nil
	}
	return (&openapi3.Schema{OneOf: one}).NewRef(), notes, nil
}

// describeProblems adds the problem+json answers the route can give.
func describeProblems(op *openapi3.Operation, d describedRoute, problem *openapi3.SchemaRef) {
	add := func(status int, why string) {
		desc := why
		op.Responses.Set(strconv.Itoa(status), &openapi3.ResponseRef{Value: &openapi3.Response{
			Description: &desc,
			Content:     openapi3.Content{mimeProblem: &openapi3.MediaType{Schema: problem}},
		}})
	}
	in := d.plan.input
	if in != nil {
		add(http.StatusBadRequest, "The input is invalid; errors names each field.")
	}
	if len(d.guards) > 0 {
		add(http.StatusUnauthorized, "The credentials are missing or wrong.")
		add(http.StatusForbidden, "The credentials do not allow this.")
	}
	if len(pathParams(d.path)) > 0 {
		add(http.StatusNotFound, "Nothing is at this path.")
	}
	if in != nil && in.body {
		add(http.StatusRequestEntityTooLarge, "The body is larger than the route's limit.")
		add(http.StatusUnsupportedMediaType, "The body's Content-Type is not one the route reads.")
	}
	add(http.StatusInternalServerError, "The server failed; the body says nothing more.")
}
