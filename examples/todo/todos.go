package main

import (
	"errors"
	"net/http"

	"github.com/godanet/godanet/core"
	"github.com/godanet/godanet/module"
	"github.com/godanet/godanet/sse"
)

// CreateTodo is the body of POST /todos.
type CreateTodo struct {
	Title string `json:"title" validate:"required,max=200"`
}

// TodoID is the id in the path.
type TodoID struct {
	ID int `param:"id" validate:"gt=0"`
}

// UpdateTodo is the body of PATCH /todos/:id; absent fields stay as they are.
type UpdateTodo struct {
	ID    int     `param:"id" validate:"gt=0"`
	Title *string `json:"title" validate:"omitnil,min=1,max=200"`
	Done  *bool   `json:"done"`
}

// TodoController serves /todos. Most routes are declared with tags; PATCH
// and the stream of one todo are declared in Routes, to show the builder
// next to them.
type TodoController struct {
	core.Controller `path:"/todos" filters:"StoreErrors" errors:"503" description:"Todo items, and streams of their changes"`
	Todos           *TodoService
	Hub             *sse.Hub
	Auth            *TokenGuard

	_ core.GET    `path:"/"       handler:"List"   summary:"List every todo"`
	_ core.SSE    `path:"/events" handler:"Events" summary:"Stream every change" events:"TodoEvents"`
	_ core.GET    `path:"/:id"    handler:"Get"    summary:"Get one todo"`
	_ core.POST   `path:"/"       handler:"Create" summary:"Create a todo" status:"201" guards:"Auth"`
	_ core.DELETE `path:"/:id"    handler:"Delete" summary:"Delete a todo" status:"204" guards:"Auth"`
}

// NewTodoController is the controller's constructor; DI fills its arguments.
func NewTodoController(todos *TodoService, hub *sse.Hub, auth *TokenGuard) *TodoController {
	return &TodoController{Todos: todos, Hub: hub, Auth: auth}
}

// Routes declares the routes that are easier to read in code.
func (c *TodoController) Routes(r *core.Routes) {
	r.PATCH("/:id", c.Update).Guard(c.Auth).Summary("Change a todo's title or done flag")
	r.SSE("/:id/events", c.EventsOf).Events(c.TodoEvents()...).Summary("Stream one todo's changes")
}

// TodoEvents are the events the streams send, each with the todo as it is
// after the change (for a deletion, as it was).
func (c *TodoController) TodoEvents() []core.EventType {
	return []core.EventType{core.Event[Todo](eventCreated), core.Event[Todo](eventUpdated), core.Event[Todo](eventDeleted)}
}

// List returns every todo, ordered by id.
func (c *TodoController) List(ctx core.Context) ([]Todo, error) {
	return c.Todos.List(ctx.Request().Context())
}

// Get returns one todo.
func (c *TodoController) Get(ctx core.Context, in TodoID) (Todo, error) {
	return c.Todos.Get(ctx.Request().Context(), in.ID)
}

// Events streams every change. A browser that reconnects sends
// Last-Event-ID and first gets the changes it missed.
func (c *TodoController) Events(ctx core.Context) (<-chan sse.Message, error) {
	return c.Hub.Subscribe(ctx.Request().Context(), allTodos, sse.LastEventID(ctx.Request()))
}

// EventsOf streams the changes to one todo: connecting to a resource's
// URL subscribes to it. An unknown id is a 404 before any stream byte.
func (c *TodoController) EventsOf(ctx core.Context, in TodoID) (<-chan sse.Message, error) {
	if _, err := c.Todos.Get(ctx.Request().Context(), in.ID); err != nil {
		return nil, err
	}
	return c.Hub.Subscribe(ctx.Request().Context(), todoTopic(in.ID), sse.LastEventID(ctx.Request()))
}

// Create adds a todo.
func (c *TodoController) Create(ctx core.Context, in CreateTodo) (Todo, error) {
	return c.Todos.Create(ctx.Request().Context(), in.Title)
}

// Update changes the title or the done flag.
func (c *TodoController) Update(ctx core.Context, in UpdateTodo) (Todo, error) {
	return c.Todos.Update(ctx.Request().Context(), in.ID, func(t *Todo) {
		if in.Title != nil {
			t.Title = *in.Title
		}
		if in.Done != nil {
			t.Done = *in.Done
		}
	})
}

// Delete removes a todo.
func (c *TodoController) Delete(ctx core.Context, in TodoID) error {
	return c.Todos.Delete(ctx.Request().Context(), in.ID)
}

// StoreErrors is the controller's error filter: the store's ErrNotFound
// is a 404, and a store that cannot reach its data is a 503 (so is a Hub
// that cannot reach its broker: godanet maps sse.ErrUnavailable itself).
func (c *TodoController) StoreErrors(err error, _ core.Context) error {
	switch {
	case errors.Is(err, ErrNotFound):
		return core.NewProblem(http.StatusNotFound, "there is no todo with that id")
	case errors.Is(err, ErrStoreUnavailable):
		return core.NewProblem(http.StatusServiceUnavailable, "the todo store is unavailable; retry later")
	}
	return err
}

// TodoModule holds the service and the controllers; it imports the
// backend (store and Hub) and the guard.
func TodoModule(backend, auth *module.Module) *module.Module {
	return &module.Module{
		Name:        "todo",
		Imports:     []*module.Module{backend, auth},
		Providers:   []any{NewTodoService},
		Controllers: []any{NewTodoController, NewPageController},
	}
}
