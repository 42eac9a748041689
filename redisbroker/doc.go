// Package redisbroker is an sse.Broker on Redis Streams, so that several
// processes serve one set of topics: a message published in one reaches
// the subscribers of all, and a client that reconnects to any of them
// resumes from its Last-Event-ID.
//
//	client := redis.NewClient(&redis.Options{Addr: "localhost:6379", ContextTimeoutEnabled: true})
//	hub := sse.NewHub(sse.WithBroker(redisbroker.New(client)))
//
// It is a Go module of its own, so that godanet does not depend on
// go-redis. New takes a redis.UniversalClient: a plain, a failover
// (Sentinel) or a cluster client; not a Ring, whose shards do not share
// Pub/Sub messages.
//
// # History
//
// How many frames a topic keeps and how long it lives without a publish
// are the Hub's History and TopicIdle, which the Hub passes with every
// Append (sse.Retention), so they mean the same as with the in-memory
// broker and this package has no options for them. The history is trimmed
// exactly to its bound. Each Append resets the topic's time to live, so a
// topic is forgotten, history and all, TopicIdle after its last publish,
// even while processes still listen to it: they then go on with its next
// life. DropTopic forgets one at once.
//
// # Keys and ids
//
// A topic keeps two keys, which share the topic as their hash tag so that
// they live in one Cluster slot: a hash "<prefix>{<topic>}:m" holding the
// epoch of the topic's life and its last sequence number, and a stream
// "<prefix>{<topic>}:s" whose entry "0-<seq>" holds a frame. Its frames
// are published on the channel "<prefix>{<topic>}:c". The prefix is
// "sse:" unless set with Prefix.
//
// Ids are "<epoch>-<seq>": seq counts a life's frames from 1, and epoch is
// a random word drawn when the life begins, after the topic was dropped,
// was forgotten when idle, or was lost with Redis's data. So an id is
// never given to another frame, and one from another life is never found:
// Read then returns everything retained.
//
// Append, Read and DropTopic are each one Lua script, so a frame is
// numbered, kept and published atomically, and every process sees a
// topic's frames in one order.
//
// # Listening
//
// A broker has one Pub/Sub connection and one goroutine, whatever the
// number of topics it listens to, so its connections to Redis do not grow
// with its subscribers. Listen subscribes that connection to the topic's
// channel, and returns once Redis has confirmed it and the broker has read
// the topic's position. Each listener has a cursor, the id of the last
// frame it was passed; a frame that comes out of turn (after a
// reconnection, say) has the missed ones read from the history first, so
// a listener sees no gap and no duplicate.
//
// Read returns once this broker's listener of the topic, if it has one,
// has been passed the newest frame Read returns (it waits a second at
// most), as the in-memory broker's would have been: so a Hub that replays
// history to a new subscriber while it keeps the live frames that arrive
// meanwhile sends none twice.
//
// # Faults
//
// While Redis cannot be reached, Append, Read, Listen and DropTopic fail
// within their context's deadline, or Timeout (default 5s) when it has
// none, with an error that wraps sse.ErrUnavailable and the cause and says
// what failed on which topic (the Hub answers 503). The Pub/Sub connection
// is dialled again and again; once back, each listener is passed what it
// missed meanwhile, from the history. Frames that the history no longer
// holds (more were appended meanwhile than it keeps) cannot be passed on:
// the listener is then ended with an error wrapping sse.ErrUnavailable,
// and the Hub's clients reconnect and replay what is retained. If the
// connection stays down for longer than GracePeriod (default 10s), every
// listener is so ended.
//
// What the broker cannot see: a Redis that lost its data starts each
// topic's next life, which a listener is passed from its first frame, but
// the frames of the lost life that it had not been passed are gone
// unnoticed (keep Redis's append-only file, as redistest does). A drop
// notice published while a process was cut off does not reach it: its
// listener goes on with the topic's next life. A Sentinel failover can
// lose the last writes (Redis replicates asynchronously), and with them
// ids that the new primary will hand out again.
//
// # Timeouts
//
// go-redis applies a context's deadline to the connection only with
// Options.ContextTimeoutEnabled; without it, a Redis that hangs holds a
// call for the client's ReadTimeout, per attempt, whatever the deadline.
// Set it.
//
// Close ends this broker's listeners with sse.ErrClosed and stops its
// goroutine; it does not close the client.
package redisbroker
