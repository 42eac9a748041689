package sse_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"time"

	"github.com/godanet/godanet/sse"
)

// AppendMessage writes the wire form: the id, event and retry fields, then
// data split on LF, CRLF and CR into several data lines, then a blank
// line. A comment-only message is a comment, never an event, and data
// that is not text goes out as JSON.
func ExampleAppendMessage() {
	wire, _ := sse.AppendMessage(nil, sse.Message{ID: "7", Event: "note", Data: "one\ntwo\r\nthree", Retry: 1500 * time.Millisecond})
	wire, _ = sse.AppendMessage(wire, sse.Comment("keep-alive"))
	wire, _ = sse.AppendMessage(wire, sse.Message{Data: map[string]int{"n": 1}})
	fmt.Print(string(wire))
	// Output:
	// id: 7
	// event: note
	// retry: 1500
	// data: one
	// data: two
	// data: three
	//
	// : keep-alive
	//
	// data: {"n":1}
}

// A client that reconnects with the id of the last event it saw gets what
// it missed, then live events. An id the Hub does not hold (from before a
// restart, or older than the history) replays all that is retained: a
// duplicate rather than a gap. A comment is not kept for replay.
func ExampleHub_Subscribe() {
	hub := sse.NewHub(sse.History(3))
	defer hub.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var ids []string
	for _, title := range []string{"one", "two", "three", "four"} {
		id, _ := hub.Publish(ctx, "todos", sse.Message{Event: "created", Data: title})
		ids = append(ids, id)
	}
	hub.Publish(ctx, "todos", sse.Comment("not kept"))

	// seq is the number in an id, which is "<epoch>-<seq>" in memory.
	seq := func(id string) string { _, n, _ := strings.Cut(id, "-"); return n }
	show := func(events <-chan sse.Message, n int) {
		for range n {
			m := <-events
			fmt.Println(" ", seq(m.ID), m.Event, m.Data)
		}
	}

	fmt.Println("Last-Event-ID of two:")
	events, _ := hub.Subscribe(ctx, "todos", ids[1])
	show(events, 2) // replayed
	hub.Publish(ctx, "todos", sse.Message{Event: "created", Data: "five"})
	show(events, 1) // live

	fmt.Println("an id the Hub does not hold:")
	events, _ = hub.Subscribe(ctx, "todos", "stale-1")
	show(events, 3) // the 3 messages retained
	// Output:
	// Last-Event-ID of two:
	//   3 created three
	//   4 created four
	//   5 created five
	// an id the Hub does not hold:
	//   3 created three
	//   4 created four
	//   5 created five
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

// Serve answers a net/http request with an event stream; here a producer
// made by Produce continues after the id the client sent as Last-Event-ID,
// and the stream ends when the producer returns.
func ExampleServe() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		last, _ := strconv.Atoi(sse.LastEventID(r)) // 0 when there is none
		events := sse.Produce(r.Context(), func(ctx context.Context, emit func(sse.Message) bool) {
			for n := last + 1; n <= last+2; n++ {
				if !emit(sse.Message{ID: strconv.Itoa(n), Event: "tick", Data: n}) {
					return
				}
			}
		})
		if err := sse.Serve(w, r, events, sse.Heartbeat(0)); err != nil {
			fmt.Println("serve:", err)
		}
	}))
	defer srv.Close()

	req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
	req.Header.Set("Last-Event-ID", "41")
	resp, err := srv.Client().Do(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.Status, resp.Header.Get("Content-Type"))
	fmt.Print(string(body))
	// Output:
	// 200 OK text/event-stream
	// id: 42
	// event: tick
	// data: 42
	//
	// id: 43
	// event: tick
	// data: 43
}

// Produce runs a producer in a goroutine that ends with its context: once
// the context is done, emit reports false, the producer returns, and the
// channel is closed.
func ExampleProduce() {
	ctx, cancel := context.WithCancel(context.Background())
	events := sse.Produce(ctx, func(ctx context.Context, emit func(sse.Message) bool) {
		for n := 1; ; n++ {
			if !emit(sse.Message{Data: n}) {
				return
			}
		}
	})
	for m := range events {
		fmt.Println(m.Data)
		if m.Data == 3 {
			break // the client leaves
		}
	}
	cancel()
	// A message emitted as the context ended may still come; the channel
	// is closed once the producer has returned.
	for range events {
	}
	fmt.Println("closed")
	// Output:
	// 1
	// 2
	// 3
	// closed
}

func ExampleMap() {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	in := make(chan sse.Message, 3)
	in <- sse.Message{Event: "greeting", Data: "hello"}
	in <- sse.Message{Event: "debug", Data: "left out"}
	in <- sse.Message{Event: "greeting", Data: "bye"}
	close(in)
	out := sse.Map(ctx, in, func(m sse.Message) (sse.Message, bool) {
		if m.Event == "debug" {
			return m, false
		}
		m.Data = strings.ToUpper(m.Data.(string))
		return m, true
	})
	for m := range out {
		fmt.Println(m.Event, m.Data)
	}
	// Output:
	// greeting HELLO
	// greeting BYE
}
