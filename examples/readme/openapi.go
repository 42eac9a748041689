package readme

import (
	"github.com/godanet/godanet/core"
	"github.com/godanet/godanet/module"
	"github.com/godanet/godanet/openapi"
	"github.com/godanet/godanet/sse"
)

// NewsItem is an event of the README's documented stream.
type NewsItem struct {
	Headline string `json:"headline" validate:"required,max=120"`
}

// NewsGone is the event sent when an item is withdrawn.
type NewsGone struct {
	ID int `json:"id"`
}

// SecurityScheme tells the OpenAPI document that TokenGuard takes a
// bearer token.
func (g *TokenGuard) SecurityScheme() core.SecurityScheme {
	return core.SecurityScheme{Key: "bearer", Type: "http", Scheme: "bearer"}
}

// NewsController is the README's documented stream.
type NewsController struct{ Hub *sse.Hub }

// NewNewsController is DocumentedModule's controller constructor.
func NewNewsController(hub *sse.Hub) *NewsController { return &NewsController{Hub: hub} }

// Stream streams the news.
func (c *NewsController) Stream(ctx core.Context) (<-chan sse.Message, error) {
	return c.Hub.Subscribe(ctx.Request().Context(), "news", sse.LastEventID(ctx.Request()))
}

// Routes declares the documented stream.
func (c *NewsController) Routes(r *core.Routes) {
	// readme:begin openapi-events
	r.SSE("/news", c.Stream).
		Summary("Stream the news").
		Events(core.Event[NewsItem]("published"), core.Event[NewsGone]("withdrawn"))
	// readme:end
}

// DocumentedApp is the README's app with its OpenAPI document.
func DocumentedApp() (*core.App, error) {
	root := &module.Module{Name: "news", Providers: []any{sse.NewHub}, Controllers: []any{NewNewsController}}
	// readme:begin openapi
	app, err := core.New(root, openapi.With(openapi.Config{
		Title:   "News",
		Version: "1.0.0",
	})) // serves /openapi.json and a docs page at /docs
	// readme:end
	return app, err
}
