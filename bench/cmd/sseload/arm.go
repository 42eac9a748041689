package main

import (
	"fmt"
	"strings"
)

// arm is what the clients of one run do besides reading every event: a
// mode's scenario, or its baseline, which leaves the scenario out and is
// otherwise the same run (the same healthy clients, the same history).
type arm struct {
	Role role `json:"role,omitempty"`
	// Stalled is the number of clients that stop reading after the
	// response head (see stalled.go).
	Stalled int `json:"stalled"`
	// LastEventID is the Last-Event-ID header every client sends; ""
	// for none (see replay.go).
	LastEventID string `json:"last_event_id,omitempty"`
	// History is the number of messages published before the clients
	// connect.
	History int `json:"history"`
}

// role is an arm's part in a comparison.
type role string

const (
	plain    role = ""         // no mode: nothing to compare
	scenario role = "scenario" // the mode's clients
	baseline role = "baseline" // the same run without them
)

// arms returns the runs of one round: one plain run without a mode;
// with one, the scenario and the baseline, the scenario first in odd
// rounds and last in even ones, so that neither always has the machine
// fresher or warmer.
func (c config) arms(round int) []arm {
	if c.stalled == 0 && c.lastEventID == "" {
		return []arm{{Role: plain}}
	}
	base := arm{Role: baseline}
	if c.lastEventID != "" {
		// The baseline's topic holds the same history; its clients
		// just do not ask for it.
		base.History = c.history
	}
	with := base
	with.Role = scenario
	with.Stalled = c.stalled
	if c.lastEventID == "unknown" {
		with.LastEventID = unknownEventID
	}
	if round%2 == 0 {
		return []arm{base, with}
	}
	return []arm{with, base}
}

// label names the arm after a variant: ", 100 stalled", ", baseline";
// "" for a plain run.
func (a arm) label() string {
	switch a.Role {
	case plain:
		return ""
	case baseline:
		return ", baseline"
	}
	var parts []string
	if a.Stalled > 0 {
		parts = append(parts, fmt.Sprintf("%d stalled", a.Stalled))
	}
	if a.LastEventID != "" {
		parts = append(parts, fmt.Sprintf("Last-Event-ID %q", a.LastEventID))
	}
	return ", " + strings.Join(parts, ", ")
}
