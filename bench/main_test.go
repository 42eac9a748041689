package bench_test

import (
	"testing"

	"go.uber.org/goleak"
)

// The benchmarks start servers, streams and publishers: none may outlive
// the run.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
