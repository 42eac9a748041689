package main

import (
	"strconv"
	"sync"
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
// every open page sees it. One lock orders a change and its event, so
// the stream's order is the store's order.
type TodoService struct {
	mu    sync.Mutex
	store *Store
	hub   *sse.Hub
}

// NewTodoService is built by DI from the store module's Store and the Hub.
func NewTodoService(store *Store, hub *sse.Hub) *TodoService {
	return &TodoService{store: store, hub: hub}
}

// List returns every todo, ordered by id.
func (s *TodoService) List() []Todo { return s.store.List() }

// Get returns one todo or ErrNotFound.
func (s *TodoService) Get(id int) (Todo, error) { return s.store.Get(id) }

// Create adds a todo and announces it.
func (s *TodoService) Create(title string) (Todo, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.store.Create(title)
	return t, s.publish(eventCreated, t)
}

// Update changes a todo and announces it.
func (s *TodoService) Update(id int, change func(*Todo)) (Todo, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.store.Update(id, change)
	if err != nil {
		return t, err
	}
	return t, s.publish(eventUpdated, t)
}

// Delete removes a todo and announces it. Then it drops the todo's own
// topic: its live streams end after the "deleted" event (a browser that
// reconnects gets a 404 and stops), and its history is freed.
func (s *TodoService) Delete(id int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.store.Delete(id)
	if err != nil {
		return err
	}
	if err := s.publish(eventDeleted, t); err != nil {
		return err
	}
	return s.hub.DropTopic(todoTopic(id))
}

// publish sends a change to the stream of all todos and to the todo's own.
func (s *TodoService) publish(event string, t Todo) error {
	m := sse.Message{Event: event, Data: t, Retry: reconnectAfter}
	if _, err := s.hub.Publish(allTodos, m); err != nil {
		return err
	}
	_, err := s.hub.Publish(todoTopic(t.ID), m)
	return err
}
