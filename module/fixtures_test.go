package module_test

import (
	"errors"
	"fmt"

	"go.uber.org/dig"
)

// The small application below is shared by the tests of this package:
// a Config, a DB built from it, a Logger, a Repo that needs both, a Store
// interface with an in-memory implementation, and a TodoService on top.

type Config struct{ DSN string }

type DB struct{ Cfg *Config }

func NewDB(c *Config) *DB { return &DB{Cfg: c} }

type Logger struct{ Prefix string }

func NewLogger() *Logger { return &Logger{Prefix: "log"} }

type Repo struct {
	DB  *DB
	Log *Logger
}

// NewRepo is a plain constructor with several parameters.
func NewRepo(db *DB, log *Logger) *Repo { return &Repo{DB: db, Log: log} }

// Cache is never provided; RepoParams asks for it as optional.
type Cache struct{}

// RepoParams is a dig.In parameter struct.
type RepoParams struct {
	dig.In

	DB    *DB
	Log   *Logger
	Cache *Cache `optional:"true"`
}

func NewRepoFromParams(p RepoParams) *Repo { return &Repo{DB: p.DB, Log: p.Log} }

// Infra is a dig.Out result struct: one constructor provides two types.
type Infra struct {
	dig.Out

	DB  *DB
	Log *Logger
}

func NewInfra(c *Config) Infra {
	return Infra{DB: &DB{Cfg: c}, Log: &Logger{Prefix: "infra"}}
}

var errDown = errors.New("database is down")

// NewFailingDB is a (T, error) constructor whose error must stop Build.
func NewFailingDB(c *Config) (*DB, error) {
	return nil, fmt.Errorf("dial %s: %w", c.DSN, errDown)
}

// NewCheckedDB is a (T, error) constructor that succeeds.
func NewCheckedDB(c *Config) (*DB, error) { return &DB{Cfg: c}, nil }

// Store is provided as an interface with dig.As.
type Store interface{ Get(id int) string }

type memStore struct{ items map[int]string }

func (s *memStore) Get(id int) string { return s.items[id] }

func newMemStore() *memStore { return &memStore{items: map[int]string{1: "milk"}} }

type TodoService struct{ Store Store }

func NewTodoService(s Store) *TodoService { return &TodoService{Store: s} }

// Conn is provided twice under different dig.Name names.
type Conn struct{ Role string }

type Conns struct {
	dig.In

	Primary *Conn `name:"primary"`
	Replica *Conn `name:"replica"`
}

type Router struct{ Primary, Replica *Conn }

func NewRouter(c Conns) *Router { return &Router{Primary: c.Primary, Replica: c.Replica} }

// Checker values are collected in the "checks" value group.
type Checker interface{ Name() string }

type namedCheck string

func (c namedCheck) Name() string { return string(c) }

type Checks struct {
	dig.In

	All []Checker `group:"checks"`
}

type Health struct{ Checks []Checker }

func NewHealth(c Checks) *Health { return &Health{Checks: c.All} }

// Greeter is a func type, provided as a value with module.Value.
type Greeter func(name string) string

type Welcome struct{ Greet Greeter }

func NewWelcome(g Greeter) *Welcome { return &Welcome{Greet: g} }

// TodoController is a controller: a pointer to a struct.
type TodoController struct{ Todos *TodoService }

func NewTodoController(s *TodoService) *TodoController { return &TodoController{Todos: s} }

type RepoController struct{ Repo *Repo }

func NewRepoController(r *Repo) *RepoController { return &RepoController{Repo: r} }
