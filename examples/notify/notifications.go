package main

import (
	"errors"

	"github.com/godanet/godanet/core"
	"github.com/godanet/godanet/module"
	"github.com/godanet/godanet/sse"
)

// Caller is the input of the routes that need only who calls: the user
// the guard attached. No client can set it: an attached field is never
// read from the request.
type Caller struct {
	User *User `attached:""`
}

// SendNote is the input of POST /users/:id/notifications: a note to the
// user :id from the user who calls.
type SendNote struct {
	To   UserID `param:"id"`
	Text string `json:"text" validate:"required,max=500"`
	From *User  `attached:""`
}

// NotificationController serves the caller's own stream and the route that
// notifies another user. Every route is guarded by UserGuard, which
// attaches the caller.
type NotificationController struct {
	core.Controller `path:"/" guards:"Auth" filters:"UserErrors" description:"Notifications, each user on a stream of their own"`
	Notifications   *NotificationService
	Hub             *sse.Hub
	Auth            *UserGuard

	_ core.GET  `path:"/me"                      handler:"Me"     summary:"Who the token belongs to"`
	_ core.SSE  `path:"/me/notifications"        handler:"Stream" summary:"Stream my notifications" events:"StreamEvents"`
	_ core.POST `path:"/users/:id/notifications" handler:"Send"   summary:"Send a user a note" status:"202"`
}

// NewNotificationController is built by DI.
func NewNotificationController(notifications *NotificationService, hub *sse.Hub, auth *UserGuard) *NotificationController {
	return &NotificationController{Notifications: notifications, Hub: hub, Auth: auth}
}

// StreamEvents are the events of a user's stream, for the route table and
// API descriptions.
func (c *NotificationController) StreamEvents() []core.EventType {
	return []core.EventType{core.Event[Notification](eventNotification)}
}

// Me returns the caller.
func (c *NotificationController) Me(_ core.Context, in Caller) (*User, error) {
	return in.User, nil
}

// Stream subscribes to the caller's own topic. A client that reconnects
// sends Last-Event-ID and first gets the notes it missed, then live ones.
func (c *NotificationController) Stream(ctx core.Context, in Caller) (<-chan sse.Message, error) {
	r := ctx.Request()
	return c.Hub.Subscribe(r.Context(), userTopic(in.User.ID), sse.LastEventID(r))
}

// Send notifies the user :id, from the caller; 202 once the note is
// published (whether or not they are listening).
func (c *NotificationController) Send(ctx core.Context, in SendNote) error {
	return c.Notifications.Notify(ctx.Request().Context(), in.To, Notification{From: in.From.ID, Text: in.Text})
}

// UserErrors is the controller's error filter: notifying an id no user
// has is a 404.
func (c *NotificationController) UserErrors(err error, _ core.Context) error {
	if errors.Is(err, ErrUnknownUser) {
		return core.NotFound("no user has that id")
	}
	return err
}

// NotifyModule holds the service and the controller, on the given users
// and Hub (in memory, or on Redis to share topics between instances).
func NotifyModule(users *Users, hub *sse.Hub) *module.Module {
	return &module.Module{
		Name:        "notify",
		Imports:     []*module.Module{UsersModule(users)},
		Providers:   []any{hub, NewNotificationService},
		Controllers: []any{NewNotificationController},
	}
}
