package main

import (
	"strings"
	"testing"
)

// TestParseUsers reads NOTIFY_USERS's form, keeps the order for the
// start-up message, and refuses what would make a user ambiguous or a URL
// wrong, saying what is wrong.
func TestParseUsers(t *testing.T) {
	users, err := ParseUsers("ann:tokenA, bob:tokenB,cy_2:t:with:colons")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, a := range users.Accounts() {
		got = append(got, string(a.User.ID)+"="+a.Token)
	}
	if strings.Join(got, " ") != "ann=tokenA bob=tokenB cy_2=t:with:colons" {
		t.Errorf("accounts %v", got)
	}
	if u, ok := users.ByToken("tokenB"); !ok || u.ID != "bob" {
		t.Errorf("ByToken(tokenB) = %v, %v; want bob", u, ok)
	}
	if u, ok := users.ByID("bob"); !ok || u.ID != "bob" {
		t.Errorf("ByID(bob) = %v, %v; want bob", u, ok)
	}
	for _, missing := range []string{"", "tokenA ", "TOKENA", "tokenA,tokenB"} {
		if u, ok := users.ByToken(missing); ok {
			t.Errorf("ByToken(%q) = %v; want no user", missing, u)
		}
	}

	for _, tc := range []struct{ spec, want string }{
		{"ann", "is not name:token"},
		{"ann:", "is not name:token"},
		{"ann:a,", "is not name:token"},
		{":a", "is not a user name"},
		{"ann/x:a", "is not a user name"},
		{"ann:a,ann:b", `"ann" is listed twice`},
		{"ann:a,bob:a", `"bob" has the token of another user`},
	} {
		if _, err := ParseUsers(tc.spec); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseUsers(%q): %v; want an error saying %q", tc.spec, err, tc.want)
		}
	}
}

// TestDemoUsers: without NOTIFY_USERS the example runs with ann and bob,
// whose tokens differ from run to run.
func TestDemoUsers(t *testing.T) {
	a, b := DemoUsers().Accounts(), DemoUsers().Accounts()
	if len(a) != 2 || a[0].User.ID != "ann" || a[1].User.ID != "bob" {
		t.Fatalf("demo users %+v; want ann and bob", a)
	}
	if a[0].Token == b[0].Token || a[0].Token == a[1].Token || len(a[0].Token) != 32 {
		t.Errorf("demo tokens %q, %q and, in another run, %q; want 128 random bits each", a[0].Token, a[1].Token, b[0].Token)
	}
}
