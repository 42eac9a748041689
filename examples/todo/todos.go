package main

import (
	"errors"
	"net/http"

	"github.com/godanet/godanet/core"
	"github.com/godanet/godanet/module"
	"github.com/labstack/echo/v4"
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
// is declared in Routes, to show the builder next to them.
type TodoController struct {
	core.Controller `path:"/todos" filters:"NotFound"`
	Store           *Store
	Auth            *TokenGuard

	_ core.GET    `path:"/"    handler:"List"`
	_ core.GET    `path:"/:id" handler:"Get"`
	_ core.POST   `path:"/"    handler:"Create" status:"201" guards:"Auth"`
	_ core.DELETE `path:"/:id" handler:"Delete" status:"204" guards:"Auth"`
}

// NewTodoController is the controller's constructor; DI fills its arguments.
func NewTodoController(s *Store, auth *TokenGuard) *TodoController {
	return &TodoController{Store: s, Auth: auth}
}

// Routes declares the routes that are easier to read in code.
func (c *TodoController) Routes(r *core.Routes) {
	r.PATCH("/:id", c.Update).Guard(c.Auth)
}

// List returns every todo, ordered by id.
func (c *TodoController) List(echo.Context) ([]Todo, error) { return c.Store.List(), nil }

// Get returns one todo.
func (c *TodoController) Get(_ echo.Context, in TodoID) (Todo, error) { return c.Store.Get(in.ID) }

// Create adds a todo.
func (c *TodoController) Create(_ echo.Context, in CreateTodo) (Todo, error) {
	return c.Store.Create(in.Title), nil
}

// Update changes the title or the done flag.
func (c *TodoController) Update(_ echo.Context, in UpdateTodo) (Todo, error) {
	return c.Store.Update(in.ID, func(t *Todo) {
		if in.Title != nil {
			t.Title = *in.Title
		}
		if in.Done != nil {
			t.Done = *in.Done
		}
	})
}

// Delete removes a todo.
func (c *TodoController) Delete(_ echo.Context, in TodoID) error {
	_, err := c.Store.Delete(in.ID)
	return err
}

// NotFound is the controller's error filter: the store's ErrNotFound is a 404.
func (c *TodoController) NotFound(err error, _ echo.Context) error {
	if errors.Is(err, ErrNotFound) {
		return core.NewProblem(http.StatusNotFound, "there is no todo with that id")
	}
	return err
}

// TodoModule holds the controller; it imports the store and the guard.
func TodoModule(auth *module.Module) *module.Module {
	return &module.Module{
		Name:        "todo",
		Imports:     []*module.Module{StoreModule, auth},
		Controllers: []any{NewTodoController},
	}
}
