package redistest_test

import (
	"testing"

	"go.uber.org/goleak"
)

// Start waits on each server's process in a goroutine: none may outlive
// its test.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
