package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/godanet/godanet/core"
	"github.com/godanet/godanet/core/coretest"
	"github.com/godanet/godanet/internal/testhttp"
	"github.com/godanet/godanet/sse"
	"go.uber.org/goleak"
)

// TestMain checks that no goroutine outlives the tests: not a stream's,
// not the Hub's, not a Redis broker's.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// The users of the tests, and their tokens.
const (
	annToken = "ann-token"
	bobToken = "bob-token"
)

func testUsers(t *testing.T) *Users {
	t.Helper()
	users, err := ParseUsers("ann:" + annToken + ",bob:" + bobToken)
	if err != nil {
		t.Fatal(err)
	}
	return users
}

// server is one instance of the example under test, served over real HTTP.
type server struct {
	t     *testing.T
	srv   *coretest.Server
	users *Users
}

// start serves the example on hub, with the test users, as main assembles
// it; the Hub is closed when the test ends, after the App has shut down.
func start(t *testing.T, hub *sse.Hub) *server {
	t.Helper()
	t.Cleanup(func() { _ = hub.Close() }) // registered first, so it runs last
	users := testUsers(t)
	options := append(appOptions(), core.WithLogger(slog.New(slog.DiscardHandler)))
	return &server{t: t, srv: coretest.Start(t, rootModule(users, hub), options...), users: users}
}

// startInMemory serves the example on an in-memory Hub, as main does
// without -redis.
func startInMemory(t *testing.T) *server { return start(t, sse.NewHub()) }

// reply is an answer to call, read whole.
type reply struct {
	status int
	ctype  string
	body   string
}

// call sends one request, with the bearer token when it is not empty and
// body as JSON when it is not empty, and reads the whole answer.
func (s *server) call(method, path, token, body string) reply {
	s.t.Helper()
	req, err := http.NewRequest(method, s.srv.URL+path, strings.NewReader(body))
	if err != nil {
		s.t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res := s.srv.Do(req)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		s.t.Fatalf("%s %s: reading the answer: %v", method, path, err)
	}
	return reply{res.StatusCode, res.Header.Get("Content-Type"), string(b)}
}

// notify sends a note through POST /users/:id/notifications as the owner
// of token, and fails the test unless it is accepted.
func (s *server) notify(token string, to UserID, text string) {
	s.t.Helper()
	body, err := json.Marshal(map[string]string{"text": text})
	if err != nil {
		s.t.Fatal(err)
	}
	if r := s.call("POST", "/users/"+string(to)+"/notifications", token, string(body)); r.status != http.StatusAccepted || r.body != "" {
		s.t.Fatalf("notifying %s of %q: %d %s; want 202 and no body", to, text, r.status, r.body)
	}
}

// problem is an RFC 9457 problem details body, as godanet writes it.
type problem struct {
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
	Errors []struct {
		Field  string `json:"field"`
		Source string `json:"source"`
		Rule   string `json:"rule"`
	} `json:"errors"`
}

// problemOf reads r as problem details with the given status, failing the
// test if it is not one.
func problemOf(t *testing.T, what string, r reply, status int) problem {
	t.Helper()
	var p problem
	if r.ctype != "application/problem+json" || json.Unmarshal([]byte(r.body), &p) != nil || r.status != status || p.Status != status {
		t.Fatalf("%s: %d %q %s; want %d problem details", what, r.status, r.ctype, r.body, status)
	}
	return p
}

// eventStream is an open event stream, read with go-sse's spec-following
// parser in a goroutine of its own (testhttp.EventStream).
type eventStream struct {
	*testhttp.EventStream
	t      *testing.T
	who    string
	cancel context.CancelFunc
}

// stream opens GET /me/notifications as the owner of token, sending
// lastEventID when it is not empty, and fails the test unless the answer
// is an event stream. The stream is closed when the test ends.
func (s *server) stream(token, lastEventID string) *eventStream {
	s.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, "GET", s.srv.URL+"/me/notifications", nil)
	if err != nil {
		cancel()
		s.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if lastEventID != "" {
		req.Header.Set("Last-Event-ID", lastEventID)
	}
	res := s.srv.Do(req)
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "text/event-stream" {
		cancel()
		s.t.Fatalf("GET /me/notifications with the token %q: %d %q; want 200 text/event-stream", token, res.StatusCode, res.Header.Get("Content-Type"))
	}
	who := "nobody"
	if u, ok := s.users.ByToken(token); ok {
		who = string(u.ID)
	}
	e := &eventStream{EventStream: testhttp.ReadEvents(s.t, who, res.Body), t: s.t, who: who, cancel: cancel}
	s.t.Cleanup(e.close)
	return e
}

// nextNote reads the next event, fails the test unless it is a
// notification with data from and text, and returns its id.
func (e *eventStream) nextNote(from UserID, text string) string {
	e.t.Helper()
	ev := e.Next()
	var n Notification
	if err := json.Unmarshal([]byte(ev.Data), &n); err != nil || ev.Type != eventNotification || n != (Notification{From: from, Text: text}) {
		e.t.Fatalf("the stream of %s gave %q with data %s; want a %q event from %s saying %q", e.who, ev.Type, ev.Data, eventNotification, from, text)
	}
	if ev.LastEventID == "" {
		e.t.Fatalf("the stream of %s gave a note without an id, so a reconnect could not resume after it", e.who)
	}
	return ev.LastEventID
}

// close leaves the stream, as a client that goes away does, and waits
// until its reader has stopped.
func (e *eventStream) close() {
	e.cancel()
	e.Close()
}

// TestHowToTry: the start-up message gives each user's token and commands
// that follow the last user's stream and notify them from the first, on
// the port the example listens on, with the routes the example serves.
func TestHowToTry(t *testing.T) {
	var out strings.Builder
	howToTry(&out, "127.0.0.1:8081", testUsers(t).Accounts())
	for _, want := range []string{
		"ann: " + annToken,
		"bob: " + bobToken,
		"curl -N localhost:8081/me/notifications -H 'Authorization: Bearer " + bobToken + "'",
		"curl -i localhost:8081/users/bob/notifications -H 'Authorization: Bearer " + annToken + "'",
		`-d '{"text":"lunch at noon?"}'`,
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the start-up message does not say %q:\n%s", want, out.String())
		}
	}
}
