package sse_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	gosse "github.com/tmaxmax/go-sse"

	"github.com/godanet/godanet/sse"
)

// readEvents parses b as an event stream with go-sse, a parser that follows
// the WHATWG spec and yields events exactly as EventSource dispatches them
// (except that an unnamed event keeps the type "" instead of "message").
func readEvents(t testing.TB, b []byte) []gosse.Event {
	t.Helper()
	var events []gosse.Event
	for e, err := range gosse.Read(bytes.NewReader(b), &gosse.ReadConfig{MaxEventSize: len(b) + 1024}) {
		if err != nil {
			t.Fatalf("go-sse cannot read %q: %v", b, err)
		}
		events = append(events, e)
	}
	return events
}

// unmarshal parses b as one event with go-sse, which unlike Read reports
// the retry field.
func unmarshal(t testing.TB, b []byte) gosse.Message {
	t.Helper()
	var m gosse.Message
	if err := m.UnmarshalText(b); err != nil {
		t.Fatalf("go-sse cannot unmarshal %q: %v", b, err)
	}
	return m
}

type point struct {
	X int    `json:"x"`
	Y string `json:"y"`
}

func TestAppendMessageRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		msg  sse.Message
		// What EventSource sees.
		id, event, data string
		retry           time.Duration
		// Lines that must be on the wire, in order.
		wire []string
	}{
		{name: "plain", msg: sse.Message{Data: "hello"}, data: "hello", wire: []string{"data: hello"}},
		{name: "LF", msg: sse.Message{Data: "a\nb\nc"}, data: "a\nb\nc", wire: []string{"data: a", "data: b", "data: c"}},
		{name: "CRLF", msg: sse.Message{Data: "a\r\nb"}, data: "a\nb", wire: []string{"data: a", "data: b"}},
		{name: "lone CR", msg: sse.Message{Data: "a\rb"}, data: "a\nb", wire: []string{"data: a", "data: b"}},
		{name: "mixed", msg: sse.Message{Data: "a\r\n\rb\n\r\nc\r"}, data: "a\n\nb\n\nc\n"},
		{name: "CR then LF apart", msg: sse.Message{Data: "a\r\r\nb"}, data: "a\n\nb"},
		{name: "trailing LF", msg: sse.Message{Data: "x\n"}, data: "x\n", wire: []string{"data: x", "data: "}},
		{name: "only newlines", msg: sse.Message{Data: "\n\n"}, data: "\n\n"},
		{name: "leading spaces", msg: sse.Message{Data: "  x"}, data: "  x", wire: []string{"data:   x"}},
		{name: "leading space on a later line", msg: sse.Message{Data: "a\n b"}, data: "a\n b"},
		{name: "trailing spaces", msg: sse.Message{Data: "x  "}, data: "x  "},
		{name: "colon in data", msg: sse.Message{Data: "data: x"}, data: "data: x"},
		{name: "field-like lines in data", msg: sse.Message{Data: "\nid: 7\nevent: boom\n"}, data: "\nid: 7\nevent: boom\n"},
		{name: "empty string", msg: sse.Message{Data: ""}, data: "", wire: []string{"data: "}},
		{name: "nil", msg: sse.Message{}, data: "", wire: []string{"data: "}},
		{name: "emoji", msg: sse.Message{Data: "hi 👋🏽 there"}, data: "hi 👋🏽 there"},
		{name: "CJK", msg: sse.Message{Data: "你好\n世界"}, data: "你好\n世界"},
		{name: "BOM inside data", msg: sse.Message{Data: "\uFEFFx"}, data: "\uFEFFx"},
		{name: "NUL inside data", msg: sse.Message{Data: "a\x00b"}, data: "a\x00b"},
		{name: "bytes", msg: sse.Message{Data: []byte("raw\r\nbytes")}, data: "raw\nbytes"},
		{name: "nil bytes", msg: sse.Message{Data: []byte(nil)}, data: ""},
		{name: "raw JSON as is", msg: sse.Message{Data: json.RawMessage(`{"a": 1}`)}, data: `{"a": 1}`},
		{name: "indented raw JSON", msg: sse.Message{Data: json.RawMessage("{\n  \"a\": 1\n}")}, data: "{\n  \"a\": 1\n}"},
		{name: "struct as JSON", msg: sse.Message{Data: point{X: 1, Y: "two\nlines"}}, data: `{"x":1,"y":"two\nlines"}`},
		{name: "map as JSON", msg: sse.Message{Data: map[string]int{"b": 2, "a": 1}}, data: `{"a":1,"b":2}`},
		{name: "number as JSON", msg: sse.Message{Data: 42}, data: "42"},
		{name: "named string as JSON", msg: sse.Message{Data: json.Number("1.5")}, data: "1.5"},
		{
			name: "id and event", msg: sse.Message{ID: "42", Event: "created", Data: "x"},
			id: "42", event: "created", data: "x", wire: []string{"id: 42", "event: created", "data: x"},
		},
		{name: "id with spaces", msg: sse.Message{ID: " 4 2 ", Data: "x"}, id: " 4 2 ", data: "x"},
		{name: "unicode id and event", msg: sse.Message{ID: "ключ-🔑", Event: "événement", Data: "x"}, id: "ключ-🔑", event: "événement", data: "x"},
		{name: "event with leading space", msg: sse.Message{Event: " spaced", Data: "x"}, event: " spaced", data: "x"},
		{name: "event with NUL", msg: sse.Message{Event: "a\x00b", Data: "x"}, event: "a\x00b", data: "x"},
		{name: "retry", msg: sse.Message{Retry: 1500 * time.Millisecond, Data: "x"}, retry: 1500 * time.Millisecond, data: "x", wire: []string{"retry: 1500"}},
		{name: "retry whole ms", msg: sse.Message{Retry: 1500*time.Millisecond + 900*time.Microsecond, Data: "x"}, retry: 1500 * time.Millisecond, data: "x", wire: []string{"retry: 1500"}},
		{name: "retry under a millisecond", msg: sse.Message{Retry: 999 * time.Microsecond, Data: "x"}, retry: time.Millisecond, data: "x", wire: []string{"retry: 1"}},
		{name: "retry of a nanosecond", msg: sse.Message{Retry: 1, Data: "x"}, retry: time.Millisecond, data: "x", wire: []string{"retry: 1"}},
		{name: "retry in minutes", msg: sse.Message{Retry: 2 * time.Minute}, retry: 2 * time.Minute, wire: []string{"retry: 120000"}},
		{
			name: "comment with an event", msg: sse.Message{Comment: "note\nmore", ID: "1", Data: "x"},
			id: "1", data: "x", wire: []string{": note", ": more", "id: 1", "data: x"},
		},
		{
			name: "every field", msg: sse.Message{ID: "9", Event: "e", Retry: time.Second, Data: "a\nb"},
			id: "9", event: "e", retry: time.Second, data: "a\nb", wire: []string{"id: 9", "event: e", "retry: 1000", "data: a", "data: b"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := sse.AppendMessage(nil, tt.msg)
			if err != nil {
				t.Fatalf("AppendMessage: %v", err)
			}
			if err := tt.msg.Validate(); err != nil {
				t.Errorf("Validate rejects what AppendMessage writes: %v", err)
			}
			if !bytes.HasSuffix(b, []byte("\n\n")) || bytes.Contains(b[:len(b)-2], []byte("\n\n")) {
				t.Errorf("wire %q: want one blank line, at the end", b)
			}
			if bytes.ContainsRune(b, '\r') {
				t.Errorf("wire %q holds a raw CR", b)
			}
			lines := strings.Split(string(b[:len(b)-2]), "\n")
			if !isSubsequence(tt.wire, lines) {
				t.Errorf("wire lines %q, want %q among them in order", lines, tt.wire)
			}

			events := readEvents(t, b)
			want := gosse.Event{LastEventID: tt.id, Type: tt.event, Data: tt.data}
			if len(events) != 1 || events[0] != want {
				t.Fatalf("wire %q reads as %+v, want [%+v]", b, events, want)
			}
			if got := unmarshal(t, b); got.Retry != tt.retry {
				t.Errorf("wire %q: retry %v, want %v", b, got.Retry, tt.retry)
			}
		})
	}
}

// isSubsequence reports whether want appears in have in order.
func isSubsequence(want, have []string) bool {
	for _, w := range want {
		i := slices.Index(have, w)
		if i < 0 {
			return false
		}
		have = have[i+1:]
	}
	return true
}

func TestAppendMessageComment(t *testing.T) {
	tests := []struct {
		name string
		msg  sse.Message
		wire string
	}{
		{name: "Comment", msg: sse.Comment("keep-alive"), wire: ": keep-alive\n\n"},
		{name: "literal", msg: sse.Message{Comment: "ping"}, wire: ": ping\n\n"},
		{name: "multi-line", msg: sse.Comment("a\r\nb\rc\nd"), wire: ": a\n: b\n: c\n: d\n\n"},
		{name: "looks like a field", msg: sse.Comment("\ndata: boom"), wire: ": \n: data: boom\n\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := sse.AppendMessage(nil, tt.msg)
			if err != nil {
				t.Fatalf("AppendMessage: %v", err)
			}
			if string(b) != tt.wire {
				t.Errorf("wire %q, want %q", b, tt.wire)
			}
			// A comment is invisible to the client, and does not disturb the
			// event that follows it.
			if events := readEvents(t, b); len(events) != 0 {
				t.Errorf("a comment dispatched %+v", events)
			}
			stream, err := sse.AppendMessage(b, sse.Message{ID: "1", Data: "after"})
			if err != nil {
				t.Fatal(err)
			}
			want := []gosse.Event{{LastEventID: "1", Data: "after"}}
			if events := readEvents(t, stream); !slices.Equal(events, want) {
				t.Errorf("stream %q reads as %+v, want %+v", stream, events, want)
			}
		})
	}
}

// TestAppendMessageStream checks that messages appended one after another
// read back as separate events, with the id carried over as EventSource does.
func TestAppendMessageStream(t *testing.T) {
	msgs := []sse.Message{
		{ID: "1", Event: "a", Data: "one\n"},
		sse.Comment("between"),
		{Data: ""},
		{ID: "3", Data: map[string]bool{"ok": true}},
		{Event: "b", Data: "\r"},
	}
	var b []byte
	for _, m := range msgs {
		var err error
		if b, err = sse.AppendMessage(b, m); err != nil {
			t.Fatal(err)
		}
	}
	want := []gosse.Event{
		{LastEventID: "1", Type: "a", Data: "one\n"},
		{LastEventID: "1", Data: ""},
		{LastEventID: "3", Data: `{"ok":true}`},
		{LastEventID: "3", Type: "b", Data: "\n"},
	}
	if got := readEvents(t, b); !slices.Equal(got, want) {
		t.Errorf("stream %q reads as\n%+v, want\n%+v", b, got, want)
	}
}

type failingMarshaler struct{}

func (failingMarshaler) MarshalJSON() ([]byte, error) { return nil, errors.New("no") }

func TestAppendMessageRejects(t *testing.T) {
	tests := []struct {
		name string
		msg  sse.Message
		want error
	}{
		{name: "id with LF", msg: sse.Message{ID: "1\nevent: x", Data: "x"}, want: sse.ErrInvalidID},
		{name: "id with CR", msg: sse.Message{ID: "1\r", Data: "x"}, want: sse.ErrInvalidID},
		{name: "id with CRLF", msg: sse.Message{ID: "\r\n"}, want: sse.ErrInvalidID},
		{name: "id with NUL", msg: sse.Message{ID: "1\x002", Data: "x"}, want: sse.ErrInvalidID},
		{name: "event with CRLF", msg: sse.Message{Event: "a\r\ndata: injected", Data: "x"}, want: sse.ErrInvalidEvent},
		{name: "event with LF", msg: sse.Message{Event: "a\n"}, want: sse.ErrInvalidEvent},
		{name: "event with CR", msg: sse.Message{Event: "\ra"}, want: sse.ErrInvalidEvent},
		{name: "negative retry", msg: sse.Message{Retry: -time.Millisecond, Data: "x"}, want: sse.ErrInvalidRetry},
		{name: "channel data", msg: sse.Message{ID: "1", Event: "e", Data: make(chan int)}, want: sse.ErrEncodeData},
		{name: "func data", msg: sse.Message{Data: func() {}}, want: sse.ErrEncodeData},
		{name: "failing marshaler after a comment", msg: sse.Message{Comment: "c", ID: "1", Data: failingMarshaler{}}, want: sse.ErrEncodeData},
		{name: "bad value inside a map", msg: sse.Message{Data: map[string]any{"f": func() {}}}, want: sse.ErrEncodeData},
		{name: "invalid raw JSON behind a pointer", msg: sse.Message{Data: &json.RawMessage{'{'}}, want: sse.ErrEncodeData},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// A prefix with spare capacity: a failed append must leave both the
			// returned slice and the bytes the caller owns as they were.
			dst := make([]byte, 0, 256)
			dst = append(dst, "data: before\n\n"...)
			before := string(dst)
			got, err := sse.AppendMessage(dst, tt.msg)
			if !errors.Is(err, tt.want) {
				t.Fatalf("AppendMessage error %v, want %v", err, tt.want)
			}
			if string(got) != before {
				t.Errorf("AppendMessage returned %q, want dst %q unchanged", got, before)
			}
			if err := tt.msg.Validate(); !errors.Is(err, tt.want) {
				t.Errorf("Validate error %v, want %v", err, tt.want)
			}
		})
	}
}

// TestValidateAgrees checks that Validate says yes exactly when
// AppendMessage writes, and names the same reason when it says no.
func TestValidateAgrees(t *testing.T) {
	sentinels := []error{sse.ErrInvalidID, sse.ErrInvalidEvent, sse.ErrInvalidRetry, sse.ErrEncodeData}
	values := []string{"", "x", " x", "a\nb", "a\rb", "a\x00b", "é"}
	datas := []any{nil, "", "a\nb", []byte("x"), json.RawMessage("{"), point{}, make(chan int), failingMarshaler{}}
	retries := []time.Duration{-1, 0, 1, time.Second}
	for _, id := range values {
		for _, event := range values {
			for _, data := range datas {
				for _, retry := range retries {
					for _, comment := range []string{"", "c\nd"} {
						m := sse.Message{ID: id, Event: event, Data: data, Retry: retry, Comment: comment}
						_, appendErr := sse.AppendMessage(nil, m)
						validateErr := m.Validate()
						if (appendErr == nil) != (validateErr == nil) {
							t.Fatalf("%#v: AppendMessage says %v, Validate says %v", m, appendErr, validateErr)
						}
						for _, s := range sentinels {
							if errors.Is(appendErr, s) != errors.Is(validateErr, s) {
								t.Fatalf("%#v: AppendMessage says %v, Validate says %v", m, appendErr, validateErr)
							}
						}
					}
				}
			}
		}
	}
}

// TestAppendMessageReusesBuffer checks the promise that string and []byte
// data do not allocate when dst has room.
func TestAppendMessageReusesBuffer(t *testing.T) {
	buf := make([]byte, 0, 1024)
	m := sse.Message{ID: "17", Event: "tick", Data: "line one\nline two", Retry: time.Second}
	allocs := testing.AllocsPerRun(100, func() {
		var err error
		if buf, err = sse.AppendMessage(buf[:0], m); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("AppendMessage allocates %v times per message, want 0", allocs)
	}
}
