package sse

import "net/http"

// ServeHTTP is Serve under its former name, kept until core/stream.go
// calls Serve; this file is then deleted.
//
// Deprecated: use Serve, which has the same signature.
func ServeHTTP(w http.ResponseWriter, r *http.Request, events <-chan Message, options ...Option) error {
	return Serve(w, r, events, options...)
}
