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
// Pub/Sub messages (New panics, naming the fix). It needs Redis 6.2 or
// later (for XRANGE's exclusive ranges).
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
// A topic keeps two keys, which share a hash tag so that they live in one
// Cluster slot: a hash "<prefix>{<topic>}:m" holding the epoch of the
// topic's life and its newest and last trimmed frames, and a stream
// "<prefix>{<topic>}:s" whose entry "0-<seq>" holds a frame. Its frames
// are published on the channel "<prefix>{<topic>}:c". The prefix is
// "sse:" unless set with Prefix. In the tag, a topic's '%', '{' and '}'
// are written %25, %7B and %7D, and the empty topic "%", so that the tag
// is never empty nor cut short; other topics are written as they are.
//
// Ids are "<epoch>-<seq>-<nonce>": seq counts a life's frames from 1,
// epoch is a random word drawn when the life begins (after the topic was
// dropped, was forgotten when idle, or was lost with Redis's data), and
// nonce a random word drawn for the frame. Read places an id only when
// the history holds its frame with that nonce, or when it is the frame
// just older than the history, which Redis notes as it trims. So an id
// is never given to two frames undetected: not by a new life, and not by
// a Redis that went back to an older copy of its data and so numbers new
// frames with the seqs of lost ones (restarted from an RDB snapshot or
// from an append-only file synced every second, or replaced by a replica
// that lacked the last writes). Read after an id it cannot place returns
// everything retained.
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
// has been passed the newest frame Read returns, or, when it returns none
// after afterID, afterID's frame (it waits a second at most), as the
// in-memory broker's would have been: so a Hub that replays history to a
// new subscriber while it keeps the live frames that arrive meanwhile
// sends none twice.
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
// A listener that cannot be passed exactly what it missed is ended too,
// so that its clients reconnect and replay what is retained: with End(nil)
// when the topic is gone (a drop notice published while the process was
// cut off does not reach it), and with an error wrapping
// sse.ErrUnavailable when the topic began a new life meanwhile (the broker
// cannot tell whether others began and ended unseen), or when Redis went
// back to an older copy of its data: Redis no longer holds the frame the
// listener was last passed, or seqs it had passed on come again.
//
// What the broker cannot see: frames that Redis lost before any process
// read them (keep Redis's append-only file, synced always, as redistest
// does, to lose none). And a listener whose cursor was last set from the
// history drops the frames that come with seqs it had, taking them for
// copies of those it read, until a frame comes in turn: a loss in that
// window shows only once the seq of its cursor is given again.
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
