package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

// TestMain checks that no goroutine outlives the tests, and removes the
// example's binary that the tests of its processes built.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.Cleanup(func(int) { removeTodoBinary() }))
}

const testToken = "test-token"

type call struct {
	method, path, body string
	auth               bool
}

type reply struct {
	status int
	ctype  string
	body   string
}

func serve(t *testing.T) func(call) reply {
	t.Helper()
	_, do := newServer(t)
	return do
}

// clientOf returns a function that makes one call to srv.
func clientOf(t *testing.T, srv *httptest.Server) func(call) reply {
	return func(c call) reply {
		t.Helper()
		req, err := http.NewRequest(c.method, srv.URL+c.path, strings.NewReader(c.body))
		if err != nil {
			t.Fatal(err)
		}
		if c.body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		if c.auth {
			req.Header.Set("Authorization", "Bearer "+testToken)
		}
		res, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return reply{res.StatusCode, res.Header.Get("Content-Type"), string(b)}
	}
}

// TestRESTContract walks the API a client relies on, in order.
func TestRESTContract(t *testing.T) {
	do := serve(t)
	long := strings.Repeat("x", 201)
	steps := []struct {
		name   string
		call   call
		status int
		ctype  string
		body   string // exact JSON, or a substring of a problem's body
	}{
		{"empty list", call{"GET", "/todos", "", false}, 200, "application/json", `[]`},
		{"create", call{"POST", "/todos", `{"title":"buy milk"}`, true}, 201, "application/json", `{"id":1,"title":"buy milk","done":false}`},
		{"create another", call{"POST", "/todos", `{"title":"walk"}`, true}, 201, "application/json", `{"id":2,"title":"walk","done":false}`},
		{"list by id", call{"GET", "/todos", "", false}, 200, "application/json", `[{"id":1,"title":"buy milk","done":false},{"id":2,"title":"walk","done":false}]`},
		{"get", call{"GET", "/todos/2", "", false}, 200, "application/json", `{"id":2,"title":"walk","done":false}`},
		{"toggle done", call{"PATCH", "/todos/1", `{"done":true}`, true}, 200, "application/json", `{"id":1,"title":"buy milk","done":true}`},
		{"rename", call{"PATCH", "/todos/1", `{"title":"buy oat milk"}`, true}, 200, "application/json", `{"id":1,"title":"buy oat milk","done":true}`},
		{"delete", call{"DELETE", "/todos/2", "", true}, 204, "", ``},
		{"deleted is gone", call{"GET", "/todos/2", "", false}, 404, "application/problem+json", `"status":404`},
		{"no token", call{"POST", "/todos", `{"title":"x"}`, false}, 401, "application/problem+json", `"status":401`},
		{"no token on delete", call{"DELETE", "/todos/1", "", false}, 401, "application/problem+json", `"status":401`},
		{"missing title", call{"POST", "/todos", `{}`, true}, 400, "application/problem+json", `"field":"title"`},
		{"empty title", call{"POST", "/todos", `{"title":""}`, true}, 400, "application/problem+json", `"field":"title"`},
		{"long title", call{"POST", "/todos", `{"title":"` + long + `"}`, true}, 400, "application/problem+json", `"field":"title","source":"body","rule":"max"`},
		{"long title on patch", call{"PATCH", "/todos/1", `{"title":"` + long + `"}`, true}, 400, "application/problem+json", `"field":"title"`},
		{"malformed JSON", call{"POST", "/todos", `{"title":`, true}, 400, "application/problem+json", `not valid JSON`},
		{"non-numeric id", call{"GET", "/todos/abc", "", false}, 400, "application/problem+json", `"field":"id","source":"path","rule":"type"`},
		{"unknown id", call{"GET", "/todos/99", "", false}, 404, "application/problem+json", `there is no todo with that id`},
		{"patch unknown id", call{"PATCH", "/todos/99", `{"done":true}`, true}, 404, "application/problem+json", `"status":404`},
	}
	for _, s := range steps {
		got := do(s.call)
		if got.status != s.status || !strings.HasPrefix(got.ctype, s.ctype) {
			t.Fatalf("%s: %d %q %s, want %d %q", s.name, got.status, got.ctype, got.body, s.status, s.ctype)
		}
		if s.ctype == "application/json" {
			if !sameJSON(t, got.body, s.body) {
				t.Fatalf("%s: body %s, want %s", s.name, got.body, s.body)
			}
		} else if !strings.Contains(got.body, s.body) {
			t.Fatalf("%s: body %s lacks %s", s.name, got.body, s.body)
		}
	}
}

func sameJSON(t *testing.T, a, b string) bool {
	t.Helper()
	var x, y any
	if err := json.Unmarshal([]byte(a), &x); err != nil {
		t.Fatalf("%q: %v", a, err)
	}
	if err := json.Unmarshal([]byte(b), &y); err != nil {
		t.Fatalf("%q: %v", b, err)
	}
	xs, _ := json.Marshal(x)
	ys, _ := json.Marshal(y)
	return string(xs) == string(ys)
}
