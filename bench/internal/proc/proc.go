// Package proc reads a process's CPU time from /proc, so that the load
// commands can report the server's CPU per request or per event: a figure
// that, unlike requests per second, other work on a shared machine barely
// moves.
package proc

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"time"
)

// clockTick is USER_HZ, the unit of the times in /proc/PID/stat; Linux
// fixes it at 100 on every architecture Go runs on.
const clockTick = 10 * time.Millisecond

// CPU returns the user and system CPU time process pid has used.
func CPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name, field 2, is in parentheses and may hold spaces;
	// utime and stime are fields 14 and 15, counted from after it.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, fmt.Errorf("proc: cannot parse /proc/%d/stat", pid)
	}
	fields := bytes.Fields(b[i+1:])
	if len(fields) < 13 {
		return 0, fmt.Errorf("proc: cannot parse /proc/%d/stat", pid)
	}
	utime, err1 := strconv.ParseInt(string(fields[11]), 10, 64)
	stime, err2 := strconv.ParseInt(string(fields[12]), 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("proc: cannot parse /proc/%d/stat", pid)
	}
	return time.Duration(utime+stime) * clockTick, nil
}
