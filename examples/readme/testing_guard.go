package readme

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/godanet/godanet/core"
	"github.com/godanet/godanet/core/coretest"
)

// CreateWithoutAToken is the README's guard override, as a test would
// write it: TodoModule served with its TokenGuard replaced, and a todo
// created without a token.
func CreateWithoutAToken(t testing.TB) *http.Response {
	// readme:begin testing
	allow := core.GuardFunc(func(core.Context) (bool, error) { return true, nil })
	srv := coretest.Start(t, TodoModule, core.OverrideGuard[*TokenGuard](allow)) // stopped when t ends

	req := httptest.NewRequest("POST", "/todos", strings.NewReader(`{"title":"no token needed"}`))
	req.Header.Set("Content-Type", "application/json")
	res := srv.Do(req) // 201: every TokenGuard, app, controller or route, lets it through
	// readme:end
	return res
}
