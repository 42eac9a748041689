package sse

import "context"

// Produce runs produce in a goroutine and returns the channel it emits
// to, closed when produce returns: the events of one stream, to pass to
// Serve or to return from a godanet SSE route. emit hands one message to
// the stream and reports whether it did: once ctx is done it always
// reports false, and the message is not sent; produce should then return.
// Pass the request's context, so that the goroutine ends with the stream:
//
//	func clock(w http.ResponseWriter, r *http.Request) {
//		ticks := sse.Produce(r.Context(), func(ctx context.Context, emit func(sse.Message) bool) {
//			t := time.NewTicker(time.Second)
//			defer t.Stop()
//			for {
//				select {
//				case <-ctx.Done():
//					return
//				case now := <-t.C:
//					if !emit(sse.Message{Data: now.Format(time.RFC3339)}) {
//						return
//					}
//				}
//			}
//		})
//		_ = sse.Serve(w, r, ticks)
//	}
//
// A panic in produce does not end the process: it is recovered, the
// channel is closed so the stream ends cleanly, and the panic is reported
// as StreamContext says (with its stack, and in a godanet route with the
// route and the request id).
func Produce(ctx context.Context, produce func(ctx context.Context, emit func(Message) bool)) <-chan Message {
	events := make(chan Message)
	go func() {
		defer close(events)
		defer func() {
			if v := recover(); v != nil {
				reportPanic(ctx, v)
			}
		}()
		produce(ctx, func(m Message) bool {
			// Checked first: a select with both cases ready picks one
			// at random, and would send after ctx is done.
			if ctx.Err() != nil {
				return false
			}
			select {
			case events <- m:
				return true
			case <-ctx.Done():
				return false
			}
		})
	}()
	return events
}
