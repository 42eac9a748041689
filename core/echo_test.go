package core_test

import (
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
