package main

import (
	"context"
	"fmt"

	"github.com/godanet/godanet/sse"
)

// eventNotification is the event name of a notification on a user's
// stream.
const eventNotification = "notification"

// Notification is a note from one user to another: the data of a
// "notification" event.
type Notification struct {
	From UserID `json:"from"`
	Text string `json:"text"`
}

// userTopic is the Hub topic of one user's notifications: their stream
// subscribes to it, and the service publishes to it. Only the user's own
// stream reads it, so no one sees another's notes.
func userTopic(id UserID) string { return "user/" + string(id) }

// NotificationService sends notifications to one user at a time, through
// the Hub. Any service may do the same: publishing to a user's topic
// reaches every stream that user has open (two tabs, a phone), on every
// instance when the Hub is on Redis.
type NotificationService struct {
	users *Users
	hub   *sse.Hub
}

// NewNotificationService is built by DI.
func NewNotificationService(users *Users, hub *sse.Hub) *NotificationService {
	return &NotificationService{users: users, hub: hub}
}

// Notify sends n to the user to. A user with no stream open gets it when
// they next connect with the Last-Event-ID of the last note they saw,
// while the Hub keeps it (sse.History, 1000 notes per user by default,
// and sse.TopicIdle, 10 minutes after the last note): the Hub is a
// replay buffer, not a mailbox. Notify fails with ErrUnknownUser when no
// user has the id to.
func (s *NotificationService) Notify(ctx context.Context, to UserID, n Notification) error {
	if _, ok := s.users.ByID(to); !ok {
		return fmt.Errorf("notify %q: %w", to, ErrUnknownUser)
	}
	_, err := s.hub.Publish(ctx, userTopic(to), sse.Message{Event: eventNotification, Data: n})
	return err
}
