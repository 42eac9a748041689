package sse_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	gosse "github.com/tmaxmax/go-sse"

	"github.com/godanet/godanet/sse"
)

// FuzzAppendMessage checks that whatever AppendMessage writes reads back, as
// EventSource reads it, as exactly the event that was meant, and that what
// it refuses Validate refuses too. retry is a time.Duration in nanoseconds,
// so that sub-millisecond values are covered; the client sees it in whole
// milliseconds, and a positive retry never as 0.
func FuzzAppendMessage(f *testing.F) {
	seeds := []struct {
		id, event, data string
		retry           time.Duration
	}{
		{"", "", "", 0},
		{"1", "created", `{"id":1}`, 0},
		{"", "", "a\nb\r\nc\rd", 0},
		{"", "", "\n", 0},
		{"", "", "\r\n\r\n", 0},
		{"", "", "x\r", 0},
		{"", "", "  leading", 0},
		{" id", " event", " data", 0},
		{"", "", "\uFEFFbom", 0},
		{"\uFEFF", "\uFEFF", "\uFEFF", 0},
		{"", "", "👋🏽 你好", 0},
		{"", "", "\xff\xfe not UTF-8 \xe2\n", 0},
		{"", "", "a\x00b", 0},
		{"", "", ": not a comment", 0},
		{"", "", "data: x\n\nid: 2", 0},
		{"7", "e", "x", 1500 * time.Millisecond},
		{"7", "e", "x", 1500*time.Millisecond + 999*time.Microsecond},
		{"", "", "x", 500 * time.Microsecond},
		{"", "", "x", 1},
		{"", "", "x", time.Millisecond - 1},
		{"", "", "x", 1<<63 - 1},
		{"1\n2", "", "x", 0},
		{"1\r", "", "x", 0},
		{"1\x00", "", "x", 0},
		{"", "a\r\nb", "x", 0},
		{"", "", "x", -1},
	}
	for _, s := range seeds {
		f.Add(s.id, s.event, s.data, int64(s.retry))
	}
	f.Fuzz(func(t *testing.T, id, event, data string, retry int64) {
		m := sse.Message{ID: id, Event: event, Data: data, Retry: time.Duration(retry)}
		dst := []byte("data: before\n\n")
		b, err := sse.AppendMessage(dst, m)
		if verr := m.Validate(); (err == nil) != (verr == nil) {
			t.Fatalf("AppendMessage says %v, Validate says %v", err, verr)
		}
		if err != nil {
			if string(b) != "data: before\n\n" {
				t.Fatalf("rejected message changed dst to %q", b)
			}
			if !errors.Is(err, sse.ErrInvalidID) && !errors.Is(err, sse.ErrInvalidEvent) && !errors.Is(err, sse.ErrInvalidRetry) {
				t.Fatalf("rejected with an unexpected error: %v", err)
			}
			// Only what the spec cannot carry is refused.
			if !strings.ContainsAny(id, "\r\n\x00") && !strings.ContainsAny(event, "\r\n") && retry >= 0 {
				t.Fatalf("refused a message the spec can carry: %v", err)
			}
			return
		}
		b = b[len(dst):]

		var events []gosse.Event
		for e, err := range gosse.Read(bytes.NewReader(b), &gosse.ReadConfig{MaxEventSize: len(b) + 1024}) {
			if err != nil {
				t.Fatalf("go-sse cannot read %q: %v", b, err)
			}
			events = append(events, e)
		}
		// Framing holds for any bytes: the WHATWG UTF-8 decoder never
		// swallows a CR or LF into a replacement character, so even
		// invalid UTF-8 cannot merge or split events.
		if len(events) != 1 {
			t.Fatalf("%q reads as %d events %+v, want 1", b, len(events), events)
		}
		// The spec decodes the stream as UTF-8, replacing invalid bytes with
		// U+FFFD; go-sse passes bytes through instead. Exact values are
		// therefore only checked for valid UTF-8, where the two agree.
		if utf8.ValidString(id) && utf8.ValidString(event) && utf8.ValidString(data) {
			// The spec turns CRLF and lone CR into LF; nothing else changes.
			want := gosse.Event{LastEventID: id, Type: event, Data: normalizeNewlines(data)}
			if events[0] != want {
				t.Fatalf("%q reads as %+v, want %+v", b, events[0], want)
			}
		}

		var got gosse.Message
		if err := got.UnmarshalText(b); err != nil {
			t.Fatalf("go-sse cannot unmarshal %q: %v", b, err)
		}
		if want := max(time.Duration(retry).Truncate(time.Millisecond), time.Millisecond); retry > 0 && got.Retry != want {
			t.Fatalf("%q: retry %v, want %v", b, got.Retry, want)
		}
	})
}

// normalizeNewlines does what an event stream parser does to line ends.
func normalizeNewlines(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
}
