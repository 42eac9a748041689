package sse_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestStandardLibraryOnly keeps the package usable from any net/http
// handler without pulling in echo or anything else: every package it
// depends on, directly or not, is the standard library's (or its own).
func TestStandardLibraryOnly(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	for _, dep := range strings.Fields(string(out)) {
		if dep != "github.com/godanet/godanet/sse" {
			t.Errorf("package sse depends on %s; it imports the standard library only", dep)
		}
	}
}
