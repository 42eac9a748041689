package swaggerui

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

// get sends one request to h and returns the response and its body.
func get(t *testing.T, h http.Handler, method, target string, header ...string) (*http.Response, string) {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	res := rec.Result()
	body, _ := io.ReadAll(res.Body)
	return res, string(body)
}

var linkPattern = regexp.MustCompile(`(?:src|href)="([^"]+)"`)

// links returns the URLs the page loads, in order.
func links(page string) []string {
	var urls []string
	for _, m := range linkPattern.FindAllStringSubmatch(page, -1) {
		urls = append(urls, strings.ReplaceAll(m[1], "&amp;", "&"))
	}
	return urls
}

func TestPage(t *testing.T) {
	h := Handler("/docs", "/openapi.json", "Todo API")
	res, page := get(t, h, "GET", "/docs")
	if res.StatusCode != 200 {
		t.Fatalf("GET /docs: %d", res.StatusCode)
	}
	for header, want := range map[string]string{
		"Content-Type":           "text/html; charset=utf-8",
		"Cache-Control":          "no-cache",
		"X-Content-Type-Options": "nosniff",
		"Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; " +
			"img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'self'",
	} {
		if got := res.Header.Get(header); got != want {
			t.Errorf("%s: %q, want %q", header, got, want)
		}
	}
	if !strings.Contains(page, "<title>Todo API</title>") || !strings.Contains(page, `data-url="/openapi.json"`) {
		t.Errorf("the page does not show the title and the document's URL:\n%s", page)
	}
	if strings.Contains(page, "<script>") || strings.Contains(page, "style=") {
		t.Errorf("the page has inline script or style, which its CSP forbids:\n%s", page)
	}

	// Every link is an asset under the prefix, with its version, and is
	// served as immutable.
	urls := links(page)
	if want := []string{"swagger-ui.css", "favicon-32x32.png", "swagger-ui-bundle.js", "init.js"}; len(urls) != len(want) {
		t.Fatalf("the page links %q, want the assets %q", urls, want)
	}
	for _, u := range urls {
		if !strings.HasPrefix(u, "/docs/") || !strings.Contains(u, "?v=") {
			t.Errorf("link %q is not a versioned asset under /docs/", u)
			continue
		}
		res, body := get(t, h, "GET", u)
		if res.StatusCode != 200 || body == "" {
			t.Errorf("GET %s: %d, %d bytes", u, res.StatusCode, len(body))
		}
		if got := res.Header.Get("Cache-Control"); got != "public, max-age=31536000, immutable" {
			t.Errorf("GET %s: Cache-Control %q, want immutable", u, got)
		}
	}
}

func TestPageEscapes(t *testing.T) {
	h := Handler("/docs", `/openapi.json?a=1&b="><script>alert(1)</script>`, `</title><script>alert(2)</script>`)
	_, page := get(t, h, "GET", "/docs")
	if strings.Contains(page, "<script>alert") {
		t.Fatalf("the page lets markup through:\n%s", page)
	}
	if !strings.Contains(page, `<title>&lt;/title&gt;&lt;script&gt;alert(2)&lt;/script&gt;</title>`) {
		t.Errorf("the title is not escaped as text:\n%s", page)
	}
	if !strings.Contains(page, `data-url="/openapi.json?a=1&amp;b=%22%3e%3cscript%3ealert%281%29%3c/script%3e"`) {
		t.Errorf("the document's URL is not escaped as a URL attribute:\n%s", page)
	}

	// A URL that would run script is refused, not linked.
	_, page = get(t, Handler("/docs", "javascript:alert(3)", "x"), "GET", "/docs")
	if strings.Contains(page, "javascript:") {
		t.Errorf("the page links a javascript: URL:\n%s", page)
	}
}

func TestCSPAllowsAnAbsoluteDocument(t *testing.T) {
	res, _ := get(t, Handler("/docs", "https://192.0.2.1:8443/v1/openapi.json", "x"), "GET", "/docs")
	if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "connect-src 'self' https://192.0.2.1:8443;") {
		t.Errorf("CSP %q does not let the page fetch the document from its origin", csp)
	}
}

func TestAssets(t *testing.T) {
	h := Handler("/docs", "/openapi.json", "x")
	for _, tt := range []struct{ name, contentType, start string }{
		{"swagger-ui-bundle.js", "text/javascript; charset=utf-8", "/*! For license information"},
		{"swagger-ui.css", "text/css; charset=utf-8", ".swagger-ui"},
		{"init.js", "text/javascript; charset=utf-8", "// Starts Swagger UI"},
		{"favicon-32x32.png", "image/png", "\x89PNG"},
		{"LICENSE", "text/plain; charset=utf-8", ""},
		{"NOTICE", "text/plain; charset=utf-8", "swagger-ui"},
		{"swagger-ui-bundle.js.LICENSE.txt", "text/plain; charset=utf-8", "/*!"},
	} {
		res, body := get(t, h, "GET", "/docs/"+tt.name)
		if res.StatusCode != 200 || !strings.HasPrefix(body, tt.start) {
			t.Errorf("GET /docs/%s: %d, starting %.30q; want 200 starting %q", tt.name, res.StatusCode, body, tt.start)
		}
		if got := res.Header.Get("Content-Type"); got != tt.contentType {
			t.Errorf("GET /docs/%s: Content-Type %q, want %q", tt.name, got, tt.contentType)
		}
		if got := res.Header.Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("GET /docs/%s: X-Content-Type-Options %q", tt.name, got)
		}
		// Without its version the URL may name other content tomorrow.
		if got := res.Header.Get("Cache-Control"); got != "no-cache" {
			t.Errorf("GET /docs/%s without ?v=: Cache-Control %q, want no-cache", tt.name, got)
		}
	}
	for name, a := range loadAssets() {
		if a.contentType == "" {
			t.Errorf("asset %s has no Content-Type; add its extension to contentTypes", name)
		}
	}
}

// The bundle is the release Version names, so the README, update.sh and
// the files cannot drift apart.
func TestVersion(t *testing.T) {
	if !bytes.Contains(loadAssets()["swagger-ui-bundle.js"].body, []byte(`PACKAGE_VERSION:"`+Version+`"`)) {
		t.Errorf("dist/swagger-ui-bundle.js is not swagger-ui-dist %s; run update.sh", Version)
	}
}

func TestConditionalGet(t *testing.T) {
	h := Handler("/docs", "/openapi.json", "x")
	res, _ := get(t, h, "GET", "/docs/swagger-ui.css")
	etag := res.Header.Get("ETag")
	if etag == "" {
		t.Fatal("no ETag")
	}
	if res, body := get(t, h, "GET", "/docs/swagger-ui.css", "If-None-Match", etag); res.StatusCode != 304 || body != "" {
		t.Errorf("GET with If-None-Match: %d, %d bytes; want 304 and no body", res.StatusCode, len(body))
	}
}

func TestHead(t *testing.T) {
	h := Handler("/docs", "/openapi.json", "x")
	for _, target := range []string{"/docs", "/docs/swagger-ui-bundle.js"} {
		full, body := get(t, h, "GET", target)
		res, none := get(t, h, "HEAD", target)
		if res.StatusCode != 200 || none != "" {
			t.Errorf("HEAD %s: %d with %d bytes of body", target, res.StatusCode, len(none))
		}
		if got, want := res.Header.Get("Content-Length"), full.Header.Get("Content-Length"); got != want || want == "" {
			t.Errorf("HEAD %s: Content-Length %q, GET's %q (%d bytes)", target, got, want, len(body))
		}
		if got, want := res.Header.Get("Content-Type"), full.Header.Get("Content-Type"); got != want {
			t.Errorf("HEAD %s: Content-Type %q, GET's %q", target, got, want)
		}
	}
}

func TestMethodNotAllowed(t *testing.T) {
	h := Handler("/docs", "/openapi.json", "x")
	for _, target := range []string{"/docs", "/docs/", "/docs/init.js"} {
		for _, method := range []string{"POST", "PUT", "DELETE", "PATCH", "OPTIONS"} {
			res, _ := get(t, h, method, target)
			if res.StatusCode != 405 || res.Header.Get("Allow") != "GET, HEAD" {
				t.Errorf("%s %s: %d, Allow %q; want 405, Allow \"GET, HEAD\"", method, target, res.StatusCode, res.Header.Get("Allow"))
			}
		}
	}
}

func TestNotFound(t *testing.T) {
	h := Handler("/docs", "/openapi.json", "x")
	for _, target := range []string{
		"/docs/nope.js",
		"/docs/dist/swagger-ui.css",      // assets are flat
		"/docs/swagger-ui-bundle.js.map", // not vendored
		"/docs/index.html",
		"/docs/init.js/",
		"/docsx",
		"/other",
		"/",
	} {
		for _, method := range []string{"GET", "POST"} {
			if res, _ := get(t, h, method, target); res.StatusCode != 404 {
				t.Errorf("%s %s: %d, want 404", method, target, res.StatusCode)
			}
		}
	}
}

func TestTrailingSlash(t *testing.T) {
	for _, prefix := range []string{"/docs", "/docs/"} {
		h := Handler(prefix, "/openapi.json", "x")
		res, _ := get(t, h, "GET", "/docs/?x=1")
		if res.StatusCode != http.StatusMovedPermanently || res.Header.Get("Location") != "/docs?x=1" {
			t.Errorf("Handler(%q): GET /docs/?x=1: %d to %q; want 301 to /docs?x=1", prefix, res.StatusCode, res.Header.Get("Location"))
		}
		if res, _ := get(t, h, "GET", "/docs"); res.StatusCode != 200 {
			t.Errorf("Handler(%q): GET /docs: %d", prefix, res.StatusCode)
		}
	}
}

func TestRootPrefix(t *testing.T) {
	h := Handler("/", "/openapi.json", "x")
	res, page := get(t, h, "GET", "/")
	if res.StatusCode != 200 || !strings.Contains(page, `src="/init.js?v=`) {
		t.Fatalf("GET /: %d\n%s", res.StatusCode, page)
	}
	if res, _ := get(t, h, "GET", "/init.js"); res.StatusCode != 200 {
		t.Errorf("GET /init.js: %d", res.StatusCode)
	}
}

func TestHandlerPanics(t *testing.T) {
	for _, tt := range []struct{ prefix, specURL, want string }{
		{"docs", "/openapi.json", `prefix "docs" must start with "/"`},
		{"", "/openapi.json", `prefix "" must start with "/"`},
		{"/docs", "", "specURL is empty"},
	} {
		func() {
			defer func() {
				msg, _ := recover().(string)
				if !strings.Contains(msg, tt.want) {
					t.Errorf("Handler(%q, %q) panicked with %q, want %q", tt.prefix, tt.specURL, msg, tt.want)
				}
			}()
			Handler(tt.prefix, tt.specURL, "x")
		}()
	}
}
