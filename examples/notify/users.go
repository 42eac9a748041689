package main

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// UserID names a user, such as "ann". It is the last part of the user's
// topic ("user/ann") and of the URL that notifies them.
type UserID string

// User is who sent a request, as UserGuard finds them by their token.
type User struct {
	ID UserID `json:"id"`
}

// Account is a user and the bearer token they authenticate with.
type Account struct {
	User  *User
	Token string
}

// Users is the fixed set of users the example knows, read once at
// start-up. A real app would ask its identity provider instead; the
// pattern (a guard that finds the user, a stream per user) stays the same.
type Users struct {
	accounts []Account // in the order they were given, for the start-up message
	byID     map[UserID]*User
}

// ParseUsers reads a set of users from "name:token,name:token", the form
// of NOTIFY_USERS. A name is letters, digits, '-' and '_' (it goes into
// URLs and topic names as it is); names and tokens are unique, and no
// token is empty.
func ParseUsers(spec string) (*Users, error) {
	u := &Users{byID: map[UserID]*User{}}
	tokens := map[string]bool{}
	for entry := range strings.SplitSeq(spec, ",") {
		name, token, ok := strings.Cut(strings.TrimSpace(entry), ":")
		switch {
		case !ok || token == "":
			return nil, fmt.Errorf("notify: users: %q is not name:token (want a list such as ann:tokenA,bob:tokenB)", entry)
		case !validName(name):
			return nil, fmt.Errorf("notify: users: %q is not a user name: use letters, digits, '-' and '_'", name)
		case u.byID[UserID(name)] != nil:
			return nil, fmt.Errorf("notify: users: %q is listed twice", name)
		case tokens[token]:
			return nil, fmt.Errorf("notify: users: %q has the token of another user; give each user a token of their own", name)
		}
		tokens[token] = true
		user := &User{ID: UserID(name)}
		u.byID[user.ID] = user
		u.accounts = append(u.accounts, Account{User: user, Token: token})
	}
	return u, nil
}

// validName reports whether name is a non-empty run of ASCII letters,
// digits, '-' and '_'.
func validName(name string) bool {
	if name == "" {
		return false
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// DemoUsers is ann and bob, each with a random token: the set the example
// runs with when NOTIFY_USERS is not set.
func DemoUsers() *Users {
	u, err := ParseUsers("ann:" + randomToken() + ",bob:" + randomToken())
	if err != nil {
		panic(err) // not reached: the names are valid and the tokens distinct
	}
	return u
}

// randomToken makes a token of 128 random bits.
func randomToken() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b)
}

// Accounts returns the users and their tokens, in the order given.
func (u *Users) Accounts() []Account { return u.accounts }

// ByID returns the user with that id, if there is one.
func (u *Users) ByID(id UserID) (*User, bool) {
	user, ok := u.byID[id]
	return user, ok
}

// ByToken returns the user whose token is token, if there is one. Every
// token is compared, in constant time, so that the time it takes reveals
// neither a token nor which user holds one.
func (u *Users) ByToken(token string) (*User, bool) {
	var found *User
	for _, a := range u.accounts {
		if subtle.ConstantTimeCompare([]byte(token), []byte(a.Token)) == 1 {
			found = a.User
		}
	}
	return found, found != nil
}

// ErrUnknownUser is the error for an id no user has.
var ErrUnknownUser = errors.New("notify: no user has that id")
