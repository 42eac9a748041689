package redisbroker

import (
	"fmt"
	"time"
)

// Option configures New. Options print themselves.
type Option interface {
	apply(*config)
	String() string
}

// config is what the options set; defaults are in newConfig.
type config struct {
	prefix  string
	grace   time.Duration
	timeout time.Duration
}

func newConfig(options []Option) config {
	cfg := config{prefix: "sse:", grace: 10 * time.Second, timeout: 5 * time.Second}
	for _, o := range options {
		o.apply(&cfg)
	}
	return cfg
}

type option struct {
	name string
	fn   func(*config)
}

func (o option) apply(c *config) { o.fn(c) }
func (o option) String() string  { return o.name }

// Prefix sets what every key and channel name of the broker begins with
// (default "sse:"). Brokers that share a Redis and should share topics
// use the same prefix; give unrelated applications different ones. A
// prefix with braces changes the keys' Cluster hash tag: "{app}:" puts
// every topic in one slot, and one holding "{}" breaks the scripts on a
// Cluster (CROSSSLOT), so leave braces out unless that is what you want.
func Prefix(s string) Option {
	return option{fmt.Sprintf("Prefix(%q)", s), func(c *config) { c.prefix = s }}
}

// GracePeriod sets how long the live feed may be cut off from Redis
// before the broker gives up on its listeners (default 10s). Within it, a
// broker that gets its connection back reads what it missed from the
// topics' history and passes it on, so its listeners see no gap. Past it,
// every listener is ended with an error wrapping sse.ErrUnavailable (the
// Hub then ends its subscriptions, and their clients reconnect with
// Last-Event-ID), since a longer outage may outlast the history. Zero or
// less ends them as soon as the feed is cut.
func GracePeriod(d time.Duration) Option {
	return option{fmt.Sprintf("GracePeriod(%v)", d), func(c *config) { c.grace = d }}
}

// Timeout sets the deadline of each Redis call made for a context that has
// none, and of the calls the broker makes on its own, such as reading
// missed frames after a reconnection (default 5s; 0 or less sets none).
// go-redis applies a context's deadline to the connection only when its
// Options.ContextTimeoutEnabled is set; otherwise its own ReadTimeout and
// WriteTimeout bound each attempt, and the deadline only stops retries.
func Timeout(d time.Duration) Option {
	return option{fmt.Sprintf("Timeout(%v)", d), func(c *config) { c.timeout = d }}
}
