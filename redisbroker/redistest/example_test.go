package redistest_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/godanet/godanet/redisbroker/redistest"
)

// A test that needs Redis starts its own, and may crash and restart it.
// (An example has no *testing.T, so this one is compiled but not run.)
func Example() {
	var t *testing.T // the test's own
	srv := redistest.Start(t)
	client := srv.Client(t)
	ctx := context.Background()

	client.Set(ctx, "greeting", "hello", 0)
	srv.Kill()         // connections break; commands fail
	srv.Restart(false) // back with all it acknowledged
	fmt.Println(client.Get(ctx, "greeting").Val())
}
