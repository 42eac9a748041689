package openapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/godanet/godanet/core"
	"github.com/godanet/godanet/openapi/swaggerui"
)

// Config is the document With builds and serves. Title and Version are
// required.
type Config struct {
	// Title, Version and Description are the document's info.
	Title, Version, Description string
	// DocumentPath is where the document is served as JSON (default
	// "/openapi.json"); "-" serves none (DocumentOf still returns it).
	DocumentPath string
	// DocsPath is where the docs page is served (default "/docs"): Swagger
	// UI, from assets inside the binary (package swaggerui). "-" serves
	// none; so does a DocumentPath of "-".
	DocsPath string
	// ItemSchema describes an SSE route's events with OpenAPI 3.2's
	// itemSchema (the schema of each event of the stream) instead of the
	// stream's schema being a oneOf of the events; the document then says
	// it is OpenAPI 3.2.0.
	ItemSchema bool
}

// With is the core.Option that describes the App in an OpenAPI document,
// built from its route table in core.New, and serves it at DocumentPath
// with a docs page at DocsPath:
//
//	app, err := core.New(root, openapi.With(openapi.Config{Title: "Todos", Version: "1.0.0"}))
//
// A route whose types cannot be described fails core.New, naming the
// route. DocumentOf returns the document.
func With(c Config) core.Option {
	return core.WithExtension(fmt.Sprintf("openapi.With(%q)", c.Title), func() core.Extension { return &extension{config: c} })
}

// DocumentOf returns the document With built for app, or nil when app has
// none. Marshal it with encoding/json to write it to a file; do not change
// it, as the App serves the JSON it made in core.New.
func DocumentOf(app *core.App) *openapi3.T {
	for _, e := range app.Extensions() {
		if x, ok := e.(*extension); ok {
			return x.document
		}
	}
	return nil
}

// extension is With's core.Extension.
type extension struct {
	config   Config
	document *openapi3.T
}

func (x *extension) String() string { return fmt.Sprintf("openapi.With(%q)", x.config.Title) }

// Extend builds the document from the route table and returns what serves
// it: the JSON, made once, and the docs page.
func (x *extension) Extend(routes []core.RouteInfo) ([]core.Mount, error) {
	doc, err := Build(x.config, routes)
	if err != nil {
		return nil, err
	}
	x.document = doc
	body, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("openapi: writing the document: %w", err)
	}
	documentPath, docsPath := orDefault(x.config.DocumentPath, "/openapi.json"), orDefault(x.config.DocsPath, "/docs")
	if len(docsPath) > 1 {
		docsPath = strings.TrimSuffix(docsPath, "/") // "/docs/" is "/docs"
	}
	var mounts []core.Mount
	if documentPath != "-" {
		mounts = append(mounts, core.Mount{Path: documentPath, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", mimeJSON)
			w.Header().Set("Cache-Control", "no-cache")
			_, _ = w.Write(body)
		})})
		if docsPath != "-" {
			mounts = append(mounts, core.Mount{Path: docsPath, Handler: swaggerui.Handler(docsPath, documentPath, x.config.Title), Subtree: true})
		}
	}
	return mounts, nil
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
