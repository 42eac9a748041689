package sseserver

import (
	"encoding/json"
	"net"
	"net/http"
	"sync"
	"time"
)

// closeLog records when the server let go of each connection (closed or
// hijacked it), by the client's address, for GET /closed.
//
// It is how a load generator learns when the server cut a client that
// stopped reading: that client cannot see the cut itself. The FIN the
// server sends waits behind the bytes already in the socket buffers, which
// a client that does not read never takes, so its end of the connection
// stays established (an RST would arrive, but net/http closes without one).
type closeLog struct {
	mu sync.Mutex
	at map[string]int64 // client address -> Unix ns of the close
}

// record notes that the server has let go of c now.
func (l *closeLog) record(c net.Conn) {
	now := time.Now().UnixNano()
	addr := c.RemoteAddr().String()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.at == nil {
		l.at = map[string]int64{}
	}
	l.at[addr] = now
}

// ServeHTTP answers GET /closed: a JSON object from each client address
// ("127.0.0.1:40312") whose connection the server has let go of to the
// wall-clock time it did, in Unix nanoseconds.
func (l *closeLog) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	l.mu.Lock()
	b, err := json.Marshal(l.at)
	l.mu.Unlock()
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(b)
}
