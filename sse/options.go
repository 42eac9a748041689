package sse

import (
	"fmt"
	"time"
)

// Option configures Serve. Options print themselves.
type Option interface {
	apply(*serveConfig)
	String() string
}

// serveConfig is what the options set; defaults are in newServeConfig.
type serveConfig struct {
	heartbeat    time.Duration
	writeTimeout time.Duration
	onReject     func(Message, error)
}

func newServeConfig(options []Option) serveConfig {
	cfg := serveConfig{heartbeat: 15 * time.Second, writeTimeout: 10 * time.Second}
	for _, o := range options {
		o.apply(&cfg)
	}
	return cfg
}

type option struct {
	name string
	fn   func(*serveConfig)
}

func (o option) apply(c *serveConfig) { o.fn(c) }
func (o option) String() string       { return o.name }

// Heartbeat sets how often a comment is sent to keep proxies from closing
// an idle stream (default 15s; 0 disables).
func Heartbeat(every time.Duration) Option {
	return option{fmt.Sprintf("Heartbeat(%v)", every), func(c *serveConfig) { c.heartbeat = every }}
}

// WriteTimeout bounds each write and flush (default 10s; 0 disables). A
// client that does not take an event in time is dropped. It replaces the
// http.Server's WriteTimeout for the stream, so that a server-wide write
// timeout does not cut a healthy long-lived stream.
func WriteTimeout(d time.Duration) Option {
	return option{fmt.Sprintf("WriteTimeout(%v)", d), func(c *serveConfig) { c.writeTimeout = d }}
}

// OnReject is called with each message that cannot be written (see
// Message.Validate); the stream goes on without it.
func OnReject(fn func(Message, error)) Option {
	return option{"OnReject", func(c *serveConfig) { c.onReject = fn }}
}
