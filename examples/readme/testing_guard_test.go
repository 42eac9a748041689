package readme

import (
	"io"
	"strings"
	"testing"
)

// TestReadmeOverrideGuard runs the README's guard override: without a
// token, the guarded POST /todos creates the todo.
func TestReadmeOverrideGuard(t *testing.T) {
	res := CreateWithoutAToken(t)
	body, err := io.ReadAll(res.Body)
	if err != nil || res.StatusCode != 201 || !strings.Contains(string(body), "no token needed") {
		t.Fatalf("POST /todos without a token: %d %s (%v); want 201 with the todo", res.StatusCode, body, err)
	}
}
