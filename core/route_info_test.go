package core_test

import (
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/godanet/godanet/core"
	"github.com/godanet/godanet/module"
)

// App.Routes returns copies: changing them leaves the App's table alone.
func TestRoutesReturnsCopies(t *testing.T) {
	app, err := core.New(&module.Module{Name: "cookies", Controllers: []any{&CookieController{}}}, core.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatal(err)
	}
	routes := app.Routes()
	if len(routes) != 1 || len(routes[0].Params) != 2 || routes[0].Params[0].Name != "session" || routes[0].Params[0].In != "cookie" {
		t.Fatalf("routes: %+v", routes)
	}
	routes[0].Params[0].Name = "changed"
	if app.Routes()[0].Params[0].Name != "session" {
		t.Error("changing what Routes returned changed the App's table")
	}
}

// mountExtension serves one handler at path.
type mountExtension struct {
	path    string
	subtree bool
}

func (m mountExtension) String() string { return "mountExtension(" + m.path + ")" }

func (m mountExtension) Extend([]core.RouteInfo) ([]core.Mount, error) {
	return []core.Mount{{Path: m.path, Handler: http.NotFoundHandler(), Subtree: m.subtree}}, nil
}

// An extension's mount that no request could reach, or that would hide a
// route, fails New with an *OptionError naming the extension.
func TestExtensionMountsAreChecked(t *testing.T) {
	for _, tt := range []struct {
		mount mountExtension
		want  string
	}{
		{mountExtension{path: "docs"}, `path "docs" must begin with "/"`},
		{mountExtension{path: "/docs/"}, `path "/docs/" must begin with "/", not end with one`},
		{mountExtension{path: "/ticks"}, "GET /ticks is taken by TickController.Ticks"},
		{mountExtension{path: "/", subtree: true}, "/ and what is under it would hide"},
	} {
		_, err := core.New(&module.Module{Name: "cookies", Controllers: []any{&CookieController{}, &TickController{}}},
			core.WithLogger(slog.New(slog.DiscardHandler)), core.WithExtension(tt.mount.String(), func() core.Extension { return tt.mount }))
		var oe *core.OptionError
		if !errors.As(err, &oe) || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), tt.mount.String()) {
			t.Errorf("%+v: %v; want an *OptionError saying %q", tt.mount, err, tt.want)
		}
	}
}
