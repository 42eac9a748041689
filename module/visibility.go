package module

import "fmt"

// resolveVisible computes what the module may inject: its own providers,
// the exports of the modules it imports, and the exports of Global modules.
func (n *node) resolveVisible(all []*node) {
	n.visible = map[key]*provider{}
	for _, g := range all {
		if g.mod.Global {
			for k, p := range g.exports {
				n.visible[k] = p
			}
		}
	}
	for _, imp := range n.imports {
		for k, p := range imp.exports {
			n.visible[k] = p
		}
	}
	for _, p := range n.providers {
		for _, k := range p.outputs {
			n.visible[k] = p
		}
	}
}

// checkInputs makes sure every dependency of the module's providers and
// controllers is visible to it, and says how to fix it when not. Value
// groups are application-wide, as in dig, and are not checked.
func (n *node) checkInputs(providedBy map[key]*provider) error {
	for _, list := range [][]*provider{n.providers, n.controllers} {
		for _, p := range list {
			for _, in := range p.inputs {
				if in.group != "" {
					continue
				}
				if _, ok := n.visible[in.key]; ok {
					continue
				}
				owner, exists := providedBy[in.key]
				if !exists {
					if in.optional {
						continue
					}
					return fmt.Errorf("godanet: module %q: %s needs %v, but no module provides it; add its constructor to the Providers of %q (or of a module it imports, and export it there)",
						n.mod.Name, p.label, in.key, n.mod.Name)
				}
				return notVisibleError(n, p, in.key, owner)
			}
		}
	}
	return nil
}

func notVisibleError(n *node, p *provider, k key, owner *provider) error {
	from := owner.owner.mod.Name
	if _, exported := owner.owner.exports[k]; exported {
		return fmt.Errorf("godanet: module %q: %s needs %v, which module %q provides and exports, but %q does not import %q; add %q to the Imports of %q",
			n.mod.Name, p.label, k, from, n.mod.Name, from, from, n.mod.Name)
	}
	return fmt.Errorf("godanet: module %q: %s needs %v, which module %q provides but does not export; add %s to the Exports of %q and import %q in %q",
		n.mod.Name, p.label, k, from, owner.label, from, from, n.mod.Name)
}
