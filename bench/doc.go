// Package bench measures godanet next to the code its users would write
// instead: a hand-written echo v4 handler, huma v2 on its echo adapter,
// and github.com/tmaxmax/go-sse, in one run on one machine.
//
// It is a separate module, so that the peer libraries never enter
// godanet's own go.mod. The benchmarks are in this package's tests:
//
//   - rest_test.go: one typed REST route (path parameter, query parameter,
//     JSON body, validation, JSON response) in godanet, echo and huma;
//   - sse_event_test.go: writing one event through each SSE library;
//   - fanout_test.go: one publish to 1,000 and 10,000 subscribers through
//     godanet's Hub and go-sse's default provider, Joe.
//
// Two commands measure whole servers over loopback: cmd/restload
// (requests per second) and cmd/sseload (many concurrent event streams).
// README.md says how to run each part and records the latest results.
package bench
