package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"

	"github.com/redis/go-redis/v9"
)

// ErrStoreUnavailable is wrapped by the errors of a store that cannot
// reach its data; the controller answers them with 503.
var ErrStoreUnavailable = errors.New("the todo store is unavailable")

// RedisTodos keeps the todos in Redis, so that every instance of the
// example lists the same todos with the same ids: a hash of id -> JSON,
// and a counter for new ids. Each change is one atomic command or script.
type RedisTodos struct {
	client redis.UniversalClient
	items  string // the hash
	lastID string // the counter
}

// NewRedisTodos returns a store on client under the key prefix.
func NewRedisTodos(client redis.UniversalClient, prefix string) *RedisTodos {
	return &RedisTodos{client: client, items: prefix + "todos", lastID: prefix + "todos:last-id"}
}

// unavailable wraps an error of Redis itself; redis.Nil is not one.
func unavailable(op string, err error) error {
	return fmt.Errorf("%s: %w: %w", op, ErrStoreUnavailable, err)
}

// List implements TodoStore.
func (s *RedisTodos) List(ctx context.Context) ([]Todo, error) {
	all, err := s.client.HVals(ctx, s.items).Result()
	if err != nil {
		return nil, unavailable("list todos", err)
	}
	todos := make([]Todo, 0, len(all))
	for _, raw := range all {
		var t Todo
		if err := json.Unmarshal([]byte(raw), &t); err != nil {
			return nil, fmt.Errorf("list todos: a stored todo is not JSON: %w", err)
		}
		todos = append(todos, t)
	}
	slices.SortFunc(todos, func(a, b Todo) int { return a.ID - b.ID })
	return todos, nil
}

// Get implements TodoStore.
func (s *RedisTodos) Get(ctx context.Context, id int) (Todo, error) {
	raw, err := s.client.HGet(ctx, s.items, strconv.Itoa(id)).Result()
	return decodeTodo("get", id, raw, err)
}

// decodeTodo turns what Redis answered for one todo into it: redis.Nil is
// ErrNotFound, another error means Redis is unavailable.
func decodeTodo(op string, id int, raw string, err error) (Todo, error) {
	switch {
	case errors.Is(err, redis.Nil):
		return Todo{}, ErrNotFound
	case err != nil:
		return Todo{}, unavailable(op+" a todo", err)
	}
	var t Todo
	if err := json.Unmarshal([]byte(raw), &t); err != nil {
		return Todo{}, fmt.Errorf("%s todo %d: it is not JSON: %w", op, id, err)
	}
	return t, nil
}

// Create implements TodoStore.
func (s *RedisTodos) Create(ctx context.Context, title string) (Todo, error) {
	id, err := s.client.Incr(ctx, s.lastID).Result()
	if err != nil {
		return Todo{}, unavailable("create a todo", err)
	}
	t := Todo{ID: int(id), Title: title}
	raw, _ := json.Marshal(t)
	if err := s.client.HSet(ctx, s.items, strconv.Itoa(t.ID), raw).Err(); err != nil {
		return Todo{}, unavailable("create a todo", err)
	}
	return t, nil
}

// setIfPresent replaces a hash field only if it exists, so that an update
// racing a delete on another instance never brings the todo back.
var setIfPresent = redis.NewScript(`
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return 1`)

// Update implements TodoStore. Two instances updating one todo at once
// both succeed, the later write winning.
func (s *RedisTodos) Update(ctx context.Context, id int, change func(*Todo)) (Todo, error) {
	t, err := s.Get(ctx, id)
	if err != nil {
		return t, err
	}
	change(&t)
	t.ID = id
	raw, _ := json.Marshal(t)
	set, err := setIfPresent.Run(ctx, s.client, []string{s.items}, strconv.Itoa(id), raw).Int()
	switch {
	case err != nil:
		return Todo{}, unavailable("update a todo", err)
	case set == 0:
		return Todo{}, ErrNotFound
	}
	return t, nil
}

// takeField returns a hash field and deletes it, atomically: of two
// instances deleting one todo, one gets it and the other ErrNotFound.
var takeField = redis.NewScript(`
local v = redis.call('HGET', KEYS[1], ARGV[1])
if v then redis.call('HDEL', KEYS[1], ARGV[1]) end
return v`)

// Delete implements TodoStore.
func (s *RedisTodos) Delete(ctx context.Context, id int) (Todo, error) {
	raw, err := takeField.Run(ctx, s.client, []string{s.items}, strconv.Itoa(id)).Text()
	return decodeTodo("delete", id, raw, err)
}
