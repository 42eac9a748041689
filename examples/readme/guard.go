package readme

import (
	"crypto/subtle"
	"strings"

	"github.com/godanet/godanet/core"
)

// NewTokenGuard is AuthModule's guard constructor.
func NewTokenGuard(t Token) *TokenGuard { return &TokenGuard{token: t} }

var _ core.Guard = (*TokenGuard)(nil)

// readme:begin guard

type TokenGuard struct{ token Token }

func (g *TokenGuard) CanActivate(c core.Context) (bool, error) {
	// The scheme is case-insensitive, as HTTP says: "bearer" and "BEARER" work too.
	scheme, given, _ := strings.Cut(c.Request().Header.Get("Authorization"), " ")
	given = strings.TrimLeft(given, " ")
	if !strings.EqualFold(scheme, "Bearer") || given == "" {
		return false, core.Unauthorized("send Authorization: Bearer <token>") // 401
	}
	// Compared in constant time, so that response times do not reveal the token.
	if subtle.ConstantTimeCompare([]byte(given), []byte(g.token)) != 1 {
		return false, core.Unauthorized("the bearer token is wrong") // 401
	}
	return true, nil // returning false instead would answer 403 Forbidden
}

// readme:end
