package sse_test

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/godanet/godanet/sse"
)

// AppendMessage writes the wire form: multi-line data becomes several
// data lines, and a comment-only message is a comment, never an event.
func ExampleAppendMessage() {
	wire, _ := sse.AppendMessage(nil, sse.Message{ID: "7", Event: "note", Data: "two\nlines", Retry: 1500 * time.Millisecond})
	wire, _ = sse.AppendMessage(wire, sse.Comment("keep-alive"))
	wire, _ = sse.AppendMessage(wire, sse.Message{Data: map[string]int{"n": 1}})
	fmt.Print(string(wire))
	// Output:
	// id: 7
	// event: note
	// retry: 1500
	// data: two
	// data: lines
	//
	// : keep-alive
	//
	// data: {"n":1}
}

// A client that reconnects with the id of the last event it saw gets what
// it missed, then live events; a comment is not kept for replay.
func ExampleHub_Subscribe() {
	hub := sse.NewHub()
	defer hub.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	first, _ := hub.Publish(ctx, "todos", sse.Message{Event: "created", Data: "buy milk"})
	hub.Publish(ctx, "todos", sse.Comment("not kept"))
	hub.Publish(ctx, "todos", sse.Message{Event: "created", Data: "walk the dog"})

	events, _ := hub.Subscribe(ctx, "todos", first) // as from Last-Event-ID
	m := <-events
	_, seq, _ := strings.Cut(m.ID, "-") // ids are "<epoch>-<seq>"
	fmt.Println(seq, m.Event, m.Data)
	// Output:
	// 2 created walk the dog
}

// The Hub numbers messages itself, and a subscriber receives Data as the
// text its clients see: JSON for a struct. A message that brings its own
// ID is refused.
func ExampleHub_Publish() {
	hub := sse.NewHub()
	defer hub.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	events, _ := hub.Subscribe(ctx, "todos", "")

	type todo struct {
		ID    int    `json:"id"`
		Title string `json:"title"`
	}
	hub.Publish(ctx, "todos", sse.Message{Event: "created", Data: todo{1, "buy milk"}})
	m := <-events
	fmt.Printf("%s %T %s\n", m.Event, m.Data, m.Data)

	_, err := hub.Publish(ctx, "todos", sse.Message{ID: "42", Data: "mine"})
	fmt.Println(err)
	// Output:
	// created string {"id":1,"title":"buy milk"}
	// sse: publish to "todos": sse: the Hub assigns message ids; leave Message.ID empty (it was "42")
}
