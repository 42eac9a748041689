package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// memory is a process's resident memory, from /proc/PID/status.
type memory struct {
	RSS uint64 // VmRSS: resident now, in bytes
	HWM uint64 // VmHWM: the most it has been resident, in bytes
}

// readMemory reads VmRSS and VmHWM of process pid.
func readMemory(pid int) (memory, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return memory{}, err
	}
	var m memory
	for line := range strings.Lines(string(b)) {
		name, rest, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		var at *uint64
		switch name {
		case "VmRSS":
			at = &m.RSS
		case "VmHWM":
			at = &m.HWM
		default:
			continue
		}
		kb, err := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
		if err != nil {
			return memory{}, fmt.Errorf("/proc/%d/status: %s: %w", pid, name, err)
		}
		*at = kb * 1024
	}
	if m.RSS == 0 || m.HWM == 0 {
		return memory{}, fmt.Errorf("/proc/%d/status has no VmRSS or VmHWM", pid)
	}
	return m, nil
}
