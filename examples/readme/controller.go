package readme

import (
	"errors"
	"net/http"

	"github.com/godanet/godanet/core"
)

// readme:begin controllers

type TodoController struct {
	core.Controller `path:"/todos" filters:"NotFound"`

	Store *Store
	Auth  *TokenGuard

	_ core.GET    `path:"/"    handler:"List"`
	_ core.GET    `path:"/:id" handler:"Get"`
	_ core.POST   `path:"/"    handler:"Create" status:"201" guards:"Auth"`
	_ core.DELETE `path:"/:id" handler:"Delete" status:"204" guards:"Auth"`
}

// The builder, for those who prefer code to tags (both styles mix freely):
func (c *TodoController) Routes(r *core.Routes) {
	r.PATCH("/:id", c.Update).Guard(c.Auth)
}

// readme:end

// NewTodoController is TodoModule's controller constructor.
func NewTodoController(store *Store, auth *TokenGuard) *TodoController {
	return &TodoController{Store: store, Auth: auth}
}

// CreateTodo is the body of POST /todos.
type CreateTodo struct {
	Title string `json:"title" validate:"required,max=200"`
}

// TodoID is the id in the path.
type TodoID struct {
	ID int `param:"id" validate:"gt=0"`
}

// List returns every todo.
func (c *TodoController) List(core.Context) ([]Todo, error) { return c.Store.List(), nil }

// Get returns one todo.
func (c *TodoController) Get(_ core.Context, in TodoID) (Todo, error) { return c.Store.Get(in.ID) }

// Create adds a todo.
func (c *TodoController) Create(_ core.Context, in CreateTodo) (Todo, error) {
	return c.Store.Create(in.Title), nil
}

// Delete removes a todo.
func (c *TodoController) Delete(_ core.Context, in TodoID) error {
	_, err := c.Store.Delete(in.ID)
	return err
}

// NotFound is the controller's error filter: ErrNotFound is a 404.
func (c *TodoController) NotFound(err error, _ core.Context) error {
	if errors.Is(err, ErrNotFound) {
		return core.NewProblem(http.StatusNotFound, "there is no todo with that id")
	}
	return err
}
