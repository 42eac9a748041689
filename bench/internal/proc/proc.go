// Package proc runs the load commands' servers as child processes and reads
// a process's CPU time from /proc, so that the commands can report the
// server's CPU per request or per event: a figure that, unlike requests per
// second, other work on a shared machine barely moves.
package proc

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// clockTick is USER_HZ, the unit of the times in /proc/PID/stat; Linux
// fixes it at 100 on every architecture Go runs on.
const clockTick = 10 * time.Millisecond

// CPU returns the user and system CPU time process pid has used.
func CPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name, field 2, is in parentheses and may hold spaces;
	// utime and stime are fields 14 and 15, counted from after it.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, fmt.Errorf("proc: cannot parse /proc/%d/stat", pid)
	}
	fields := bytes.Fields(b[i+1:])
	if len(fields) < 13 {
		return 0, fmt.Errorf("proc: cannot parse /proc/%d/stat", pid)
	}
	utime, err1 := strconv.ParseInt(string(fields[11]), 10, 64)
	stime, err2 := strconv.ParseInt(string(fields[12]), 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("proc: cannot parse /proc/%d/stat", pid)
	}
	return time.Duration(utime+stime) * clockTick, nil
}

// Child is a server running in a child process of this binary.
type Child struct {
	// Addr is the address the child said it listens on.
	Addr string
	// PID is the child's process id, for CPU.
	PID int
	cmd *exec.Cmd
}

// StartChild runs this binary again with args and GOMAXPROCS=procs (when
// positive), and waits for the child to print "listening ADDR" on its
// standard output. The child dies with this process, however this process
// ends; cancelling ctx sends it SIGTERM, and it has waitDelay to go.
func StartChild(ctx context.Context, procs int, waitDelay time.Duration, args ...string) (*Child, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, exe, args...)
	cmd.Stderr = os.Stderr
	cmd.Env = os.Environ()
	if procs > 0 {
		cmd.Env = append(cmd.Env, "GOMAXPROCS="+strconv.Itoa(procs))
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = waitDelay
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	addr, ok := strings.CutPrefix(strings.TrimSpace(line), "listening ")
	if err != nil || !ok {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return nil, fmt.Errorf("the server did not say where it listens (%q): %v", line, err)
	}
	go func() { _, _ = io.Copy(io.Discard, out) }()
	return &Child{Addr: addr, PID: cmd.Process.Pid, cmd: cmd}, nil
}

// Stop sends the child SIGTERM and waits for it; being ended by the signal
// is not an error.
func (c *Child) Stop() error { return terminate(c.cmd) }

// terminate sends a started command SIGTERM and waits for it; being ended
// by the signal is not an error.
func terminate(cmd *exec.Cmd) error {
	_ = cmd.Process.Signal(syscall.SIGTERM)
	err := cmd.Wait()
	var exit *exec.ExitError
	if errors.As(err, &exit) && !exit.Exited() {
		return nil
	}
	return err
}

// Server is what ServeChild serves: an *http.Server, or a wrapper of one.
type Server interface {
	Serve(net.Listener) error
	Close() error
}

var _ Server = (*http.Server)(nil)

// ServeChild is the child's side of StartChild: it listens on addr, prints
// "listening ADDR" on standard output, and serves srv until SIGTERM or
// SIGINT.
func ServeChild(srv Server, addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	fmt.Printf("listening %s\n", ln.Addr())
	errs := make(chan error, 1)
	go func() { errs <- srv.Serve(ln) }()
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	select {
	case err := <-errs:
		return err
	case <-signals:
		return srv.Close()
	}
}

// WriteSyscalls returns how many write system calls process pid has made
// (syscw in /proc/PID/io): with one write per flush, a server's flushes.
func WriteSyscalls(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/io", pid))
	if err != nil {
		return 0, err
	}
	for line := range strings.Lines(string(b)) {
		if rest, ok := strings.CutPrefix(line, "syscw:"); ok {
			return strconv.ParseInt(strings.TrimSpace(rest), 10, 64)
		}
	}
	return 0, fmt.Errorf("proc: no syscw in /proc/%d/io", pid)
}
