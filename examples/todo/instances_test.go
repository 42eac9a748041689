package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/godanet/godanet/internal/testhttp"
	gosse "github.com/tmaxmax/go-sse"
)

// These tests run two instances of the example, A and B, as processes on
// one redis-server, as README describes (see process_test.go), and read
// their streams with go-sse's parser.

// TestInstancesShareOneList: a change made through either instance
// reaches the streams of both, as one event with one id, whose data is the
// todo the API returned; both list the same todos with the same ids.
func TestInstancesShareOneList(t *testing.T) {
	c := startTwo(t)
	onA, onB := c.a.stream(t, ""), c.b.stream(t, "")

	steps := []struct {
		via    *instance
		call   call
		status int
		event  string
		todo   Todo
	}{
		{c.a, call{"POST", "/todos", `{"title":"made on A"}`, true}, 201, "created", Todo{ID: 1, Title: "made on A"}},
		{c.b, call{"POST", "/todos", `{"title":"made on B"}`, true}, 201, "created", Todo{ID: 2, Title: "made on B"}},
		{c.b, call{"PATCH", "/todos/1", `{"done":true}`, true}, 200, "updated", Todo{ID: 1, Title: "made on A", Done: true}},
		{c.a, call{"DELETE", "/todos/2", "", true}, 204, "deleted", Todo{ID: 2, Title: "made on B"}},
		{c.a, call{"POST", "/todos", `{"title":"third"}`, true}, 201, "created", Todo{ID: 3, Title: "third"}},
	}
	var epoch string
	for n, s := range steps {
		r := s.via.must(t, s.call, s.status)
		if s.status != http.StatusNoContent {
			mustJSON(t, s.call.method+" "+s.call.path+" on "+s.via.name, r.body, todoJSON(t, s.todo))
		}
		ea, eb := onA.Next(), onB.Next()
		if ea.LastEventID != eb.LastEventID {
			t.Fatalf("%s %s on %s: A's stream gave its event id %q, B's %q; want one id", s.call.method, s.call.path, s.via.name, ea.LastEventID, eb.LastEventID)
		}
		if n == 0 {
			epoch = epochOf(t, ea.LastEventID)
		}
		if epochOf(t, ea.LastEventID) != epoch || seqOf(t, ea.LastEventID) != n+1 {
			t.Fatalf("%s %s on %s: event id %q; want %s-%d, the next of the topic", s.call.method, s.call.path, s.via.name, ea.LastEventID, epoch, n+1)
		}
		for name, e := range map[string]gosse.Event{"A": ea, "B": eb} {
			if e.Type != s.event {
				t.Fatalf("%s %s on %s: %s's stream has a %q event; want %q", s.call.method, s.call.path, s.via.name, name, e.Type, s.event)
			}
			// The data is the todo, as the API returned it.
			want := r.body
			if s.status == http.StatusNoContent {
				want = todoJSON(t, s.todo)
			}
			mustJSON(t, s.call.method+" "+s.call.path+": the data on "+name+"'s stream", e.Data, want)
		}
	}

	want := `[{"id":1,"title":"made on A","done":true},{"id":3,"title":"third","done":false}]`
	for _, i := range []*instance{c.a, c.b} {
		mustJSON(t, "GET /todos on "+i.name, i.must(t, call{"GET", "/todos", "", false}, 200).body, want)
	}
	mustJSON(t, "GET /todos/3 on B", c.b.must(t, call{"GET", "/todos/3", "", false}, 200).body, `{"id":3,"title":"third","done":false}`)
	c.b.must(t, call{"GET", "/todos/2", "", false}, 404)
}

// TestReconnectToTheOtherInstance: a client leaves A's stream after some
// events, changes are made through both instances, and it reconnects to B
// with its Last-Event-ID: it gets exactly the changes it missed, in order,
// with no gap and no duplicate, then live ones. A stream open on B all
// along is the witness of what happened.
func TestReconnectToTheOtherInstance(t *testing.T) {
	c := startTwo(t)
	witness := c.b.stream(t, "")
	reader := c.a.stream(t, "")

	changes := []struct {
		via    *instance
		call   call
		status int
	}{
		{c.a, call{"POST", "/todos", `{"title":"one"}`, true}, 201},
		{c.b, call{"POST", "/todos", `{"title":"two"}`, true}, 201},
		{c.a, call{"POST", "/todos", `{"title":"three"}`, true}, 201},
		// The reader has left after reading two events: it misses the
		// third and the rest.
		{c.b, call{"PATCH", "/todos/1", `{"done":true}`, true}, 200},
		{c.a, call{"DELETE", "/todos/2", "", true}, 204},
		{c.b, call{"POST", "/todos", `{"title":"four"}`, true}, 201},
		{c.a, call{"PATCH", "/todos/3", `{"title":"three!"}`, true}, 200},
	}
	const read = 2
	for _, ch := range changes[:3] {
		ch.via.must(t, ch.call, ch.status)
	}
	var seen []gosse.Event
	for range read {
		seen = append(seen, reader.Next())
	}
	reader.Close()
	for _, ch := range changes[3:] {
		ch.via.must(t, ch.call, ch.status)
	}

	var all []gosse.Event
	for n := range changes {
		e := witness.Next()
		if seqOf(t, e.LastEventID) != n+1 {
			t.Fatalf("the witness's event %d has id %q; want number %d", n+1, e.LastEventID, n+1)
		}
		all = append(all, e)
	}
	for n, e := range seen {
		sameEvent(t, "before leaving, A's stream", e, all[n])
	}

	back := c.b.stream(t, seen[read-1].LastEventID)
	for _, w := range all[read:] {
		sameEvent(t, "after reconnecting to B", back.Next(), w)
	}
	// Then it is live: the next event is the next change, not a replayed one.
	c.a.must(t, call{"POST", "/todos", `{"title":"five"}`, true}, 201)
	w := witness.Next()
	if seqOf(t, w.LastEventID) != len(changes)+1 {
		t.Fatalf("the witness's next event has id %q; want number %d", w.LastEventID, len(changes)+1)
	}
	sameEvent(t, "live after the replay", back.Next(), w)
}

// TestRedisOutage kills Redis while streams are open on A and B. Writes
// and reads answer 503 problem details at once, not a hang nor a 500, and
// the streams stay open, since the outage is shorter than the grace period
// (10s). When Redis comes back with its data, the changes made after reach
// the streams that stayed open, with no gap. When it comes back with its
// data lost, the topic begins a new life: the open streams end (the broker
// cannot tell what they missed), and a client that reconnects with an id
// of the lost life gets all the new life holds.
func TestRedisOutage(t *testing.T) {
	c := startTwo(t)
	onA, onB := c.a.stream(t, ""), c.b.stream(t, "")
	// both reads the next event on both streams and checks they agree.
	both := func(what string) gosse.Event {
		t.Helper()
		ea, eb := onA.Next(), onB.Next()
		sameEvent(t, what+": B's stream", eb, ea)
		return ea
	}

	c.a.must(t, call{"POST", "/todos", `{"title":"before 1"}`, true}, 201)
	c.b.must(t, call{"POST", "/todos", `{"title":"before 2"}`, true}, 201)
	first, last := both("before the outage"), both("before the outage")
	if seqOf(t, first.LastEventID) != 1 || seqOf(t, last.LastEventID) != 2 {
		t.Fatalf("before the outage: ids %q and %q; want numbers 1 and 2", first.LastEventID, last.LastEventID)
	}
	epoch := epochOf(t, last.LastEventID)

	c.redis.Kill()
	// outage is how long Redis stays away: well within the grace period.
	const outage = 2500 * time.Millisecond
	killed := time.Now()
	attempts := []struct {
		via  *instance
		call call
	}{
		{c.a, call{"POST", "/todos", `{"title":"lost"}`, true}},
		{c.b, call{"POST", "/todos", `{"title":"lost"}`, true}},
		{c.a, call{"PATCH", "/todos/1", `{"done":true}`, true}},
		{c.b, call{"DELETE", "/todos/2", "", true}},
		{c.a, call{"GET", "/todos", "", false}},
		{c.b, call{"GET", "/todos/1", "", false}},
	}
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	calls, slowest := 0, time.Duration(0)
	for time.Since(killed) < outage {
		for _, at := range attempts {
			start := time.Now()
			r, err := at.via.try(at.call, 5*time.Second)
			took := time.Since(start)
			switch {
			case err != nil:
				t.Fatalf("%s %s on %s while Redis is down: %v after %v; want 503 at once", at.call.method, at.call.path, at.via.name, err, took)
			case r.status != http.StatusServiceUnavailable || r.ctype != "application/problem+json":
				t.Fatalf("%s %s on %s while Redis is down: %d %q %s; want 503 problem details", at.call.method, at.call.path, at.via.name, r.status, r.ctype, r.body)
			case took > time.Second:
				t.Fatalf("%s %s on %s while Redis is down: 503 after %v; want it at once", at.call.method, at.call.path, at.via.name, took)
			}
			calls++
			slowest = max(slowest, took)
		}
		select {
		case <-onA.Ended:
			t.Fatalf("A's stream ended %v into the outage, within the grace period", time.Since(killed))
		case <-onB.Ended:
			t.Fatalf("B's stream ended %v into the outage, within the grace period", time.Since(killed))
		case <-tick.C:
		}
	}
	t.Logf("%d calls answered 503 during an outage of %v, the slowest in %v", calls, time.Since(killed).Round(time.Millisecond), slowest.Round(time.Millisecond))

	c.redis.Restart(false)
	c.awaitRedis(t)
	c.a.must(t, call{"POST", "/todos", `{"title":"after restart, on A"}`, true}, 201)
	c.b.must(t, call{"POST", "/todos", `{"title":"after restart, on B"}`, true}, 201)
	for n, title := range []string{"after restart, on A", "after restart, on B"} {
		e := both("after Redis came back")
		if epochOf(t, e.LastEventID) != epoch || seqOf(t, e.LastEventID) != n+3 || e.Type != "created" || todoOf(t, e.Data) != (Todo{ID: n + 3, Title: title}) {
			t.Fatalf("after Redis came back, the streams that stayed open got %q %s %s; want %s-%d, the next after %s, creating todo %d %q",
				e.LastEventID, e.Type, e.Data, epoch, n+3, last.LastEventID, n+3, title)
		}
		last = e
	}

	c.redis.Restart(true) // its data is lost
	c.awaitRedis(t)
	// The open streams end: the broker cannot tell what they missed.
	for _, s := range []*eventStream{onA, onB} {
		select {
		case e, ok := <-s.Events:
			if ok {
				t.Fatalf("after Redis lost its data, an open stream got %q", e.LastEventID)
			}
		case <-time.After(testhttp.EventWait):
			t.Fatal("after Redis lost its data, an open stream did not end")
		}
	}
	onA, onB = c.a.stream(t, last.LastEventID), c.b.stream(t, last.LastEventID)
	for _, i := range []*instance{c.a, c.b} {
		mustJSON(t, "GET /todos on "+i.name+" after Redis lost its data", i.must(t, call{"GET", "/todos", "", false}, 200).body, `[]`)
	}
	c.a.must(t, call{"POST", "/todos", `{"title":"new life, on A"}`, true}, 201)
	c.b.must(t, call{"POST", "/todos", `{"title":"new life, on B"}`, true}, 201)
	var newLife []gosse.Event
	for n, title := range []string{"new life, on A", "new life, on B"} {
		e := both("after Redis lost its data")
		if epochOf(t, e.LastEventID) == epoch || seqOf(t, e.LastEventID) != n+1 || e.Type != "created" || todoOf(t, e.Data) != (Todo{ID: n + 1, Title: title}) {
			t.Fatalf("after Redis lost its data, the open streams got %q %s %s; want number %d of a new life (not %s), creating todo %d %q",
				e.LastEventID, e.Type, e.Data, n+1, epoch, n+1, title)
		}
		newLife = append(newLife, e)
	}
	if epochOf(t, newLife[0].LastEventID) != epochOf(t, newLife[1].LastEventID) {
		t.Fatalf("the new life's events have ids %q and %q; want one life", newLife[0].LastEventID, newLife[1].LastEventID)
	}

	// A client that was away all along comes back to B with an id of the
	// lost life: it gets everything the new life holds, then live events.
	back := c.b.stream(t, last.LastEventID)
	for _, w := range newLife {
		sameEvent(t, "reconnecting with an id of the lost life", back.Next(), w)
	}
	c.a.must(t, call{"PATCH", "/todos/1", `{"done":true}`, true}, 200)
	e := both("live after Redis lost its data")
	if seqOf(t, e.LastEventID) != 3 || e.Type != "updated" {
		t.Fatalf("live after Redis lost its data: %q %s; want number 3, updated", e.LastEventID, e.Type)
	}
	sameEvent(t, "live after the replay of the new life", back.Next(), e)
}

// TestStreamsEndPastTheGracePeriod: with -redis-grace 1s, Redis away for
// longer ends the open streams, so that their clients reconnect; while it
// is away they are answered 503, and once it is back, a client that
// reconnects with its Last-Event-ID gets what it missed.
func TestStreamsEndPastTheGracePeriod(t *testing.T) {
	const grace = time.Second
	c := startTwo(t, "-redis-grace", grace.String())
	onA, onB := c.a.stream(t, ""), c.b.stream(t, "")
	c.a.must(t, call{"POST", "/todos", `{"title":"before"}`, true}, 201)
	seen := onA.Next()
	sameEvent(t, "B's stream", onB.Next(), seen)

	c.redis.Kill()
	killed := time.Now()
	for name, s := range map[string]*eventStream{"A": onA, "B": onB} {
		select {
		case <-s.Ended:
		case <-time.After(grace + 5*time.Second):
			t.Fatalf("%s's stream is still open %v after Redis went away; past the grace period (%v) it must end, so that its client reconnects", name, time.Since(killed).Round(time.Millisecond), grace)
		}
		took := time.Since(killed)
		if took < grace/2 {
			t.Fatalf("%s's stream ended %v after Redis went away; want it open for the grace period, %v", name, took, grace)
		}
		t.Logf("%s's stream ended %v after Redis went away", name, took.Round(time.Millisecond))
	}

	// The client reconnects at once: Redis is still away.
	for _, i := range []*instance{c.a, c.b} {
		r, took := reconnect(t, i, seen.LastEventID)
		if r.status != http.StatusServiceUnavailable || r.ctype != "application/problem+json" || took > 3*time.Second {
			t.Fatalf("reconnecting to %s while Redis is away: %d %q %s after %v; want 503 problem details at once", i.name, r.status, r.ctype, r.body, took)
		}
		t.Logf("reconnecting to %s while Redis is away: 503 after %v", i.name, took.Round(time.Millisecond))
	}

	c.redis.Restart(false)
	c.awaitRedis(t)
	missed := c.a.must(t, call{"POST", "/todos", `{"title":"while the client was away"}`, true}, 201)
	back := c.b.stream(t, seen.LastEventID)
	e := back.Next()
	if epochOf(t, e.LastEventID) != epochOf(t, seen.LastEventID) || seqOf(t, e.LastEventID) != 2 || e.Type != "created" || !sameJSON(t, e.Data, missed.body) {
		t.Fatalf("reconnecting after Redis came back: %q %s %s; want number 2 after %q, creating %s", e.LastEventID, e.Type, e.Data, seen.LastEventID, missed.body)
	}
	c.b.must(t, call{"POST", "/todos", `{"title":"live"}`, true}, 201)
	if e := back.Next(); seqOf(t, e.LastEventID) != 3 || todoOf(t, e.Data).Title != "live" {
		t.Fatalf("live after reconnecting: %q %s", e.LastEventID, e.Data)
	}
}

// awaitRedis polls GET /todos on both instances until they answer 200:
// go-redis dials again once its probe, every second, finds Redis back.
func (c *twoInstances) awaitRedis(t *testing.T) {
	t.Helper()
	for _, i := range []*instance{c.a, c.b} {
		r, err := eventually(t, 10*time.Second, func() (reply, error) {
			r, err := i.try(call{"GET", "/todos", "", false}, 5*time.Second)
			if err == nil && r.status != http.StatusOK {
				err = fmt.Errorf("status %d", r.status)
			}
			return r, err
		})
		if err != nil {
			t.Fatalf("%s after Redis came back: %v %s", i.name, err, r.body)
		}
	}
}

// reconnect asks for the stream of every change with Last-Event-ID and
// returns the answer if it is not a stream, and how long it took.
func reconnect(t *testing.T, i *instance, lastEventID string) (reply, time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), callWait)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", i.url+"/todos/events", nil)
	req.Header.Set("Last-Event-ID", lastEventID)
	start := time.Now()
	res, err := i.client.Do(req)
	if err != nil {
		t.Fatalf("reconnecting to %s: %v", i.name, err)
	}
	defer res.Body.Close()
	took := time.Since(start)
	r := reply{status: res.StatusCode, ctype: res.Header.Get("Content-Type")}
	if res.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(res.Body)
		r.body = string(b)
	}
	return r, took
}

// sameEvent fails the test unless got is want: same id, name and data.
func sameEvent(t *testing.T, what string, got, want gosse.Event) {
	t.Helper()
	if got.LastEventID != want.LastEventID || got.Type != want.Type || !sameJSON(t, got.Data, want.Data) {
		t.Fatalf("%s: event %q %s %s; want %q %s %s", what, got.LastEventID, got.Type, got.Data, want.LastEventID, want.Type, want.Data)
	}
}

func todoJSON(t *testing.T, td Todo) string {
	t.Helper()
	b, err := json.Marshal(td)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestRedisHangs: a Redis that stops answering (rather than refusing
// connections) makes every request a 503 within the service's deadline,
// not a request that waits for go-redis's retries; once it answers
// again, so do the instances.
func TestRedisHangs(t *testing.T) {
	c := startTwo(t)
	c.a.must(t, call{"POST", "/todos", `{"title":"before"}`, true}, 201)
	c.redis.Freeze()
	thawed := false
	t.Cleanup(func() {
		if !thawed {
			c.redis.Thaw()
		}
	})
	for _, req := range []call{
		{"POST", "/todos", `{"title":"while it hangs"}`, true},
		{"GET", "/todos", "", false},
	} {
		start := time.Now()
		r, err := c.b.try(req, 10*time.Second)
		took := time.Since(start)
		if err != nil || r.status != http.StatusServiceUnavailable || r.ctype != "application/problem+json" {
			t.Errorf("%s %s while Redis hangs: %d %q %v after %v; want a 503 problem", req.method, req.path, r.status, r.body, err, took)
		}
		if took > callTimeout+2*time.Second {
			t.Errorf("%s %s while Redis hangs took %v; want about %v, the service's deadline", req.method, req.path, took, callTimeout)
		}
	}
	c.redis.Thaw()
	thawed = true
	deadline := time.Now().Add(15 * time.Second)
	for {
		r, err := c.b.try(call{"GET", "/todos", "", false}, 5*time.Second)
		if err == nil && r.status == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after Redis answered again, GET /todos: %d %v", r.status, err)
		}
	}
}
