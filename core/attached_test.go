package core_test

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/godanet/godanet/core"
	"github.com/godanet/godanet/core/coretest"
	"github.com/godanet/godanet/module"
)

// Member is who sent a request, as MemberGuard finds it. Its rule is
// the server's business: a member without an email is no client error.
type Member struct {
	Name  string
	Email string `validate:"required,email"`
}

// Tenant is a value of a named type, attached by middleware.
type Tenant string

// Plan is attached as a struct value with a rule of its own, which the
// validator would look into even zero: the input is validated leaving it
// out by name.
type Plan struct {
	Name string `validate:"required"`
}

// MemberGuard admits "X-Member: <name>" and attaches the *Member; it says
// so, for New's check.
type MemberGuard struct{}

func (MemberGuard) CanActivate(c core.Context) (bool, error) {
	name := c.Request().Header.Get("X-Member")
	if name == "" {
		return false, core.Unauthorized("send X-Member")
	}
	core.Attach(c, &Member{Name: name})
	return true, nil
}

func (MemberGuard) Attaches() []reflect.Type { return []reflect.Type{reflect.TypeFor[*Member]()} }

var _ core.AttachingGuard = MemberGuard{}

type MeInput struct {
	Note   string  `json:"note"`
	Member *Member `attached:""`
}

type GreetInput struct {
	Member *Member `attached:"optional"`
	Tenant Tenant  `attached:"optional"`
}

type AttachedController struct {
	core.Controller `path:"/"`
	Members         MemberGuard
	// Silent is a guard that does not say what it attaches, and attaches
	// nothing.
	Silent core.GuardFunc

	_ core.POST `path:"/me" handler:"Me" guards:"Members"`
	_ core.GET  `path:"/greet" handler:"Greet"`
	_ core.GET  `path:"/silent" handler:"Silent2" guards:"Silent"`
}

func NewAttachedController() *AttachedController {
	return &AttachedController{Silent: func(core.Context) (bool, error) { return true, nil }}
}

func (c *AttachedController) Routes(r *core.Routes) {
	tenant := func(next core.HandlerFunc) core.HandlerFunc {
		return func(ctx core.Context) error {
			core.Attach(ctx, Tenant(ctx.QueryParam("tenant")))
			return next(ctx)
		}
	}
	r.GET("/tenant", c.Greet).Use(tenant)
	r.GET("/whoami", c.WhoAmI).Guard(c.Members)
	nilError := func(next core.HandlerFunc) core.HandlerFunc {
		return func(ctx core.Context) error {
			core.Attach[error](ctx, nil)
			return next(ctx)
		}
	}
	r.GET("/nil-error", c.NilError).Use(nilError)
	plan := func(next core.HandlerFunc) core.HandlerFunc {
		return func(ctx core.Context) error {
			core.Attach(ctx, Plan{}) // breaks Plan's own rule: the server's business
			return next(ctx)
		}
	}
	r.GET("/plan", c.Plan).Use(plan)
}

type PlanInput struct {
	Limit int  `query:"limit" validate:"lte=10"`
	Plan  Plan `attached:""`
}

// Plan reads a struct value attached beside a validated query parameter.
func (c *AttachedController) Plan(_ core.Context, in PlanInput) (string, error) {
	return fmt.Sprintf("plan %q limit %d", in.Plan.Name, in.Limit), nil
}

// NilError reads an attached nil interface.
func (c *AttachedController) NilError(ctx core.Context) (string, error) {
	err, ok := core.Attached[error](ctx)
	return fmt.Sprintf("%v %v", err, ok), nil
}

func (c *AttachedController) Me(_ core.Context, in MeInput) (string, error) {
	return in.Member.Name + ": " + in.Note, nil
}

func (c *AttachedController) Silent2(_ core.Context, in MeInput) (string, error) {
	return in.Member.Name, nil
}

func (c *AttachedController) Greet(_ core.Context, in GreetInput) (string, error) {
	who := "anonymous"
	if in.Member != nil {
		who = in.Member.Name
	}
	if in.Tenant != "" {
		who += " of " + string(in.Tenant)
	}
	return "hello " + who, nil
}

// WhoAmI reads the value without an input struct.
func (c *AttachedController) WhoAmI(ctx core.Context) (string, error) {
	m, ok := core.Attached[*Member](ctx)
	if !ok {
		return "", errors.New("no member")
	}
	if _, ok := core.Attached[Tenant](ctx); ok {
		return "", errors.New("a tenant nobody attached")
	}
	return m.Name, nil
}

// A guard attaches a typed value and the handler receives it in its
// input; the body cannot fill it; an optional field is zero when nothing
// attached it; route middleware can attach too; and a route whose guard
// attached nothing answers a logged 500, not a panic.
func TestAttachedValues(t *testing.T) {
	logs := &syncBuffer{}
	srv := coretest.Start(t, &module.Module{Name: "attached", Controllers: []any{NewAttachedController}},
		core.WithLogger(slog.New(slog.NewTextHandler(logs, nil))))
	call := func(method, path, body string, header map[string]string) (int, string) {
		t.Helper()
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		for k, v := range header {
			req.Header.Set(k, v)
		}
		res := srv.Do(req)
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	ann := map[string]string{"X-Member": "ann"}

	if status, body := call("POST", "/me", `{"note":"hi","Member":{"Name":"mallory"}}`, ann); status != 200 || body != "ann: hi" {
		t.Errorf("POST /me as ann, with a body naming another member: %d %s", status, body)
	}
	if status, body := call("POST", "/me", `{"note":"hi","member":"not even an object"}`, ann); status != 200 || body != "ann: hi" {
		t.Errorf("POST /me as ann, with a body key member of another type: %d %s", status, body)
	}
	if status, _ := call("POST", "/me", `{"note":"hi"}`, nil); status != 401 {
		t.Errorf("POST /me without X-Member: %d, want the guard's 401", status)
	}
	if status, body := call("GET", "/greet", "", ann); status != 200 || body != "hello anonymous" {
		t.Errorf("GET /greet, which no guard guards: %d %s", status, body)
	}
	if status, body := call("GET", "/tenant?tenant=acme", "", nil); status != 200 || body != "hello anonymous of acme" {
		t.Errorf("GET /tenant, with route middleware attaching the tenant: %d %s", status, body)
	}
	if status, body := call("GET", "/whoami", "", ann); status != 200 || body != "ann" {
		t.Errorf("GET /whoami, read with core.Attached: %d %s", status, body)
	}
	if status, body := call("GET", "/plan?limit=3", "", nil); status != 200 || body != `plan "" limit 3` {
		t.Errorf("GET /plan, a struct value attached: %d %s", status, body)
	}
	if status, body := call("GET", "/plan?limit=11", "", nil); status != 400 || !strings.Contains(body, `"field":"limit"`) || strings.Contains(body, "Name") {
		t.Errorf("GET /plan?limit=11: %d %s; want a 400 for the query alone", status, body)
	}
	if status, body := call("GET", "/nil-error", "", nil); status != 200 || body != "<nil> true" {
		t.Errorf("GET /nil-error, a nil interface attached: %d %s", status, body)
	}

	status, body := call("GET", "/silent", "", nil)
	if status != 500 || strings.Contains(body, "Member") {
		t.Errorf("GET /silent, whose guard attached nothing: %d %s; want a 500 that keeps its cause to the log", status, body)
	}
	for _, want := range []string{"GET /silent", "field Member of core_test.MeInput needs an attached *core_test.Member", "(nothing was attached)", "core.Attach"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("the log does not say %q:\n%s", want, logs.String())
		}
	}
}

type OrphanController struct {
	core.Controller `path:"/"`
	Members         MemberGuard

	_ core.POST `path:"/me" handler:"Me"`
}

func (c *OrphanController) Me(_ core.Context, in MeInput) (string, error) { return "", nil }

// TenantGuard attaches a Tenant, and says so.
type TenantGuard struct{}

func (TenantGuard) CanActivate(c core.Context) (bool, error) { return true, nil }
func (TenantGuard) Attaches() []reflect.Type                 { return []reflect.Type{reflect.TypeFor[Tenant]()} }

type WrongGuardController struct {
	core.Controller `path:"/" guards:"Tenants"`
	Tenants         TenantGuard

	_ core.POST `path:"/me" handler:"Me"`
}

func (c *WrongGuardController) Me(_ core.Context, in MeInput) (string, error) { return "", nil }

type JSONAttachedController struct{}

func (c *JSONAttachedController) Routes(r *core.Routes) { r.POST("/x", c.Post) }

func (c *JSONAttachedController) Post(core.Context, struct {
	Member *Member `attached:"" json:"member"`
}) error {
	return nil
}

type BadTagAttachedController struct{}

func (c *BadTagAttachedController) Routes(r *core.Routes) { r.POST("/x", c.Post) }

func (c *BadTagAttachedController) Post(core.Context, struct {
	Member *Member `attached:"required"`
}) error {
	return nil
}

type UnexportedAttachedController struct{}

func (c *UnexportedAttachedController) Routes(r *core.Routes) { r.POST("/x", c.Post) }

func (c *UnexportedAttachedController) Post(core.Context, struct {
	member *Member `attached:""`
}) error {
	return nil
}

type ParamAttachedController struct{}

func (c *ParamAttachedController) Routes(r *core.Routes) { r.POST("/x/:id", c.Post) }

func (c *ParamAttachedController) Post(core.Context, struct {
	Member string `attached:"" param:"id"`
}) error {
	return nil
}

type NestedAttachedController struct{}

func (c *NestedAttachedController) Routes(r *core.Routes) { r.POST("/x", c.Post) }

func (c *NestedAttachedController) Post(core.Context, struct {
	Inner struct {
		Member *Member `attached:""`
	} `json:"inner"`
}) error {
	return nil
}

// A route whose handler needs an attached value that nothing on the route
// attaches fails New, naming the route, the field and the type; so do the
// tags an attached field cannot have.
func TestAttachedStartupErrors(t *testing.T) {
	for _, tc := range []struct {
		name       string
		controller any
		want       []string
	}{
		{"no guard at all", &OrphanController{}, []string{"POST /me", "field Member of core_test.MeInput needs an attached *core_test.Member", "nothing on the route attaches one (no guard)", `attached:"optional"`}},
		{"a guard that attaches something else", &WrongGuardController{}, []string{"POST /me", "TenantGuard attaches core_test.Tenant"}},
		{"attached and json", &JSONAttachedController{}, []string{"POST /x", `field Member is attached and tagged json "member"`, "drop the json tag"}},
		{"a tag value that means nothing", &BadTagAttachedController{}, []string{`tagged attached:"required"`, `attached:"optional"`}},
		{"inside a body field", &NestedAttachedController{}, []string{"field Inner.Member is tagged attached inside a body field"}},
		{"unexported", &UnexportedAttachedController{}, []string{"field member is tagged attached but unexported", "rename it Member"}},
		{"attached and param", &ParamAttachedController{}, []string{`field Member is attached and tagged param "id" too`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := core.New(&module.Module{Name: "m", Controllers: []any{tc.controller}}, core.WithLogger(slog.New(slog.DiscardHandler)))
			var ce *core.ControllerError
			if !errors.As(err, &ce) {
				t.Fatalf("New: %v, want a *core.ControllerError", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("the error does not say %q:\n%v", w, err)
				}
			}
		})
	}
}

// A test that overrides the guard with one that attaches a fake member
// reaches the route as that member: New cannot see into a GuardFunc, so it
// leaves the check to the request.
func TestAttachedValueFromOverriddenGuard(t *testing.T) {
	fake := core.GuardFunc(func(c core.Context) (bool, error) {
		core.Attach(c, &Member{Name: "tester"})
		return true, nil
	})
	srv := coretest.Start(t, &module.Module{Name: "attached", Controllers: []any{NewAttachedController}},
		core.WithLogger(slog.New(slog.DiscardHandler)), core.OverrideGuard[MemberGuard](fake))
	req := httptest.NewRequest("POST", "/me", strings.NewReader(`{"note":"n"}`))
	req.Header.Set("Content-Type", "application/json")
	res := srv.Do(req)
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK || string(b) != "tester: n" {
		t.Fatalf("POST /me with the guard overridden: %d %s", res.StatusCode, b)
	}
}
