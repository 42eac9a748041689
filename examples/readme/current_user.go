package readme

import (
	"context"
	"reflect"
	"strings"

	"github.com/godanet/godanet/core"
	"github.com/godanet/godanet/module"
	"github.com/godanet/godanet/sse"
)

// User is someone who may sign in, with the token that says so.
type User struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	token string
}

// Users finds a user by token.
type Users struct{ byToken map[string]*User }

// NewUsers makes the README's user directory from its users.
func NewUsers(users ...*User) *Users {
	u := &Users{byToken: map[string]*User{}}
	for _, user := range users {
		u.byToken[user.token] = user
	}
	return u
}

// NewUser makes a user who signs in with token.
func NewUser(id, name, token string) *User { return &User{ID: id, Name: name, token: token} }

// ByToken returns the user whose token it is.
func (u *Users) ByToken(token string) (*User, bool) {
	user, ok := u.byToken[token]
	return user, ok && token != ""
}

// bearer is the token of "Authorization: Bearer <token>".
func bearer(c core.Context) string {
	scheme, token, _ := strings.Cut(c.Request().Header.Get("Authorization"), " ")
	if !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(token)
}

// InboxModule serves the README's per-user streams for users.
func InboxModule(users *Users) *module.Module {
	return &module.Module{
		Name:        "inbox",
		Providers:   []any{module.Value(users), sse.NewHub, NewNotifier, NewUserGuard},
		Controllers: []any{NewInboxController},
	}
}

// NewUserGuard is InboxModule's guard constructor.
func NewUserGuard(users *Users) *UserGuard { return &UserGuard{Users: users} }

// NewNotifier is InboxModule's service constructor.
func NewNotifier(hub *sse.Hub) *Notifier { return &Notifier{Hub: hub} }

// NewInboxController is InboxModule's controller constructor.
func NewInboxController(hub *sse.Hub, guard *UserGuard) *InboxController {
	return &InboxController{Hub: hub, Signed: guard}
}

// Notifier publishes to one user.
type Notifier struct{ Hub *sse.Hub }

// readme:begin current-user

type UserGuard struct{ Users *Users }

func (g *UserGuard) CanActivate(c core.Context) (bool, error) {
	user, ok := g.Users.ByToken(bearer(c))
	if !ok {
		return false, core.Unauthorized("send Authorization: Bearer <your token>")
	}
	core.Attach(c, user) // a *User, for the handlers of the routes it guards
	return true, nil
}

// Attaches lets core.New check that every route whose handler needs a *User has a guard that attaches one.
func (g *UserGuard) Attaches() []reflect.Type { return []reflect.Type{reflect.TypeFor[*User]()} }

type Me struct {
	User *User `attached:""` // what the guard attached; never read from the request
}

func (c *InboxController) Me(_ core.Context, in Me) (*User, error) { return in.User, nil }

// readme:end

// readme:begin per-user

type InboxController struct {
	core.Controller `path:"/me" guards:"Signed"`
	Hub             *sse.Hub
	Signed          *UserGuard

	_ core.GET `path:"/" handler:"Me"`
	_ core.SSE `path:"/inbox" handler:"Inbox"`
}

// Inbox streams the signed-in user's own topic, replaying what they missed.
func (c *InboxController) Inbox(ctx core.Context, in Me) (<-chan sse.Message, error) {
	return c.Hub.Subscribe(ctx.Request().Context(), "user/"+in.User.ID, sse.LastEventID(ctx.Request()))
}

// Notify reaches one user, on every instance the Hub's broker serves.
func (s *Notifier) Notify(ctx context.Context, userID string, m sse.Message) error {
	_, err := s.Hub.Publish(ctx, "user/"+userID, m)
	return err
}

// readme:end
