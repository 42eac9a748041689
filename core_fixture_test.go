package godanet_test

// The application the end-to-end tests drive: several modules wired the
// ways users wire them (constructors of every shape dig accepts, values,
// module.As, module.Name, module.Group, dig.Out, a dynamic module, a Global module),
// a controller declared with tags and one with the builder.

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/go-playground/validator/v10"
	"github.com/godanet/godanet/core"
	"github.com/godanet/godanet/module"
	"github.com/labstack/echo/v4"
	"go.uber.org/dig"
)

// Journal records what happened, in order, for assertions.
type Journal struct {
	mu      sync.Mutex
	entries []string
}

func (j *Journal) Add(s string) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.entries = append(j.entries, s)
}

func (j *Journal) With(prefix string) []string {
	j.mu.Lock()
	defer j.mu.Unlock()
	var out []string
	for _, e := range j.entries {
		if strings.HasPrefix(e, prefix) {
			out = append(out, strings.TrimPrefix(e, prefix))
		}
	}
	return out
}

// ---- config: a dynamic, global module (NestJS's forRoot) ----

type Config struct {
	Token    string
	MaxNotes int
}

func ConfigModule(cfg Config, j *Journal) *module.Module {
	c := &cfg
	return &module.Module{Name: "config", Providers: []any{c, j}, Exports: []any{c, j}, Global: true}
}

// ---- store: an interface bound with module.As, a dig.Out constructor ----

type Note struct {
	ID    int      `json:"id"`
	Title string   `json:"title"`
	Tags  []string `json:"tags,omitempty"`
}

var ErrNoSuchNote = errors.New("no such note")

type NoteStore interface {
	Add(title string, tags []string) Note
	Get(id int) (Note, error)
	List() []Note
	Delete(id int) error
}

type memStore struct {
	mu      sync.Mutex
	next    int
	notes   map[int]Note
	journal *Journal
}

func newMemStore(cfg *Config, j *Journal) (*memStore, error) {
	if cfg.MaxNotes < 0 {
		return nil, errors.New("MaxNotes must not be negative")
	}
	j.Add("built:store")
	return &memStore{notes: map[int]Note{}, journal: j}, nil
}

func (s *memStore) Add(title string, tags []string) Note {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.next++
	n := Note{ID: s.next, Title: title, Tags: tags}
	s.notes[n.ID] = n
	return n
}

func (s *memStore) Get(id int) (Note, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n, ok := s.notes[id]
	if !ok {
		return Note{}, fmt.Errorf("note %d: %w", id, ErrNoSuchNote)
	}
	return n, nil
}

func (s *memStore) List() []Note {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Note, 0, len(s.notes))
	for _, n := range s.notes {
		out = append(out, n)
	}
	slices.SortFunc(out, func(a, b Note) int { return a.ID - b.ID })
	return out
}

func (s *memStore) Delete(id int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.notes[id]; !ok {
		return fmt.Errorf("note %d: %w", id, ErrNoSuchNote)
	}
	delete(s.notes, id)
	return nil
}

// Clock and IDs come from one dig.Out constructor.
type Clock struct{ Name string }
type IDs struct{ Prefix string }

type clockAndIDs struct {
	dig.Out
	Clock *Clock
	IDs   *IDs
}

func newClockAndIDs() clockAndIDs {
	return clockAndIDs{Clock: &Clock{Name: "wall"}, IDs: &IDs{Prefix: "n-"}}
}

// Health checks are a value group.
type HealthCheck struct{ Name string }

var StoreModule = &module.Module{
	Name: "store",
	Providers: []any{
		module.Provide(newMemStore, module.As[NoteStore]()),
		newClockAndIDs,
		module.Provide(func() HealthCheck { return HealthCheck{"store"} }, module.Group("health")),
		module.Provide(version, module.Name("version")),
	},
	Exports: []any{newMemStore, newClockAndIDs, version},
}

func version() string { return "v1.2.3" }

// ---- auth: guards built by dependency injection ----

// TokenGuard admits requests with "Authorization: Bearer <Config.Token>".
type TokenGuard struct{ token string }

func NewTokenGuard(cfg *Config) *TokenGuard { return &TokenGuard{token: cfg.Token} }

func (g *TokenGuard) CanActivate(c echo.Context) (bool, error) {
	h := c.Request().Header.Get("Authorization")
	if h == "" {
		return false, core.Unauthorized("missing bearer token")
	}
	return h == "Bearer "+g.token, nil
}

// TraceGuard records that it ran, and denies when X-Deny names it.
type TraceGuard struct{ name string }

func (g *TraceGuard) CanActivate(c echo.Context) (bool, error) {
	trace(c, "guard:"+g.name)
	return c.Request().Header.Get("X-Deny") != g.name, nil
}

type AppGuard struct{ TraceGuard }

func NewAppGuard() *AppGuard { return &AppGuard{TraceGuard{"app-di"}} }

var AuthModule = &module.Module{
	Name:      "auth",
	Providers: []any{NewTokenGuard, NewAppGuard},
	Exports:   []any{NewTokenGuard, NewAppGuard},
}

// trace appends a step to the request's trace.
func trace(c echo.Context, step string) {
	steps, _ := c.Get("trace").([]string)
	c.Set("trace", append(steps, step))
}

func traceMiddleware(name string) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			trace(c, "mw:"+name)
			return next(c)
		}
	}
}

// ---- notes: the controller declared with tags ----

type NoteService struct {
	Store   NoteStore
	Version string
	Clock   *Clock
	Checks  []HealthCheck
	journal *Journal
}

type noteServiceDeps struct {
	dig.In
	Store   NoteStore
	Version string `name:"version"`
	Clock   *Clock
	Checks  []HealthCheck `group:"health"`
	Missing *IDs          `optional:"true"`
	Journal *Journal
}

func NewNoteService(d noteServiceDeps) *NoteService {
	d.Journal.Add("built:service")
	return &NoteService{Store: d.Store, Version: d.Version, Clock: d.Clock, Checks: d.Checks, journal: d.Journal}
}

func (s *NoteService) OnModuleInit(context.Context) error { s.journal.Add("init:service"); return nil }
func (s *NoteService) OnAppBootstrap(context.Context) error {
	s.journal.Add("boot:service")
	return nil
}
func (s *NoteService) OnAppShutdown(context.Context) error { s.journal.Add("down:service"); return nil }

func (s *memStore) OnModuleInit(context.Context) error  { s.journal.Add("init:store"); return nil }
func (s *memStore) OnAppShutdown(context.Context) error { s.journal.Add("down:store"); return nil }

type CreateNote struct {
	Title string   `json:"title" validate:"required,max=20"`
	Tags  []string `json:"tags" validate:"max=3,dive,required,nospaces"`
}

type NoteID struct {
	ID int `param:"id" validate:"gt=0"`
}

type SearchNotes struct {
	Query  string `query:"q" validate:"required,min=2"`
	Limit  int    `query:"limit" validate:"omitempty,lte=50"`
	Client string `header:"X-Client" validate:"required"`
}

type RenameNote struct {
	ID    int    `param:"id" validate:"gt=0"`
	Title string `json:"title" validate:"required"`
}

type FormNote struct {
	Title string `form:"title" validate:"required"`
}

type Info struct {
	Version string   `json:"version"`
	Clock   string   `json:"clock"`
	Checks  []string `json:"checks"`
	Max     int      `json:"max"`
}

type NoteController struct {
	core.Controller `path:"/notes" filters:"MapErrors"`
	Notes           *NoteService
	Auth            *TokenGuard
	Cfg             *Config

	_ core.GET    `path:"/"            handler:"List"`
	_ core.GET    `path:"/info"        handler:"Info"`
	_ core.GET    `path:"/search"      handler:"Search"`
	_ core.GET    `path:"/text"        handler:"Text"`
	_ core.GET    `path:"/:id"         handler:"Get"`
	_ core.POST   `path:"/"            handler:"Create" status:"201" guards:"Auth"`
	_ core.POST   `path:"/form"        handler:"CreateFromForm" status:"201"`
	_ core.PUT    `path:"/:id"         handler:"Rename" guards:"Auth"`
	_ core.DELETE `path:"/:id"         handler:"Delete" status:"204" guards:"Auth"`
	_ core.GET    `path:"/fail/:kind"  handler:"Fail"`
	_ core.ANY    `path:"/echo-method" handler:"Method"`
}

func NewNoteController(s *NoteService, auth *TokenGuard, cfg *Config) *NoteController {
	return &NoteController{Notes: s, Auth: auth, Cfg: cfg}
}

func (c *NoteController) List(echo.Context) ([]Note, error) { return c.Notes.Store.List(), nil }

func (c *NoteController) Info(echo.Context) (Info, error) {
	var checks []string
	for _, h := range c.Notes.Checks {
		checks = append(checks, h.Name)
	}
	slices.Sort(checks)
	return Info{Version: c.Notes.Version, Clock: c.Notes.Clock.Name, Checks: checks, Max: c.Cfg.MaxNotes}, nil
}

func (c *NoteController) Search(_ echo.Context, in SearchNotes) ([]Note, error) {
	var out []Note
	for _, n := range c.Notes.Store.List() {
		if strings.Contains(n.Title, in.Query) {
			out = append(out, n)
		}
	}
	if in.Limit > 0 && len(out) > in.Limit {
		out = out[:in.Limit]
	}
	return out, nil
}

func (c *NoteController) Text(echo.Context) (string, error) { return "plain words", nil }

func (c *NoteController) Get(_ echo.Context, in NoteID) (Note, error) {
	return c.Notes.Store.Get(in.ID)
}

func (c *NoteController) Create(_ echo.Context, in CreateNote) (Note, error) {
	if c.Cfg.MaxNotes > 0 && len(c.Notes.Store.List()) >= c.Cfg.MaxNotes {
		return Note{}, core.Conflict("the notebook is full (%d notes)", c.Cfg.MaxNotes)
	}
	return c.Notes.Store.Add(in.Title, in.Tags), nil
}

func (c *NoteController) CreateFromForm(_ echo.Context, in *FormNote) (Note, error) {
	return c.Notes.Store.Add(in.Title, nil), nil
}

func (c *NoteController) Rename(_ echo.Context, in *RenameNote) (Note, error) {
	n, err := c.Notes.Store.Get(in.ID)
	if err != nil {
		return Note{}, err
	}
	n.Title = in.Title
	return n, nil
}

func (c *NoteController) Delete(_ echo.Context, in NoteID) error {
	return c.Notes.Store.Delete(in.ID)
}

func (c *NoteController) Method(ctx echo.Context) error {
	return ctx.String(http.StatusOK, ctx.Request().Method)
}

// Fail returns the kinds of error the error tests need.
func (c *NoteController) Fail(ctx echo.Context) error {
	switch ctx.Param("kind") {
	case "unknown":
		return errors.New("database password is hunter2")
	case "panic":
		panic("secret panic detail")
	case "teapot":
		return echo.NewHTTPError(http.StatusTeapot, "short and stout")
	case "gone":
		return errGone
	}
	return core.NotFound("no failure named %q", ctx.Param("kind"))
}

var errGone = errors.New("gone for good")

// MapErrors is the controller's error filter: domain errors to statuses.
func (c *NoteController) MapErrors(err error, _ echo.Context) error {
	if errors.Is(err, ErrNoSuchNote) {
		return core.NotFound("%v", err)
	}
	return err
}

// ---- admin: the controller declared with the builder ----

type AdminController struct {
	Notes *NoteService
}

func NewAdminController(s *NoteService) *AdminController { return &AdminController{Notes: s} }

type StatsQuery struct {
	Verbose bool `query:"verbose"`
}

type Stats struct {
	Count   int      `json:"count"`
	Trace   []string `json:"trace,omitempty"`
	Verbose bool     `json:"verbose"`
}

func (a *AdminController) Routes(r *core.Routes) {
	r.Use(traceMiddleware("controller")).Guard(&TraceGuard{"controller"})
	r.GET("/admin/stats", a.Stats).
		Use(traceMiddleware("route")).
		Guard(&TraceGuard{"route"})
	r.DELETE("/admin/notes", a.Clear).Status(http.StatusNoContent)
	r.GET("/admin/gone", a.Gone).Filter(func(err error, c echo.Context) error {
		if errors.Is(err, errGone) {
			return echo.NewHTTPError(http.StatusGone, "that is gone")
		}
		return err
	})
}

func (a *AdminController) Stats(c echo.Context, q StatsQuery) (Stats, error) {
	trace(c, "handler")
	steps, _ := c.Get("trace").([]string)
	return Stats{Count: len(a.Notes.Store.List()), Trace: steps, Verbose: q.Verbose}, nil
}

func (a *AdminController) Clear(echo.Context) (*Stats, error) {
	for _, n := range a.Notes.Store.List() {
		_ = a.Notes.Store.Delete(n.ID)
	}
	return nil, nil
}

func (a *AdminController) Gone(echo.Context) error { return errGone }

var NotesModule = &module.Module{
	Name:        "notes",
	Imports:     []*module.Module{StoreModule, AuthModule},
	Providers:   []any{NewNoteService},
	Controllers: []any{NewNoteController, NewAdminController},
}

// newRoot assembles the application root for one test: every test gets
// its own journal and config.
func newRoot(j *Journal, cfg Config) *module.Module {
	return &module.Module{
		Name:    "app",
		Imports: []*module.Module{ConfigModule(cfg, j), NotesModule},
	}
}

// noSpaces is a custom validation registered through an App option.
func noSpaces(fl validator.FieldLevel) bool {
	return !strings.ContainsRune(fl.Field().String(), ' ')
}
