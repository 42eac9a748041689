package readme

import (
	"context"
	"time"

	"github.com/godanet/godanet/core"
	"github.com/godanet/godanet/module"
	"github.com/godanet/godanet/sse"
)

// FeedModule serves the README's FeedController and NewsService.
func FeedModule(token Token) *module.Module {
	return &module.Module{
		Name:        "feed",
		Imports:     []*module.Module{AuthModule(token)},
		Providers:   []any{sse.NewHub, NewNewsService},
		Controllers: []any{NewFeedController},
	}
}

// NewFeedController is FeedModule's controller constructor.
func NewFeedController(hub *sse.Hub, auth *TokenGuard) *FeedController {
	return &FeedController{Hub: hub, Auth: auth}
}

// NewsService publishes on the Hub that FeedController subscribes to.
type NewsService struct{ Hub *sse.Hub }

// NewNewsService is FeedModule's service constructor.
func NewNewsService(hub *sse.Hub) *NewsService { return &NewsService{Hub: hub} }

// readme:begin sse

type FeedController struct {
	core.Controller `path:"/feed"`

	Hub  *sse.Hub // an ordinary provider: list sse.NewHub in Providers
	Auth *TokenGuard

	_ core.SSE `path:"/news"  handler:"News" guards:"Auth"`
	_ core.SSE `path:"/clock" handler:"Clock"`
}

// Hub-backed: history newer than the client's Last-Event-ID first, then live events.
func (f *FeedController) News(c core.Context) (<-chan sse.Message, error) {
	return f.Hub.Subscribe(c.Request().Context(), "news", sse.LastEventID(c.Request()))
}

// A producer: sse.Produce runs it in a goroutine that ends with the client.
func (f *FeedController) Clock(c core.Context) (<-chan sse.Message, error) {
	return sse.Produce(c.Request().Context(), func(ctx context.Context, emit func(sse.Message) bool) {
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case now := <-t.C:
				if !emit(sse.Message{Event: "tick", Data: now.Format(time.RFC3339)}) {
					return
				}
			}
		}
	}), nil
}

// readme:end

// readme:begin publish

func (s *NewsService) Announce(ctx context.Context, todo Todo) error {
	_, err := s.Hub.Publish(ctx, "news", sse.Message{Event: "created", Data: todo}) // Data: string, []byte, or JSON
	return err
}

// readme:end
