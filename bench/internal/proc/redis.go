package proc

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"time"
)

// Redis is a redis-server this process started, for a load run: on a free
// loopback port, keeping nothing on disk, dying with this process.
type Redis struct {
	// Addr is where it listens, host:port.
	Addr string
	// PID is its process id, for CPU.
	PID int
	cmd *exec.Cmd
}

// StartRedis starts the redis-server found on PATH (or at /usr/bin) and
// waits until it answers PING, for at most 10 seconds.
func StartRedis(ctx context.Context) (*Redis, error) {
	exe, err := exec.LookPath("redis-server")
	if err != nil {
		exe = "/usr/bin/redis-server"
		if _, statErr := os.Stat(exe); statErr != nil {
			return nil, fmt.Errorf("proc: no redis-server on PATH or at %s (apt-get install redis-server): %w", exe, err)
		}
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, exe,
		"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
		"--maxclients", "10000", "--loglevel", "warning", "--dir", os.TempDir())
	cmd.Stderr = os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	r := &Redis{Addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), PID: cmd.Process.Pid, cmd: cmd}
	for deadline := time.Now().Add(10 * time.Second); ; {
		if ping(r.Addr) {
			return r, nil
		}
		if time.Now().After(deadline) {
			_ = r.Stop()
			return nil, fmt.Errorf("proc: redis-server on %s did not answer PING in 10s", r.Addr)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Stop ends the server and waits for it.
func (r *Redis) Stop() error { return terminate(r.cmd) }

// ping sends an inline PING and reports whether +PONG came back.
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
	buf := make([]byte, 7)
	n, _ := c.Read(buf)
	return string(buf[:n]) == "+PONG\r\n"
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}
