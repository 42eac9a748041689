package main

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// tabStepWait bounds each step in a tab: a timeout on a tab's context
// would close the tab, so each step gets one of its own, and a change that
// never shows fails soon.
const tabStepWait = 15 * time.Second

// TestBrowserTabsOnTwoInstances opens the page in two tabs, one on each
// of two instances on one Redis, as README describes: a todo added, ticked
// or deleted in one tab shows so in the other at once, without a reload.
func TestBrowserTabsOnTwoInstances(t *testing.T) {
	browser := newBrowser(t)
	c := startTwo(t)

	ctxA, ctxB := browser, newTab(t, browser)
	tabs := []struct {
		name string
		ctx  context.Context
		on   *instance
	}{{"tab A", ctxA, c.a}, {"tab B", ctxB, c.b}}
	run := func(tab context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		ctx, cancel := context.WithTimeout(tab, tabStepWait)
		defer cancel()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v\ntab A: %s\ntab B: %s", what, err, pageState(ctxA), pageState(ctxB))
		}
	}

	for _, tab := range tabs {
		run(tab.ctx, "open the page of "+tab.on.name+" in "+tab.name,
			chromedp.Navigate(tab.on.url+"/"),
			chromedp.WaitVisible(`#status[data-state="live"]`),
			chromedp.SetValue(`#token`, testToken),
		)
	}

	run(ctxA, "add a todo in tab A",
		chromedp.SetValue(`#title`, "added in A"),
		chromedp.Click(`#add button`),
		chromedp.WaitVisible(`li[data-id="1"]`),
	)
	run(ctxB, "see it in tab B", chromedp.WaitVisible(`li[data-id="1"]`))
	if title, err := readTab(ctxB, chromedp.Text(`li[data-id="1"] .title`)); err != nil || title != "added in A" {
		t.Fatalf("tab B shows %q (%v); want %q", title, err, "added in A")
	}

	run(ctxB, "tick it in tab B",
		chromedp.Click(`li[data-id="1"] input.toggle`),
		chromedp.WaitVisible(`li[data-id="1"].done`),
	)
	run(ctxA, "see it ticked in tab A", chromedp.WaitVisible(`li[data-id="1"].done`))

	run(ctxB, "add a todo in tab B",
		chromedp.SetValue(`#title`, "added in B"),
		chromedp.Click(`#add button`),
		chromedp.WaitVisible(`li[data-id="2"]`),
	)
	run(ctxA, "see it in tab A", chromedp.WaitVisible(`li[data-id="2"]`))

	run(ctxA, "delete it in tab A",
		chromedp.Click(`li[data-id="2"] button.delete`),
		chromedp.WaitNotPresent(`li[data-id="2"]`),
	)
	run(ctxB, "see it gone from tab B", chromedp.WaitNotPresent(`li[data-id="2"]`))

	for _, tab := range tabs {
		snapshots, err := readTab(tab.ctx, chromedp.AttributeValue(`body`, "data-snapshots"))
		if err != nil || snapshots.Value != "1" {
			t.Fatalf("%s loaded the list %q times (%v); every change must come from the stream, not a reload", tab.name, snapshots.Value, err)
		}
		if n, err := readTab(tab.ctx, chromedp.Evaluate[int](`document.querySelectorAll("#list li").length`)); err != nil || n != 1 {
			t.Fatalf("%s shows %d todos (%v); want 1", tab.name, n, err)
		}
	}
	for _, i := range []*instance{c.a, c.b} {
		mustJSON(t, "GET /todos on "+i.name, i.must(t, call{"GET", "/todos", "", false}, 200).body, `[{"id":1,"title":"added in A","done":true}]`)
	}
}

// newTab opens another tab in the browser, closed when the test ends.
func newTab(t *testing.T, browser context.Context) context.Context {
	t.Helper()
	tab, closeTab := chromedp.NewContext(browser)
	t.Cleanup(closeTab)
	// The first call opens the tab and must not carry a timeout: the tab
	// would stop working when it passed.
	if err := chromedp.Do(tab); err != nil {
		t.Fatalf("opening a tab: %v", err)
	}
	return tab
}

// readTab runs a browser action that returns a value, with a deadline of its
// own (a timeout on a tab's context would close the tab).
func readTab[T any](tab context.Context, action chromedp.Action[T]) (T, error) {
	ctx, cancel := context.WithTimeout(tab, tabStepWait)
	defer cancel()
	return chromedp.Run(ctx, action)
}

// pageState describes what a tab shows, for a failure's message.
func pageState(tab context.Context) string {
	state, err := readTab(tab, chromedp.Evaluate[string](`JSON.stringify({
		status: document.getElementById("status").dataset.state,
		message: document.getElementById("message").textContent,
		snapshots: document.body.dataset.snapshots,
		list: [...document.querySelectorAll("#list li")].map((li) => li.dataset.id + (li.classList.contains("done") ? " done: " : ": ") + li.textContent),
		visibility: document.visibilityState,
	})`))
	if err != nil {
		return fmt.Sprintf("(cannot read the page: %v)", err)
	}
	return state
}
