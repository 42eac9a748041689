package core_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestNoOpenAPIInCore: core describes its routes (RouteInfo) and package
// openapi builds the document from them, so that an app that does not use
// openapi.With links neither kin-openapi, its YAML and JSON Schema
// libraries, nor the docs page's assets (6.5 MB when core imported them).
func TestNoOpenAPIInCore(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	for _, dep := range strings.Fields(string(out)) {
		for _, banned := range []string{"github.com/getkin/", "github.com/godanet/godanet/openapi", "github.com/santhosh-tekuri/", "go.yaml.in/", "gopkg.in/yaml"} {
			if strings.HasPrefix(dep, banned) {
				t.Errorf("core depends on %s; it must not depend on the OpenAPI document (package openapi reads core's RouteInfo)", dep)
			}
		}
	}
}
