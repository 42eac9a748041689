// Package redistest runs a real redis-server for tests: one per call to
// Start, on a free loopback port, in the test's temporary directory, and
// stopped when the test ends. Tests of code that needs Redis use it
// instead of a mock, and can kill and restart the server to test faults.
//
//	func TestTwoProcesses(t *testing.T) {
//		srv := redistest.Start(t) // skips the test without redis-server
//		a, b := srv.Client(t), srv.Client(t)
//		...
//		srv.Kill()           // Redis is down
//		srv.Restart(false)   // back, with its data
//		snap := srv.Snapshot()
//		...
//		srv.RestartFrom(snap) // back, without what it acknowledged since
//	}
//
// Start looks for redis-server in PATH and skips the test when it is not
// there, unless the environment has REQUIRE_REDIS=1 (as CI should), where
// the test fails instead. On Debian and Ubuntu, `apt-get install
// redis-server` installs it.
//
// The server writes every change to its append-only file before it
// answers (appendonly yes, appendfsync always), so a server that is
// killed and restarted has all it acknowledged; Restart(true) wipes it
// first, as a Redis that lost its data. It keeps no RDB snapshot;
// Snapshot and RestartFrom play a Redis that comes back from an older copy
// of its data.
package redistest

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// startTimeout bounds how long a server may take to answer PING.
const startTimeout = 10 * time.Second

// Server is a redis-server started by Start. Its methods are to be called
// from the test's goroutine, like t.Fatal.
type Server struct {
	t    testing.TB
	bin  string
	dir  string
	port int

	cmd    *exec.Cmd
	exited chan struct{} // closed when cmd has been waited for
}

// Start starts a redis-server and waits until it answers PING; it is
// stopped when the test ends. Without redis-server in PATH it skips the
// test, or fails it when REQUIRE_REDIS=1.
func Start(t testing.TB) *Server {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv("REQUIRE_REDIS") == "1" {
			t.Fatalf("redistest: redis-server is not in PATH, and REQUIRE_REDIS=1 requires it: install it (apt-get install redis-server) or unset REQUIRE_REDIS to skip tests that need it")
		}
		t.Skip("redistest: redis-server is not in PATH; install it (apt-get install redis-server) to run this test, and set REQUIRE_REDIS=1 to make its absence a failure")
	}
	s := &Server{t: t, bin: bin, dir: t.TempDir()}
	t.Cleanup(s.stop)
	// Another process may take the free port before redis-server binds
	// it: then try another.
	for attempt := 1; ; attempt++ {
		s.port = freePort(t)
		err := s.start()
		if err == nil {
			return s
		}
		if attempt == 5 || !strings.Contains(err.Error(), "in use") {
			t.Fatalf("redistest: %v", err)
		}
	}
}

// Addr is the server's address, "127.0.0.1:<port>".
func (s *Server) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port)) }

// URL is the server's address as redis.ParseURL reads it.
func (s *Server) URL() string { return "redis://" + s.Addr() }

// Options returns new client options for the server, with
// ContextTimeoutEnabled set so that a context's deadline bounds each call.
func (s *Server) Options() *redis.Options {
	return &redis.Options{Addr: s.Addr(), ContextTimeoutEnabled: true}
}

// Client returns a client of the server (see Options), closed when the
// test ends. It keeps working across Kill and Restart, as a client of a
// real server does: it dials again.
func (s *Server) Client(t testing.TB) *redis.Client {
	c := redis.NewClient(s.Options())
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// Kill stops the server with SIGKILL, as a crash would, and waits until
// it has exited. Connections to it break; new ones are refused.
func (s *Server) Kill() {
	s.t.Helper()
	if s.cmd == nil {
		return
	}
	if err := s.cmd.Process.Kill(); err != nil {
		select {
		case <-s.exited:
		default:
			s.t.Fatalf("redistest: kill redis-server: %v", err)
		}
	}
	<-s.exited
	s.cmd = nil
}

// Freeze stops the server with SIGSTOP: it keeps its connections but
// answers nothing, as a hung server or a network partition does, until
// Thaw.
func (s *Server) Freeze() { s.signal(syscall.SIGSTOP) }

// Thaw resumes a server stopped by Freeze.
func (s *Server) Thaw() { s.signal(syscall.SIGCONT) }

func (s *Server) signal(sig os.Signal) {
	s.t.Helper()
	if s.cmd == nil {
		s.t.Fatalf("redistest: signal %v: the server is not running", sig)
	}
	if err := s.cmd.Process.Signal(sig); err != nil {
		s.t.Fatalf("redistest: signal %v: %v", sig, err)
	}
}

// Restart kills the server if it runs, and starts it again on the same
// port with the same directory. With wipe it deletes its data first, so it
// comes back empty, like a Redis that lost its data.
func (s *Server) Restart(wipe bool) {
	s.t.Helper()
	s.Kill()
	if wipe {
		s.wipe()
	}
	s.restart()
}

// dataFiles are the names, in the server's directory, of what holds its
// data: the append-only file (a directory since Redis 7) and a snapshot.
var dataFiles = []string{"appendonlydir", "appendonly.aof", "dump.rdb"}

func (s *Server) wipe() {
	s.t.Helper()
	for _, name := range dataFiles {
		if err := os.RemoveAll(filepath.Join(s.dir, name)); err != nil {
			s.t.Fatalf("redistest: wipe: %v", err)
		}
	}
}

// Snapshot is a copy of a server's data, taken by Server.Snapshot.
type Snapshot struct {
	dir string
}

// Snapshot copies the server's data as it is now, while it runs: take it
// while nothing writes. Every write acknowledged before is in it (the
// server writes its append-only file before it answers).
func (s *Server) Snapshot() Snapshot {
	s.t.Helper()
	snap := Snapshot{dir: s.t.TempDir()}
	if err := copyData(snap.dir, s.dir); err != nil {
		s.t.Fatalf("redistest: snapshot: %v", err)
	}
	return snap
}

// RestartFrom kills the server and starts it again from snap, so that it
// comes back without the writes it acknowledged since snap was taken, as
// a Redis restarted from an older snapshot, or a replica promoted before
// it had the last writes, does.
func (s *Server) RestartFrom(snap Snapshot) {
	s.t.Helper()
	s.Kill()
	s.wipe()
	if err := copyData(s.dir, snap.dir); err != nil {
		s.t.Fatalf("redistest: restart from a snapshot: %v", err)
	}
	s.restart()
}

// copyData copies the data files of directory from to directory to.
func copyData(to, from string) error {
	for _, name := range dataFiles {
		src, dst := filepath.Join(from, name), filepath.Join(to, name)
		info, err := os.Stat(src)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			continue
		case err != nil:
			return err
		case info.IsDir():
			err = os.CopyFS(dst, os.DirFS(src))
		default:
			var b []byte
			if b, err = os.ReadFile(src); err == nil {
				err = os.WriteFile(dst, b, 0o644)
			}
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// restart starts the server again on its port, once killed.
func (s *Server) restart() {
	s.t.Helper()
	// The port was the server's a moment ago; it is freed as it exits,
	// but give a slow kernel a few tries.
	var err error
	for range 5 {
		if err = s.start(); err == nil || !strings.Contains(err.Error(), "in use") {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil {
		s.t.Fatalf("redistest: restart: %v", err)
	}
}

// start runs redis-server on s.port and waits until it answers PING.
func (s *Server) start() error {
	logPath := filepath.Join(s.dir, "redis.log")
	log, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer log.Close()
	start, _ := log.Seek(0, io.SeekEnd) // this run's part of the log
	cmd := exec.Command(s.bin,
		"--port", strconv.Itoa(s.port),
		"--bind", "127.0.0.1",
		"--dir", s.dir,
		"--appendonly", "yes",
		"--appendfsync", "always",
		"--save", "",
		"--protected-mode", "no",
		"--daemonize", "no",
		"--logfile", "",
	)
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start redis-server: %w", err)
	}
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(exited)
	}()
	s.cmd, s.exited = cmd, exited

	deadline := time.Now().Add(startTimeout)
	for {
		if ping(s.Addr()) {
			return nil
		}
		select {
		case <-exited:
			s.cmd = nil
			return fmt.Errorf("redis-server exited at start on port %d: %s", s.port, logTail(logPath, start))
		default:
		}
		if time.Now().After(deadline) {
			s.Kill()
			return fmt.Errorf("redis-server did not answer PING on %s within %v: %s", s.Addr(), startTimeout, logTail(logPath, start))
		}
		time.Sleep(5 * time.Millisecond) // polling, with the deadline above
	}
}

func (s *Server) stop() {
	if s.cmd != nil {
		_ = s.cmd.Process.Kill()
		<-s.exited
		s.cmd = nil
	}
}

// ping reports whether a Redis answers PING at addr.
func ping(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return false
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(time.Second))
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		return false
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	return err == nil && line == "+PONG\r\n"
}

// freePort returns a loopback port that was free a moment ago.
func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("redistest: find a free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// logTail returns the last lines of the log from offset on.
func logTail(path string, offset int64) string {
	b, err := os.ReadFile(path)
	if err != nil || offset > int64(len(b)) {
		return "(no log)"
	}
	lines := strings.Split(strings.TrimSpace(string(b[offset:])), "\n")
	return strings.Join(lines[max(len(lines)-10, 0):], "\n")
}
