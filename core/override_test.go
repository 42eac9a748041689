package core_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/godanet/godanet/core"
	"github.com/godanet/godanet/module"
)

// OverrideGuard's tests: real guards that refuse every request, at each
// level a guard is declared, replaced by guards that let it through.

// RefuseGuard refuses every request with a 401, as a token guard without a
// token does; it says how it authenticates.
type RefuseGuard struct{}

func (*RefuseGuard) CanActivate(core.Context) (bool, error) {
	return false, core.Unauthorized("a token is required")
}

func (*RefuseGuard) SecurityScheme() core.SecurityScheme {
	return core.SecurityScheme{Key: "bearer", Type: "http", Scheme: "bearer"}
}

// DenyGuard refuses every request with a 403.
type DenyGuard struct{}

func (DenyGuard) CanActivate(core.Context) (bool, error) { return false, nil }

// AllowGuard lets every request through and says it authenticates with an
// API key, so RouteInfo can show the replacement's scheme.
type AllowGuard struct{}

func (AllowGuard) CanActivate(core.Context) (bool, error) { return true, nil }

func (AllowGuard) SecurityScheme() core.SecurityScheme {
	return core.SecurityScheme{Key: "test", Type: "apiKey", In: "header", Name: "X-Test"}
}

var (
	_ core.SecuredGuard = (*RefuseGuard)(nil)
	_ core.SecuredGuard = AllowGuard{}
)

// TaggedSecretController guards itself with a controller tag; its Open
// route with a route tag.
type TaggedSecretController struct {
	core.Controller `path:"/tagged" guards:"Refuse"`
	Refuse          *RefuseGuard
	Deny            DenyGuard

	_ core.GET `path:"/" handler:"Secret"`
	_ core.GET `path:"/deny" handler:"Secret" guards:"Deny"`
}

func NewTaggedSecretController(g *RefuseGuard) *TaggedSecretController {
	return &TaggedSecretController{Refuse: g}
}

func (*TaggedSecretController) Secret(core.Context) (string, error) { return "secret", nil }

// BuiltSecretController guards one route with the builder.
type BuiltSecretController struct {
	core.Controller `path:"/built"`
	Refuse          *RefuseGuard
}

func NewBuiltSecretController(g *RefuseGuard) *BuiltSecretController {
	return &BuiltSecretController{Refuse: g}
}

func (c *BuiltSecretController) Routes(r *core.Routes) {
	r.GET("/", c.Secret).Guard(c.Refuse)
	r.GET("/deny", c.Secret).Guard(DenyGuard{})
}

func (*BuiltSecretController) Secret(core.Context) (string, error) { return "secret", nil }

// OpenController has no guard of its own.
type OpenController struct {
	core.Controller `path:"/open"`
	_               core.GET `path:"/" handler:"Hello"`
}

func NewOpenController() *OpenController { return &OpenController{} }

func (*OpenController) Hello(core.Context) (string, error) { return "hello", nil }

func newRefuseGuard() *RefuseGuard { return &RefuseGuard{} }

// serveOverride starts New(root, options...) on httptest, stopped when the
// test ends.
func serveOverride(t *testing.T, root *module.Module, options ...core.Option) (*core.App, *httptest.Server) {
	t.Helper()
	options = append([]core.Option{core.WithLogger(slog.New(slog.DiscardHandler))}, options...)
	app, err := core.New(root, options...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	srv := httptest.NewServer(app.Handler())
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := app.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		srv.Close()
	})
	return app, srv
}

// getStatus GETs path and returns the status and body.
func getStatus(t *testing.T, srv *httptest.Server, path string) (int, string) {
	t.Helper()
	res, err := srv.Client().Get(srv.URL + path)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("GET %s: reading the body: %v", path, err)
	}
	return res.StatusCode, string(body)
}

func TestOverrideGuardControllerAndRouteGuards(t *testing.T) {
	root := &module.Module{
		Name:        "secrets",
		Providers:   []any{newRefuseGuard},
		Controllers: []any{NewTaggedSecretController, NewBuiltSecretController},
	}
	paths := []string{"/tagged", "/tagged/deny", "/built", "/built/deny"}

	// Without overrides, the real guards refuse.
	_, plain := serveOverride(t, root)
	for path, want := range map[string]int{"/tagged": 401, "/tagged/deny": 401, "/built": 401, "/built/deny": 403} {
		if status, _ := getStatus(t, plain, path); status != want {
			t.Errorf("without overrides: GET %s: %d; want %d", path, status, want)
		}
	}

	app, srv := serveOverride(t, root,
		core.OverrideGuard[*RefuseGuard](AllowGuard{}),
		core.OverrideGuard[DenyGuard](core.GuardFunc(func(core.Context) (bool, error) { return true, nil })))
	for _, path := range paths {
		if status, body := getStatus(t, srv, path); status != http.StatusOK || body != "secret" {
			t.Errorf("overridden: GET %s: %d %q; want 200 \"secret\"", path, status, body)
		}
	}
	// Each RefuseGuard's scheme is the replacement's; the GuardFunc that
	// replaces DenyGuard has none.
	wantSchemes := map[string]int{"/tagged": 1, "/tagged/deny": 1, "/built": 1, "/built/deny": 0}
	for _, r := range app.Routes() {
		if len(r.Security) != wantSchemes[r.Path] || len(r.Security) == 1 && r.Security[0].Key != "test" {
			t.Errorf("%v: Security %+v; want %d of the replacement's scheme \"test\"", r, r.Security, wantSchemes[r.Path])
		}
	}
}

func TestOverrideGuardAppGuards(t *testing.T) {
	root := &module.Module{
		Name:        "app",
		Providers:   []any{newRefuseGuard},
		Controllers: []any{NewOpenController},
	}
	tests := []struct {
		name     string
		guard    core.Option
		want     int
		override core.Option
	}{
		{"WithGuard[G]", core.WithGuard[*RefuseGuard](), http.StatusUnauthorized, core.OverrideGuard[*RefuseGuard](AllowGuard{})},
		{"WithGuards", core.WithGuards(DenyGuard{}), http.StatusForbidden, core.OverrideGuard[DenyGuard](AllowGuard{})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, plain := serveOverride(t, root, tt.guard)
			if status, _ := getStatus(t, plain, "/open"); status != tt.want {
				t.Fatalf("without overrides: GET /open: %d; want %d", status, tt.want)
			}
			app, srv := serveOverride(t, root, tt.guard, tt.override)
			if status, body := getStatus(t, srv, "/open"); status != http.StatusOK || body != "hello" {
				t.Errorf("overridden: GET /open: %d %q; want 200 \"hello\"", status, body)
			}
			routes := app.Routes()
			if len(routes) != 1 || len(routes[0].Security) != 1 || routes[0].Security[0].Key != "test" {
				t.Errorf("routes %+v; want one whose Security is the replacement's scheme", routes)
			}
		})
	}
}

// TestOverrideGuardWithGuardDoesNotBuildTheOriginal: WithGuard[G] with G
// overridden takes the replacement without asking the graph for a G, so
// a guard whose own dependencies a test lacks need not be provided.
func TestOverrideGuardWithGuardDoesNotBuildTheOriginal(t *testing.T) {
	root := &module.Module{Name: "app", Controllers: []any{NewOpenController}} // no *RefuseGuard provided
	if _, err := core.New(root, core.WithLogger(slog.New(slog.DiscardHandler)), core.WithGuard[*RefuseGuard]()); err == nil {
		t.Fatal("New without the guard's provider: no error; the test proves nothing")
	}
	_, srv := serveOverride(t, root, core.WithGuard[*RefuseGuard](), core.OverrideGuard[*RefuseGuard](AllowGuard{}))
	if status, _ := getStatus(t, srv, "/open"); status != http.StatusOK {
		t.Errorf("GET /open: %d; want 200", status)
	}
}

func TestOverrideGuardErrors(t *testing.T) {
	root := &module.Module{
		Name:        "secrets",
		Providers:   []any{newRefuseGuard},
		Controllers: []any{NewTaggedSecretController},
	}
	var nilGuard *RefuseGuard
	tests := []struct {
		name    string
		options []core.Option
		option  string
		want    string
	}{
		{"unused type", []core.Option{core.OverrideGuard[core.GuardFunc](AllowGuard{})},
			"OverrideGuard[core.GuardFunc]", "no app option, controller or route uses a guard of this type"},
		{"unused app guard type", []core.Option{core.OverrideGuard[AllowGuard](DenyGuard{})},
			"OverrideGuard[core_test.AllowGuard]", "replaces nothing"},
		{"nil replacement", []core.Option{core.OverrideGuard[*RefuseGuard](nil)},
			"OverrideGuard[*core_test.RefuseGuard]", "the replacement guard is nil"},
		{"nil pointer replacement", []core.Option{core.OverrideGuard[*RefuseGuard](nilGuard)},
			"OverrideGuard[*core_test.RefuseGuard]", "the replacement guard is nil"},
		{"nil func replacement", []core.Option{core.OverrideGuard[*RefuseGuard](core.GuardFunc(nil))},
			"OverrideGuard[*core_test.RefuseGuard]", "the replacement guard is nil"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			app, err := core.New(root, append(tt.options, core.WithLogger(slog.New(slog.DiscardHandler)))...)
			var oe *core.OptionError
			if !errors.As(err, &oe) || oe.Option != tt.option || !strings.Contains(err.Error(), tt.want) {
				if app != nil {
					_ = app.Shutdown(context.Background())
				}
				t.Fatalf("New: %v; want an *OptionError of %s saying %q", err, tt.option, tt.want)
			}
		})
	}
}

// TestOverrideGuardOptionServesSeveralApps: one OverrideGuard option given
// to two Apps counts each App's use on its own, so the second App, which
// has no such guard, still fails.
func TestOverrideGuardOptionServesSeveralApps(t *testing.T) {
	override := core.OverrideGuard[*RefuseGuard](AllowGuard{})
	used := &module.Module{Name: "secrets", Providers: []any{newRefuseGuard}, Controllers: []any{NewTaggedSecretController}}
	serveOverride(t, used, override)
	unused := &module.Module{Name: "open", Controllers: []any{NewOpenController}}
	var oe *core.OptionError
	if _, err := core.New(unused, core.WithLogger(slog.New(slog.DiscardHandler)), override); !errors.As(err, &oe) {
		t.Fatalf("New of an App without the guard: %v; want an *OptionError", err)
	}
}

// Overriding a provider of an interface with a fake of another type.

// NoteStore is what NoteController depends on: an interface.
type NoteStore interface{ Note() string }

// PgNoteStore is the real store, provided as a NoteStore.
type PgNoteStore struct{}

func NewPgNoteStore() *PgNoteStore                  { return &PgNoteStore{} }
func (*PgNoteStore) Note() string                   { return "from postgres" }
func (f fakeNoteStore) Note() string                { return string(f) }
func NewNoteController(s NoteStore) *NoteController { return &NoteController{store: s} }

// fakeNoteStore is a test's fake: another type, not a pointer.
type fakeNoteStore string

// NoteController reads the note from its NoteStore.
type NoteController struct {
	core.Controller `path:"/note"`
	store           NoteStore
	_               core.GET `path:"/" handler:"Get"`
}

func (c *NoteController) Get(core.Context) (string, error) { return c.store.Note(), nil }

func TestOverrideProviderOfAnInterfaceWithAnotherType(t *testing.T) {
	pg := module.Provide(NewPgNoteStore, module.As[NoteStore]())
	store := &module.Module{Name: "store", Providers: []any{pg}, Exports: []any{pg}}
	root := &module.Module{Name: "notes", Imports: []*module.Module{store}, Controllers: []any{NewNoteController}}
	_, plain := serveOverride(t, root)
	if _, body := getStatus(t, plain, "/note"); body != "from postgres" {
		t.Fatalf("without the override: GET /note: %q; want \"from postgres\"", body)
	}

	tests := []struct {
		name        string
		replacement any
	}{
		{"value", fakeNoteStore("from the fake")},
		{"constructor", func() fakeNoteStore { return "from the fake" }},
		{"constructor returning the interface", func() (NoteStore, error) { return fakeNoteStore("from the fake"), nil }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, srv := serveOverride(t, root, core.OverrideProvider[NoteStore](tt.replacement))
			if status, body := getStatus(t, srv, "/note"); status != http.StatusOK || body != "from the fake" {
				t.Errorf("GET /note: %d %q; want 200 \"from the fake\"", status, body)
			}
		})
	}
}

// The route map names the replacement, not the guard it replaced.
func TestOverrideGuardInTheRouteMap(t *testing.T) {
	root := &module.Module{Name: "secrets", Providers: []any{newRefuseGuard}, Controllers: []any{NewTaggedSecretController}}
	logs := &syncBuffer{}
	_, err := core.New(root, core.WithLogger(slog.New(slog.NewTextHandler(logs, nil))), core.OverrideGuard[*RefuseGuard](AllowGuard{}))
	if err != nil {
		t.Fatal(err)
	}
	if out := logs.String(); !strings.Contains(out, `controller=TaggedSecretController guards=AllowGuard`) || strings.Contains(out, "RefuseGuard") {
		t.Errorf("the route map: %s", out)
	}
}
