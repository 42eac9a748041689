// Command stackprobe measures how much stack a stream handler has left
// under its goroutine's first 8 KiB: how deep the routing and middleware
// above it may be before the goroutine's stack doubles, for the whole
// life of the stream (a grown stack is given back only when a collection
// finds the goroutine using less than a quarter of it, and a waiting
// stream uses more).
//
//	go run ./cmd/stackprobe
//
// For each variant it serves one stream in a child process under a chain
// of padding frames of known size, with the runtime's stack limit at 8 KiB
// (debug.SetMaxStack) while the stream opens and writes its first event:
// a goroutine that needs more dies. It searches for the deepest chain that
// lives; the headroom is that chain's bytes. The variants are those of
// internal/sseserver: godanet's SSE route on its Hub, and echo's
// hand-written handler.
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime/debug"
	"strconv"
	"strings"
	"time"
	"unsafe"

	"github.com/godanet/godanet/bench/internal/sseserver"
)

func main() {
	log.SetFlags(0)
	log.SetPrefix("stackprobe: ")
	child := flag.Int("child", -1, "serve one stream under this many padding frames (what the child process does)")
	variant := flag.String("server", "godanet,echo", "variants, comma-separated")
	flag.Parse()
	if *child >= 0 {
		os.Exit(serveOne(flag.Arg(0), *child))
	}
	size := padFrame()
	over := false
	for _, v := range strings.Split(*variant, ",") {
		// The deepest chain that lives: lo lives, hi dies.
		lo, hi := -1, 1
		for lives(v, hi) {
			lo, hi = hi, hi*2
			if hi > 4096 {
				log.Fatalf("%s: no stack limit reached", v)
			}
		}
		for hi-lo > 1 {
			mid := (lo + hi) / 2
			if lives(v, mid) {
				lo = mid
			} else {
				hi = mid
			}
		}
		if lo < 0 {
			fmt.Printf("%-8s over 8 KiB of stack with no padding at all\n", v)
			over = true
			continue
		}
		fmt.Printf("%-8s headroom %5d bytes under 8 KiB (%d padding frames of %d bytes)\n", v, lo*size, lo, size)
	}
	if over {
		os.Exit(1)
	}
}

// lives runs a child serving variant under depth padding frames and
// reports whether its stream opened and wrote an event within 8 KiB.
func lives(variant string, depth int) bool {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	exe, err := os.Executable()
	if err != nil {
		log.Fatal(err)
	}
	out, err := exec.CommandContext(ctx, exe, "-child", strconv.Itoa(depth), variant).CombinedOutput()
	switch {
	case err == nil:
		return true
	case strings.Contains(string(out), "stack exceeds"):
		return false
	}
	log.Fatalf("%s at depth %d: %v\n%s", variant, depth, err, out)
	return false
}

// pad calls h under n frames of its own.
//
//go:noinline
func pad(n int, h http.Handler, w http.ResponseWriter, r *http.Request) {
	if n == 0 {
		h.ServeHTTP(w, r)
		return
	}
	pad(n-1, h, w, r)
}

// padFrame is the bytes one level of pad takes: how much deeper a
// handler runs under pad(1) than under pad(0).
func padFrame() int {
	var at [2]uintptr
	for n := range at {
		pad(n, http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
			var here byte
			at[n] = uintptr(unsafe.Pointer(&here))
		}), nil, nil)
	}
	return int(at[0] - at[1])
}

// serveOne is the child: it serves variant under depth padding frames,
// opens one stream and waits for an event, with the stack limit at 8 KiB
// while the stream opens and while it writes. It returns the exit code.
func serveOne(variant string, depth int) int {
	srv, err := sseserver.New(variant, sseserver.Options{Wrap: func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { pad(depth, h, w, r) })
	}})
	if err != nil {
		log.Print(err)
		return 2
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Print(err)
		return 2
	}
	go func() { _ = srv.Serve(ln) }()
	base := "http://" + ln.Addr().String()
	publish := func(data string) {
		res, err := http.Post(base+"/publish", "text/plain", strings.NewReader(data))
		if err != nil {
			log.Fatal(err)
		}
		res.Body.Close()
	}
	publish("warm") // the server's first allocations, outside the limit

	debug.SetMaxStack(8 << 10)
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		log.Print(err)
		return 2
	}
	fmt.Fprintf(c, "GET /events HTTP/1.1\r\nHost: probe\r\nAccept: text/event-stream\r\n\r\n")
	br := bufio.NewReader(c)
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := http.ReadResponse(br, nil); err != nil {
		log.Print(err)
		return 2
	}
	// The stream's handler now waits for events (the publishing request
	// needs less than 8 KiB too).
	deadline := time.Now().Add(5 * time.Second)
	for srv.Streams() == 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	publish("hello")
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			log.Print(err)
			return 2
		}
		if strings.HasPrefix(line, "data: hello") {
			return 0
		}
	}
}
