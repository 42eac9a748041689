package module

import (
	"fmt"
	"strings"
)

// cyclePath describes, in module's words, a shortest dependency cycle
// through p: "it needs *A from NewA, which needs *B, its own result". It
// is used when dig rejects p for closing a cycle; dig's own description
// names each function in dig's format, which module does not repeat. It
// returns "" if it finds no cycle (the CycleError then says dig's cause).
func cyclePath(p *provider, providedBy map[key]*provider, nodes []*node) string {
	type step struct {
		from *provider
		need key
	}
	// deps lists, for a provider, each provider it depends on and the key
	// it needs from it; a group input depends on every member.
	members := map[key][]*provider{}
	for _, n := range nodes {
		for _, q := range n.providers {
			for _, k := range q.outputs {
				if k.group != "" {
					members[k] = append(members[k], q)
				}
			}
		}
	}
	deps := func(q *provider) []step {
		var out []step
		for _, in := range q.inputs {
			if in.group != "" {
				for _, m := range members[in.key] {
					out = append(out, step{m, in.key})
				}
				continue
			}
			if d, ok := providedBy[in.key]; ok {
				out = append(out, step{d, in.key})
			}
		}
		return out
	}
	// Breadth first from p; reached[q] is how q was first reached.
	reached := map[*provider]step{}
	queue := []*provider{p}
	for len(queue) > 0 {
		q := queue[0]
		queue = queue[1:]
		for _, s := range deps(q) {
			if _, seen := reached[s.from]; seen {
				continue
			}
			reached[s.from] = step{q, s.need}
			if s.from == p {
				return describeCycle(p, func(q *provider) (*provider, key) { r := reached[q]; return r.from, r.need })
			}
			queue = append(queue, s.from)
		}
	}
	return ""
}

// describeCycle walks the cycle back from p (back gives, for a provider,
// the provider that needs it and the key it needs) and says it forwards.
func describeCycle(p *provider, back func(*provider) (*provider, key)) string {
	type edge struct {
		need key
		to   *provider
	}
	var edges []edge
	for q := p; ; {
		from, need := back(q)
		edges = append(edges, edge{need, q})
		if from == p {
			break
		}
		q = from
	}
	var b strings.Builder
	for i := len(edges) - 1; i >= 0; i-- {
		e := edges[i]
		if i == len(edges)-1 {
			fmt.Fprintf(&b, "it needs %v", e.need)
		} else {
			fmt.Fprintf(&b, ", which needs %v", e.need)
		}
		if e.to == p {
			b.WriteString(", its own result")
			continue
		}
		fmt.Fprintf(&b, " from %s", e.to.label)
		if e.to.owner != p.owner {
			fmt.Fprintf(&b, " in module %q", e.to.owner.mod.Name)
		}
	}
	return b.String()
}
