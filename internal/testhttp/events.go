package testhttp

import (
	"io"
	"sync"
	"testing"
	"time"

	gosse "github.com/tmaxmax/go-sse"
)

// EventWait bounds how long EventStream.Next waits for an event.
const EventWait = 10 * time.Second

// EventStream is an event stream read with go-sse's parser, which
// follows the WHATWG rules, in a goroutine of its own, so that a test
// waits for each event with a deadline instead of a sleep.
type EventStream struct {
	// Events delivers the events in order; it is closed when the stream
	// ends.
	Events <-chan gosse.Event
	// Ended is closed once the stream has ended and its reader returned.
	Ended <-chan struct{}

	t    testing.TB
	name string
	r    io.Reader
	err  error // why the stream ended, set before Events is closed
	done chan struct{}
	once sync.Once
}

// ReadEvents reads r, a stream's body, as events until it ends or the
// test does; name says whose stream in failures ("" for none). Close
// stops it sooner.
func ReadEvents(t testing.TB, name string, r io.Reader) *EventStream {
	events, ended := make(chan gosse.Event), make(chan struct{})
	s := &EventStream{Events: events, Ended: ended, t: t, name: name, r: r, done: make(chan struct{})}
	go func() {
		defer close(ended)
		defer close(events)
		for e, err := range gosse.Read(r, nil) {
			if err != nil {
				s.err = err
				return
			}
			select {
			case events <- e:
			case <-s.done:
				return
			}
		}
	}()
	t.Cleanup(s.Close)
	return s
}

// Next returns the next event, failing the test if the stream ends first
// or no event comes within EventWait.
func (s *EventStream) Next() gosse.Event {
	s.t.Helper()
	select {
	case e, ok := <-s.Events:
		if ok {
			return e
		}
		s.t.Fatalf("the stream%s ended (%v) before its next event", s.whose(), s.err)
	case <-time.After(EventWait):
		s.t.Fatalf("the stream%s had no event within %v", s.whose(), EventWait)
	}
	return gosse.Event{} // not reached: Fatalf ends the test
}

// Close leaves the stream, as a client that goes away does: the reader
// stops delivering, and when r is a response body it is closed and the
// reader waited for.
func (s *EventStream) Close() {
	s.once.Do(func() {
		close(s.done)
		if c, ok := s.r.(io.Closer); ok {
			c.Close()
			<-s.Ended
		}
	})
}

func (s *EventStream) whose() string {
	if s.name == "" {
		return ""
	}
	return " of " + s.name
}
