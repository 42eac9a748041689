package main

import (
	"net/http"
	"strings"
	"testing"
)

// TestBearerSchemeIsCaseInsensitive sends writes with every spelling of
// the Authorization header over HTTP: the scheme's case does not matter
// (RFC 9110, section 11.1), the token's does, and anything else is a 401.
func TestBearerSchemeIsCaseInsensitive(t *testing.T) {
	srv, _ := newServer(t)
	tests := []struct {
		name, header string
		status       int
	}{
		{"canonical", "Bearer " + testToken, http.StatusCreated},
		{"lower case", "bearer " + testToken, http.StatusCreated},
		{"upper case", "BEARER " + testToken, http.StatusCreated},
		{"mixed case", "bEaReR " + testToken, http.StatusCreated},
		{"several spaces", "Bearer   " + testToken, http.StatusCreated},
		{"token in another case", "Bearer " + strings.ToUpper(testToken), http.StatusUnauthorized},
		{"wrong token", "Bearer nope", http.StatusUnauthorized},
		{"no token", "Bearer", http.StatusUnauthorized},
		{"no token after the space", "Bearer ", http.StatusUnauthorized},
		{"no space", "Bearer" + testToken, http.StatusUnauthorized},
		{"another scheme", "Basic " + testToken, http.StatusUnauthorized},
		{"scheme prefix only", "Bear " + testToken, http.StatusUnauthorized},
		{"no header", "", http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest("POST", srv.URL+"/todos", strings.NewReader(`{"title":"x"}`))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/json")
			if tt.header != "" {
				req.Header.Set("Authorization", tt.header)
			}
			res, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != tt.status {
				t.Errorf("POST /todos with Authorization %q: %d, want %d", tt.header, res.StatusCode, tt.status)
			}
		})
	}
}
