package redisbroker

import (
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/godanet/godanet/redisbroker/redistest"
	"github.com/godanet/godanet/sse"
	"github.com/godanet/godanet/sse/ssetest"
)

// The broker keeps the contract of sse.Broker: each "instance" is a
// process of its own (one client, one broker) on one Redis, and each test
// of the suite has a fresh prefix, so a store of its own.
func TestConformance(t *testing.T) {
	srv := redistest.Start(t)
	var n atomic.Int64
	ssetest.TestBroker(t, func(t *testing.T, instances int) []sse.Broker {
		prefix := Prefix(fmt.Sprintf("conformance%d:", n.Add(1)))
		brokers := make([]sse.Broker, instances)
		for i := range brokers {
			client := srv.Client(t)
			brokers[i] = New(client, prefix)
		}
		return brokers
	})
}
