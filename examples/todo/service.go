package main

import (
	"context"
	"strconv"
	"time"

	"github.com/godanet/godanet/sse"
)

// Event names of the changes the service publishes.
const (
	eventCreated = "created"
	eventUpdated = "updated"
	eventDeleted = "deleted"
)

// allTodos is the Hub topic of every change; todoTopic(id) has one todo's.
const allTodos = "todos"

func todoTopic(id int) string { return "todo/" + strconv.Itoa(id) }

// reconnectAfter is the retry the stream tells browsers to wait before
// reconnecting after the server goes away.
const reconnectAfter = 500 * time.Millisecond

// TodoService changes the store and publishes each change on the Hub, so
// every open page sees it. The backend's change lock, shared by every
// instance, orders a change and its event, so the stream's order is the
// store's order.
type TodoService struct {
	lock  ChangeLock
	store TodoStore
	hub   *sse.Hub
}

// NewTodoService is built by DI from the backend.
func NewTodoService(b Backend) *TodoService {
	return &TodoService{lock: b.Lock, store: b.Todos, hub: b.Hub}
}

// callTimeout bounds each of the service's calls, lock, store and
// publishes together, so that a Redis that hangs gets a 503 in seconds
// (one that refuses connections gets it at once).
const callTimeout = 3 * time.Second

// List returns every todo, ordered by id.
func (s *TodoService) List(ctx context.Context) ([]Todo, error) {
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	return s.store.List(ctx)
}

// Get returns one todo or ErrNotFound.
func (s *TodoService) Get(ctx context.Context, id int) (Todo, error) {
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	return s.store.Get(ctx, id)
}

// Create adds a todo and announces it.
func (s *TodoService) Create(ctx context.Context, title string) (t Todo, err error) {
	err = s.change(ctx, func(ctx context.Context) error {
		if t, err = s.store.Create(ctx, title); err != nil {
			return err
		}
		return s.publish(ctx, eventCreated, t)
	})
	return t, err
}

// Update changes a todo and announces it.
func (s *TodoService) Update(ctx context.Context, id int, change func(*Todo)) (t Todo, err error) {
	err = s.change(ctx, func(ctx context.Context) error {
		if t, err = s.store.Update(ctx, id, change); err != nil {
			return err
		}
		return s.publish(ctx, eventUpdated, t)
	})
	return t, err
}

// Delete removes a todo and announces it. Then it drops the todo's own
// topic: its live streams end after the "deleted" event (a browser that
// reconnects gets a 404 and stops), and its history is freed.
func (s *TodoService) Delete(ctx context.Context, id int) error {
	return s.change(ctx, func(ctx context.Context) error {
		t, err := s.store.Delete(ctx, id)
		if err != nil {
			return err
		}
		if err := s.publish(ctx, eventDeleted, t); err != nil {
			return err
		}
		return s.hub.DropTopic(ctx, todoTopic(id))
	})
}

// change runs a change and its announcement under the change lock, all
// within callTimeout.
func (s *TodoService) change(ctx context.Context, run func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	unlock, err := s.lock.Lock(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	return run(ctx)
}

// publish sends a change to the stream of all todos and to the todo's own.
// When it fails, the change is made but not announced, and the client gets
// a 503 all the same (a store and a broker cannot commit together): the
// pages that are open learn of it when they next load the list.
func (s *TodoService) publish(ctx context.Context, event string, t Todo) error {
	m := sse.Message{Event: event, Data: t, Retry: reconnectAfter}
	if _, err := s.hub.Publish(ctx, allTodos, m); err != nil {
		return err
	}
	_, err := s.hub.Publish(ctx, todoTopic(t.ID), m)
	return err
}
