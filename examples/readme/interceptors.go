package readme

import (
	"log/slog"
	"time"

	"github.com/godanet/godanet/core"
	"github.com/godanet/godanet/module"
	"github.com/godanet/godanet/sse"
)

// NewTiming is the constructor DI calls for core.WithInterceptor[*Timing].
func NewTiming(log *slog.Logger) *Timing { return &Timing{Log: log} }

// InterceptedModule serves the README's interceptors: Timing on every
// route (built by DI), StaffOnly on a stream.
func InterceptedModule(log *slog.Logger) *module.Module {
	return &module.Module{
		Name:        "intercepted",
		Providers:   []any{module.Value(log), NewTiming, sse.NewHub},
		Controllers: []any{NewBoardController},
	}
}

// BoardController has one REST route and one stream, for the README's
// interceptors to wrap.
type BoardController struct{ Hub *sse.Hub }

// NewBoardController is InterceptedModule's controller constructor.
func NewBoardController(hub *sse.Hub) *BoardController { return &BoardController{Hub: hub} }

// Routes declares the board's routes, the stream with its interceptor.
func (b *BoardController) Routes(r *core.Routes) {
	r.GET("/board", b.Read)
	r.SSE("/board/events", b.Events).Intercept(core.InterceptorFunc(StaffOnly))
}

// Read answers the board's text.
func (b *BoardController) Read(core.Context) (string, error) { return "hello", nil }

// Events streams the board's changes.
func (b *BoardController) Events(c core.Context) (<-chan sse.Message, error) {
	return b.Hub.Subscribe(c.Request().Context(), "board", sse.LastEventID(c.Request()))
}

// readme:begin interceptors

// Timing logs how long each handler took. core.WithInterceptor[*Timing]() has DI build it.
type Timing struct{ Log *slog.Logger }

func (t *Timing) Intercept(c core.Context, in any, next core.Next) (any, error) {
	start := time.Now()
	result, err := next() // the next interceptor, or the handler
	t.Log.Info("handled", "route", c.Path(), "took", time.Since(start), "error", err)
	return result, err
}

// StaffOnly wraps an SSE route's channel, dropping the events meant for staff.
func StaffOnly(c core.Context, in any, next core.Next) (any, error) {
	events, err := next()
	if err != nil {
		return nil, err
	}
	return sse.Map(c.Request().Context(), events.(<-chan sse.Message), func(m sse.Message) (sse.Message, bool) {
		return m, m.Event != "staff"
	}), nil
}

// readme:end
