package bench_test

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/godanet/godanet/bench/internal/restapi"
	"github.com/godanet/godanet/bench/internal/startupapi"
	"github.com/godanet/godanet/core"
)

// BenchmarkStartup measures start-up with N routes, each with its own
// input type, as a large API has: core.New (module graph, controller,
// handler plans, validation tags, echo routes) against a hand-written echo
// app registering the same N routes with e.Add (echo.New, one validator,
// N handlers that bind and validate). Issue 10: start-up must grow in
// proportion to the number of routes, so ns/route should stay flat from
// 100 to 10,000 routes.
//
// The routes are made once per size (startupapi.Routes), outside the
// timer. The App logs to a discarding logger: the default logger writes
// one line per route mapped, which would time the log's sink. Where one
// operation takes longer than -benchtime (10,000 routes), it runs once.
func BenchmarkStartup(b *testing.B) {
	logger := slog.New(slog.DiscardHandler)
	for _, n := range []int{100, 1000, 10000} {
		routes := startupapi.Routes(n)
		b.Run(fmt.Sprintf("routes=%d", n), func(b *testing.B) {
			b.Run("echo", func(b *testing.B) {
				b.ReportAllocs()
				stop := cpuClock(b)
				for b.Loop() {
					startupapi.Echo(routes)
				}
				stop()
				reportPerRoute(b, n)
			})
			b.Run("godanet", func(b *testing.B) {
				b.ReportAllocs()
				stop := cpuClock(b)
				for b.Loop() {
					if _, err := startupapi.Godanet(routes, core.WithLogger(logger)); err != nil {
						b.Fatal(err)
					}
				}
				stop()
				reportPerRoute(b, n)
			})
		})
	}
}

// reportPerRoute reports the wall time per operation and route, ns/route.
func reportPerRoute(b *testing.B, routes int) {
	if b.N > 0 {
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(routes), "ns/route")
	}
}

// TestStartupRoutes checks the generated apps, which BenchmarkStartup
// builds but never calls: with 100 routes, distinct input types, both
// answer a route in the middle as restapi's route does, reject an invalid
// input with a 400, and answer 404 where no route is; godanet maps every
// route.
func TestStartupRoutes(t *testing.T) {
	const n = 100
	routes := startupapi.Routes(n)
	types := map[reflect.Type]bool{}
	for _, rt := range routes {
		types[rt.In] = true
	}
	if len(types) != n {
		t.Fatalf("%d routes have %d distinct input types, want %d", n, len(types), n)
	}
	app, err := startupapi.Godanet(routes, core.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatal(err)
	}
	if got := len(app.Routes()); got != n {
		t.Errorf("godanet mapped %d routes, want %d", got, n)
	}
	route := strings.Replace(startupapi.Path(57), ":id", "", 1)
	for _, v := range []struct {
		name string
		h    http.Handler
	}{{"echo", startupapi.Echo(routes)}, {"godanet", app.Handler()}} {
		for _, tc := range []struct {
			target     string
			wantStatus int
			want       string
		}{
			{route + "42?notify=true", restapi.WantStatus, restapi.Want},
			{route + "0?notify=true", http.StatusBadRequest, ""},
			{strings.Replace(startupapi.Path(n), ":id", "42", 1), http.StatusNotFound, ""},
		} {
			req := httptest.NewRequest(restapi.Method, tc.target, strings.NewReader(restapi.Body))
			req.Header.Set("Content-Type", restapi.ContentType)
			rec := httptest.NewRecorder()
			v.h.ServeHTTP(rec, req)
			if rec.Code != tc.wantStatus || tc.want != "" && rec.Body.String() != tc.want {
				t.Errorf("%s, %s %s: answered %d: %q\nwant %d: %q", v.name, restapi.Method, tc.target, rec.Code, rec.Body, tc.wantStatus, tc.want)
			}
		}
	}
}
