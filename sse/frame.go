package sse

import (
	"bytes"
	"strconv"
	"strings"
	"time"
)

// frameMessage turns a frame a broker delivered back into the Message its
// subscribers receive, once per frame and process: the fields are read
// back from the body, Data as the text of its data lines, and the wire
// form ("id: " line, then the body) is kept with it, so that every stream
// writes those bytes instead of encoding the message again. Only bodies
// written by AppendMessage reach here (the Hub writes them), so each line
// is "name: value" or a ": comment".
func frameMessage(f Frame) Message {
	var (
		m        Message
		comments []string
		data     []string
		hasData  bool
		other    bool // a field other than comments
	)
	for body := f.Body; len(body) > 0; {
		line := body
		if i := bytes.IndexByte(body, '\n'); i >= 0 {
			line, body = body[:i], body[i+1:]
		} else {
			body = nil
		}
		if len(line) == 0 {
			break // the blank line that ends the event
		}
		name, value, _ := bytes.Cut(line, []byte(": "))
		switch string(name) {
		case "":
			comments = append(comments, string(value))
		case "event":
			m.Event, other = string(value), true
		case "retry":
			ms, _ := strconv.ParseInt(string(value), 10, 64)
			m.Retry, other = time.Duration(ms)*time.Millisecond, true
		case "data":
			data, hasData, other = append(data, string(value)), true, true
		}
	}
	m.ID = f.ID
	m.Comment = strings.Join(comments, "\n")
	m.commentOnly = !other && m.ID == ""
	text := ""
	switch len(data) {
	case 0:
	case 1:
		text = data[0]
	default:
		text = strings.Join(data, "\n")
	}
	if hasData || !m.commentOnly {
		m.Data = text
	}
	w := &wireForm{id: m.ID, event: m.Event, comment: m.Comment, retry: m.Retry, commentOnly: m.commentOnly, data: text, bytes: f.Body}
	if m.ID != "" {
		w.bytes = make([]byte, 0, len("id: \n")+len(m.ID)+len(f.Body))
		w.bytes = append(appendField(w.bytes, "id: ", m.ID), f.Body...)
	}
	m.wire = w
	return m
}
