package sse

// TopicRefs returns how many subscribers, and Subscribe calls under way,
// hold the Hub's topic of that name: 0 when it has none. The external
// tests use it to know when a Subscribe has reached the topic.
func TopicRefs(h *Hub, topic string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	if t := h.topics[topic]; t != nil {
		return t.refs
	}
	return 0
}
