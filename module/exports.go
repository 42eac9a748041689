package module

import "fmt"

// resolveExports turns Exports entries into keys. Imports are resolved
// first (collect's order), so a re-exported module's set is ready.
func (n *node) resolveExports() error {
	n.exports = map[key]*provider{}
	for i, e := range n.mod.Exports {
		field := fmt.Sprintf("Exports[%d]", i)
		if m, ok := e.(*Module); ok {
			imp := n.imported(m)
			if imp == nil {
				return &DefinitionError{Module: n.mod.Name, Field: field,
					Reason: fmt.Sprintf("it re-exports module %q, which %q does not import; add it to Imports", nameOf(m), n.mod.Name)}
			}
			for k, p := range imp.exports {
				n.exports[k] = p
			}
			continue
		}
		var found *provider
		for _, p := range n.providers {
			if p.matches(e) {
				found = p
				break
			}
		}
		if found == nil {
			return &DefinitionError{Module: n.mod.Name, Field: field, Provider: asProvider(e).String(),
				Reason: fmt.Sprintf("it is not one of the Providers of %q; add it to Providers, or export the module that provides it", n.mod.Name)}
		}
		for _, k := range found.outputs {
			n.exports[k] = found
		}
	}
	return nil
}

// imported returns the node of m if n imports it.
func (n *node) imported(m *Module) *node {
	for _, imp := range n.imports {
		if imp.is(m) {
			return imp
		}
	}
	return nil
}

func nameOf(m *Module) string {
	if m == nil {
		return "<nil>"
	}
	return m.Name
}
