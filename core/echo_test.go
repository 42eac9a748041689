package core_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestEchoBehindOneFile keeps echo v4's particulars in echo.go: no other
// file of core imports echo, so that moving to another echo is a change to
// that file.
func TestEchoBehindOneFile(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	importers := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parser.ParseFile(token.NewFileSet(), name, src, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			if !strings.HasPrefix(path, "github.com/labstack/echo") {
				continue
			}
			importers++
			if name != "echo.go" {
				t.Errorf("%s imports %s; only echo.go may: use core.Context, core.HandlerFunc and core.MiddlewareFunc, or add what you need of echo to echo.go", name, path)
			}
		}
	}
	if importers != 1 {
		t.Errorf("%d files of core import echo; want echo.go alone", importers)
	}
}

// TestEngineBehindOneFile: the echo instance itself (App.engine, echo's
// *Echo) is used in echo.go alone, so that echo's server, listener,
// router and middleware API are its particulars too, not only its import.
func TestEngineBehindOneFile(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") || name == "echo.go" {
			continue
		}
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if sel, ok := n.(*ast.SelectorExpr); ok && sel.Sel.Name == "engine" {
				t.Errorf("%s: %s uses the echo instance; do it in a function of echo.go", name, fset.Position(sel.Pos()))
			}
			return true
		})
	}
}
