package main

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/godanet/godanet/redisbroker/redistest"
)

// pausingTodos holds Update after its write until let is closed, and says
// when it has written: the widest window for another instance's change.
type pausingTodos struct {
	TodoStore
	written chan struct{}
	let     chan struct{}
}

func (p *pausingTodos) Update(ctx context.Context, id int, change func(*Todo)) (Todo, error) {
	t, err := p.TodoStore.Update(ctx, id, change)
	close(p.written)
	<-p.let
	return t, err
}

// signallingLock says when a change first asks for the lock.
type signallingLock struct {
	ChangeLock
	asked chan struct{}
	once  sync.Once
}

func (l *signallingLock) Lock(ctx context.Context) (func(), error) {
	l.once.Do(func() { close(l.asked) })
	return l.ChangeLock.Lock(ctx)
}

// TestChangeLockKeepsTheStoreOrder: instance A writes a change and is
// held before it publishes; instance B changes the same todo meanwhile.
// B's change must wait for A's event, so the last event says what the
// store holds. Without a lock shared through Redis, B's event goes out
// first and pages end on A's stale title.
func TestChangeLockKeepsTheStoreOrder(t *testing.T) {
	srv := redistest.Start(t)
	backend := func() Backend {
		client, err := connectRedis(srv.URL())
		if err != nil {
			t.Fatal(err)
		}
		b := RedisBackend(client)
		t.Cleanup(func() {
			_ = b.Hub.Close()
			_ = client.Close()
		})
		return b
	}
	a, b := backend(), backend()
	pausing := &pausingTodos{TodoStore: a.Todos, written: make(chan struct{}), let: make(chan struct{})}
	a.Todos = pausing
	asking := &signallingLock{ChangeLock: b.Lock, asked: make(chan struct{})}
	b.Lock = asking
	onA, onB := NewTodoService(a), NewTodoService(b)
	ctx := t.Context()
	todo, err := onA.Create(ctx, "start")
	if err != nil {
		t.Fatal(err)
	}
	events, err := b.Hub.Subscribe(ctx, allTodos, "")
	if err != nil {
		t.Fatal(err)
	}

	done := make(chan error, 2)
	go func() {
		_, err := onA.Update(ctx, todo.ID, func(t *Todo) { t.Title = "from A" })
		done <- err
	}()
	<-pausing.written
	bDone := make(chan error, 1)
	go func() {
		_, err := onB.Update(ctx, todo.ID, func(t *Todo) { t.Title = "from B" })
		bDone <- err
	}()
	// Once B asks for the lock, it either waits (it must), or, without a
	// shared lock, gets it at once and finishes its change and its event
	// while A is held: the bound below is for a lock that holds, never
	// what makes a broken one pass.
	<-asking.asked
	select {
	case err := <-bDone:
		done <- err
		bDone = nil
	case <-time.After(time.Second):
	}
	close(pausing.let)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if bDone != nil {
		if err := <-bDone; err != nil {
			t.Fatal(err)
		}
	} else if err := <-done; err != nil {
		t.Fatal(err)
	}

	var titles []string
	for len(titles) < 2 {
		select {
		case m := <-events:
			titles = append(titles, todoOf(t, m.Data.(string)).Title)
		case <-time.After(10 * time.Second):
			t.Fatalf("got events %q, want two", titles)
		}
	}
	stored, err := b.Todos.Get(ctx, todo.ID)
	if err != nil {
		t.Fatal(err)
	}
	if titles[1] != stored.Title {
		t.Errorf("events in the order %q, but the store holds %q: a page would show a stale title", titles, stored.Title)
	}
}
