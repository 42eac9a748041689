package sse

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Message is one server-sent event, or a comment.
//
// Data that is a string or []byte (json.RawMessage included) is sent as it
// is; any other value is sent as its JSON encoding, as in Danet's
// `data: string | object`. A message whose only field is Comment is sent as
// comment lines, which clients ignore; proxies see traffic.
type Message struct {
	// ID becomes the client's last event ID, sent back as Last-Event-ID on
	// reconnect. Empty means no id field. It may not contain CR, LF or NUL.
	ID string
	// Event is the event type ("message" on the client when empty). It may
	// not contain CR or LF.
	Event string
	// Data is the payload; see the type's doc for how it is encoded.
	Data any
	// Retry, when positive, tells the client how long to wait before it
	// reconnects. It is sent as whole milliseconds, rounded down, except
	// that a Retry under a millisecond is sent as 1: the wire has no
	// smaller unit, and 0 would make the client reconnect at once.
	Retry time.Duration
	// Comment is sent as ": comment" lines before the fields. A message
	// with a Comment and no other field is only a comment (see Comment).
	Comment string

	// commentOnly marks a message made by Comment, so that Comment("")
	// is an empty comment rather than an event with empty data.
	commentOnly bool

	// wire is the wire form of a message a Hub delivers, shared by all
	// its subscribers in this process (see frameMessage). It is used only
	// while the message still holds the values it was made from.
	wire *wireForm
}

// wireForm is a delivered message's wire form and the fields it was
// parsed from. Data is always the text of the data lines.
type wireForm struct {
	id, event, comment, data string
	retry                    time.Duration
	commentOnly              bool
	bytes                    []byte
}

// encoded returns m's shared wire form, or nil when it has none or no
// longer holds the values it was made from (a consumer changed a field).
// The bytes are shared: read them, never modify them.
func (m *Message) encoded() []byte {
	w := m.wire
	if w == nil {
		return nil
	}
	// Comparing equal strings that share their bytes stops at the
	// pointers, so this costs a few word compares.
	switch data := m.Data.(type) {
	case nil: // a comment's
		if !w.commentOnly {
			return nil
		}
	case string:
		if w.commentOnly || data != w.data {
			return nil
		}
	default:
		return nil
	}
	if m.ID != w.id || m.Event != w.event || m.Comment != w.comment || m.Retry != w.retry || m.commentOnly != w.commentOnly {
		return nil
	}
	return w.bytes
}

// hasLineBreak reports whether s holds CR or LF, or with nul also NUL. It
// runs for every message written, on short strings: a loop over the bytes
// is several times faster there than strings.ContainsAny, which builds a
// set of the characters on every call.
func hasLineBreak(s string, nul bool) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '\r' || c == '\n' || nul && c == 0 {
			return true
		}
	}
	return false
}

// Comment returns a message that is only a comment: ": text" lines that
// clients ignore and proxies see as traffic, never an event, even when
// text is empty (a lone ": " line). Published through a Hub, a comment
// reaches the live subscribers and takes no ID and no place in history.
func Comment(text string) Message { return Message{Comment: text, commentOnly: true} }

// Errors that say why a message cannot be written. The stream goes on
// without it.
var (
	// ErrInvalidID is wrapped by errors for an ID holding CR, LF or NUL,
	// which would break the framing or be ignored by clients.
	ErrInvalidID = errors.New("sse: the id contains CR, LF or NUL")
	// ErrInvalidEvent is wrapped by errors for an Event holding CR or LF.
	ErrInvalidEvent = errors.New("sse: the event name contains CR or LF")
	// ErrInvalidRetry is wrapped by errors for a negative Retry.
	ErrInvalidRetry = errors.New("sse: retry is negative")
	// ErrEncodeData is wrapped by errors for Data that cannot be encoded
	// as JSON.
	ErrEncodeData = errors.New("sse: the data cannot be encoded as JSON")
)

// isComment reports whether the message is only a comment.
func (m *Message) isComment() bool {
	return (m.Comment != "" || m.commentOnly) && m.ID == "" && m.Event == "" && m.Data == nil && m.Retry == 0
}

// Validate reports whether the message can be written, so that producers
// can check early. It encodes non-text Data to find JSON failures.
func (m Message) Validate() error {
	if err := m.validateFields(); err != nil {
		return err
	}
	switch m.Data.(type) {
	case nil, string, []byte, json.RawMessage:
		return nil
	}
	if _, err := json.Marshal(m.Data); err != nil {
		return fmt.Errorf("%w: %v", ErrEncodeData, err)
	}
	return nil
}

func (m *Message) validateFields() error {
	if hasLineBreak(m.ID, true) {
		return fmt.Errorf("%w: %q", ErrInvalidID, m.ID)
	}
	if hasLineBreak(m.Event, false) {
		return fmt.Errorf("%w: %q", ErrInvalidEvent, m.Event)
	}
	if m.Retry < 0 {
		return fmt.Errorf("%w: %v", ErrInvalidRetry, m.Retry)
	}
	return nil
}
