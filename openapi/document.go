package openapi

import (
	"context"
	"fmt"
	"net/http"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/godanet/godanet/core"
)

// Media types and headers the document names.
const (
	mimeJSON        = "application/json"
	mimeProblem     = "application/problem+json"
	mimeText        = "text/plain; charset=UTF-8"
	mimeOctetStream = "application/octet-stream"
	mimeEventStream = "text/event-stream"
)

// problemType is the Go type of every problem+json answer.
var problemType = reflect.TypeFor[core.Problem]()

// Build makes the OpenAPI document of a route table (an App's Routes),
// as With does in core.New. Hidden routes are left out. A route whose
// types cannot be described is an error that names it.
func Build(c Config, routes []core.RouteInfo) (*openapi3.T, error) {
	if c.Title == "" || c.Version == "" {
		return nil, fmt.Errorf("openapi: the document needs a Title and a Version, such as openapi.Config{Title: \"Todos\", Version: \"1.0.0\"}")
	}
	version := "3.1.0"
	if c.ItemSchema {
		version = "3.2.0" // itemSchema is 3.2's
	}
	doc := &openapi3.T{
		OpenAPI: version,
		Info:    &openapi3.Info{Title: c.Title, Version: c.Version, Description: c.Description},
		Paths:   openapi3.NewPaths(),
	}
	gen := NewGenerator()
	problem, _, err := gen.Schema(problemType)
	if err != nil {
		return nil, fmt.Errorf("openapi: describing core.Problem: %w", err)
	}
	schemes := openapi3.SecuritySchemes{}
	tags := map[string]bool{}
	operationIDs := map[string]core.RouteInfo{}
	templates := map[string]core.RouteInfo{} // a path with its parameters unnamed -> the first route
	for _, r := range routes {
		if r.Hidden {
			continue
		}
		template := pathTemplate(r.Path)
		if first, ok := templates[template]; ok && documentPath(first.Path) != documentPath(r.Path) {
			return nil, r.Errorf("OpenAPI tells paths apart by their parameters' places, not their names, and its path is %s's, %s; hide one of them (Route.Hidden, openapi:\"-\") or change its path", first.Method+" "+first.Path, first.Path)
		}
		templates[template] = r
		ops, err := describeRoute(gen, r, problem, schemes, c.ItemSchema)
		if err != nil {
			return nil, r.Errorf("it cannot be described in the OpenAPI document: %w", err)
		}
		for _, op := range ops {
			if first, dup := operationIDs[op.OperationID]; dup {
				return nil, r.Errorf("its operation id %q is also %s %s's; give one of them another with Route.OperationID or the operationId tag", op.OperationID, first.Method, first.Path)
			}
			operationIDs[op.OperationID] = r
		}
		path := documentPath(r.Path)
		item := doc.Paths.Value(path)
		if item == nil {
			item = &openapi3.PathItem{}
			doc.Paths.Set(path, item)
		}
		for method, op := range ops {
			item.SetOperation(method, op)
		}
		tag := controllerTag(r.Controller)
		if !tags[tag] {
			tags[tag] = true
			doc.Tags = append(doc.Tags, &openapi3.Tag{Name: tag, Description: r.ControllerDescription})
		}
	}
	doc.Components = &openapi3.Components{Schemas: gen.Components()}
	if len(schemes) > 0 {
		doc.Components.SecuritySchemes = schemes
	}
	// kin-openapi's own check of the whole document: a mistake here is
	// godanet's, and New fails rather than serve a wrong document.
	if err := doc.Validate(context.Background(), openapi3.AllowExtraSiblingFields("itemSchema")); err != nil {
		return nil, fmt.Errorf("openapi: the document built is not valid (a bug in package openapi; please report it): %w", err)
	}
	return doc, nil
}

// documentPath writes a route path as OpenAPI does: ":id" is "{id}", a
// trailing "*" is "{wildcard}".
func documentPath(path string) string {
	var b strings.Builder
	for i := 0; i < len(path); i++ {
		switch {
		case path[i] == '\\' && i+1 < len(path):
			i++
			b.WriteByte(path[i])
		case path[i] == ':':
			j := i + 1
			for j < len(path) && path[j] != '/' {
				j++
			}
			b.WriteString("{" + path[i+1:j] + "}")
			i = j - 1
		case path[i] == '*':
			b.WriteString("{wildcard}")
		default:
			b.WriteByte(path[i])
		}
	}
	return b.String()
}

// hasParams reports whether a route path has parameters.
func hasParams(path string) bool { return documentPath(path) != path }

// templateParam is a parameter in an OpenAPI path template.
var templateParam = regexp.MustCompile(`\{([^{}]*)\}`)

// pathTemplate is a route path with its parameters unnamed, as OpenAPI
// compares paths: "/files/{}" for "/files/:name" and "/files/*".
func pathTemplate(path string) string {
	return templateParam.ReplaceAllString(documentPath(path), "{}")
}

// pathNames lists a route path's parameters as the document names them:
// "id" for ":id" (also inside a segment, "/v:ver"), "wildcard" for "*".
func pathNames(path string) []string {
	var names []string
	for _, m := range templateParam.FindAllStringSubmatch(documentPath(path), -1) {
		names = append(names, m[1])
	}
	return names
}

// documentMethods are the methods an OpenAPI 3.1 path item has.
var documentMethods = []string{http.MethodGet, http.MethodPut, http.MethodPost, http.MethodDelete, http.MethodOptions, http.MethodHead, http.MethodPatch, http.MethodTrace}

// controllerTag is the controller's group in the document: its type's
// name without "Controller".
func controllerTag(controller string) string {
	if name := strings.TrimSuffix(controller, "Controller"); name != "" {
		return name
	}
	return controller
}

// describeRoute makes the route's operations: one, or one per method
// OpenAPI knows for ANY.
func describeRoute(gen *Generator, r core.RouteInfo, problem *openapi3.SchemaRef, schemes openapi3.SecuritySchemes, itemSchema bool) (map[string]*openapi3.Operation, error) {
	id := r.OperationID
	if id == "" {
		id = controllerTag(r.Controller) + "." + r.Handler
	}
	op := &openapi3.Operation{
		OperationID: id,
		Tags:        []string{controllerTag(r.Controller)},
		Summary:     r.Summary,
		Description: r.Description,
		Responses:   openapi3.NewResponses(),
	}
	notes, err := describeInput(gen, op, r)
	if err != nil {
		return nil, err
	}
	n, err := describeSuccess(gen, op, r, itemSchema)
	if err != nil {
		return nil, err
	}
	notes = append(notes, n...)
	describeProblems(op, r, problem)
	if err := describeSecurity(op, r, schemes); err != nil {
		return nil, err
	}
	if len(notes) > 0 {
		if op.Description != "" {
			op.Description += "\n\n"
		}
		op.Description += "Validation rules this document does not express: " + strings.Join(notes, "; ") + "."
	}
	if r.Method != "ANY" {
		if !slices.Contains(documentMethods, r.Method) {
			return nil, fmt.Errorf("OpenAPI 3.1 has no method %s; leave the route out of the document with Route.Hidden or openapi:\"-\"", r.Method)
		}
		return map[string]*openapi3.Operation{r.Method: op}, nil
	}
	ops := map[string]*openapi3.Operation{}
	for _, m := range documentMethods {
		each := *op
		each.OperationID = op.OperationID + "." + strings.ToLower(m)
		ops[m] = &each
	}
	return ops, nil
}

// describeSecurity makes the operation require the schemes of the route's
// guards, all of them, as the guards all run: one requirement naming each
// scheme.
func describeSecurity(op *openapi3.Operation, r core.RouteInfo, schemes openapi3.SecuritySchemes) error {
	requirement := openapi3.SecurityRequirement{}
	for _, s := range r.Security {
		switch {
		case s.Key == "" || (s.Type != "http" && s.Type != "apiKey"):
			return fmt.Errorf("a guard's security scheme %+v needs a Key and a Type of \"http\" or \"apiKey\", such as core.SecurityScheme{Key: \"bearer\", Type: \"http\", Scheme: \"bearer\"}", s)
		case s.Type == "http" && !slices.Contains([]string{"basic", "bearer", "digest", "negotiate"}, strings.ToLower(s.Scheme)):
			return fmt.Errorf("a guard's http security scheme %q has Scheme %q; use \"basic\", \"bearer\", \"digest\" or \"negotiate\"", s.Key, s.Scheme)
		case s.Type == "apiKey" && (s.Name == "" || !slices.Contains([]string{"query", "header", "cookie"}, s.In)):
			return fmt.Errorf("a guard's apiKey security scheme %q needs In (\"query\", \"header\" or \"cookie\") and the key's Name", s.Key)
		}
		scheme := &openapi3.SecurityScheme{Type: s.Type, Scheme: s.Scheme, BearerFormat: s.BearerFormat, In: s.In, Name: s.Name, Description: s.Description}
		if known, ok := schemes[s.Key]; ok && !reflect.DeepEqual(known.Value, scheme) {
			return fmt.Errorf("two guards describe security scheme %q differently; give them one description, or different Keys", s.Key)
		}
		schemes[s.Key] = &openapi3.SecuritySchemeRef{Value: scheme}
		requirement[s.Key] = []string{}
	}
	if len(requirement) > 0 {
		op.Security = &openapi3.SecurityRequirements{requirement}
	}
	return nil
}

// describeInput adds the input's parameters, the path's parameters no
// field reads, and the request body.
func describeInput(gen *Generator, op *openapi3.Operation, r core.RouteInfo) ([]string, error) {
	var notes []string
	var described []string
	for _, p := range r.Params {
		schema, required, n, err := gen.Field(p.Field)
		if err != nil {
			return nil, fmt.Errorf("field %s: %w", p.Field.Name, err)
		}
		notes = append(notes, n...)
		name := p.Name
		if p.In == "path" && name == "*" {
			name = "wildcard" // as documentPath writes "*"
		}
		param := &openapi3.Parameter{Name: name, In: p.In, Schema: schema, Required: required || p.In == "path"}
		op.Parameters = append(op.Parameters, &openapi3.ParameterRef{Value: param})
		if p.In == "path" {
			described = append(described, name)
		}
	}
	for _, name := range pathNames(r.Path) {
		if slices.Contains(described, name) {
			continue
		}
		param := &openapi3.Parameter{Name: name, In: "path", Required: true, Schema: openapi3.NewStringSchema().NewRef()}
		if name == "wildcard" {
			param.Description = "The rest of the path; it may contain \"/\"."
		}
		op.Parameters = append(op.Parameters, &openapi3.ParameterRef{Value: param})
	}
	if len(r.BodyMediaTypes) == 0 {
		return notes, nil
	}
	content := openapi3.Content{}
	required := false
	for _, mt := range r.BodyMediaTypes {
		nameTag := "json"
		if mt != mimeJSON {
			nameTag = "form"
		}
		schema, n, err := gen.Body(r.Input, nameTag)
		if err != nil {
			return nil, fmt.Errorf("request body: %w", err)
		}
		if mt == mimeJSON {
			notes = append(notes, n...)
		}
		content[mt] = &openapi3.MediaType{Schema: schema}
		// An empty body is read as no fields at all: the body is required
		// only when some field is.
		if schema.Value != nil && len(schema.Value.Required) > 0 {
			required = true
		}
	}
	op.RequestBody = &openapi3.RequestBodyRef{Value: &openapi3.RequestBody{Required: required, Content: content}}
	return notes, nil
}

// describeSuccess adds the route's success response: what core's finish
// stage writes for it.
func describeSuccess(gen *Generator, op *openapi3.Operation, r core.RouteInfo, itemSchema bool) ([]string, error) {
	status, result := r.Status, r.Result
	desc := http.StatusText(status)
	resp := &openapi3.Response{Description: &desc}
	var notes []string
	switch {
	case r.Stream:
		stream, n, err := describeEvents(gen, r.Events, itemSchema)
		if err != nil {
			return nil, err
		}
		notes = n
		mt := &openapi3.MediaType{Schema: stream}
		if itemSchema {
			mt = &openapi3.MediaType{Extensions: map[string]any{"itemSchema": stream}}
		}
		resp.Content = openapi3.Content{mimeEventStream: mt}
	case result == nil || status == http.StatusNoContent || status == http.StatusNotModified || status >= 300 && status < 400:
	case result.Kind() == reflect.Interface:
		// Written by what it holds: a string as text, []byte as bytes,
		// anything else as JSON.
		resp.Content = openapi3.Content{
			mimeJSON:        &openapi3.MediaType{Schema: &openapi3.SchemaRef{Value: &openapi3.Schema{}}},
			mimeText:        &openapi3.MediaType{Schema: openapi3.NewStringSchema().NewRef()},
			mimeOctetStream: &openapi3.MediaType{Schema: openapi3.NewStringSchema().NewRef()},
		}
	case result.Kind() == reflect.String:
		resp.Content = openapi3.NewContentWithSchema(openapi3.NewStringSchema(), []string{mimeText})
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
// Without declared events, data is any value. For OpenAPI 3.2's
// itemSchema, data is what the wire carries, a string, whose content is
// the event's JSON (contentMediaType and contentSchema).
func describeEvents(gen *Generator, events []core.EventType, itemSchema bool) (*openapi3.SchemaRef, []string, error) {
	eventObject := func(name string, data *openapi3.SchemaRef) *openapi3.SchemaRef {
		if itemSchema {
			data = (&openapi3.Schema{Type: &openapi3.Types{openapi3.TypeString}, ContentMediaType: mimeJSON, ContentSchema: data}).NewRef()
		}
		retry := openapi3.NewIntegerSchema().WithMin(0)
		s := &openapi3.Schema{Type: &openapi3.Types{openapi3.TypeObject}, Required: []string{"data"}, Properties: openapi3.Schemas{
			"id":    openapi3.NewStringSchema().NewRef(),
			"event": openapi3.NewStringSchema().NewRef(),
			"data":  data,
			"retry": retry.NewRef(),
		}}
		if name != "" {
			s.Title = name
			s.Properties["event"] = (&openapi3.Schema{Type: &openapi3.Types{openapi3.TypeString}, Const: name}).NewRef()
			s.Required = append(s.Required, "event")
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
		data, n, err := gen.EventData(e.Data)
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
func describeProblems(op *openapi3.Operation, r core.RouteInfo, problem *openapi3.SchemaRef) {
	add := func(status int, why string) {
		desc := why
		op.Responses.Set(strconv.Itoa(status), &openapi3.ResponseRef{Value: &openapi3.Response{
			Description: &desc,
			Content:     openapi3.Content{mimeProblem: &openapi3.MediaType{Schema: problem}},
		}})
	}
	if r.Input != nil {
		add(http.StatusBadRequest, "The input is invalid, or the query string cannot be read; errors names each invalid field.")
	} else {
		add(http.StatusBadRequest, "The query string cannot be read.")
	}
	if r.Guards > 0 {
		add(http.StatusUnauthorized, "The credentials are missing or wrong.")
		add(http.StatusForbidden, "The credentials do not allow this.")
	}
	if hasParams(r.Path) {
		add(http.StatusNotFound, "Nothing is at this path.")
	}
	if len(r.BodyMediaTypes) > 0 {
		add(http.StatusRequestTimeout, "The body did not arrive in time.")
		if r.BodyLimit > 0 {
			add(http.StatusRequestEntityTooLarge, fmt.Sprintf("The body is larger than the route's limit of %d bytes.", r.BodyLimit))
		}
		add(http.StatusUnsupportedMediaType, "The body's Content-Type is not one the route reads.")
	}
	for _, status := range r.ErrorStatuses {
		if op.Responses.Value(strconv.Itoa(status)) == nil {
			add(status, http.StatusText(status)+".")
		}
	}
	add(http.StatusInternalServerError, "The server failed; the body says nothing more.")
}
