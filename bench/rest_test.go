package bench_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/godanet/godanet/bench/internal/restapi"
)

// BenchmarkREST serves the same typed route (path parameter, query
// parameter, JSON body, validation, JSON response) through godanet, a
// hand-written echo handler and huma on echo, in the same run. Each
// iteration builds the request and a recorder the same way for every
// variant, so the difference between two lines is the framework's.
//
// On a small or shared machine, -cpu 1 keeps the garbage collector off the
// other core, and the noise below the differences; -count 10 and
// benchstat give the spread.
func BenchmarkREST(b *testing.B) {
	variants := restapi.Variants()
	handlers := make([]http.Handler, len(variants))
	for i, v := range variants {
		h, err := v.New()
		if err != nil {
			b.Fatalf("%s: %v", v.Name, err)
		}
		handlers[i] = h
	}
	// All must give the same answer, or the comparison means nothing.
	for i, v := range variants {
		rec := httptest.NewRecorder()
		handlers[i].ServeHTTP(rec, restapi.NewRequest())
		if rec.Code != restapi.WantStatus || rec.Header().Get("Content-Type") != restapi.ContentType || rec.Body.String() != restapi.Want {
			b.Fatalf("%s answered %d %s: %q\nwant %d %s: %q", v.Name, rec.Code, rec.Header().Get("Content-Type"), rec.Body,
				restapi.WantStatus, restapi.ContentType, restapi.Want)
		}
	}
	for i, v := range variants {
		h := handlers[i]
		b.Run(v.Name, func(b *testing.B) {
			b.ReportAllocs()
			stop := cpuClock(b)
			for b.Loop() {
				h.ServeHTTP(httptest.NewRecorder(), restapi.NewRequest())
			}
			stop()
		})
	}
}

// TestRESTInvalid checks that every variant rejects the same invalid
// inputs with a 4xx, so that none of them is faster for validating less.
func TestRESTInvalid(t *testing.T) {
	cases := []struct{ name, target, body string }{
		{"id not positive", "/items/0?notify=true", restapi.Body},
		{"name missing", restapi.Target, `{"tags":["red"],"price":1}`},
		{"name too long", restapi.Target, `{"name":"` + strings.Repeat("a", 51) + `","tags":[],"price":1}`},
		{"too many tags", restapi.Target, `{"name":"w","tags":["a","b","c","d","e","f"],"price":1}`},
		{"empty tag", restapi.Target, `{"name":"w","tags":["a",""],"price":1}`},
		{"negative price", restapi.Target, `{"name":"w","tags":[],"price":-1}`},
	}
	for _, v := range restapi.Variants() {
		h, err := v.New()
		if err != nil {
			t.Fatalf("%s: %v", v.Name, err)
		}
		for _, tc := range cases {
			req := httptest.NewRequest(restapi.Method, tc.target, strings.NewReader(tc.body))
			req.Header.Set("Content-Type", restapi.ContentType)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code < 400 || rec.Code >= 500 {
				t.Errorf("%s, %s: answered %d, want a 4xx: %s", v.Name, tc.name, rec.Code, rec.Body)
			}
		}
	}
}
