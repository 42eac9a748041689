// Command clock reproduces Danet's Server-Sent Events example with godanet:
// GET /sse sends four "hello" events (data "world", ids 0 to 3, retry
// 1000 ms) 100 ms apart, then a "close" event, and ends the stream.
//
//	go run ./examples/clock -addr :8080
//	curl -N localhost:8080/sse
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"strconv"
	"strings"
	"time"

	"github.com/godanet/godanet/core"
	"github.com/godanet/godanet/module"
	"github.com/godanet/godanet/sse"
)

// ClockController serves the stream.
type ClockController struct {
	core.Controller `path:"/"`
	// Every is the pause between events.
	Every time.Duration

	_ core.SSE `path:"/sse" handler:"Hello"`
}

// NewClockController paces events 100 ms apart, as Danet's example does.
func NewClockController() *ClockController { return &ClockController{Every: 100 * time.Millisecond} }

// Hello streams the events. sse.Produce ends the producer with the request,
// so a client that leaves early leaves no goroutine behind.
func (c *ClockController) Hello(ctx core.Context) (<-chan sse.Message, error) {
	return sse.Produce(ctx.Request().Context(), func(ctx context.Context, emit func(sse.Message) bool) {
		tick := time.NewTicker(c.Every)
		defer tick.Stop()
		for id := 0; ; id++ {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			m := sse.Message{ID: strconv.Itoa(id), Event: "hello", Data: "world", Retry: time.Second}
			if id == 4 {
				m.Event, m.Data = "close", "close"
			}
			if !emit(m) || id == 4 {
				return
			}
		}
	}), nil
}

// ClockModule holds the controller.
var ClockModule = &module.Module{Name: "clock", Controllers: []any{NewClockController}}

func main() {
	addr := flag.String("addr", ":8080", "address to listen on")
	flag.Parse()
	app, err := core.New(ClockModule)
	if err != nil {
		log.Fatal(err)
	}
	port := *addr
	if i := strings.LastIndexByte(port, ':'); i >= 0 {
		port = port[i:]
	}
	fmt.Printf("clock: curl -N http://localhost%s/sse\n", port)
	if err := app.Listen(*addr); err != nil {
		log.Fatal(err)
	}
}
