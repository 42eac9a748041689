package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/godanet/godanet/redisbroker/redistest"
)

// This file runs the example as its users do: built with go build, as
// separate processes, on a real redis-server.

// The example's binary, built once per test run by todoBinary; TestMain
// removes its directory.
var (
	buildOnce sync.Once
	buildDir  string
	buildPath string
	buildErr  error
)

// todoBinary builds the example, with the race detector when the tests
// have it, so that a race in an instance fails its exit (see stop).
func todoBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		goTool, err := exec.LookPath("go")
		if err != nil {
			buildErr = fmt.Errorf("the go command is not in PATH, and these tests build the example with it: %w", err)
			return
		}
		if buildDir, buildErr = os.MkdirTemp("", "godanet-todo-"); buildErr != nil {
			return
		}
		buildPath = filepath.Join(buildDir, "todo")
		args := []string{"build", "-o", buildPath}
		if raceEnabled() {
			args = append(args, "-race")
		}
		args = append(args, ".")
		if out, err := exec.Command(goTool, args...).CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go %s: %w\n%s", strings.Join(args, " "), err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return buildPath
}

// removeTodoBinary removes what todoBinary built; TestMain calls it.
func removeTodoBinary() {
	if buildDir != "" {
		_ = os.RemoveAll(buildDir)
	}
}

// raceEnabled reports whether the tests were built with -race.
func raceEnabled() bool {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return false
	}
	for _, s := range info.Settings {
		if s.Key == "-race" {
			return s.Value == "true"
		}
	}
	return false
}

const (
	// readyWait bounds how long an instance may take to answer.
	readyWait = 15 * time.Second
	// callWait bounds each API call.
	callWait = 10 * time.Second
	// stopWait bounds a graceful shutdown on SIGTERM.
	stopWait = 15 * time.Second
)

// instance is the example running as a process of its own.
type instance struct {
	name   string
	url    string // "http://127.0.0.1:<port>"
	cmd    *exec.Cmd
	exited chan struct{} // closed once cmd has been waited for
	log    string        // the file that holds its stdout and stderr
	client *http.Client
}

// startInstance starts the example on a free loopback port with -redis
// redisURL and args, and returns once it answers GET /todos; it is stopped
// when the test ends.
func startInstance(t *testing.T, name string, client *http.Client, redisURL string, args ...string) *instance {
	t.Helper()
	bin := todoBinary(t)
	dir := t.TempDir()
	for attempt := 1; ; attempt++ {
		addr := freeAddr(t)
		logPath := filepath.Join(dir, fmt.Sprintf("%s-%d.log", name, attempt))
		logFile, err := os.Create(logPath)
		if err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(bin, append([]string{"-addr", addr, "-redis", redisURL}, args...)...)
		// A binary built with -race waits a second before it exits, for
		// late reports (GORACE atexit_sleep_ms): not needed here, where
		// it has stopped serving.
		cmd.Env = append(os.Environ(), "TODO_TOKEN="+testToken, "GORACE="+strings.TrimSpace(os.Getenv("GORACE")+" atexit_sleep_ms=0"))
		cmd.Stdout, cmd.Stderr = logFile, logFile
		err = cmd.Start()
		logFile.Close() // the process has its own
		if err != nil {
			t.Fatalf("start %s: %v", name, err)
		}
		i := &instance{name: name, url: "http://" + addr, cmd: cmd, exited: make(chan struct{}), log: logPath, client: client}
		go func() {
			_ = cmd.Wait()
			close(i.exited)
		}()
		err = i.awaitReady()
		if err == nil {
			t.Cleanup(func() { i.stop(t) })
			return i
		}
		i.kill()
		// Another process may take the free port first: try another.
		if attempt < 3 && strings.Contains(i.output(), "already in use") {
			continue
		}
		t.Fatalf("%s: %v\n%s", name, err, i.output())
	}
}

// awaitReady polls GET /todos until it answers 200, the process exits or
// readyWait passes.
func (i *instance) awaitReady() error {
	deadline := time.Now().Add(readyWait)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		req, _ := http.NewRequestWithContext(ctx, "GET", i.url+"/todos", nil)
		res, err := i.client.Do(req)
		if err == nil {
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode != http.StatusOK {
				err = fmt.Errorf("status %d", res.StatusCode)
			}
		}
		cancel()
		if err == nil {
			return nil
		}
		select {
		case <-i.exited:
			return fmt.Errorf("it exited at start: %v", i.cmd.ProcessState)
		case <-tick.C:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("GET /todos did not answer 200 within %v (last: %v)", readyWait, err)
		}
	}
}

// stop shuts the instance down as Ctrl-C would, and checks that it exits
// cleanly (a race found by the race detector makes it exit with 66); one
// that does not exit in time is killed. Either way no process is left.
func (i *instance) stop(t *testing.T) {
	select {
	case <-i.exited:
		t.Errorf("%s had exited before the test ended: %v\n%s", i.name, i.cmd.ProcessState, i.output())
		return
	default:
	}
	_ = i.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-i.exited:
	case <-time.After(stopWait):
		i.kill()
		t.Errorf("%s did not exit within %v of SIGTERM; killed it\n%s", i.name, stopWait, i.output())
		return
	}
	if code := i.cmd.ProcessState.ExitCode(); code != 0 {
		t.Errorf("%s exited with status %d after SIGTERM\n%s", i.name, code, i.output())
	}
}

// kill ends the process at once and waits until it has exited.
func (i *instance) kill() {
	_ = i.cmd.Process.Kill()
	<-i.exited
}

// output returns what the instance has printed.
func (i *instance) output() string {
	b, err := os.ReadFile(i.log)
	if err != nil {
		return fmt.Sprintf("(no output: %v)", err)
	}
	return string(b)
}

// do makes one API call, which must answer within callWait.
func (i *instance) do(t *testing.T, c call) reply {
	t.Helper()
	r, err := i.try(c, callWait)
	if err != nil {
		t.Fatalf("%s %s on %s: %v", c.method, c.path, i.name, err)
	}
	return r
}

// try makes one API call with a deadline.
func (i *instance) try(c call, limit time.Duration) (reply, error) {
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, c.method, i.url+c.path, strings.NewReader(c.body))
	if err != nil {
		return reply{}, err
	}
	if c.body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.auth {
		req.Header.Set("Authorization", "Bearer "+testToken)
	}
	res, err := i.client.Do(req)
	if err != nil {
		return reply{}, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return reply{}, err
	}
	return reply{res.StatusCode, res.Header.Get("Content-Type"), string(b)}, nil
}

// must makes one API call and fails the test unless it answers status.
func (i *instance) must(t *testing.T, c call, status int) reply {
	t.Helper()
	r := i.do(t, c)
	if r.status != status {
		t.Fatalf("%s %s on %s: %d %s; want %d", c.method, c.path, i.name, r.status, r.body, status)
	}
	return r
}

// stream opens the stream of every change on the instance.
func (i *instance) stream(t *testing.T, lastEventID string) *eventStream {
	t.Helper()
	s := openStream(t, i.client, i.url+"/todos/events", lastEventID)
	if s.res.StatusCode != http.StatusOK {
		t.Fatalf("GET /todos/events on %s: %d; want 200", i.name, s.res.StatusCode)
	}
	return s
}

// twoInstances is a redis-server and two instances of the example on it,
// A and B, as two replicas behind a load balancer.
type twoInstances struct {
	redis *redistest.Server
	a, b  *instance
}

// startTwo starts a redis-server and two instances on it, with args.
func startTwo(t *testing.T, args ...string) *twoInstances {
	t.Helper()
	srv := redistest.Start(t) // skips without redis-server, unless REQUIRE_REDIS=1
	// Streams read their body for as long as they last, so the client has
	// no Timeout; each call has a deadline of its own.
	transport := &http.Transport{}
	t.Cleanup(transport.CloseIdleConnections)
	client := &http.Client{Transport: transport}
	return &twoInstances{
		redis: srv,
		a:     startInstance(t, "A", client, srv.URL(), args...),
		b:     startInstance(t, "B", client, srv.URL(), args...),
	}
}

// freeAddr returns a loopback address whose port was free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// epochOf returns the life of the topic that an id ("<epoch>-<seq>") names.
func epochOf(t *testing.T, id string) string {
	t.Helper()
	seqOf(t, id) // checks the form
	epoch, _, _ := strings.Cut(id, "-")
	return epoch
}

// mustJSON fails the test unless got and want are the same JSON.
func mustJSON(t *testing.T, what, got, want string) {
	t.Helper()
	if !sameJSON(t, got, want) {
		t.Fatalf("%s: %s; want %s", what, got, want)
	}
}
