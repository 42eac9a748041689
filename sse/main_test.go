package sse_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package when a test leaves a goroutine behind: Serve,
// Produce and the Hub all promise that none outlives its stream.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
