package core_test

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestNoOpenAPIInCore: core describes its routes (RouteInfo) and package
// openapi builds the document from them, so that an app that does not
// use openapi.With links neither kin-openapi nor the docs page's assets
// (6.5 MB when core imported them).
func TestNoOpenAPIInCore(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), name, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			if strings.HasPrefix(path, "github.com/getkin/") || strings.HasPrefix(path, "github.com/godanet/godanet/openapi") {
				t.Errorf("%s imports %s; core must not depend on the OpenAPI document (package openapi reads core's RouteInfo)", name, path)
			}
		}
	}
}
