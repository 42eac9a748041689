package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/godanet/godanet/core"
)

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
// ends, and returns its context, whose first tab is open; chromedp.NewContext
// on it opens another. Without Chromium it skips the test, or fails it
// when REQUIRE_BROWSER=1.
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
		chromedp.Flag("disable-background-networking", true), // no internet here
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1200, 800),
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

// TestBrowser drives the page in headless Chromium: it goes live, shows a
// todo created through the API without a reload, toggles one from the page,
// and, after its server stops and todos are created elsewhere, reconnects
// and shows what it missed through Last-Event-ID.
func TestBrowser(t *testing.T) {
	browser := newBrowser(t)

	// Every server below shares one store and one Hub, as the instances of
	// one service behind a load balancer would share a database and a broker.
	shared := MemoryBackend()
	start := func(addr string) *core.App {
		t.Helper()
		app, err := newApp(testToken, shared, core.WithLogger(slog.New(slog.DiscardHandler)))
		if err != nil {
			t.Fatal(err)
		}
		if err := app.Start(addr); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = app.Shutdown(context.Background()) })
		return app
	}
	first := start("127.0.0.1:0")
	addr := first.Addr().String()

	ctx, cancel := context.WithTimeout(browser, 90*time.Second)
	defer cancel()

	run := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	read := func(what string, action chromedp.Action[string]) string {
		t.Helper()
		v, err := chromedp.Run(ctx, action)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return v
	}
	api := func(app *core.App, method, path, body string) {
		t.Helper()
		req, _ := http.NewRequest(method, "http://"+app.Addr().String()+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+testToken)
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode >= 300 {
			t.Fatalf("%s %s: %d", method, path, res.StatusCode)
		}
	}
	defer http.DefaultClient.CloseIdleConnections()

	run("open the page",
		chromedp.Navigate("http://"+addr+"/"),
		chromedp.WaitVisible(`#status[data-state="live"]`),
		chromedp.SetValue(`#token`, testToken),
	)

	api(first, "POST", "/todos", `{"title":"created through the API"}`)
	run("see the todo appear without a reload", chromedp.WaitVisible(`li[data-id="1"]`))
	if title := read("read its title", chromedp.Text(`li[data-id="1"] .title`)); title != "created through the API" {
		t.Fatalf("the page shows %q", title)
	}

	run("toggle it from the page",
		chromedp.Click(`li[data-id="1"] input.toggle`),
		chromedp.WaitVisible(`li[data-id="1"].done`),
	)
	if got, err := shared.Todos.Get(context.Background(), 1); err != nil || !got.Done {
		t.Fatalf("after the click the API holds %+v, %v; want done", got, err)
	}

	run("add one from the page's form",
		chromedp.SetValue(`#title`, "typed in the page"),
		chromedp.Click(`#add button`),
		chromedp.WaitVisible(`li[data-id="2"]`),
	)

	// The server goes away; the page notices and keeps trying.
	if err := first.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	run("see the page reconnecting", chromedp.WaitVisible(`#status[data-state="reconnecting"]`))

	// Meanwhile another instance takes writes.
	second := start("127.0.0.1:0")
	api(second, "POST", "/todos", `{"title":"missed one"}`)
	api(second, "POST", "/todos", `{"title":"missed two"}`)
	api(second, "DELETE", "/todos/2", "")

	// The server comes back on the page's address: the page reconnects,
	// sends Last-Event-ID, and the Hub replays what it missed.
	start(addr)
	run("see the missed changes after reconnecting",
		chromedp.WaitVisible(`#status[data-state="live"]`),
		chromedp.WaitVisible(`li[data-id="3"]`),
		chromedp.WaitVisible(`li[data-id="4"]`),
		chromedp.WaitNotPresent(`li[data-id="2"]`),
	)
	snapshots, err := chromedp.Run(ctx, chromedp.AttributeValue(`body`, "data-snapshots"))
	if err != nil || snapshots.Value != "1" {
		t.Fatalf("the page loaded the list %q times (%v); the missed changes must come from the replay, not a reload", snapshots.Value, err)
	}

	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("taking a screenshot: %v", err)
	}
	shot := filepath.Join(os.TempDir(), "godanet-todo-screenshot.png")
	if err := os.WriteFile(shot, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", shot)
	fmt.Fprintf(os.Stderr, "todo browser test: screenshot saved to %s\n", shot)
}
