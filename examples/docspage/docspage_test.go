package docspage_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/godanet/godanet/openapi/swaggerui"
)

// document is a small OpenAPI 3.1 document with two operations.
const document = `{
  "openapi": "3.1.0",
  "info": {"title": "Test API", "version": "1.0.0", "description": "A *small* API with **two** operations and bearer auth."},
  "security": [{"bearer": []}],
  "paths": {
    "/todos": {
      "get": {
        "operationId": "listTodos",
        "summary": "List the todos",
        "responses": {
          "200": {
            "description": "The todos",
            "content": {"application/json": {"schema": {"type": "array", "items": {"$ref": "#/components/schemas/Todo"}}}}
          }
        }
      },
      "post": {
        "operationId": "createTodo",
        "summary": "Create a todo",
        "requestBody": {
          "required": true,
          "content": {"application/json": {"schema": {
            "type": "object",
            "required": ["title"],
            "properties": {"title": {"type": "string", "minLength": 1}}
          }}}
        },
        "responses": {
          "201": {
            "description": "The new todo",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Todo"}}}
          }
        }
      }
    }
  },
  "components": {
    "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
    "schemas": {
      "Todo": {
        "type": "object",
        "required": ["id", "title", "done"],
        "properties": {
          "id": {"type": "integer"},
          "title": {"type": "string"},
          "done": {"type": "boolean"}
        }
      }
    }
  }
}`

// findChromium returns the system's Chromium, or "" when there is none.
func findChromium() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	return ""
}

// newBrowser starts headless Chromium for the test, stopped when the test
// ends, and returns its context. Without Chromium it skips the test, or
// fails it when REQUIRE_BROWSER=1.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	chrome := findChromium()
	if chrome == "" {
		if os.Getenv("REQUIRE_BROWSER") == "1" {
			t.Fatal("REQUIRE_BROWSER=1 but no Chromium was found; install it with: apt-get install -y chromium")
		}
		t.Skip("no Chromium found: install it (apt-get install -y chromium) to run the browser test; REQUIRE_BROWSER=1 makes this skip a failure")
	}
	allocator, cancelAllocator := chromedp.NewExecAllocator(context.Background(), append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chrome),
		chromedp.NoSandbox, // Chromium refuses to run as root with its sandbox
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true), // the page must work offline
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1200, 900),
	)...)
	t.Cleanup(cancelAllocator)
	browser, cancelBrowser := chromedp.NewContext(allocator)
	t.Cleanup(cancelBrowser)
	// The first call starts the browser and must not carry a timeout: a
	// timeout there would stop the whole browser. Later steps get one.
	if err := chromedp.Do(browser); err != nil {
		t.Fatalf("starting %s: %v", chrome, err)
	}
	return browser
}

// newServer serves the docs page at /docs, the document at /openapi.json,
// and the document's two operations, which want the bearer token
// "docs-token", so that the page can try them. It records the requests the
// browser sends.
func newServer(t *testing.T) (srv *httptest.Server, requested func() []string) {
	t.Helper()
	var mu sync.Mutex
	var paths []string
	docs := swaggerui.Handler("/docs", "/openapi.json", "Test API")
	mux := http.NewServeMux()
	mux.Handle("/docs", docs)
	mux.Handle("/docs/", docs)
	mux.HandleFunc("GET /openapi.json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(document))
	})
	mux.HandleFunc("GET /todos", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode([]map[string]any{{"id": 1, "title": "tried from the docs", "done": false}})
	})
	mux.HandleFunc("POST /todos", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Title string `json:"title"`
		}
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil || r.Header.Get("Content-Type") != "application/json" {
			http.Error(w, "want a JSON body", http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		_ = json.NewEncoder(w).Encode(map[string]any{"id": 2, "title": in.Title, "done": false})
	})
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		paths = append(paths, r.Method+" "+r.URL.Path)
		mu.Unlock()
		if strings.HasPrefix(r.URL.Path, "/todos") && r.Header.Get("Authorization") != "Bearer docs-token" {
			http.Error(w, "want the bearer token the reader gave", http.StatusUnauthorized)
			return
		}
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(paths)
	}
}

// recordViolations makes every document the tab opens keep its
// Content-Security-Policy violations in window.cspViolations.
func recordViolations(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
	_, err := cdp.Call(ctx, t, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{
		Source: `window.cspViolations = [];
document.addEventListener('securitypolicyviolation', e =>
  window.cspViolations.push(e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline') + ' at ' + e.sourceFile + ':' + e.lineNumber));`,
	})
	return chromedp.Void{}, err
}

// TestDocsPage opens the docs page in headless Chromium, waits until it
// lists both operations of the document, authorizes, runs both with
// "Execute", opens a schema, and checks that nothing broke the page's
// Content-Security-Policy or wrote an error to the console, and that the
// page, its assets, the document and the tries all went to its own server.
func TestDocsPage(t *testing.T) {
	browser := newBrowser(t)
	srv, requested := newServer(t)

	tab, cancelTab := chromedp.NewContext(browser)
	defer cancelTab()
	if err := chromedp.Do(tab, recordViolations); err != nil {
		t.Fatal(err)
	}

	// Collect the console from before the page opens.
	var mu sync.Mutex
	var console []chromedp.ConsoleMessage
	consoleCtx, stopConsole := context.WithCancel(tab)
	defer stopConsole()
	messages := chromedp.Console(consoleCtx)
	consoleDone := make(chan struct{})
	go func() {
		defer close(consoleDone)
		for m, err := range messages {
			if err != nil {
				return
			}
			mu.Lock()
			console = append(console, m)
			mu.Unlock()
		}
	}()

	ctx, cancel := context.WithTimeout(tab, 30*time.Second)
	defer cancel()

	// Poll until Swagger UI has rendered both operations, as "METHOD path
	// summary" lines.
	const listed = `(() => {
  const ops = [...document.querySelectorAll('#swagger-ui .opblock')].map(op =>
    [op.querySelector('.opblock-summary-method'), op.querySelector('.opblock-summary-path'), op.querySelector('.opblock-summary-description')]
      .map(e => e ? e.textContent.trim() : '?').join(' '));
  return ops.length >= 2 ? ops : null;
})()`
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/docs")); err != nil {
		t.Fatalf("opening /docs: %v", err)
	}
	ops, err := chromedp.Run(ctx, chromedp.Poll[[]string](listed))
	if err != nil {
		t.Fatalf("waiting for the page to list the operations: %v", err)
	}
	if want := []string{"GET /todos List the todos", "POST /todos Create a todo"}; !slices.Equal(ops, want) {
		t.Errorf("the page lists %q, want %q", ops, want)
	}
	title, err := chromedp.Run(ctx, chromedp.Title())
	if err != nil || title != "Test API" {
		t.Errorf("the page's title is %q (%v), want %q", title, err, "Test API")
	}

	// Authorize, so that the tries below send a bearer token.
	if err := chromedp.Do(ctx,
		chromedp.Click(`.auth-wrapper button.authorize`),
		chromedp.WaitVisible(`.dialog-ux .modal-ux input[type=text]`),
		chromedp.SendKeys(`.dialog-ux .modal-ux input[type=text]`, "docs-token"),
		chromedp.Click(`.dialog-ux .modal-ux button.authorize`),
		chromedp.Click(`.dialog-ux .modal-ux button.btn-done`),
		chromedp.WaitNotPresent(`.dialog-ux`),
	); err != nil {
		t.Fatalf("authorizing from the page: %v", err)
	}

	// Try both operations as a reader would: open one (tryItOutEnabled
	// makes it ready to run, with the example body for POST), press
	// Execute, and read the live response.
	try := func(opID, method, path, wantStatus, wantBody string) {
		t.Helper()
		op := `#operations-default-` + opID
		live := op + ` .live-responses-table tr.response`
		if err := chromedp.Do(ctx,
			chromedp.Click(op+` .opblock-summary-control`),
			chromedp.WaitVisible(op+` button.execute`),
			// Swagger UI resolves an operation's $refs when it opens, and
			// Execute fails with OperationNotFoundError until it has.
			func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
				_, err := chromedp.Poll[bool](fmt.Sprintf(`window.ui.specSelectors.specResolvedSubtree(['paths', %q, %q]) != null`, path, strings.ToLower(method)))(ctx, t)
				return chromedp.Void{}, err
			},
			chromedp.Click(op+` button.execute`),
			chromedp.WaitVisible(live+` .response-col_status`),
		); err != nil {
			mu.Lock()
			defer mu.Unlock()
			t.Fatalf("trying %s %s from the page: %v; the server saw %q; the console said %q", method, path, err, requested(), console)
		}
		status, err := chromedp.Run(ctx, chromedp.Text(live+` .response-col_status`))
		if err != nil || strings.TrimSpace(status) != wantStatus {
			t.Errorf("the page shows status %q (%v) for %s %s, want %s", status, err, method, path, wantStatus)
		}
		body, err := chromedp.Run(ctx, chromedp.Text(live+` .response-col_description`))
		if err != nil || !strings.Contains(body, wantBody) {
			t.Errorf("the page shows the response %q (%v) for %s %s, want one with %q", body, err, method, path, wantBody)
		}
	}
	try("listTodos", "GET", "/todos", "200", "tried from the docs")
	try("createTodo", "POST", "/todos", "201", `"title": "string"`) // the server echoes the example body

	// Open the Todo schema too, to its properties.
	if err := chromedp.Do(ctx,
		chromedp.Click(`section.models button.json-schema-2020-12-expand-deep-button`),
		func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
			_, err := chromedp.Poll[bool](`(() => {
  const body = document.querySelector('section.models .json-schema-2020-12-body:not(.json-schema-2020-12-body--collapsed)');
  return body != null && ['id', 'title', 'done'].every(p => body.textContent.includes(p));
})()`)(ctx, t)
			return chromedp.Void{}, err
		},
	); err != nil {
		html, _ := chromedp.Run(tab, chromedp.OuterHTML(`section.models`))
		t.Fatalf("opening the Todo schema: %v\n%s", err, html)
	}

	violations, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`window.cspViolations`))
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range violations {
		t.Errorf("Content-Security-Policy violation: %s", v)
	}

	// The console has had what it will say; stop and read it.
	stopConsole()
	<-consoleDone
	mu.Lock()
	defer mu.Unlock()
	for _, m := range console {
		switch {
		case m.Type == chromedp.ConsoleError || m.IsException():
			t.Errorf("console %s (%s:%d)", m, m.URL, m.Line)
		default:
			t.Logf("console %s", m)
		}
	}

	// Everything came from this server: the page, its assets, the
	// document, and the request the page tried.
	got := requested()
	for _, want := range []string{"GET /docs", "GET /docs/swagger-ui.css", "GET /docs/swagger-ui-bundle.js", "GET /docs/init.js", "GET /openapi.json", "GET /todos", "POST /todos"} {
		if !slices.Contains(got, want) {
			t.Errorf("the server saw no %s; it saw %q", want, got)
		}
	}
}
