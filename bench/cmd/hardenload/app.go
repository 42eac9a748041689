package main

import (
	"log/slog"

	"github.com/godanet/godanet/core"
	"github.com/godanet/godanet/module"
	"github.com/godanet/godanet/sse"
)

// topic is the one Hub topic every stream of the app follows.
const topic = "feed"

// Note is the JSON input of POST /notes. Body has no limit of its own, so
// what bounds a request is the framework's defaults, not validation.
type Note struct {
	Title string `json:"title" validate:"required,max=200"`
	Body  string `json:"body"`
}

// Created is what POST /notes answers.
type Created struct {
	Title string `json:"title"`
	Bytes int    `json:"bytes"`
}

// FeedController is the app under test: an SSE route on a Hub topic, as
// internal/sseserver's godanet variant has, and a route that binds a JSON
// body.
type FeedController struct {
	core.Controller `path:"/"`
	Hub             *sse.Hub

	_ core.SSE  `path:"/events" handler:"Events"`
	_ core.POST `path:"/notes" handler:"Create" status:"201"`
}

// NewFeedController is the controller's constructor, for DI.
func NewFeedController(h *sse.Hub) *FeedController { return &FeedController{Hub: h} }

// Events streams the topic from the client's Last-Event-ID on.
func (f *FeedController) Events(c core.Context) (<-chan sse.Message, error) {
	return f.Hub.Subscribe(c.Request().Context(), topic, sse.LastEventID(c.Request()))
}

// Create takes a note and says how big its body was.
func (f *FeedController) Create(_ core.Context, in Note) (Created, error) {
	return Created{Title: in.Title, Bytes: len(in.Body)}, nil
}

// newApp builds the app with every default but the logger: a user's app
// with nothing tuned.
func newApp() (*core.App, error) {
	return core.New(&module.Module{
		Name:        "hardenload",
		Providers:   []any{func() *sse.Hub { return sse.NewHub() }},
		Controllers: []any{NewFeedController},
	}, core.WithLogger(slog.New(slog.DiscardHandler)))
}
