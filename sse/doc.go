// Package sse writes Server-Sent Events exactly as the WHATWG HTML
// "server-sent events" section reads them, and fans them out by topic.
//
// It imports the standard library only, and is usable on its own from any
// net/http handler (from echo, pass c.Response() and c.Request());
// godanet's core package uses it for routes marked SSE. In this package a
// stream is one event stream: one text/event-stream response to one client.
//
// # Messages and the wire
//
// A Message has an ID, an Event name, Data and a Retry. AppendMessage
// writes it as "field: value" lines ending with a blank line; data is split
// on CRLF, LF and lone CR into several "data: " lines, and empty data still
// makes an event. String and []byte data go out as they are, anything else
// as JSON. A message whose ID holds CR, LF or NUL, whose Event holds CR or
// LF, whose Retry is negative, or whose Data cannot be encoded is rejected
// with an error (Validate checks early) and never written. A comment
// (Comment) is written as ": text" lines and never dispatches an event.
//
// # Serving a stream
//
// Serve turns a channel of messages into a stream: headers flushed at
// once, every event flushed as written, a heartbeat comment on idle
// streams (Heartbeat, default 15s), and a deadline on each write
// (WriteTimeout, default 10s) that drops a stalled client and keeps a
// server-wide WriteTimeout from cutting a healthy stream. The stream ends
// when the channel closes, the client leaves or the request's context
// ends. A HEAD request gets the stream's headers and no stream.
// LastEventID reads the id a reconnecting EventSource sends.
//
// Produce makes such a channel from a function: it runs the producer in a
// goroutine that stops with the request's context, so that no goroutine
// outlives its client, and a panic in it ends the stream, not the process.
// A Hub subscription (below) is the other usual source.
//
// StreamContext gives a stream the context that ties these together: a
// Hub that drops its subscriber cancels it (so a write blocked on a
// stalled client is cut at once), and a producer's panic is reported to
// its handler. godanet's SSE routes make one for every stream.
//
// # Hub, topics and replay
//
// A Hub publishes to named topics. It numbers messages per topic, keeps a
// bounded history (History, default 1000), and Subscribe replays the
// history newer than the client's Last-Event-ID before live messages, with
// no gap and no duplicate. The ids are opaque; the in-memory broker's,
// "<epoch>-<seq>", and the Redis broker's, "<epoch>-<seq>-<nonce>", name
// the life of the topic too, so that an id from before
// a restart is never taken for a new message: it replays the whole history
// instead. Each subscriber may fall Buffer (default 16) messages behind;
// one that falls further is closed so that it never slows the publisher or
// the others, and its client catches up from history when it reconnects. A
// replay is read from the history page by page as the subscriber takes it.
// A topic is forgotten with its history TopicIdle (default 10 minutes)
// after its last publish (the in-memory broker also waits for its last
// subscriber to leave), and DropTopic forgets one at once. Comments reach the live subscribers of this process only.
//
// # Brokers: one process or several
//
// The Hub does the work every broker would otherwise repeat: it validates
// and encodes each message once, fans frames out to its own subscribers
// (one broker listener per topic, whatever their number), drops slow
// subscribers and merges replay with live messages. A Broker only carries
// encoded frames between processes and keeps each topic's ordered, bounded
// history: Append returns the id it assigned, Read returns the frames after
// an id, Listen delivers new ones. The default, NewMemoryBroker, serves one
// process with no setup; package redisbroker shares topics between the
// instances of an app on Redis, so that a message published on one reaches
// the subscribers of all, with the same id, and a client may reconnect to
// any. A broker that cannot reach its store fails with ErrUnavailable
// (godanet answers 503). Package ssetest is the conformance suite a broker
// of one's own can run.
//
// On the browser side:
//
//	const events = new EventSource("/todos/events");
//	events.addEventListener("created", (e) => add(JSON.parse(e.data)));
//	events.onerror = () => showReconnecting(); // EventSource retries by itself,
//	                                           // sending Last-Event-ID
package sse
