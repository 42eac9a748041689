package readme

import (
	"errors"
	"slices"
	"sync"
)

// Todo is one item of the list.
type Todo struct {
	ID    int    `json:"id"`
	Title string `json:"title"`
	Done  bool   `json:"done"`
}

// ErrNotFound is the store's answer for an id it does not hold.
var ErrNotFound = errors.New("todo not found")

// Store is a small in-memory store, the provider that the README's
// modules export and its test overrides.
type Store struct {
	mu    sync.Mutex
	next  int
	todos map[int]Todo
}

// NewStore is StoreModule's constructor.
func NewStore() *Store { return &Store{todos: map[int]Todo{}} }

// List returns the todos by id.
func (s *Store) List() []Todo {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Todo, 0, len(s.todos))
	for _, t := range s.todos {
		out = append(out, t)
	}
	slices.SortFunc(out, func(a, b Todo) int { return a.ID - b.ID })
	return out
}

// Get returns the todo with the id, or ErrNotFound.
func (s *Store) Get(id int) (Todo, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.todos[id]
	if !ok {
		return Todo{}, ErrNotFound
	}
	return t, nil
}

// Create adds a todo with the next id.
func (s *Store) Create(title string) Todo {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.next++
	t := Todo{ID: s.next, Title: title}
	s.todos[t.ID] = t
	return t
}

// Update applies change to the todo with the id.
func (s *Store) Update(id int, change func(*Todo)) (Todo, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.todos[id]
	if !ok {
		return Todo{}, ErrNotFound
	}
	change(&t)
	t.ID = id
	s.todos[id] = t
	return t, nil
}

// Delete removes the todo with the id.
func (s *Store) Delete(id int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.todos[id]; !ok {
		return ErrNotFound
	}
	delete(s.todos, id)
	return nil
}
