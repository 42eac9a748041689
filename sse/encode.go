package sse

import (
	"encoding/json"
	"fmt"
	"strconv"
)

// AppendMessage appends the wire form of m to dst, as the WHATWG HTML
// "server-sent events" section reads it: comment lines, then id, event and
// retry, then data split on CRLF, LF and lone CR into one "data: " line
// each (at least one, so empty data still dispatches an event), then a
// blank line. Every field is written with the space after the colon, so
// leading spaces of values survive. A message that cannot be written
// (see Validate) is an error and dst is returned unchanged.
//
// For string and []byte data (json.RawMessage included) AppendMessage
// itself does not allocate when dst has room. Building the Message may:
// Data is an interface, so storing in it a string that is not a constant
// costs one 16-byte allocation at the call site (24 bytes for a []byte),
// as passing the string to fmt.Fprintf does. A message built once and
// written many times, as the Hub's are, pays that once.
func AppendMessage(dst []byte, m Message) ([]byte, error) {
	// A message the Hub encoded was checked then, and still holds the
	// fields it was checked with: copy its bytes, once per subscriber.
	if b := m.encoded(); b != nil {
		return append(dst, b...), nil
	}
	if err := m.validateFields(); err != nil {
		return dst, err
	}
	start := len(dst)
	if m.isComment() {
		return append(appendLines(dst, ": ", m.Comment), '\n'), nil
	}
	if m.Comment != "" {
		dst = appendLines(dst, ": ", m.Comment)
	}
	if m.ID != "" {
		dst = appendField(dst, "id: ", m.ID)
	}
	if m.Event != "" {
		dst = appendField(dst, "event: ", m.Event)
	}
	if m.Retry > 0 {
		// Whole milliseconds, but never 0, which would mean "at once" for
		// a Retry that asked for a (short) wait.
		dst = append(dst, "retry: "...)
		dst = strconv.AppendInt(dst, max(m.Retry.Milliseconds(), 1), 10)
		dst = append(dst, '\n')
	}
	switch d := m.Data.(type) {
	case nil:
		dst = append(dst, "data: \n"...)
	case string:
		dst = appendLines(dst, "data: ", d)
	case []byte:
		dst = appendLines(dst, "data: ", d)
	case json.RawMessage:
		dst = appendLines(dst, "data: ", []byte(d))
	default:
		encoded, err := json.Marshal(d)
		if err != nil {
			return dst[:start], fmt.Errorf("%w: %v", ErrEncodeData, err)
		}
		// JSON escapes CR and LF inside strings, but a json.Marshaler may
		// return indented JSON; splitting keeps the framing right anyway.
		dst = appendLines(dst, "data: ", encoded)
	}
	return append(dst, '\n'), nil
}

// sizeHint guesses the length of m's wire form, so that it can be encoded
// into one allocation: exact for single-line text data, a little short for
// each further line (a "data: " prefix each), a guess for JSON.
func (m *Message) sizeHint() int {
	n := len(": \n") + len(m.Comment) + len("id: \n") + len(m.ID) + len("event: \n") + len(m.Event) +
		len("retry: 1234567\n") + len("data: \n\n")
	switch d := m.Data.(type) {
	case string:
		n += len(d)
	case []byte:
		n += len(d)
	case json.RawMessage:
		n += len(d)
	default:
		n += 128
	}
	return n
}

func appendField(dst []byte, name, value string) []byte {
	dst = append(dst, name...)
	dst = append(dst, value...)
	return append(dst, '\n')
}

// appendLines writes text as one prefixed line per line of text, splitting
// on CRLF, LF and lone CR.
func appendLines[T string | []byte](dst []byte, prefix string, text T) []byte {
	for {
		i := indexNewline(text)
		if i < 0 {
			dst = append(dst, prefix...)
			dst = append(dst, text...)
			return append(dst, '\n')
		}
		dst = append(dst, prefix...)
		dst = append(dst, text[:i]...)
		dst = append(dst, '\n')
		if text[i] == '\r' && i+1 < len(text) && text[i+1] == '\n' {
			i++
		}
		text = text[i+1:]
	}
}

func indexNewline[T string | []byte](text T) int {
	for i := 0; i < len(text); i++ {
		if c := text[i]; c == '\n' || c == '\r' {
			return i
		}
	}
	return -1
}
