package core_test

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"

	"github.com/godanet/godanet/core"
	"github.com/godanet/godanet/module"
)

// Reader is who signed in, as ReaderGuard finds them.
type Reader struct{ Name string }

// ReaderGuard attaches the *Reader its header names, and says it does.
type ReaderGuard struct{}

func (ReaderGuard) CanActivate(c core.Context) (bool, error) {
	name := c.Request().Header.Get("X-Reader")
	if name == "" {
		return false, core.Unauthorized("send X-Reader")
	}
	core.Attach(c, &Reader{Name: name})
	return true, nil
}

func (ReaderGuard) Attaches() []reflect.Type { return []reflect.Type{reflect.TypeFor[*Reader]()} }

// LoanController lends books to the reader the guard attached; the
// Bracket interceptor wraps its answer.
type LoanController struct{ Readers ReaderGuard }

func (c *LoanController) Routes(r *core.Routes) {
	r.POST("/loans/:book", c.Lend).Guard(c.Readers).Intercept(core.InterceptorFunc(Bracket))
}

type LendInput struct {
	Book   string  `param:"book"`
	Reader *Reader `attached:""`
}

func (c *LoanController) Lend(_ core.Context, in LendInput) (string, error) {
	return in.Book + " lent to " + in.Reader.Name, nil
}

// Bracket is an interceptor: it sees the input and changes the result.
func Bracket(_ core.Context, in any, next core.Next) (any, error) {
	result, err := next()
	if err != nil {
		return nil, err
	}
	return fmt.Sprintf("[%s] (for %s)", result, in.(LendInput).Reader.Name), nil
}

func ExampleAttach() {
	app, err := core.New(&module.Module{Name: "loans", Controllers: []any{&LoanController{}}},
		core.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		fmt.Println(err)
		return
	}
	req := httptest.NewRequest(http.MethodPost, "/loans/dune", nil)
	req.Header.Set("X-Reader", "ann")
	rec := httptest.NewRecorder()
	app.ServeHTTP(rec, req)
	fmt.Println(rec.Code, rec.Body)
	// Output:
	// 200 [dune lent to ann] (for ann)
}
