// Package store is the todo example's in-memory store of todos. It is a
// package of its own so that examples/readme, which compiles the README's
// snippets, runs them against the same store as the example.
package store

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

// ErrNotFound is returned for an id the store does not hold.
var ErrNotFound = errors.New("todo not found")

// Store is an in-memory, concurrency-safe todo store.
type Store struct {
	mu     sync.Mutex
	lastID int
	todos  map[int]Todo
}

// NewStore returns an empty store.
func NewStore() *Store { return &Store{todos: map[int]Todo{}} }

// List returns every todo, ordered by id.
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

// Create adds a todo and returns it with its new id.
func (s *Store) Create(title string) Todo {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lastID++
	t := Todo{ID: s.lastID, Title: title}
	s.todos[t.ID] = t
	return t
}

// Update applies change to the todo with the id and returns the result.
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
func (s *Store) Delete(id int) (Todo, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.todos[id]
	if !ok {
		return Todo{}, ErrNotFound
	}
	delete(s.todos, id)
	return t, nil
}
