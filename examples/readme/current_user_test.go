package readme

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/godanet/godanet/core"
	"github.com/godanet/godanet/core/coretest"
	"github.com/godanet/godanet/internal/testhttp"
	"github.com/godanet/godanet/module"
	"github.com/godanet/godanet/sse"
	gosse "github.com/tmaxmax/go-sse"
)

// TestReadmeCurrentUserAndInbox runs the README's UserGuard, Me and
// per-user Inbox: each user's stream carries only what Notify sent them.
func TestReadmeCurrentUserAndInbox(t *testing.T) {
	users := NewUsers(NewUser("1", "Ann", "ann-token"), NewUser("2", "Bob", "bob-token"))
	srv := coretest.Start(t, InboxModule(users), core.WithLogger(slog.New(slog.DiscardHandler)))

	res := srv.Do(newRequest(t, t.Context(), "GET", "/me", "Bearer ann-token"))
	var me User
	if err := json.NewDecoder(res.Body).Decode(&me); err != nil || res.StatusCode != 200 || me.Name != "Ann" {
		t.Fatalf("GET /me as Ann: %d %+v %v", res.StatusCode, me, err)
	}
	res.Body.Close()
	res = srv.Do(newRequest(t, t.Context(), "GET", "/me/inbox", ""))
	res.Body.Close()
	if res.StatusCode != 401 {
		t.Fatalf("GET /me/inbox without a token: %d, want 401 before any stream byte", res.StatusCode)
	}

	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	open := func(token string) func() gosse.Event {
		res := srv.Do(newRequest(t, ctx, "GET", "/me/inbox", "Bearer "+token))
		if res.StatusCode != 200 {
			t.Fatalf("GET /me/inbox: %d", res.StatusCode)
		}
		return testhttp.ReadEvents(t, token, res.Body).Next
	}
	ann, bob := open("ann-token"), open("bob-token")
	notifier, err := core.Resolve[*Notifier](srv.App)
	if err != nil {
		t.Fatal(err)
	}
	if err := notifier.Notify(ctx, "2", sse.Message{Event: "note", Data: "for Bob"}); err != nil {
		t.Fatal(err)
	}
	if e := bob(); e.Type != "note" || e.Data != "for Bob" {
		t.Errorf("Bob got %q %q", e.Type, e.Data)
	}
	if err := notifier.Notify(ctx, "1", sse.Message{Event: "note", Data: "for Ann"}); err != nil {
		t.Fatal(err)
	}
	if e := ann(); e.Data != "for Ann" {
		t.Errorf("Ann's first event is %q, want hers: Bob's note reached her", e.Data)
	}
}

// OrphanInbox streams a user's inbox with no guard: New must refuse it.
type OrphanInbox struct {
	core.Controller `path:"/inbox"`
	_               core.SSE `path:"/" handler:"Inbox"`
}

func (OrphanInbox) Inbox(_ core.Context, in Me) (<-chan sse.Message, error) { return nil, nil }

// TestReadmeInboxNeedsItsGuard checks the README's promise that a route
// whose handler needs a *User, with nothing to attach one, fails New.
func TestReadmeInboxNeedsItsGuard(t *testing.T) {
	_, err := core.New(&module.Module{Name: "m", Controllers: []any{&OrphanInbox{}}}, core.WithLogger(slog.New(slog.DiscardHandler)))
	var ce *core.ControllerError
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), "needs an attached *readme.User") {
		t.Fatalf("New: %v", err)
	}
}
