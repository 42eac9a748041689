package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/godanet/godanet/redisbroker/redistest"
)

// These tests run RedisTodos against a real redis-server (redistest skips
// them without one, unless REQUIRE_REDIS=1), through clients configured as
// the example configures its own (connectRedis).

// redisStore returns a store on srv with a client of its own, as an
// instance of the example has.
func redisStore(t *testing.T, srv *redistest.Server, prefix string) *RedisTodos {
	t.Helper()
	client, err := connectRedis(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = client.Close() })
	return NewRedisTodos(client, prefix)
}

func TestRedisTodosCRUD(t *testing.T) {
	srv := redistest.Start(t)
	s := redisStore(t, srv, "todo:")
	ctx := t.Context()

	if got, err := s.List(ctx); err != nil || len(got) != 0 {
		t.Fatalf("List of a new store: %v, %v; want none", got, err)
	}
	one, err := s.Create(ctx, "one")
	if err != nil || one != (Todo{ID: 1, Title: "one"}) {
		t.Fatalf("Create: %+v, %v; want id 1", one, err)
	}
	if got, err := s.Get(ctx, 1); err != nil || got != one {
		t.Fatalf("Get(1): %+v, %v; want %+v", got, err, one)
	}

	var seen Todo
	got, err := s.Update(ctx, 1, func(changed *Todo) {
		seen = *changed
		changed.Done = true
		changed.ID = 99 // the id is not the change's to make
	})
	want := Todo{ID: 1, Title: "one", Done: true}
	if err != nil || got != want || seen != one {
		t.Fatalf("Update(1): %+v, %v, the change saw %+v; want %+v, having seen %+v", got, err, seen, want, one)
	}
	if got, err := s.Get(ctx, 1); err != nil || got != want {
		t.Fatalf("Get(1) after Update: %+v, %v; want %+v", got, err, want)
	}
	if _, err := s.Get(ctx, 99); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get(99) after an update that tried to change the id: %v; want ErrNotFound", err)
	}

	// Ids are numbers: 10 comes after 9, not after 1.
	for i := 2; i <= 11; i++ {
		if td, err := s.Create(ctx, fmt.Sprint("todo ", i)); err != nil || td.ID != i {
			t.Fatalf("Create number %d: %+v, %v", i, td, err)
		}
	}
	all, err := s.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if ids := idsOf(all); !slices.Equal(ids, []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}) {
		t.Fatalf("List ids %v; want 1 to 11 in order", ids)
	}
	if all[0] != want {
		t.Fatalf("List holds %+v; want %+v", all[0], want)
	}

	if got, err := s.Delete(ctx, 1); err != nil || got != want {
		t.Fatalf("Delete(1): %+v, %v; want the deleted todo %+v", got, err, want)
	}
	notFound := map[string]func() error{
		"Get":    func() error { _, err := s.Get(ctx, 1); return err },
		"Update": func() error { _, err := s.Update(ctx, 1, func(*Todo) {}); return err },
		"Delete": func() error { _, err := s.Delete(ctx, 1); return err },
	}
	for name, op := range notFound {
		if err := op(); !errors.Is(err, ErrNotFound) || errors.Is(err, ErrStoreUnavailable) {
			t.Errorf("%s of a deleted todo: %v; want ErrNotFound alone", name, err)
		}
	}
	if all, err := s.List(ctx); err != nil || len(all) != 10 || all[0].ID != 2 {
		t.Fatalf("List after Delete(1): ids %v, %v; want 2 to 11", idsOf(all), err)
	}
	// A new id is never one that was given before, even after a delete.
	if td, err := s.Create(ctx, "after delete"); err != nil || td.ID != 12 {
		t.Fatalf("Create after a delete: %+v, %v; want id 12", td, err)
	}
}

// TestRedisTodosSharedByTwoClients: two stores on one Redis, as two
// instances of the example have, hand out distinct ids and see each
// other's changes; a store with another prefix sees none of them.
func TestRedisTodosSharedByTwoClients(t *testing.T) {
	srv := redistest.Start(t)
	a, b := redisStore(t, srv, "todo:"), redisStore(t, srv, "todo:")
	ctx := t.Context()

	const each = 25
	ids := make(chan int, 2*each)
	var wg sync.WaitGroup
	for _, s := range []*RedisTodos{a, b} {
		wg.Go(func() {
			for i := range each {
				td, err := s.Create(ctx, fmt.Sprint("todo ", i))
				if err != nil {
					t.Error(err)
					return
				}
				ids <- td.ID
			}
		})
	}
	wg.Wait()
	close(ids)
	var got []int
	for id := range ids {
		got = append(got, id)
	}
	slices.Sort(got)
	want := make([]int, 2*each)
	for i := range want {
		want[i] = i + 1
	}
	if !slices.Equal(got, want) {
		t.Fatalf("two stores creating at once got ids %v; want each of 1 to %d once", got, 2*each)
	}

	if _, err := a.Update(ctx, 7, func(changed *Todo) { changed.Title = "changed through a" }); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Delete(ctx, 8); err != nil {
		t.Fatal(err)
	}
	if td, err := b.Get(ctx, 7); err != nil || td.Title != "changed through a" {
		t.Fatalf("b.Get(7) after a's update: %+v, %v", td, err)
	}
	if _, err := a.Get(ctx, 8); !errors.Is(err, ErrNotFound) {
		t.Fatalf("a.Get(8) after b's delete: %v; want ErrNotFound", err)
	}
	listA, errA := a.List(ctx)
	listB, errB := b.List(ctx)
	if errA != nil || errB != nil || !slices.Equal(listA, listB) || len(listA) != 2*each-1 {
		t.Fatalf("the two stores list %d and %d todos (%v, %v); want the same %d", len(listA), len(listB), errA, errB, 2*each-1)
	}

	other := redisStore(t, srv, "other:")
	if all, err := other.List(ctx); err != nil || len(all) != 0 {
		t.Fatalf("a store with another prefix lists %v, %v; want none", idsOf(all), err)
	}
	if td, err := other.Create(ctx, "elsewhere"); err != nil || td.ID != 1 {
		t.Fatalf("a store with another prefix created %+v, %v; want id 1 of its own", td, err)
	}
}

// TestRedisTodosUpdateRacingDeleteNeverResurrects: an update whose todo
// is deleted by another instance between its read and its write fails
// with ErrNotFound and leaves the todo deleted.
func TestRedisTodosUpdateRacingDeleteNeverResurrects(t *testing.T) {
	srv := redistest.Start(t)
	a, b := redisStore(t, srv, "todo:"), redisStore(t, srv, "todo:")
	ctx := t.Context()

	t.Run("delete between read and write", func(t *testing.T) {
		td, err := a.Create(ctx, "doomed")
		if err != nil {
			t.Fatal(err)
		}
		// Update calls the change between its read and its write: the
		// other instance deletes the todo right there.
		var deleteErr error
		_, err = a.Update(ctx, td.ID, func(changed *Todo) {
			changed.Done = true
			_, deleteErr = b.Delete(ctx, td.ID)
		})
		if deleteErr != nil {
			t.Fatalf("the racing delete: %v", deleteErr)
		}
		if !errors.Is(err, ErrNotFound) {
			t.Fatalf("Update of a todo deleted meanwhile: %v; want ErrNotFound", err)
		}
		if got, err := b.Get(ctx, td.ID); !errors.Is(err, ErrNotFound) {
			t.Fatalf("the deleted todo is back: %+v, %v", got, err)
		}
	})

	t.Run("many at once", func(t *testing.T) {
		const n = 50
		todos := make([]Todo, n)
		for i := range todos {
			var err error
			if todos[i], err = a.Create(ctx, fmt.Sprint("racer ", i)); err != nil {
				t.Fatal(err)
			}
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		deleted := 0 // how many deletes got their todo
		for _, td := range todos {
			wg.Go(func() {
				if _, err := a.Update(ctx, td.ID, func(changed *Todo) { changed.Done = true }); err != nil && !errors.Is(err, ErrNotFound) {
					t.Error(err)
				}
			})
			for _, s := range []*RedisTodos{a, b} { // two deletes: one wins
				wg.Go(func() {
					_, err := s.Delete(ctx, td.ID)
					switch {
					case err == nil:
						mu.Lock()
						deleted++
						mu.Unlock()
					case !errors.Is(err, ErrNotFound):
						t.Error(err)
					}
				})
			}
		}
		wg.Wait()
		if deleted != n {
			t.Errorf("%d deletes got their todo; want one of each pair, %d", deleted, n)
		}
		all, err := b.List(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, td := range all {
			if slices.ContainsFunc(todos, func(r Todo) bool { return r.ID == td.ID }) {
				t.Errorf("todo %d was deleted and is back: %+v", td.ID, td)
			}
		}
	})
}

// TestRedisTodosFailFastWhileRedisIsDown: with Redis killed, every method
// fails at once (a request has no deadline of its own) with an error that
// wraps ErrStoreUnavailable and the cause, and never ErrNotFound; with
// Redis hung, within the context's deadline; once Redis is back, the same
// store works again with everything it had.
func TestRedisTodosFailFastWhileRedisIsDown(t *testing.T) {
	srv := redistest.Start(t)
	s := redisStore(t, srv, "todo:")
	kept, err := s.Create(t.Context(), "kept")
	if err != nil {
		t.Fatal(err)
	}
	ops := []struct {
		name string
		op   func(context.Context) error
	}{
		{"List", func(ctx context.Context) error { _, err := s.List(ctx); return err }},
		{"Get", func(ctx context.Context) error { _, err := s.Get(ctx, kept.ID); return err }},
		{"Create", func(ctx context.Context) error { _, err := s.Create(ctx, "lost"); return err }},
		{"Update", func(ctx context.Context) error {
			_, err := s.Update(ctx, kept.ID, func(changed *Todo) { changed.Done = true })
			return err
		}},
		{"Delete", func(ctx context.Context) error { _, err := s.Delete(ctx, kept.ID); return err }},
	}
	// within runs an op and returns its error, failing the test if it
	// takes longer than limit.
	within := func(t *testing.T, limit time.Duration, ctx context.Context, name string, op func(context.Context) error) error {
		t.Helper()
		done := make(chan error, 1)
		start := time.Now()
		go func() { done <- op(ctx) }()
		select {
		case err := <-done:
			if took := time.Since(start); took > limit {
				t.Errorf("%s took %v; want at most %v", name, took, limit)
			}
			return err
		case <-time.After(limit + 5*time.Second):
			t.Fatalf("%s: no answer within %v", name, limit+5*time.Second)
			return nil
		}
	}

	t.Run("killed", func(t *testing.T) {
		srv.Kill()
		for _, o := range ops {
			err := within(t, time.Second, t.Context(), o.name, o.op)
			if !errors.Is(err, ErrStoreUnavailable) || !errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, ErrNotFound) {
				t.Errorf("%s while Redis is killed: %v; want ErrStoreUnavailable wrapping the refused connection", o.name, err)
			}
		}
	})

	t.Run("restarted", func(t *testing.T) {
		srv.Restart(false)
		// go-redis dials again once its probe, every second, finds
		// Redis back: until then the store still fails.
		got, err := eventually(t, 5*time.Second, func() (Todo, error) { return s.Get(t.Context(), kept.ID) })
		if err != nil || got != kept {
			t.Fatalf("Get after Redis restarted: %+v, %v; want %+v, kept in its append-only file", got, err, kept)
		}
		if td, err := s.Create(t.Context(), "after restart"); err != nil || td.ID != kept.ID+1 {
			t.Fatalf("Create after Redis restarted: %+v, %v; want id %d, the counter kept", td, err, kept.ID+1)
		}
	})

	t.Run("hung", func(t *testing.T) {
		srv.Freeze()
		defer srv.Thaw()
		const deadline = 300 * time.Millisecond
		for _, o := range ops {
			ctx, cancel := context.WithTimeout(t.Context(), deadline)
			err := within(t, deadline+time.Second, ctx, o.name, o.op)
			cancel()
			if !errors.Is(err, ErrStoreUnavailable) || !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("%s while Redis hangs: %v; want ErrStoreUnavailable wrapping the deadline", o.name, err)
			}
		}
	})
}

func idsOf(todos []Todo) []int {
	ids := make([]int, len(todos))
	for i, td := range todos {
		ids[i] = td.ID
	}
	return ids
}

// eventually calls f until it succeeds or the time is up, and returns its
// last result.
func eventually[T any](t *testing.T, limit time.Duration, f func() (T, error)) (T, error) {
	t.Helper()
	deadline := time.Now().Add(limit)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		v, err := f()
		if err == nil || time.Now().After(deadline) {
			return v, err
		}
		<-tick.C
	}
}
