package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/godanet/godanet/core"
)

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

// TestDocsPage opens the app's docs page in headless Chromium, checks
// that it lists the todo operations of the app's own document, authorizes
// with the bearer token, creates a todo with "Execute" and lists it, and
// checks that the server holds it, that nothing broke the page's
// Content-Security-Policy or wrote an error to the console, and that every
// request the page made went to the app.
func TestDocsPage(t *testing.T) {
	browser := newBrowser(t)

	app, err := newApp(testToken, MemoryBackend(), core.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatal(err)
	}
	if err := app.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = app.Shutdown(context.Background()) })
	origin := "http://" + app.Addr().String()
	defer http.DefaultClient.CloseIdleConnections()

	tab, cancelTab := chromedp.NewContext(browser)
	defer cancelTab()
	if err := chromedp.Do(tab, recordViolations); err != nil {
		t.Fatal(err)
	}

	// Record every request the tab sends. Listen calls its function before
	// the command that follows the event returns, so the list is complete
	// when the steps below are done.
	var mu sync.Mutex
	var requests []string
	listenCtx, stopListening := context.WithCancel(tab)
	defer stopListening()
	if err := chromedp.Listen(listenCtx, func(ev any) {
		if ev, ok := ev.(*network.EventRequestWillBeSent); ok {
			mu.Lock()
			requests = append(requests, ev.Request.Method+" "+ev.Request.URL)
			mu.Unlock()
		}
	}); err != nil {
		t.Fatal(err)
	}

	// Collect the console from before the page opens.
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
	// seen says what the server was asked and what the console said, for
	// a failure that cuts the test short.
	seen := func() string {
		mu.Lock()
		defer mu.Unlock()
		return fmt.Sprintf("the page requested %q; the console said %q", requests, console)
	}

	ctx, cancel := context.WithTimeout(tab, 60*time.Second)
	defer cancel()

	// Poll until Swagger UI has loaded the document and rendered its
	// operations, as "METHOD path summary" rows.
	const listed = `(() => {
  if (!window.ui || window.ui.specSelectors.loadingStatus() !== 'success') return null;
  const ops = [...document.querySelectorAll('#swagger-ui .opblock')].map(op =>
    [op.querySelector('.opblock-summary-method'), op.querySelector('.opblock-summary-path'), op.querySelector('.opblock-summary-description')]
      .map(e => e ? e.textContent.replace(/\u200b/g, '').trim() : '?').join(' '));
  return ops.length > 0 ? ops : null;
})()`
	if err := chromedp.Do(ctx, chromedp.Navigate(origin+"/docs")); err != nil {
		t.Fatalf("opening /docs: %v", err)
	}
	ops, err := chromedp.Run(ctx, chromedp.Poll[[]string](listed))
	if err != nil {
		t.Fatalf("waiting for the page to list the operations: %v; %s", err, seen())
	}
	want := []string{
		"GET /todos List every todo",
		"POST /todos Create a todo",
		"GET /todos/events Stream every change",
		"GET /todos/{id} Get one todo",
		"PATCH /todos/{id} Change a todo's title or done flag",
		"DELETE /todos/{id} Delete a todo",
		"GET /todos/{id}/events Stream one todo's changes",
	}
	slices.Sort(ops)
	slices.Sort(want)
	if !slices.Equal(ops, want) {
		t.Errorf("the page lists\n\t%s\nwant\n\t%s", strings.Join(ops, "\n\t"), strings.Join(want, "\n\t"))
	}
	title, err := chromedp.Run(ctx, chromedp.Title())
	if err != nil || title != "Todos" {
		t.Errorf("the page's title is %q (%v), want %q", title, err, "Todos")
	}

	// Authorize, so that the tries below send the bearer token.
	if err := chromedp.Do(ctx,
		chromedp.Click(`.auth-wrapper button.authorize`),
		chromedp.WaitVisible(`.dialog-ux .modal-ux input[type=text]`),
		chromedp.SendKeys(`.dialog-ux .modal-ux input[type=text]`, string(testToken)),
		chromedp.Click(`.dialog-ux .modal-ux button.authorize`),
		chromedp.Click(`.dialog-ux .modal-ux button.btn-done`),
		chromedp.WaitNotPresent(`.dialog-ux`),
	); err != nil {
		t.Fatalf("authorizing from the page: %v; %s", err, seen())
	}

	// Try an operation as a reader would: open it, press "Try it out" (the
	// page enables it for every operation, so it may be open already), type
	// the body, press Execute, and read the live response.
	try := func(method, path, body, wantStatus, wantBody string) {
		t.Helper()
		// Swagger UI's id for an operation is made of its tag and
		// operationId, escaped for CSS in the DOM; find it by method and path.
		op, err := chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(`(() => {
  const op = [...document.querySelectorAll('#swagger-ui .opblock.opblock-%s')].find(op =>
    op.querySelector('.opblock-summary-path').getAttribute('data-path') === %q);
  return op ? '#' + CSS.escape(op.id) : '';
})()`, strings.ToLower(method), path)))
		if err != nil || op == "" {
			t.Fatalf("the page has no block for %s %s (%v)", method, path, err)
		}
		live := op + ` .live-responses-table tr.response`
		steps := []chromedp.Action[chromedp.Void]{
			chromedp.Click(op + ` .opblock-summary-control`),
			chromedp.WaitVisible(op + ` .try-out button`),
			chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
				// "Try it out" reads "Cancel" once the operation is ready to run.
				text, err := chromedp.Text(op+` .try-out button`)(ctx, t)
				if err != nil || strings.TrimSpace(text) != "Try it out" {
					return err
				}
				_, err = chromedp.Click(op+` .try-out button`)(ctx, t)
				return err
			}),
			chromedp.WaitVisible(op + ` button.execute`),
		}
		if body != "" {
			// Select the example body and type over it, so that the page
			// sees the keys a reader would press.
			textarea := op + ` textarea.body-param__text`
			steps = append(steps,
				chromedp.WaitVisible(textarea),
				chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
					_, err := chromedp.Evaluate[bool](fmt.Sprintf(`(() => { const e = document.querySelector(%q); e.focus(); e.select(); return true; })()`, textarea))(ctx, t)
					return err
				}),
				chromedp.KeyEvent(body),
				chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
					_, err := chromedp.Poll[bool](fmt.Sprintf(`document.querySelector(%q).value === %q`, textarea, body))(ctx, t)
					return err
				}),
			)
		}
		steps = append(steps,
			// Swagger UI resolves an operation's $refs when it opens, and
			// Execute fails with OperationNotFoundError until it has.
			chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
				_, err := chromedp.Poll[bool](fmt.Sprintf(`window.ui.specSelectors.specResolvedSubtree(['paths', %q, %q]) != null`, path, strings.ToLower(method)))(ctx, t)
				return err
			}),
			chromedp.Click(op+` button.execute`),
			chromedp.WaitVisible(live+` .response-col_status`),
		)
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("trying %s %s from the page: %v; %s", method, path, err, seen())
		}
		status, err := chromedp.Run(ctx, chromedp.Text(live+` .response-col_status`))
		if err != nil || strings.TrimSpace(status) != wantStatus {
			t.Errorf("the page shows status %q (%v) for %s %s, want %s", status, err, method, path, wantStatus)
		}
		shown, err := chromedp.Run(ctx, chromedp.Text(live+` .response-col_description`))
		if err != nil || !strings.Contains(shown, wantBody) {
			t.Errorf("the page shows the response %q (%v) for %s %s, want one with %q", shown, err, method, path, wantBody)
		}
	}
	try("POST", "/todos", `{"title":"tried from the docs"}`, "201", "tried from the docs")
	try("GET", "/todos", "", "200", "tried from the docs")

	// The server has the todo the page created.
	res, err := http.Get(origin + "/todos")
	if err != nil {
		t.Fatal(err)
	}
	var todos []Todo
	err = json.NewDecoder(res.Body).Decode(&todos)
	res.Body.Close()
	if err != nil || len(todos) != 1 || todos[0].Title != "tried from the docs" {
		t.Errorf("GET /todos holds %+v (%v), want the one todo the page created", todos, err)
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
	stopListening()
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

	// Everything came from the app: the page, its assets, the document,
	// and the requests the page tried. A data: URL (Swagger UI's icons)
	// carries its content and goes nowhere.
	var paths []string
	for _, r := range requests {
		method, raw, _ := strings.Cut(r, " ")
		u, err := url.Parse(raw)
		switch {
		case err == nil && u.Scheme == "data":
		case err != nil || u.Scheme+"://"+u.Host != origin:
			t.Errorf("the page requested %s %.80s, outside the app's origin %s", method, raw, origin)
		default:
			paths = append(paths, method+" "+u.Path)
		}
	}
	for _, want := range []string{"GET /docs", "GET /docs/swagger-ui.css", "GET /docs/swagger-ui-bundle.js", "GET /docs/init.js", "GET /openapi.json", "POST /todos", "GET /todos"} {
		if !slices.Contains(paths, want) {
			t.Errorf("the page did not request %s; it requested %q", want, paths)
		}
	}
}
