package sse

import "context"

// Map returns a channel of the messages of in, each changed by change,
// with those it reports false for left out: a godanet interceptor uses it
// to map or filter an SSE route's messages. It runs in a goroutine, as
// Produce does, until in is closed or ctx is done; then the channel it
// returns is closed. Pass the request's context, so that nothing outlives
// the stream, and a panic in change ends the stream, not the process.
//
//	loud := sse.Map(ctx, events, func(m sse.Message) (sse.Message, bool) {
//		if m.Event == "debug" {
//			return m, false // dropped
//		}
//		m.Data = strings.ToUpper(fmt.Sprint(m.Data))
//		return m, true
//	})
func Map(ctx context.Context, in <-chan Message, change func(Message) (Message, bool)) <-chan Message {
	return Produce(ctx, func(ctx context.Context, emit func(Message) bool) {
		for {
			select {
			case <-ctx.Done():
				return
			case m, ok := <-in:
				if !ok {
					return
				}
				if m, keep := change(m); keep && !emit(m) {
					return
				}
			}
		}
	})
}
