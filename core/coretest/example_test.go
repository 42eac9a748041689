package coretest_test

import (
	"fmt"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/godanet/godanet/core"
	"github.com/godanet/godanet/core/coretest"
	"github.com/godanet/godanet/module"
)

// TokenGuard is the app's real guard: without a token, it refuses.
type TokenGuard struct{}

func (*TokenGuard) CanActivate(c core.Context) (bool, error) {
	if c.Request().Header.Get("Authorization") == "" {
		return false, core.Unauthorized("a token is required")
	}
	return true, nil
}

func NewTokenGuard() *TokenGuard { return &TokenGuard{} }

type SecretController struct {
	core.Controller `path:"/secret" guards:"Auth"`
	Auth            *TokenGuard
	_               core.GET `path:"/" handler:"Get"`
}

func NewSecretController(g *TokenGuard) *SecretController { return &SecretController{Auth: g} }

func (*SecretController) Get(core.Context) (string, error) { return "the secret", nil }

var SecretModule = &module.Module{
	Name:        "secret",
	Providers:   []any{NewTokenGuard},
	Controllers: []any{NewSecretController},
}

// testSecret is what a test of the secret route would be: the guard is
// replaced by one that lets every request through.
func testSecret(t testing.TB) {
	srv := coretest.Start(t, SecretModule,
		core.WithLogger(slog.New(slog.DiscardHandler)),
		core.OverrideGuard[*TokenGuard](core.GuardFunc(func(core.Context) (bool, error) { return true, nil })))

	res := srv.Do(httptest.NewRequest(http.MethodGet, "/secret", nil))
	body, _ := io.ReadAll(res.Body)
	fmt.Println(res.StatusCode, string(body))
}

// ExampleStart runs testSecret as a test would, with a stand-in for the
// *testing.T that runs the cleanups as the test's end does.
func ExampleStart() {
	t := &exampleT{}
	testSecret(t)
	t.end()
	// Output: 200 the secret
}

// exampleT stands in for *testing.T so the example runs as a program.
type exampleT struct {
	testing.TB // nil: only the methods below are called
	cleanups   []func()
}

func (*exampleT) Helper()                           {}
func (t *exampleT) Cleanup(f func())                { t.cleanups = append(t.cleanups, f) }
func (*exampleT) Fatalf(format string, args ...any) { log.Fatalf(format, args...) }
func (*exampleT) Errorf(format string, args ...any) { log.Printf(format, args...) }

// end runs the cleanups, last registered first, as testing does.
func (t *exampleT) end() {
	for _, f := range slices.Backward(t.cleanups) {
		f()
	}
}
