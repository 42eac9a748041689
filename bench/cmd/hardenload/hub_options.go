package main

import (
	"fmt"
	"strings"

	"github.com/godanet/godanet/sse"
)

// hubOptions gives the Hub options the flags ask for: sse.TopicIdle when
// -topic-idle is set (a negative value keeps topics for good), none for
// the Hub's defaults.
func hubOptions(cfg config) []sse.HubOption {
	if cfg.topicIdle == 0 {
		return nil
	}
	return []sse.HubOption{sse.TopicIdle(cfg.topicIdle)}
}

// describeOptions names the options, which print themselves.
func describeOptions(options []sse.HubOption) string {
	if len(options) == 0 {
		return "its defaults"
	}
	names := make([]string, len(options))
	for i, o := range options {
		names[i] = fmt.Sprint(o)
	}
	return strings.Join(names, ", ")
}
