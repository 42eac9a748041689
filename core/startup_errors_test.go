package core_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/godanet/godanet/core"
	"github.com/godanet/godanet/module"
	"github.com/godanet/godanet/sse"
	"go.uber.org/dig"
)

// The fixtures below are small on purpose: each controller differs from a
// working one by the one mistake its test case is about.

type Thing struct {
	ID   int    `json:"id"`
	Name string `json:"name"`
}

type ThingID struct {
	ID int `param:"id" validate:"gt=0"`
}

type CreateThing struct {
	Name string `json:"name" validate:"required,max=50"`
}

type ThingStore struct{}

func NewThingStore() *ThingStore { return &ThingStore{} }

var errStoreDown = errors.New("the store is down")

func NewBrokenThingStore() (*ThingStore, error) { return nil, errStoreDown }

// thingHandlers are the handlers every controller below shares, promoted
// by embedding; each controller adds the tags under test.
type thingHandlers struct {
	Store *ThingStore
}

func (h *thingHandlers) List(core.Context) ([]Thing, error) { return nil, nil }

func (h *thingHandlers) Get(_ core.Context, in ThingID) (Thing, error) {
	return Thing{ID: in.ID}, nil
}

func (h *thingHandlers) Create(_ core.Context, in CreateThing) (Thing, error) {
	return Thing{ID: 1, Name: in.Name}, nil
}

func handlers(s *ThingStore) thingHandlers { return thingHandlers{Store: s} }

// GuardByValueController holds its guard by value, though CanActivate has a
// pointer receiver.
type GuardByValueController struct {
	core.Controller `path:"/things" guards:"Key"`
	thingHandlers
	Key APIKeyGuard
	_   core.GET `path:"/" handler:"List"`
}

// SSENotAChannelController marks a route SSE whose handler returns JSON.
type SSENotAChannelController struct {
	core.Controller `path:"/things"`
	thingHandlers
	_ core.SSE `path:"/events" handler:"List"`
}

// ChannelNotSSEController returns a channel of sse.Message from a plain GET.
type ChannelNotSSEController struct {
	core.Controller `path:"/things"`
	_               core.GET `path:"/events" handler:"Events"`
}

func (ChannelNotSSEController) Events(core.Context) (<-chan sse.Message, error) { return nil, nil }

// SSEBuilderWrongController declares r.SSE with a handler returning a
// channel of the wrong element type.
type SSEBuilderWrongController struct{}

func (c *SSEBuilderWrongController) Routes(r *core.Routes) { r.SSE("/events", c.Events) }

func (c *SSEBuilderWrongController) Events(core.Context) (<-chan string, error) { return nil, nil }

// NilGuardController registers a guard field its constructor never set.
type NilGuardController struct {
	Auth *APIKeyGuard
}

func (c *NilGuardController) Routes(r *core.Routes) { r.GET("/things", c.List).Guard(c.Auth) }

func (c *NilGuardController) List(core.Context) ([]Thing, error) { return nil, nil }

// NilMiddlewareController uses a nil middleware for all its routes.
type NilMiddlewareController struct{ thingHandlers }

func (c *NilMiddlewareController) Routes(r *core.Routes) {
	var audit core.MiddlewareFunc
	r.Use(audit)
	r.GET("/things", c.List)
}

// SSEStatusController gives an SSE route a status.
type SSEStatusController struct{}

func (c *SSEStatusController) Routes(r *core.Routes) { r.SSE("/events", c.Events).Status(201) }

func (c *SSEStatusController) Events(core.Context) (<-chan sse.Message, error) { return nil, nil }

// Address hides an unknown validate rule behind a pointer.
type Address struct {
	City string `json:"city" validate:"nosuchrule"`
}

type NestedRuleInput struct {
	Address *Address `json:"address"`
}

type NestedRuleController struct{}

func (c *NestedRuleController) Routes(r *core.Routes) { r.POST("/things", c.Create) }

func (c *NestedRuleController) Create(core.Context, NestedRuleInput) error { return nil }

type MisspelledController struct {
	core.Controller `path:"/things"`
	thingHandlers
	_ core.POST `path:"/" handler:"Craete" status:"201"`
}

type UnexportedController struct {
	core.Controller `path:"/things"`
	thingHandlers
	_ core.GET `path:"/" handler:"list"`
}

type BadSignatureController struct {
	core.Controller `path:"/things"`
	thingHandlers
	_ core.GET `path:"/count" handler:"Count"`
}

func (c *BadSignatureController) Count(limit int) (int, error) { return limit, nil }

type BadResultController struct {
	core.Controller `path:"/things"`
	thingHandlers
	_ core.GET `path:"/count" handler:"Count"`
}

func (c *BadResultController) Count(core.Context) (int, string) { return 0, "" }

type ScalarInputController struct {
	core.Controller `path:"/things"`
	thingHandlers
	_ core.GET `path:"/:id" handler:"Find"`
}

func (c *ScalarInputController) Find(core.Context, int) (Thing, error) { return Thing{}, nil }

type NotAGuardController struct {
	core.Controller `path:"/things"`
	thingHandlers
	_ core.POST `path:"/" handler:"Create" guards:"Store"`
}

type NoSuchGuardController struct {
	core.Controller `path:"/things"`
	thingHandlers
	_ core.POST `path:"/" handler:"Create" guards:"Auth"`
}

type WordStatusController struct {
	core.Controller `path:"/things"`
	thingHandlers
	_ core.POST `path:"/" handler:"Create" status:"abc"`
}

type WordBodyLimitController struct {
	core.Controller `path:"/things"`
	thingHandlers
	_ core.POST `path:"/" handler:"Create" bodylimit:"lots"`
}

type ZeroBodyLimitController struct{ thingHandlers }

func (c *ZeroBodyLimitController) Routes(r *core.Routes) {
	r.POST("/things", c.Create).BodyLimit(0)
}

type BigStatusController struct {
	core.Controller `path:"/things"`
	thingHandlers
	_ core.POST `path:"/" handler:"Create" status:"999"`
}

type ThingController struct {
	core.Controller `path:"/things"`
	thingHandlers
	_ core.GET  `path:"/"    handler:"List"`
	_ core.GET  `path:"/:id" handler:"Get"`
	_ core.POST `path:"/"    handler:"Create" status:"201"`
}

func NewThingController(s *ThingStore) *ThingController {
	return &ThingController{thingHandlers: handlers(s)}
}

type LegacyThingController struct {
	core.Controller `path:"/things/"`
	thingHandlers
	_ core.POST `path:"/" handler:"Create"`
}

type ParamNameController struct {
	core.Controller `path:"/things"`
	thingHandlers
	_ core.GET `path:"/:thingID" handler:"Get"`
}

type CatchAllController struct {
	core.Controller `path:"/things"`
	thingHandlers
	_ core.ANY `path:"/" handler:"List"`
}

// MixedController declares POST /things twice: by tag and in Routes.
type MixedController struct {
	core.Controller `path:"/things"`
	thingHandlers
	_ core.POST `path:"/" handler:"Create" status:"201"`
}

func (c *MixedController) Routes(r *core.Routes) { r.POST("/", c.Create) }

type EmptyController struct {
	thingHandlers
}

type NilHandlerController struct{ thingHandlers }

func (c *NilHandlerController) Routes(r *core.Routes) { r.GET("/", nil) }

type NilFuncController struct {
	thingHandlers
	Lister func(core.Context) ([]Thing, error) // never set
}

func (c *NilFuncController) Routes(r *core.Routes) { r.GET("/things", c.Lister) }

type BuilderStatusController struct{ thingHandlers }

func (c *BuilderStatusController) Routes(r *core.Routes) {
	r.POST("/things", c.Create).Status(999)
}

type UnknownRuleController struct {
	core.Controller `path:"/things"`
	thingHandlers
	_ core.POST `path:"/" handler:"Rename"`
}

type RenameThing struct {
	Name string `json:"name" validate:"required,slug"`
}

func (c *UnknownRuleController) Rename(core.Context, RenameThing) error { return nil }

// Chicken and Egg need each other: a cycle dig rejects.
type (
	Chicken struct{ egg *Egg }
	Egg     struct{ chicken *Chicken }
)

func NewChicken(e *Egg) *Chicken { return &Chicken{egg: e} }
func NewEgg(c *Chicken) *Egg     { return &Egg{chicken: c} }

// Migrator fails its OnModuleInit hook.
type Migrator struct{}

var errMigration = errors.New("migration 7 failed")

func NewMigrator() *Migrator { return &Migrator{} }

func (*Migrator) OnModuleInit(context.Context) error { return errMigration }

// APIKeyGuard is an app guard no module provides.
type APIKeyGuard struct{}

func (*APIKeyGuard) CanActivate(core.Context) (bool, error) { return true, nil }

var _ core.Guard = (*APIKeyGuard)(nil)

// thingsModule is the module most cases build: it provides the store and
// declares the given controllers.
func thingsModule(controllers ...any) *module.Module {
	return &module.Module{Name: "things", Providers: []any{NewThingStore}, Controllers: controllers}
}

func TestNewStartupErrors(t *testing.T) {
	storeNotExported := &module.Module{Name: "store", Providers: []any{NewThingStore}}
	storeExported := &module.Module{Name: "store", Providers: []any{NewThingStore}, Exports: []any{NewThingStore}}

	tests := []struct {
		name    string
		root    *module.Module
		options []core.Option
		want    []string // substrings of the message, in any order
		is      error    // when set, errors.Is must reach it
		cause   func(error) bool
	}{
		{
			name: "unknown handler name",
			root: thingsModule(&MisspelledController{}),
			want: []string{`core: module "things"`, "controller *core_test.MisspelledController", "route POST /things",
				`handler "Craete" not found`, "(methods: Create, Get, List)"},
		},
		{
			name: "unexported handler",
			root: thingsModule(&UnexportedController{}),
			want: []string{`module "things"`, "*core_test.UnexportedController", "route GET /things",
				`handler "list" is unexported`, `rename it "List"`},
		},
		{
			name: "handler without core.Context",
			root: thingsModule(&BadSignatureController{}),
			want: []string{`module "things"`, "*core_test.BadSignatureController", "route GET /things/count", `handler "Count"`,
				"unsupported signature func(int) (int, error)",
				"func(core.Context) error, func(core.Context) (T, error), func(core.Context, In) error or func(core.Context, In) (T, error)"},
		},
		{
			name: "handler result is not an error",
			root: thingsModule(&BadResultController{}),
			want: []string{"*core_test.BadResultController", "route GET /things/count", `handler "Count"`,
				"unsupported signature func(core.Context) (int, string)", "it must return error or (T, error)",
				"the supported shapes are func(core.Context) error"},
		},
		{
			name: "handler input is not a struct",
			root: thingsModule(&ScalarInputController{}),
			want: []string{"*core_test.ScalarInputController", "route GET /things/:id", `handler "Find"`,
				"the input parameter must be a struct or a pointer to one, got int"},
		},
		{
			name: "guard reference to a field that is not a guard",
			root: thingsModule(&NotAGuardController{thingHandlers: handlers(&ThingStore{})}),
			want: []string{`module "things"`, "*core_test.NotAGuardController", "route POST /things",
				`guard reference "Store" is not a guard`, "field Store is a *core_test.ThingStore",
				"has no method CanActivate(core.Context) (bool, error)"},
		},
		{
			name: "guard reference to no field",
			root: thingsModule(&NoSuchGuardController{}),
			want: []string{`module "things"`, "*core_test.NoSuchGuardController", "route POST /things",
				`guard reference "Auth" names no exported field or method of *core_test.NoSuchGuardController`},
		},
		{
			name: "status tag is not a number",
			root: thingsModule(&WordStatusController{}),
			want: []string{`module "things"`, "*core_test.WordStatusController", "route POST /things",
				`status tag "abc" is not a final HTTP status`, `use a number from 200 to 599, such as status:"201"`},
		},
		{
			name: "bodylimit tag is not a size",
			root: thingsModule(&WordBodyLimitController{}),
			want: []string{`module "things"`, "*core_test.WordBodyLimitController", "route POST /things",
				`bodylimit tag "lots" is not a size`, `bodylimit:"8M"`, "-1 for no limit"},
		},
		{
			name: "builder body limit of zero",
			root: thingsModule(&ZeroBodyLimitController{}),
			want: []string{"*core_test.ZeroBodyLimitController", "route POST /things", "BodyLimit(0) is not a size", "-1 for no limit"},
		},
		{
			name: "status tag out of range",
			root: thingsModule(&BigStatusController{}),
			want: []string{"*core_test.BigStatusController", "route POST /things",
				`status tag "999" is not a final HTTP status`, "from 200 to 599"},
		},
		{
			name: "duplicate route in two controllers",
			root: thingsModule(NewThingController, &LegacyThingController{}),
			want: []string{`module "things"`, "controller *core_test.LegacyThingController", "route POST /things",
				`declared twice: by ThingController.Create in module "things" (POST /things) and by LegacyThingController.Create in module "things" (POST /things)`,
				"remove one or change its path"},
		},
		{
			name: "duplicate route with another path parameter name",
			root: thingsModule(NewThingController, &ParamNameController{}),
			want: []string{"*core_test.ParamNameController", "route GET /things/:thingID",
				`declared twice: by ThingController.Get in module "things" (GET /things/:id) and by ParamNameController.Get in module "things" (GET /things/:thingID)`},
		},
		{
			name: "duplicate route by tag and builder",
			root: thingsModule(&MixedController{}),
			want: []string{"*core_test.MixedController", "route POST /things",
				`declared twice: by MixedController.Create in module "things" (POST /things) and by MixedController.Create in module "things" (POST /things)`},
		},
		{
			name: "ANY route overlaps a GET route",
			root: thingsModule(NewThingController, &CatchAllController{}),
			want: []string{"*core_test.CatchAllController", "route ANY /things",
				`declared twice: by ThingController.List in module "things" (GET /things) and by CatchAllController.List in module "things" (GET /things)`},
		},
		{
			name: "missing provider",
			root: &module.Module{Name: "things", Controllers: []any{NewThingController}},
			want: []string{`module: module "things"`, "core_test.NewThingController", "needs *core_test.ThingStore",
				"no module provides it", `add its constructor to the Providers of "things"`},
		},
		{
			name: "provider not exported",
			root: &module.Module{Name: "things", Imports: []*module.Module{storeNotExported}, Controllers: []any{NewThingController}},
			want: []string{`module: module "things"`, "core_test.NewThingController", "needs *core_test.ThingStore",
				`module "store" provides but does not export`, `to the Exports of "store"`},
		},
		{
			name: "provider exported but not imported",
			root: &module.Module{Name: "app", Imports: []*module.Module{
				storeExported,
				{Name: "things", Controllers: []any{NewThingController}},
			}},
			want: []string{`module: module "things"`, "core_test.NewThingController", "needs *core_test.ThingStore",
				`module "store" provides and exports`, `"things" does not import "store"`, `add "store" to the Imports of "things"`},
		},
		{
			name:  "dependency cycle",
			root:  &module.Module{Name: "farm", Providers: []any{NewChicken, NewEgg}},
			want:  []string{`module: module "farm"`, "core_test.NewEgg", "introduces a cycle", ".NewChicken"},
			cause: dig.IsCycleDetected,
		},
		{
			name: "constructor error",
			root: &module.Module{Name: "things", Providers: []any{NewBrokenThingStore}, Controllers: []any{NewThingController}},
			want: []string{`module: module "things"`, "core_test.NewBrokenThingStore", "the store is down"},
			is:   errStoreDown,
		},
		{
			name: "OnModuleInit fails",
			root: &module.Module{Name: "db", Providers: []any{NewMigrator}},
			want: []string{`core: module "db"`, "OnModuleInit of core_test.NewMigrator", "(*core_test.Migrator)", "migration 7 failed"},
			is:   errMigration,
			cause: func(err error) bool {
				var he *core.HookError
				return errors.As(err, &he) && he.Hook == "OnModuleInit" && he.Module == "db" && strings.Contains(he.Provider, "NewMigrator")
			},
		},
		{
			name: "controller with no routes",
			root: thingsModule(&EmptyController{}),
			want: []string{`module "things"`, "controller *core_test.EmptyController", "declares no routes",
				"embed core.Controller with a path tag", "implement Routes(*core.Routes)"},
		},
		{
			name: "nil builder handler",
			root: thingsModule(&NilHandlerController{}),
			want: []string{`module "things"`, "*core_test.NilHandlerController", "route GET /", "the handler is nil", "such as c.List"},
		},
		{
			name: "nil func builder handler",
			root: thingsModule(&NilFuncController{}),
			want: []string{"*core_test.NilFuncController", "route GET /things", "the handler is nil"},
		},
		{
			name: "builder status out of range",
			root: thingsModule(&BuilderStatusController{}),
			want: []string{`module "things"`, "*core_test.BuilderStatusController", "route POST /things",
				"Status(999) is not a final HTTP status", "from 200 to 599"},
		},
		{
			name: "unknown validate rule",
			root: thingsModule(&UnknownRuleController{}),
			want: []string{"*core_test.UnknownRuleController", "route POST /things", `handler "Rename"`,
				"core_test.RenameThing", "slug", "core.WithValidation"},
		},
		{
			name: "SSE route that does not return a channel",
			root: thingsModule(&SSENotAChannelController{}),
			want: []string{`module "things"`, "controller *core_test.SSENotAChannelController", "route GET /things/events", `handler "List"`,
				"an SSE route's handler must return (<-chan sse.Message, error) or (chan sse.Message, error)",
				"func(core.Context) ([]core_test.Thing, error) does not"},
		},
		{
			name: "SSE builder route with a channel of the wrong type",
			root: thingsModule(&SSEBuilderWrongController{}),
			want: []string{"controller *core_test.SSEBuilderWrongController", "route GET /events", `handler "Events"`,
				"must return (<-chan sse.Message, error) or (chan sse.Message, error)"},
		},
		{
			name: "channel of sse.Message on a route not marked SSE",
			root: thingsModule(&ChannelNotSSEController{}),
			want: []string{"controller *core_test.ChannelNotSSEController", "route GET /things/events",
				"returns a channel of sse.Message, but the route is not an SSE route", "declare it with core.SSE or r.SSE"},
		},
		{
			name: "guard held by value with a pointer-receiver CanActivate",
			root: thingsModule(&GuardByValueController{}),
			want: []string{"controller *core_test.GuardByValueController", `guard reference "Key"`, "pointer receiver", "make the field a *core_test.APIKeyGuard"},
		},
		{
			name: "nil guard from the builder",
			root: thingsModule(&NilGuardController{}),
			want: []string{"controller *core_test.NilGuardController", "route GET /things", "guard 1 is nil", "set by the constructor"},
		},
		{
			name: "nil controller middleware from the builder",
			root: thingsModule(&NilMiddlewareController{}),
			want: []string{"controller *core_test.NilMiddlewareController", "Routes: middleware 1 is nil"},
		},
		{
			name:    "nil app middleware",
			root:    thingsModule(NewThingController),
			options: []core.Option{core.WithMiddleware(nil)},
			want:    []string{"core: option WithMiddleware: middleware 1 is nil"},
		},
		{
			name: "status on an SSE route",
			root: thingsModule(&SSEStatusController{}),
			want: []string{"route GET /events", "an SSE route always answers 200", "remove its status"},
		},
		{
			name: "unknown validate rule behind a pointer",
			root: thingsModule(&NestedRuleController{}),
			want: []string{"route POST /things", "nosuchrule", "core.WithValidation"},
		},
		{
			name:    "app guard no module provides",
			root:    thingsModule(NewThingController),
			options: []core.Option{core.WithGuard[*APIKeyGuard]()},
			want:    []string{"core: option WithGuard[*core_test.APIKeyGuard]: the guard: module: resolve *core_test.APIKeyGuard: no module provides it"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			options := append([]core.Option{core.WithLogger(slog.New(slog.DiscardHandler))}, tt.options...)
			app, err := core.New(tt.root, options...)
			if err == nil {
				t.Fatalf("core.New succeeded with %d routes; want an error", len(app.Routes()))
			}
			msg := err.Error()
			for _, want := range tt.want {
				if !strings.Contains(msg, want) {
					t.Errorf("the error does not say %q:\n%s", want, msg)
				}
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("errors.Is(err, %v) is false; the cause was lost:\n%s", tt.is, msg)
			}
			if tt.cause != nil && !tt.cause(err) {
				t.Errorf("the cause was lost: errors.As finds no error of its type, or dig no longer recognises its error:\n%s", msg)
			}
			if t.Failed() || testing.Verbose() {
				t.Logf("message: %s", msg)
			}
		})
	}
}
