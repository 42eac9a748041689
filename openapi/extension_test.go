package openapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/godanet/godanet/core"
	"github.com/godanet/godanet/module"
	"github.com/godanet/godanet/openapi"
	"github.com/godanet/godanet/sse"
)

// Volume is the resource of the documented API.
type Volume struct {
	ID    int    `json:"id"`
	Title string `json:"title"`
}

type NewVolume struct {
	Title  string `json:"title" validate:"required,max=100"`
	Shelf  string `json:"shelf" validate:"oneof=fiction poetry"`
	Slug   string `json:"slug" validate:"required,excludesall=!"`
	Notify bool   `query:"notify"`
}

type VolumeRef struct {
	ID int `param:"id" validate:"gt=0"`
}

// VolumeGuard says it takes a bearer token.
type VolumeGuard struct{}

func (VolumeGuard) CanActivate(core.Context) (bool, error) { return true, nil }

func (VolumeGuard) SecurityScheme() core.SecurityScheme {
	return core.SecurityScheme{Key: "bearer", Type: "http", Scheme: "bearer"}
}

type VolumeController struct {
	core.Controller `path:"/books" description:"The shelf"`
	Guard           *VolumeGuard

	_ core.GET    `path:"/" handler:"List" summary:"List the books"`
	_ core.POST   `path:"/" handler:"Create" status:"201" guards:"Guard" summary:"Add a book"`
	_ core.DELETE `path:"/:id" handler:"Delete" status:"204" guards:"Guard"`
	_ core.GET    `path:"/debug" handler:"Debug" openapi:"-"`
	_ core.SSE    `path:"/events" handler:"Events" events:"VolumeEvents"`
}

func (c *VolumeController) Routes(r *core.Routes) {
	r.GET("/:id/title", c.Title).Description("The title alone, as text")
	r.SSE("/:id/events", c.EventsOf).Events(core.Event[Volume]("changed")).Hidden()
}

func (c *VolumeController) VolumeEvents() []core.EventType {
	return []core.EventType{core.Event[Volume]("added"), core.Event[VolumeRef]("removed")}
}

func (c *VolumeController) List(core.Context) ([]Volume, error) { return nil, nil }
func (c *VolumeController) Create(_ core.Context, in NewVolume) (Volume, error) {
	return Volume{Title: in.Title}, nil
}
func (c *VolumeController) Delete(core.Context, VolumeRef) error            { return nil }
func (c *VolumeController) Debug(core.Context) (string, error)              { return "", nil }
func (c *VolumeController) Title(core.Context, VolumeRef) (string, error)   { return "", nil }
func (c *VolumeController) Events(core.Context) (<-chan sse.Message, error) { return nil, nil }
func (c *VolumeController) EventsOf(core.Context, VolumeRef) (<-chan sse.Message, error) {
	return nil, nil
}

func booksApp(t *testing.T, o openapi.Config) *core.App {
	t.Helper()
	app, err := core.New(&module.Module{Name: "books", Controllers: []any{&VolumeController{Guard: &VolumeGuard{}}}},
		core.WithLogger(slog.New(slog.DiscardHandler)), openapi.With(o))
	if err != nil {
		t.Fatal(err)
	}
	return app
}

// The document describes every route that is not hidden, from the route
// table: operations, parameters, bodies, success and problem responses,
// security and SSE events.
func TestOpenAPIDocumentFromRouteTable(t *testing.T) {
	doc := openapi.DocumentOf(booksApp(t, openapi.Config{Title: "Books", Version: "1.0.0"}))
	if doc == nil || doc.OpenAPI != "3.1.0" || doc.Info.Title != "Books" {
		t.Fatalf("document: %+v", doc)
	}
	if doc.Paths.Value("/books/debug") != nil || doc.Paths.Value("/books/{id}/events") != nil {
		t.Error("hidden routes are in the document")
	}
	list := doc.Paths.Value("/books").Get
	if list == nil || list.OperationID != "Volume.List" || list.Summary != "List the books" || len(list.Tags) != 1 || list.Tags[0] != "Volume" {
		t.Fatalf("GET /books: %+v", list)
	}
	if list.Responses.Value("200") == nil || list.Responses.Value("500") == nil || list.Responses.Value("400") == nil || list.Responses.Value("404") != nil || list.Security != nil {
		t.Errorf("GET /books responses: %v", keys(list.Responses.Map()))
	}

	create := doc.Paths.Value("/books").Post
	if create == nil {
		t.Fatal("POST /books is missing")
	}
	for _, status := range []string{"201", "400", "401", "403", "413", "415", "500"} {
		if create.Responses.Value(status) == nil {
			t.Errorf("POST /books has no %s response: %v", status, keys(create.Responses.Map()))
		}
	}
	if p := create.Responses.Value("400").Value.Content.Get("application/problem+json"); p == nil {
		t.Error("the 400 is not problem+json")
	}
	if create.Security == nil || len(*create.Security) != 1 || (*create.Security)[0]["bearer"] == nil {
		t.Errorf("POST /books security: %+v", create.Security)
	}
	if doc.Components.SecuritySchemes["bearer"] == nil || doc.Components.SecuritySchemes["bearer"].Value.Scheme != "bearer" {
		t.Errorf("security schemes: %+v", doc.Components.SecuritySchemes)
	}
	if len(create.Parameters) != 1 || create.Parameters[0].Value.Name != "notify" || create.Parameters[0].Value.In != "query" {
		t.Errorf("POST /books parameters: %+v", create.Parameters)
	}
	body := create.RequestBody.Value.Content.Get("application/json")
	if body == nil || body.Schema.Value == nil || body.Schema.Value.Properties["title"] == nil || body.Schema.Value.Properties["notify"] != nil {
		t.Fatalf("POST /books body: %+v", body)
	}
	if !strings.Contains(create.Description, "slug: excludesall") {
		t.Errorf("the rule without a JSON Schema form is not listed: %q", create.Description)
	}

	del := doc.Paths.Value("/books/{id}").Delete
	if del == nil || del.Responses.Value("204") == nil || del.Responses.Value("404") == nil || del.RequestBody != nil {
		t.Fatalf("DELETE /books/{id}: %+v", del)
	}
	if id := del.Parameters[0].Value; id.Name != "id" || id.In != "path" || !id.Required {
		t.Errorf("the path parameter: %+v", id)
	}
	title := doc.Paths.Value("/books/{id}/title").Get
	if title == nil || title.Description != "The title alone, as text" || title.Responses.Value("200").Value.Content.Get("text/plain; charset=UTF-8") == nil {
		t.Fatalf("GET /books/{id}/title: %+v", title)
	}

	events := doc.Paths.Value("/books/events").Get
	stream := events.Responses.Value("200").Value.Content.Get("text/event-stream")
	if stream == nil || stream.Schema == nil || len(stream.Schema.Value.OneOf) != 2 {
		t.Fatalf("GET /books/events: %+v", stream)
	}
	added := stream.Schema.Value.OneOf[0].Value
	if added.Properties["event"].Value.Const != "added" || added.Properties["data"] == nil {
		t.Errorf("the added event: %+v", added)
	}
	if len(doc.Tags) != 1 || doc.Tags[0].Name != "Volume" || doc.Tags[0].Description != "The shelf" {
		t.Errorf("tags: %+v", doc.Tags)
	}
}

// With ItemSchema, an SSE response describes its events with OpenAPI
// 3.2's itemSchema.
func TestOpenAPIItemSchema(t *testing.T) {
	doc := openapi.DocumentOf(booksApp(t, openapi.Config{Title: "Books", Version: "1", ItemSchema: true}))
	if doc.OpenAPI != "3.2.0" {
		t.Errorf("a document with itemSchema says it is OpenAPI %s", doc.OpenAPI)
	}
	raw, err := json.Marshal(doc.Paths.Value("/books/events").Get.Responses.Value("200").Value.Content.Get("text/event-stream"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(raw), `"itemSchema"`) || strings.Contains(string(raw), `"schema"`) {
		t.Errorf("text/event-stream: %s", raw)
	}
}

// The App serves the document as JSON, and a docs page.
func TestOpenAPIServed(t *testing.T) {
	app := booksApp(t, openapi.Config{Title: "Books", Version: "1.0.0"})
	srv := httptest.NewServer(app.Handler())
	defer srv.Close()
	res, err := http.Get(srv.URL + "/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	served, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("/openapi.json answered %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	var doc openapi3.T
	if err := json.Unmarshal(served, &doc); err != nil || doc.Paths.Value("/books") == nil {
		t.Fatalf("/openapi.json: %v: %.200s", err, served)
	}
	res, err = http.Get(srv.URL + "/docs")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(res.Header.Get("Content-Type"), "text/html") || !strings.Contains(string(page), "/openapi.json") {
		t.Fatalf("/docs answered %d %s: %.300s", res.StatusCode, res.Header.Get("Content-Type"), page)
	}
}

type UndescribableController struct{}

func (c *UndescribableController) Routes(r *core.Routes) { r.GET("/callback", c.Callback) }

func (c *UndescribableController) Callback(core.Context) (func(), error) { return nil, nil }

type TwiceController struct{}

func (c *TwiceController) Routes(r *core.Routes) {
	r.SSE("/events", c.Events).Events(core.Event[Volume]("changed"), core.Event[VolumeRef]("changed"))
}

func (c *TwiceController) Events(core.Context) (<-chan sse.Message, error) { return nil, nil }

type EventsNotSSEController struct{}

func (c *EventsNotSSEController) Routes(r *core.Routes) {
	r.GET("/books", c.List).Events(core.Event[Volume]("listed"))
}

func (c *EventsNotSSEController) List(core.Context) ([]Volume, error) { return nil, nil }

// Mistakes in what routes declare for the document fail New, naming the
// route.
func TestOpenAPIStartupErrors(t *testing.T) {
	for _, tt := range []struct {
		name       string
		controller any
		route      string
		want       string
	}{
		{"a type the document cannot describe", &UndescribableController{}, "GET /callback", "cannot be described in the OpenAPI document: result func()"},
		{"an event declared twice", &TwiceController{}, "GET /events", `event "changed" is declared twice`},
		{"events on a route that is not SSE", &EventsNotSSEController{}, "GET /books", "it declares events, but it is not an SSE route"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := documented(tt.controller)
			var ce *core.ControllerError
			if !errors.As(err, &ce) || ce.Route != tt.route || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("core.New: %v; want a *core.ControllerError for %s saying %q", err, tt.route, tt.want)
			}
		})
	}
	_, err := core.New(&module.Module{Name: "m", Controllers: []any{&VolumeController{Guard: &VolumeGuard{}}}},
		core.WithLogger(slog.New(slog.DiscardHandler)), openapi.With(openapi.Config{Title: "T"}))
	var oe *core.OptionError
	if !errors.As(err, &oe) || !strings.Contains(err.Error(), "Version") {
		t.Errorf("no Version: %v", err)
	}
}

// documented builds an App of controllers in module "m" with the document
// of openapi.Config{Title: "T", Version: "1"}.
func documented(controllers ...any) (*core.App, error) {
	return core.New(&module.Module{Name: "m", Controllers: controllers},
		core.WithLogger(slog.New(slog.DiscardHandler)), openapi.With(openapi.Config{Title: "T", Version: "1"}))
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// KeyGuard takes an API key; with VolumeGuard, a route needs both.
type KeyGuard struct{}

func (KeyGuard) CanActivate(core.Context) (bool, error) { return true, nil }

func (KeyGuard) SecurityScheme() core.SecurityScheme {
	return core.SecurityScheme{Key: "key", Type: "apiKey", In: "header", Name: "X-Key"}
}

type FilesController struct {
	core.Controller `path:"/files" errors:"503"`
	Bearer          *VolumeGuard
	Key             *KeyGuard

	_ core.GET    `path:"/:name" handler:"Get" guards:"Bearer,Key"`
	_ core.PUT    `path:"/:name" handler:"Put" bodylimit:"-1" operationId:"uploadFile"`
	_ core.DELETE `path:"/all/*" handler:"Clear"`
}

func (c *FilesController) Routes(r *core.Routes) {
	r.GET("/:name/size", c.Get).Errors(409).OperationID("fileSize")
}

func (c *FilesController) Get(core.Context) (string, error)    { return "", nil }
func (c *FilesController) Put(_ core.Context, in Upload) error { return nil }
func (c *FilesController) Clear(core.Context) error            { return nil }

type Upload struct {
	Data string `json:"data"`
}

type HiddenController struct {
	core.Controller `path:"/internal" openapi:"-"`

	_ core.GET `path:"/" handler:"Get"`
}

func (c *HiddenController) Get(core.Context) error { return nil }

// What the route table says beyond the route itself reaches the document:
// path parameters no field reads, guards that must all pass, a route's
// own operation id, declared error statuses, no 413 without a body limit,
// a body that may be empty, and a hidden controller.
func TestOpenAPIRouteDetails(t *testing.T) {
	app, err := core.New(&module.Module{Name: "files", Controllers: []any{
		&FilesController{Bearer: &VolumeGuard{}, Key: &KeyGuard{}}, &HiddenController{},
	}}, core.WithLogger(slog.New(slog.DiscardHandler)), openapi.With(openapi.Config{Title: "Files", Version: "1"}))
	if err != nil {
		t.Fatal(err)
	}
	doc := openapi.DocumentOf(app)
	if doc.Paths.Value("/internal") != nil {
		t.Error("a hidden controller's route is in the document")
	}
	get := doc.Paths.Value("/files/{name}").Get
	if len(get.Parameters) != 1 || get.Parameters[0].Value.Name != "name" || get.Parameters[0].Value.In != "path" || !get.Parameters[0].Value.Required {
		t.Errorf("the path parameter no field reads: %+v", get.Parameters)
	}
	if get.Security == nil || len(*get.Security) != 1 || len((*get.Security)[0]) != 2 {
		t.Errorf("two guards must both pass: one requirement naming both schemes, got %+v", get.Security)
	}
	if get.Responses.Value("503") == nil {
		t.Error("the controller's declared 503 is missing")
	}
	size := doc.Paths.Value("/files/{name}/size").Get
	if size.Responses.Value("409") == nil || size.Responses.Value("503") == nil {
		t.Errorf("declared statuses: %v", keys(size.Responses.Map()))
	}
	put := doc.Paths.Value("/files/{name}").Put
	if put.OperationID != "uploadFile" || put.Responses.Value("413") != nil || put.Responses.Value("408") == nil || put.RequestBody.Value.Required {
		t.Errorf("PUT: id %q, responses %v, body required %v", put.OperationID, keys(put.Responses.Map()), put.RequestBody.Value.Required)
	}
	clear := doc.Paths.Value("/files/all/{wildcard}").Delete
	if clear == nil || len(clear.Parameters) != 1 || clear.Parameters[0].Value.Name != "wildcard" {
		t.Fatalf("the wildcard route: %+v", clear)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Errorf("kin-openapi finds the document invalid: %v", err)
	}
}

type SameIDController struct{}

func (c *SameIDController) Routes(r *core.Routes) {
	r.GET("/a", c.Get)
	r.GET("/b", c.Get)
}

func (c *SameIDController) Get(core.Context) error { return nil }

// Two routes with one operation id fail New, naming both; an undescribable
// type's error is reachable with errors.As.
func TestOpenAPIStartupErrorsInDetail(t *testing.T) {
	_, err := documented(&SameIDController{})
	if err == nil || !strings.Contains(err.Error(), `operation id "SameID.Get" is also GET /a's`) || !strings.Contains(err.Error(), "route GET /b") {
		t.Errorf("one operation id twice: %v", err)
	}
	_, err = documented(&UndescribableController{})
	var te *openapi.TypeError
	if !errors.As(err, &te) {
		t.Errorf("errors.As finds no *openapi.TypeError in %v", err)
	}
}

type ClashController struct{}

func (c *ClashController) Routes(r *core.Routes) {
	r.GET("/files/:name", c.Get)
	r.DELETE("/files/*", c.Clear)
}

func (c *ClashController) Get(core.Context) error   { return nil }
func (c *ClashController) Clear(core.Context) error { return nil }

// Two routes whose paths OpenAPI cannot tell apart fail New, naming both.
func TestOpenAPIPathsOpenAPICannotTellApart(t *testing.T) {
	_, err := documented(&ClashController{})
	if err == nil || !strings.Contains(err.Error(), "route DELETE /files/*") || !strings.Contains(err.Error(), "GET /files/:name") {
		t.Errorf("paths OpenAPI cannot tell apart: %v", err)
	}
}

// Rest reads the wildcard of its route.
type Rest struct {
	Path string `param:"*"`
}

type ShapesController struct{}

func (c *ShapesController) Routes(r *core.Routes) {
	r.GET("/files/*", c.Rest)
	r.GET("/v:ver/x", c.Plain)
	r.GET("/static*", c.Plain).OperationID("static")
	r.Add("PROPFIND", "/dav", c.Plain).Hidden()
}

func (c *ShapesController) Rest(core.Context, Rest) error { return nil }
func (c *ShapesController) Plain(core.Context) error      { return nil }

type PropfindController struct{}

func (c *PropfindController) Routes(r *core.Routes) { r.Add("PROPFIND", "/dav", c.Plain) }

func (c *PropfindController) Plain(core.Context) error { return nil }

// BadSchemeGuard describes an http scheme without its Scheme.
type BadSchemeGuard struct{}

func (BadSchemeGuard) CanActivate(core.Context) (bool, error) { return true, nil }

func (BadSchemeGuard) SecurityScheme() core.SecurityScheme {
	return core.SecurityScheme{Key: "b", Type: "http"}
}

type BadSchemeController struct{ Guard *BadSchemeGuard }

func (c *BadSchemeController) Routes(r *core.Routes) { r.GET("/s", c.Plain).Guard(c.Guard) }

func (c *BadSchemeController) Plain(core.Context) error { return nil }

type BadErrorsController struct{}

func (c *BadErrorsController) Routes(r *core.Routes) {
	r.Errors(200)
	r.GET("/e", c.Plain)
}

func (c *BadErrorsController) Plain(core.Context) error { return nil }

// Path shapes a valid app may use make a valid document; a method OpenAPI
// 3.1 lacks, an incomplete security scheme and a controller's status that
// is no error fail New naming the route or the controller.
func TestOpenAPIPathShapesAndMistakes(t *testing.T) {
	app, err := documented(&ShapesController{})
	if err != nil {
		t.Fatalf("valid shapes: %v", err)
	}
	doc := openapi.DocumentOf(app)
	for path, param := range map[string]string{"/files/{wildcard}": "wildcard", "/v{ver}/x": "ver", "/static{wildcard}": "wildcard"} {
		item := doc.Paths.Value(path)
		if item == nil || item.Get == nil || len(item.Get.Parameters) != 1 || item.Get.Parameters[0].Value.Name != param {
			t.Errorf("%s: %+v", path, item)
		}
	}
	for _, tt := range []struct {
		controller any
		want       string
	}{
		{&PropfindController{}, "route PROPFIND /dav: it cannot be described in the OpenAPI document: OpenAPI 3.1 has no method PROPFIND"},
		{&BadSchemeController{Guard: &BadSchemeGuard{}}, `route GET /s: it cannot be described in the OpenAPI document: a guard's http security scheme "b" has Scheme ""`},
		{&BadErrorsController{}, "route GET /e: Errors(200): 200 is not an error status"},
	} {
		_, err := documented(tt.controller)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%T: %v; want %q", tt.controller, err, tt.want)
		}
	}
}

// One openapi.With option given to two Apps gives each its own document.
func TestOpenAPIOptionForTwoApps(t *testing.T) {
	opt := openapi.With(openapi.Config{Title: "T", Version: "1"})
	first, err := core.New(&module.Module{Name: "a", Controllers: []any{&HiddenController{}, &ClashFreeController{}}}, core.WithLogger(slog.New(slog.DiscardHandler)), opt)
	if err != nil {
		t.Fatal(err)
	}
	second, err := core.New(&module.Module{Name: "b", Controllers: []any{&ShapesController{}}}, core.WithLogger(slog.New(slog.DiscardHandler)), opt)
	if err != nil {
		t.Fatal(err)
	}
	if openapi.DocumentOf(first).Paths.Value("/clash-free") == nil || openapi.DocumentOf(first).Paths.Value("/files/{wildcard}") != nil ||
		openapi.DocumentOf(second).Paths.Value("/files/{wildcard}") == nil {
		t.Error("the two Apps share one document")
	}
}

type ClashFreeController struct{}

func (c *ClashFreeController) Routes(r *core.Routes) { r.GET("/clash-free", c.Plain) }

func (c *ClashFreeController) Plain(core.Context) error { return nil }

// ShelfController is at version 1, with a route of version 2.
type ShelfController struct {
	core.Controller `path:"/shelves" version:"1"`

	_ core.GET `path:"/:id" handler:"Get"`
	_ core.GET `path:"/" handler:"List" version:"2"`
}

type ShelfID struct {
	ID int `param:"id"`
}

func (c *ShelfController) Get(core.Context, ShelfID) (Volume, error) { return Volume{}, nil }
func (c *ShelfController) List(core.Context) ([]Volume, error)       { return nil, nil }

// The document's paths carry the global prefix and each route's version;
// the document itself is served where it is mounted, without the prefix.
func TestOpenAPIPrefixAndVersions(t *testing.T) {
	app, err := core.New(&module.Module{Name: "shelves", Controllers: []any{&ShelfController{}}},
		core.WithLogger(slog.New(slog.DiscardHandler)), core.WithPrefix("/api"), openapi.With(openapi.Config{Title: "Shelves", Version: "1"}))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(app.Handler())
	defer srv.Close()
	res, err := http.Get(srv.URL + "/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	served, _ := io.ReadAll(res.Body)
	res.Body.Close()
	var doc openapi3.T
	if err := json.Unmarshal(served, &doc); err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("/openapi.json answered %d: %v: %.200s", res.StatusCode, err, served)
	}
	if doc.Paths.Len() != 2 || doc.Paths.Value("/api/v1/shelves/{id}") == nil || doc.Paths.Value("/api/v2/shelves") == nil {
		t.Errorf("paths: %v; want /api/v1/shelves/{id} and /api/v2/shelves", doc.Paths.InMatchingOrder())
	}
	res, err = http.Get(srv.URL + "/api/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusNotFound {
		t.Errorf("/api/openapi.json answered %d; want 404 (mounts are not prefixed)", res.StatusCode)
	}
}
