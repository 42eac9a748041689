package core_test

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"

	"github.com/godanet/godanet/core"
	"github.com/godanet/godanet/module"
	"github.com/labstack/echo/v4"
)

type Book struct {
	ID    int    `json:"id"`
	Title string `json:"title"`
}

type BookID struct {
	ID int `param:"id" validate:"gt=0"`
}

type NewBook struct {
	Title string `json:"title" validate:"required,max=100"`
}

// Library is a provider: built once by dependency injection and shared.
type Library struct {
	mu    sync.Mutex
	books []Book
}

func NewLibrary() *Library {
	return &Library{books: []Book{{ID: 1, Title: "The Go Programming Language"}}}
}

func (l *Library) Find(id int) (Book, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, b := range l.books {
		if b.ID == id {
			return b, true
		}
	}
	return Book{}, false
}

func (l *Library) Add(title string) Book {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := Book{ID: len(l.books) + 1, Title: title}
	l.books = append(l.books, b)
	return b
}

// BookController declares its routes with tags.
type BookController struct {
	core.Controller `path:"/books"`
	Library         *Library

	_ core.GET `path:"/:id" handler:"Get"`
}

func NewBookController(l *Library) *BookController { return &BookController{Library: l} }

func (c *BookController) Get(_ core.Context, in BookID) (Book, error) {
	b, ok := c.Library.Find(in.ID)
	if !ok {
		return Book{}, core.NotFound("there is no book %d", in.ID)
	}
	return b, nil
}

// A module provides a Library and declares a controller; core.New checks
// and builds it, and the App serves it.
func Example() {
	books := &module.Module{
		Name:        "books",
		Providers:   []any{NewLibrary},
		Controllers: []any{NewBookController},
	}
	// Routes are logged at start-up; this example keeps its output clean.
	app, err := core.New(books, core.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		fmt.Println(err)
		return
	}
	srv := httptest.NewServer(app.Handler())
	defer srv.Close()

	for _, path := range []string{"/books/1", "/books/0"} {
		res, err := http.Get(srv.URL + path)
		if err != nil {
			fmt.Println(err)
			return
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		fmt.Printf("GET %s: %d %s\n%s", path, res.StatusCode, res.Header.Get("Content-Type"), body)
	}
	// Output:
	// GET /books/1: 200 application/json
	// {"id":1,"title":"The Go Programming Language"}
	// GET /books/0: 400 application/problem+json
	// {"type":"about:blank","title":"Bad Request","status":400,"detail":"the request is invalid; see errors for each field","errors":[{"field":"id","source":"path","rule":"gt","message":"must be greater than 0"}]}
}

// ShelfController declares its routes in code instead of tags.
type ShelfController struct {
	Library *Library
}

func NewShelfController(l *Library) *ShelfController { return &ShelfController{Library: l} }

func (c *ShelfController) Routes(r *core.Routes) {
	r.POST("/shelf", c.Add).Status(http.StatusCreated)
	r.GET("/shelf/:id", c.Get)
}

func (c *ShelfController) Add(_ core.Context, in NewBook) (Book, error) {
	return c.Library.Add(in.Title), nil
}

func (c *ShelfController) Get(_ core.Context, in BookID) (Book, error) {
	b, ok := c.Library.Find(in.ID)
	if !ok {
		return Book{}, core.NotFound("there is no book %d", in.ID)
	}
	return b, nil
}

// A controller that implements Routes declares its routes with the
// builder; a handler is a method value.
func ExampleRoutes() {
	shelf := &module.Module{
		Name:        "shelf",
		Providers:   []any{NewLibrary},
		Controllers: []any{NewShelfController},
	}
	app, err := core.New(shelf, core.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, r := range app.Routes() {
		fmt.Printf("route %s %s -> %s.%s (status %d)\n", r.Method, r.Path, r.Controller, r.Handler, r.Status)
	}

	req := httptest.NewRequest(http.MethodPost, "/shelf", strings.NewReader(`{"title":"Concurrency in Go"}`))
	req.Header.Set(echo.HeaderContentType, echo.MIMEApplicationJSON)
	rec := httptest.NewRecorder()
	app.Handler().ServeHTTP(rec, req)
	fmt.Printf("POST /shelf: %d %s", rec.Code, rec.Body)

	rec = httptest.NewRecorder()
	app.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/shelf/2", nil))
	fmt.Printf("GET /shelf/2: %d %s", rec.Code, rec.Body)
	// Output:
	// route POST /shelf -> ShelfController.Add (status 201)
	// route GET /shelf/:id -> ShelfController.Get (status 200)
	// POST /shelf: 201 {"id":2,"title":"Concurrency in Go"}
	// GET /shelf/2: 200 {"id":2,"title":"Concurrency in Go"}
}

// TypoController names a handler that does not exist.
type TypoController struct {
	core.Controller `path:"/books"`
	Library         *Library

	_ core.POST `path:"/" handler:"Craete" status:"201"`
}

func NewTypoController(l *Library) *TypoController { return &TypoController{Library: l} }

func (c *TypoController) Create(_ core.Context, in NewBook) (Book, error) {
	return c.Library.Add(in.Title), nil
}

func (c *TypoController) List(core.Context) ([]Book, error) { return nil, nil }

// A mistake in a controller fails core.New, before any request, with an
// error that says where it is and what would fix it.
func ExampleNew_misspelledHandler() {
	books := &module.Module{
		Name:        "books",
		Providers:   []any{NewLibrary},
		Controllers: []any{NewTypoController},
	}
	_, err := core.New(books)
	fmt.Println(err)
	// Output:
	// core: module "books": controller *core_test.TypoController: route POST /books: handler "Craete" not found (methods: Create, List)
}
