package module

import (
	"fmt"
	"reflect"
	"strings"
)

// node is one module while the graph is built.
type node struct {
	mod         *Module
	imports     []*node
	providers   []*provider
	controllers []*provider
	exports     map[key]*provider
	visible     map[key]*provider
}

// is reports whether m is this node's module: the same *Module, or one
// that Dynamic built from an equal configuration.
func (n *node) is(m *Module) bool {
	if n.mod == m {
		return true
	}
	if m == nil || m.Name != n.mod.Name {
		return false
	}
	same, _ := sameDynamic(n.mod, m)
	return same
}

// load analyses the module's providers and controllers.
func (n *node) load() error {
	for i, entry := range n.mod.Providers {
		p, err := newProvider(n, fmt.Sprintf("Providers[%d]", i), entry)
		if err != nil {
			return err
		}
		n.providers = append(n.providers, p)
	}
	for i, entry := range n.mod.Controllers {
		p, err := newProvider(n, fmt.Sprintf("Controllers[%d]", i), entry)
		if err != nil {
			return err
		}
		if !p.options.empty() || len(p.outputs) != 1 || p.outputs[0].name != "" || p.outputs[0].group != "" {
			return p.invalid("a controller constructor returns one controller (and optionally an error); drop dig.Out, module.As, module.Name and module.Group here")
		}
		if t := p.outputs[0].t; t.Kind() != reflect.Pointer || t.Elem().Kind() != reflect.Struct {
			return p.invalid(fmt.Sprintf("a controller must be a pointer to a struct, got %v; return &%s{...}", t, strings.TrimPrefix(t.String(), "*")))
		}
		p.digName = fmt.Sprintf("godanet.controller:%s:%d", n.mod.Name, i)
		n.controllers = append(n.controllers, p)
	}
	return nil
}
