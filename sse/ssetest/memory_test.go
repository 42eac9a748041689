package ssetest_test

import (
	"testing"

	"go.uber.org/goleak"

	"github.com/godanet/godanet/sse"
	"github.com/godanet/godanet/sse/ssetest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// The in-memory broker serves one process: every "instance" is the same
// broker.
func TestMemoryBroker(t *testing.T) {
	ssetest.TestBroker(t, func(t *testing.T, instances int) []sse.Broker {
		b := sse.NewMemoryBroker()
		brokers := make([]sse.Broker, instances)
		for i := range brokers {
			brokers[i] = b
		}
		return brokers
	})
}
