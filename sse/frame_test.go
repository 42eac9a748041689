package sse

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	gosse "github.com/tmaxmax/go-sse"
)

// readWire reads wire as a spec-following parser (go-sse) does: the events
// an EventSource would dispatch, and the first message with its comments
// and retry, printed in go-sse's own form so that two wires compare.
func readWire(t testing.TB, wire []byte) ([]gosse.Event, string) {
	t.Helper()
	var events []gosse.Event
	for e, err := range gosse.Read(bytes.NewReader(wire), &gosse.ReadConfig{MaxEventSize: len(wire) + 1024}) {
		if err != nil {
			t.Fatalf("go-sse cannot read %q: %v", wire, err)
		}
		events = append(events, e)
	}
	var m gosse.Message
	if err := m.UnmarshalText(wire); err != nil {
		t.Fatalf("go-sse cannot unmarshal %q: %v", wire, err)
	}
	return events, m.String()
}

// sameOnTheWire fails the test unless a and b read the same.
func sameOnTheWire(t testing.TB, what string, got, want []byte) {
	t.Helper()
	gotEvents, gotMessage := readWire(t, got)
	wantEvents, wantMessage := readWire(t, want)
	if fmt.Sprint(gotEvents) != fmt.Sprint(wantEvents) || gotMessage != wantMessage {
		t.Fatalf("%s %q reads as %+v %q, want %q, which reads as %+v %q", what, got, gotEvents, gotMessage, want, wantEvents, wantMessage)
	}
}

// checkFrameRoundTrip publishes m as a Hub does (encoded with no ID, then
// given one by the broker, none for a comment) and checks the message a
// subscriber gets back from the frame: its shared wire form reads as m
// with that ID would, its fields say the same, it is written as that wire
// form while unchanged, and not once any field is changed.
func checkFrameRoundTrip(t testing.TB, m Message) {
	t.Helper()
	body, err := AppendMessage(nil, m)
	if err != nil {
		t.Fatalf("AppendMessage(%+v): %v", m, err)
	}
	kept := bytes.Clone(body)
	id := "k3x9-42"
	if m.isComment() {
		id = "" // the Hub gives comments no id
	}
	withID := m
	withID.ID = id
	want, err := AppendMessage(nil, withID)
	if err != nil {
		t.Fatal(err)
	}

	got := frameMessage(Frame{ID: id, Body: body})
	if !bytes.Equal(body, kept) {
		t.Fatalf("frameMessage changed the frame's body from %q to %q", kept, body)
	}
	if got.wire == nil {
		t.Fatal("a delivered message has no wire form")
	}
	sameOnTheWire(t, "the wire form", got.wire.bytes, want)
	if id == "" && &got.wire.bytes[0] != &body[0] {
		t.Error("the wire form of a frame with no id is a copy of its body, want the body itself")
	}

	// Its fields say what its wire form says: a consumer that changes one
	// of them gets the others right.
	if got.ID != id || got.Event != m.Event {
		t.Errorf("fields ID %q, Event %q; want %q, %q", got.ID, got.Event, id, m.Event)
	}
	switch d := got.Data.(type) {
	case nil:
		if !m.isComment() {
			t.Errorf("an event's Data came back nil")
		}
	case string:
		if m.isComment() {
			t.Errorf("a comment came back with Data %q", d)
		}
	default:
		t.Errorf("Data came back as %T, want a string", got.Data)
	}
	fields := Message{ID: got.ID, Event: got.Event, Data: got.Data, Retry: got.Retry, Comment: got.Comment, commentOnly: got.commentOnly}
	fromFields, err := AppendMessage(nil, fields)
	if err != nil {
		t.Fatalf("the fields of %+v do not encode: %v", got, err)
	}
	sameOnTheWire(t, "the fields' encoding", fromFields, want)

	// Unchanged, a copy writes the shared bytes themselves.
	copied := got
	if b := copied.encoded(); b == nil || &b[0] != &got.wire.bytes[0] {
		t.Error("an unchanged copy does not use the shared wire form")
	}
	if written, _ := AppendMessage(nil, copied); !bytes.Equal(written, got.wire.bytes) {
		t.Errorf("an unchanged message is written as %q, want its wire form %q", written, got.wire.bytes)
	}

	changes := map[string]func(*Message){
		"ID":            func(m *Message) { m.ID = "other" },
		"no ID":         func(m *Message) { m.ID = "" },
		"Event":         func(m *Message) { m.Event += "!" },
		"Data":          func(m *Message) { m.Data = fmt.Sprint(m.Data) + "!" },
		"Data as bytes": func(m *Message) { m.Data = []byte(fmt.Sprint(m.Data)) },
		"no Data":       func(m *Message) { m.Data = nil },
		"Retry":         func(m *Message) { m.Retry += time.Millisecond },
		"Comment":       func(m *Message) { m.Comment += "!" },
	}
	for name, change := range changes {
		changed := got
		change(&changed)
		if changed.ID == got.ID && changed.Event == got.Event && changed.Retry == got.Retry && changed.Comment == got.Comment && changed.Data == got.Data {
			continue // not a change (no ID or no Data, where there was none)
		}
		if b := changed.encoded(); b != nil {
			t.Errorf("after a change of %s the message still writes its old wire form %q", name, b)
		}
	}
}

func TestFrameMessageRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		msg  Message
	}{
		{"data", Message{Data: "hello"}},
		{"event", Message{Event: "created", Data: "x"}},
		{"event with a colon and space", Message{Event: "a: b", Data: "x"}},
		{"retry", Message{Retry: 1500 * time.Millisecond, Data: "x"}},
		{"retry not whole", Message{Retry: 1500*time.Millisecond + 900*time.Microsecond, Data: "x"}},
		{"retry under a millisecond", Message{Retry: 999 * time.Microsecond, Data: "x"}},
		{"retry only", Message{Retry: 2 * time.Minute}},
		{"LF", Message{Data: "a\nb\nc"}},
		{"CRLF", Message{Data: "a\r\nb"}},
		{"lone CR", Message{Data: "a\rb"}},
		{"mixed line ends", Message{Data: "a\r\n\rb\n\r\nc\r"}},
		{"only newlines", Message{Data: "\n\n"}},
		{"empty data", Message{Data: ""}},
		{"nil data", Message{}},
		{"event and nil data", Message{Event: "ping"}},
		{"field-like lines in data", Message{Data: "\nid: 7\nevent: boom\n"}},
		{"data like a comment", Message{Data: ": not a comment"}},
		{"leading spaces", Message{Data: "  x\n  y"}},
		{"unicode", Message{Event: "événement", Data: "你好\n👋🏽"}},
		{"bytes", Message{Data: []byte("raw\r\nbytes")}},
		{"JSON", Message{Data: map[string]any{"id": 1, "title": "two\nlines"}}},
		{"indented raw JSON", Message{Data: json.RawMessage("{\n  \"a\": 1\n}")}},
		{"comment with an event", Message{Comment: "note", Event: "e", Data: "x"}},
		{"multi-line comment with everything", Message{Comment: "a\r\nb\rc\n", Event: "e", Retry: time.Second, Data: "1\n2"}},
		{"comment like a field", Message{Comment: "\ndata: boom", Data: "x"}},
		{"empty comment with data", Message{Comment: "", Data: "x"}},
		{"comment only", Comment("keep-alive")},
		{"empty comment only", Comment("")},
		{"multi-line comment only", Comment("a\r\nb\rc\n")},
		{"literal comment", Message{Comment: "ping"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { checkFrameRoundTrip(t, tt.msg) })
	}
}

// FuzzFrameMessage checks the round trip of TestFrameMessageRoundTrip for
// any message the Hub accepts.
func FuzzFrameMessage(f *testing.F) {
	f.Add("", "x", "", int64(0), false)
	f.Add("e", "a\r\nb\rc\n", "c\rd", int64(1500*time.Millisecond+1), false)
	f.Add("", "", "", int64(0), true)
	f.Add("", "", "a\r\n\r", int64(0), true)
	f.Add("a: b", ": x\ndata: y", "\ndata: z", int64(999*time.Microsecond), false)
	f.Add("\uFEFF", "\xff\xfe\n", "\x00", int64(1<<62), false)
	f.Fuzz(func(t *testing.T, event, data, comment string, retry int64, commentOnly bool) {
		m := Message{Event: event, Data: data, Comment: comment, Retry: time.Duration(retry)}
		if commentOnly {
			m = Comment(comment)
		}
		if m.Validate() != nil {
			return // the Hub refuses it
		}
		checkFrameRoundTrip(t, m)
	})
}
