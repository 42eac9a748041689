package readme

import (
	"github.com/godanet/godanet/core"
	"github.com/godanet/godanet/module"
)

// Cat is the resource of the README's versioned controller.
type Cat struct {
	ID   int    `json:"id"`
	Name string `json:"name"`
}

// CatID is the path of one cat.
type CatID struct {
	ID int `param:"id" validate:"gt=0"`
}

// readme:begin versions
type CatsController struct {
	core.Controller `path:"/cats" version:"1"`

	_ core.GET `path:"/:id" handler:"Get"`              // GET /api/v1/cats/:id
	_ core.GET `path:"/"    handler:"List" version:"2"` // GET /api/v2/cats
}

// With the builder: r.Version("1") for the controller, .Version("2") for a route.
// readme:end

// Get returns one cat.
func (c *CatsController) Get(_ core.Context, in CatID) (Cat, error) {
	return Cat{ID: in.ID, Name: "Tom"}, nil
}

// List returns every cat.
func (c *CatsController) List(core.Context) ([]Cat, error) { return []Cat{{ID: 1, Name: "Tom"}}, nil }

// VersionedApp is the README's app under a global prefix.
func VersionedApp() (*core.App, error) {
	return core.New(&module.Module{Name: "cats", Controllers: []any{&CatsController{}}}, core.WithPrefix("/api"))
}
