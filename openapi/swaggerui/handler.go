package swaggerui

import (
	"bytes"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Handler serves the docs page at prefix (e.g. "/docs") and its assets under
// prefix+"/…", for the document at specURL (e.g. "/openapi.json"). title is
// the page's <title>.
//
// prefix+"/" redirects to prefix. The handler expects the request's full
// path, so mount it at prefix and prefix+"/…" without stripping the prefix.
// It panics when prefix does not start with "/" or specURL is empty, as
// http.ServeMux does on a bad pattern: both are mistakes of the program.
func Handler(prefix, specURL, title string) http.Handler {
	if !strings.HasPrefix(prefix, "/") {
		panic("swaggerui: Handler: prefix " + strconv.Quote(prefix) + " must start with \"/\", e.g. \"/docs\"")
	}
	if specURL == "" {
		panic("swaggerui: Handler: specURL is empty; give the document's URL, e.g. \"/openapi.json\"")
	}
	prefix = strings.TrimRight(prefix, "/")
	assets := loadAssets()
	return &handler{
		prefix: prefix,
		assets: assets,
		page:   renderPage(prefix, specURL, title, assets),
		csp:    contentSecurityPolicy(specURL),
	}
}

// handler serves one page and the shared assets.
type handler struct {
	prefix string // without a trailing "/"; "" when the page is at "/"
	assets map[string]*asset
	page   []byte
	csp    string
}

// ServeHTTP serves the page at the prefix and the assets under it.
func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Content-Type-Options", "nosniff")
	p := r.URL.Path
	if p == h.prefix || p == "/" && h.prefix == "" {
		if !allowed(w, r) {
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-cache")
		w.Header().Set("Content-Security-Policy", h.csp)
		w.Header().Set("Referrer-Policy", "same-origin")
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(h.page))
		return
	}
	rest, ok := strings.CutPrefix(p, h.prefix+"/")
	if !ok {
		http.NotFound(w, r)
		return
	}
	if rest == "" {
		if !allowed(w, r) {
			return
		}
		target := h.prefix
		if r.URL.RawQuery != "" {
			target += "?" + r.URL.RawQuery
		}
		http.Redirect(w, r, target, http.StatusMovedPermanently)
		return
	}
	a := h.assets[rest]
	if a == nil {
		http.NotFound(w, r)
		return
	}
	if !allowed(w, r) {
		return
	}
	w.Header().Set("Content-Type", a.contentType)
	w.Header().Set("ETag", `"`+a.version+`"`)
	if r.URL.Query().Get("v") == a.version {
		// The URL names this exact content: it can never change.
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		w.Header().Set("Cache-Control", "no-cache")
	}
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(a.body))
}

// allowed reports whether r's method is GET or HEAD, and answers 405 with
// Allow when it is not.
func allowed(w http.ResponseWriter, r *http.Request) bool {
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		return true
	}
	w.Header().Set("Allow", "GET, HEAD")
	http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
	return false
}
