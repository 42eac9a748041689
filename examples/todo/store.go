package main

import (
	"context"

	"github.com/godanet/godanet/examples/todo/store"
	"github.com/godanet/godanet/module"
	"github.com/godanet/godanet/sse"
)

// The store's types, by the names the example uses.
type Todo = store.Todo

// ErrNotFound is the stores' error for an id they do not hold.
var ErrNotFound = store.ErrNotFound

// TodoStore is what the service needs of a store: the in-memory one, for
// one instance, or RedisTodos, shared by every instance on one Redis. A
// store that cannot reach its data says so with an error wrapping
// ErrStoreUnavailable.
type TodoStore interface {
	List(ctx context.Context) ([]Todo, error)
	Get(ctx context.Context, id int) (Todo, error)
	Create(ctx context.Context, title string) (Todo, error)
	Update(ctx context.Context, id int, change func(*Todo)) (Todo, error)
	Delete(ctx context.Context, id int) (Todo, error)
}

// Backend is where the todos and their events live, and the lock that
// orders changes.
type Backend struct {
	Todos TodoStore
	Hub   *sse.Hub
	Lock  ChangeLock
}

// MemoryBackend keeps everything in this process: the default.
func MemoryBackend() Backend {
	return Backend{Todos: memoryTodos{store.NewStore()}, Hub: sse.NewHub(), Lock: &localLock{}}
}

// BackendModule provides the backend, and its Hub on its own, to every
// module that imports it.
func BackendModule(b Backend) *module.Module {
	backend := func() Backend { return b }
	hub := func() *sse.Hub { return b.Hub }
	return &module.Module{
		Name:      "backend",
		Providers: []any{backend, hub},
		Exports:   []any{backend, hub},
	}
}

// memoryTodos is the in-memory store as a TodoStore: it never fails.
type memoryTodos struct{ s *store.Store }

func (m memoryTodos) List(context.Context) ([]Todo, error)        { return m.s.List(), nil }
func (m memoryTodos) Get(_ context.Context, id int) (Todo, error) { return m.s.Get(id) }
func (m memoryTodos) Create(_ context.Context, title string) (Todo, error) {
	return m.s.Create(title), nil
}
func (m memoryTodos) Update(_ context.Context, id int, change func(*Todo)) (Todo, error) {
	return m.s.Update(id, change)
}
func (m memoryTodos) Delete(_ context.Context, id int) (Todo, error) { return m.s.Delete(id) }
