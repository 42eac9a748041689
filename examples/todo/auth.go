package main

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"strings"

	"github.com/godanet/godanet/core"
	"github.com/godanet/godanet/module"
)

// Token is the bearer token that writes need.
type Token string

// TokenGuard admits requests that carry "Authorization: Bearer <token>"
// (the scheme in any case: "bearer" and "BEARER" work too).
type TokenGuard struct{ token Token }

var _ core.SecuredGuard = (*TokenGuard)(nil)

// NewTokenGuard builds the guard from the configured token.
func NewTokenGuard(t Token) *TokenGuard { return &TokenGuard{token: t} }

// CanActivate answers 401 unless the request carries the token. The
// scheme is case-insensitive and may be followed by several spaces, as
// HTTP's credentials syntax allows (RFC 9110, section 11.4), and the token
// is compared in constant time, so that timing does not reveal it.
func (g *TokenGuard) CanActivate(c core.Context) (bool, error) {
	scheme, given, _ := strings.Cut(c.Request().Header.Get("Authorization"), " ")
	given = strings.TrimLeft(given, " ")
	if !strings.EqualFold(scheme, "Bearer") || given == "" {
		return false, core.Unauthorized("send Authorization: Bearer <token>")
	}
	if subtle.ConstantTimeCompare([]byte(given), []byte(g.token)) != 1 {
		return false, core.Unauthorized("the bearer token is wrong")
	}
	return true, nil
}

// SecurityScheme tells the OpenAPI document how the guard authenticates:
// the routes it guards require a bearer token.
func (g *TokenGuard) SecurityScheme() core.SecurityScheme {
	return core.SecurityScheme{Key: "bearer", Type: "http", Scheme: "bearer", Description: "the token the server prints at start-up (TODO_TOKEN)"}
}

// AuthModule is a dynamic module: it is built with the token to accept.
func AuthModule(token Token) *module.Module {
	return &module.Module{
		Name:      "auth",
		Providers: []any{module.Value(token), NewTokenGuard},
		Exports:   []any{NewTokenGuard},
	}
}

// randomToken makes a token when TODO_TOKEN is unset.
func randomToken() Token {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return Token(hex.EncodeToString(b))
}
