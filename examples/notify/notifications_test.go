package main

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/godanet/godanet/core"
	"github.com/godanet/godanet/module"
	"github.com/godanet/godanet/sse"
)

// TestEachUserGetsOnlyTheirOwnNotes: ann and bob each follow their own
// stream. A note from ann to bob reaches bob's stream; then a note from bob
// to ann is the first event of ann's, so the note meant for bob never
// reached her. The sender is the token's owner, whatever the body says.
func TestEachUserGetsOnlyTheirOwnNotes(t *testing.T) {
	s := startInMemory(t)
	ann, bob := s.stream(annToken, ""), s.stream(bobToken, "")

	s.notify(annToken, "bob", "lunch at noon?")
	bob.nextNote("ann", "lunch at noon?")

	// A body naming another sender or recipient cannot set either, nor
	// fail the request for a key of another type (as a notification's own
	// "from" would): the sender is attached by the guard, the recipient is
	// the path's, and neither is read from the body.
	r := s.call("POST", "/users/ann/notifications", bobToken, `{"text":"yes!","From":{"id":"mallory"},"from":"mallory","to":"mallory"}`)
	if r.status != http.StatusAccepted {
		t.Fatalf("bob notifies ann: %d %s; want 202", r.status, r.body)
	}
	ann.nextNote("bob", "yes!")

	var me User
	if r := s.call("GET", "/me", annToken, ""); r.status != 200 || json.Unmarshal([]byte(r.body), &me) != nil || me.ID != "ann" {
		t.Fatalf("GET /me as ann: %d %q; want 200 and ann", r.status, r.body)
	}
}

// TestStreamNeedsAUsersToken: a stream without a token, with a wrong one
// or with another scheme is refused with 401 problem details, before any
// stream byte (the answer is not an event stream, and its body is the
// problem whole); so are the other routes.
func TestStreamNeedsAUsersToken(t *testing.T) {
	s := startInMemory(t)
	for _, tc := range []struct {
		name, authorization string
	}{
		{"no Authorization", ""},
		{"a wrong token", "Bearer not-a-token"},
		{"an empty token", "Bearer "},
		{"another scheme", "Basic " + annToken},
		{"a token of a user with the case changed", "Bearer ANN-TOKEN"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest("GET", s.srv.URL+"/me/notifications", nil)
			if err != nil {
				t.Fatal(err)
			}
			if tc.authorization != "" {
				req.Header.Set("Authorization", tc.authorization)
			}
			res := s.srv.Do(req)
			defer res.Body.Close()
			body, err := io.ReadAll(res.Body)
			if err != nil {
				t.Fatalf("reading the answer: %v", err)
			}
			problemOf(t, "GET /me/notifications with "+tc.name, reply{res.StatusCode, res.Header.Get("Content-Type"), string(body)}, http.StatusUnauthorized)
		})
	}
	problemOf(t, "GET /me without a token", s.call("GET", "/me", "", ""), http.StatusUnauthorized)
	problemOf(t, "POST /users/bob/notifications without a token", s.call("POST", "/users/bob/notifications", "", `{"text":"hi"}`), http.StatusUnauthorized)
	// The scheme's case does not matter, as HTTP says.
	req, err := http.NewRequest("GET", s.srv.URL+"/me", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "bearer "+bobToken)
	if res := s.srv.Do(req); res.StatusCode != http.StatusOK {
		t.Fatalf("GET /me with the scheme in lower case: %d; want 200", res.StatusCode)
	}
}

// TestReconnectReplaysOnlyMissedNotes: bob reads a note and leaves; notes
// are sent to him and to ann meanwhile; when he reconnects with the id of
// the last note he read, he gets the notes he missed, in order, then live
// ones, and never ann's.
func TestReconnectReplaysOnlyMissedNotes(t *testing.T) {
	s := startInMemory(t)
	ann := s.stream(annToken, "")
	bob := s.stream(bobToken, "")

	s.notify(annToken, "bob", "one")
	seen := bob.nextNote("ann", "one")
	bob.close()

	s.notify(annToken, "bob", "two")
	s.notify(bobToken, "ann", "for ann only") // bob's own note to ann
	s.notify(annToken, "bob", "three")
	ann.nextNote("bob", "for ann only")

	back := s.stream(bobToken, seen)
	back.nextNote("ann", "two")
	back.nextNote("ann", "three")
	// Then live: the next event is the next note, not ann's.
	s.notify(annToken, "bob", "four")
	back.nextNote("ann", "four")
}

// TestSendRejectsBadInput: an unknown user is a 404, a missing, empty or
// too long text a 400 naming the field and the rule, and a body that is
// not JSON a 400; none of them reaches a stream, and a text of exactly 500
// characters does.
func TestSendRejectsBadInput(t *testing.T) {
	s := startInMemory(t)
	bob := s.stream(bobToken, "")

	p := problemOf(t, "notifying a user who does not exist", s.call("POST", "/users/zed/notifications", annToken, `{"text":"hi"}`), http.StatusNotFound)
	if p.Detail != "no user has that id" {
		t.Errorf("notifying a user who does not exist: detail %q", p.Detail)
	}
	for _, tc := range []struct {
		name, body, rule string
	}{
		{"an empty text", `{"text":""}`, "required"},
		{"no text", `{}`, "required"},
		{"a text of 501 characters", `{"text":"` + strings.Repeat("x", 501) + `"}`, "max"},
	} {
		p := problemOf(t, tc.name, s.call("POST", "/users/bob/notifications", annToken, tc.body), http.StatusBadRequest)
		if len(p.Errors) != 1 || p.Errors[0].Field != "text" || p.Errors[0].Source != "body" || p.Errors[0].Rule != tc.rule {
			t.Errorf("%s: errors %+v; want one naming the body's field text and the rule %q", tc.name, p.Errors, tc.rule)
		}
	}
	problemOf(t, "a body that is not JSON", s.call("POST", "/users/bob/notifications", annToken, `{"text":`), http.StatusBadRequest)

	longest := strings.Repeat("é", 500) // 500 characters, 1000 bytes
	s.notify(annToken, "bob", longest)
	bob.nextNote("ann", longest)
}

// TestRouteTable: the stream route is an SSE route that declares its
// event and is guarded by UserGuard, which describes its scheme.
func TestRouteTable(t *testing.T) {
	s := startInMemory(t)
	i := slices.IndexFunc(s.srv.App.Routes(), func(r core.RouteInfo) bool { return r.Path == "/me/notifications" })
	if i < 0 {
		t.Fatal("no route GET /me/notifications")
	}
	r := s.srv.App.Routes()[i]
	if !r.Stream || len(r.Events) != 1 || r.Events[0] != core.Event[Notification](eventNotification) {
		t.Errorf("GET /me/notifications: stream %v, events %+v; want an SSE route declaring %q events of Notification", r.Stream, r.Events, eventNotification)
	}
	if r.Guards != 1 || len(r.Security) != 1 || r.Security[0].Scheme != "bearer" {
		t.Errorf("GET /me/notifications: %d guards, security %+v; want UserGuard's bearer scheme", r.Guards, r.Security)
	}
}

// unguardedStream declares a user's stream without UserGuard.
type unguardedStream struct {
	core.Controller `path:"/"`
	Hub             *sse.Hub

	_ core.SSE `path:"/me/notifications" handler:"Stream"`
}

func (c *unguardedStream) Stream(ctx core.Context, in Caller) (<-chan sse.Message, error) {
	return c.Hub.Subscribe(ctx.Request().Context(), userTopic(in.User.ID), sse.LastEventID(ctx.Request()))
}

// TestStreamWithoutTheGuardFailsStartup: a stream whose input needs the
// attached user, on a route UserGuard does not guard, is a mistake core.New
// reports, naming the route and the type, rather than a 500 on every
// request.
func TestStreamWithoutTheGuardFailsStartup(t *testing.T) {
	hub := sse.NewHub()
	defer hub.Close()
	_, err := core.New(&module.Module{Name: "unguarded", Controllers: []any{&unguardedStream{Hub: hub}}},
		core.WithLogger(slog.New(slog.DiscardHandler)))
	var ce *core.ControllerError
	if !errors.As(err, &ce) || ce.Route != "GET /me/notifications" || !strings.Contains(err.Error(), "*main.User") {
		t.Fatalf("core.New with an unguarded stream: %v; want a *core.ControllerError naming GET /me/notifications and *main.User", err)
	}
}
