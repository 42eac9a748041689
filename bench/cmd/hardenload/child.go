package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// serveApp is the child process. It serves the app as App.Listen would,
// with App.Start, prints "listening ADDR" (what proc.StartChild waits for),
// and on SIGTERM or SIGINT shuts the app down within timeout, timing
// App.Shutdown itself. When report is set, it writes there the time
// Shutdown took, in nanoseconds, and its error, if any: the parent reads
// it, since proc.StartChild discards the child's later output.
func serveApp(addr, report string, timeout time.Duration) error {
	// Caught before the port opens, as App.Listen does.
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	app, err := newApp()
	if err != nil {
		return err
	}
	if err := app.Start(addr); err != nil {
		return err
	}
	fmt.Printf("listening %s\n", app.Addr())
	<-signals
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	start := time.Now()
	err = app.Shutdown(ctx)
	took := time.Since(start)
	if report != "" {
		line := strconv.FormatInt(took.Nanoseconds(), 10)
		if err != nil {
			line += " " + err.Error()
		}
		// The error is the parent's to report, in the file.
		return os.WriteFile(report, []byte(line+"\n"), 0o644)
	}
	return err
}

// readReport reads what serveApp wrote: how long Shutdown took, and its
// error.
func readReport(path string) (time.Duration, string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, "", fmt.Errorf("the server wrote no shutdown report: %w", err)
	}
	ns, msg, _ := strings.Cut(strings.TrimSpace(string(b)), " ")
	n, err := strconv.ParseInt(ns, 10, 64)
	if err != nil {
		return 0, "", fmt.Errorf("the server's shutdown report %q: %w", b, err)
	}
	return time.Duration(n), msg, nil
}
