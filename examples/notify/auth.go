package main

import (
	"reflect"
	"strings"

	"github.com/godanet/godanet/core"
	"github.com/godanet/godanet/module"
)

// UserGuard authenticates a request by its bearer token and attaches the
// *User it belongs to, for the handler's input field
//
//	User *User `attached:""`
type UserGuard struct{ users *Users }

var (
	_ core.AttachingGuard = (*UserGuard)(nil)
	_ core.SecuredGuard   = (*UserGuard)(nil)
)

// NewUserGuard is built by DI from the set of users.
func NewUserGuard(users *Users) *UserGuard { return &UserGuard{users: users} }

// CanActivate answers 401 unless the request carries
// "Authorization: Bearer <token>" with a user's token (the scheme in any
// case, as HTTP allows), and attaches that user. On an SSE route the 401
// comes before any stream byte.
func (g *UserGuard) CanActivate(c core.Context) (bool, error) {
	scheme, token, _ := strings.Cut(c.Request().Header.Get("Authorization"), " ")
	token = strings.TrimLeft(token, " ")
	if !strings.EqualFold(scheme, "Bearer") || token == "" {
		return false, core.Unauthorized("send Authorization: Bearer <token>")
	}
	user, ok := g.users.ByToken(token)
	if !ok {
		return false, core.Unauthorized("the bearer token is no user's")
	}
	core.Attach(c, user)
	return true, nil
}

// Attaches tells core.New that the guard attaches a *User, so that a route
// whose input needs one and that this guard does not guard fails start-up
// rather than its requests.
func (g *UserGuard) Attaches() []reflect.Type {
	return []reflect.Type{reflect.TypeFor[*User]()}
}

// SecurityScheme tells API descriptions (package openapi) that the routes
// the guard guards need a bearer token.
func (g *UserGuard) SecurityScheme() core.SecurityScheme {
	return core.SecurityScheme{Key: "bearer", Type: "http", Scheme: "bearer", Description: "a user's token (NOTIFY_USERS, or printed at start-up)"}
}

// UsersModule provides the users and the guard; it is built with the set
// of users, a dynamic module.
func UsersModule(users *Users) *module.Module {
	return &module.Module{
		Name:      "users",
		Providers: []any{users, NewUserGuard},
		Exports:   []any{users, NewUserGuard},
	}
}
