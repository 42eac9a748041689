package proc

import (
	"errors"
	"fmt"
	"syscall"
)

// FileReserve is the descriptors a process needs besides its connections:
// stdio, the poller, the listener, a probe.
const FileReserve = 16

// RaiseFileLimit raises RLIMIT_NOFILE, soft and hard, to want, or as far
// as it may; it returns the soft limit in force. Children inherit it.
func RaiseFileLimit(want uint64) (uint64, error) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0, err
	}
	if lim.Cur >= want {
		return lim.Cur, nil
	}
	err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &syscall.Rlimit{Cur: want, Max: max(want, lim.Max)})
	if err != nil {
		// Not allowed to raise the hard limit: the soft one up to it.
		err = fmt.Errorf("raising it to %d: %w", want, err)
		lim.Cur = lim.Max
		if err2 := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err2 != nil {
			return 0, errors.Join(err, err2)
		}
	}
	_ = syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim)
	return lim.Cur, err
}
