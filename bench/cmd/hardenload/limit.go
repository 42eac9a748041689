package main

import (
	"fmt"

	"github.com/godanet/godanet/bench/internal/proc"
)

// needFiles raises the limit for n connections on each side, or says why
// it cannot.
func needFiles(n int) error {
	want := uint64(n) + proc.FileReserve
	limit, err := proc.RaiseFileLimit(want)
	if limit < want {
		return fmt.Errorf("%d connections need %d file descriptors on each side, over the limit of %d (%v); ask for at most %d",
			n, want, limit, err, limit-proc.FileReserve)
	}
	return nil
}
