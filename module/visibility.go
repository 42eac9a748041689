package module

import (
	"fmt"
	"reflect"
	"slices"
)

// indexOutputs maps each provided key to its provider and rejects a key
// provided twice (value groups excepted: they collect many).
func indexOutputs(nodes []*node) (map[key]*provider, error) {
	providedBy := map[key]*provider{}
	for _, n := range nodes {
		for _, p := range n.providers {
			for _, k := range p.outputs {
				if k.group != "" {
					continue
				}
				if first, ok := providedBy[k]; ok {
					return nil, &DuplicateProviderError{
						Module: n.mod.Name, Provider: p.label, Type: k.t, Name: k.name,
						FirstModule: first.owner.mod.Name, FirstProvider: first.label,
					}
				}
				providedBy[k] = p
			}
		}
	}
	return providedBy, nil
}

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
func (n *node) checkInputs(providedBy map[key]*provider, nodes []*node) error {
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
					return missing(n.mod.Name, p.label, in.key, providedBy, nodes)
				}
				_, exported := owner.owner.exports[in.key]
				return &NotVisibleError{
					Module: n.mod.Name, Provider: p.label, Type: in.t, Name: in.name,
					Owner: owner.owner.mod.Name, OwnerProvider: owner.label, Exported: exported,
					Imported: slices.Contains(n.imports, owner.owner),
				}
			}
		}
	}
	return nil
}

// missing reports k as missing, with what it may have meant, in module's
// terms: a controller (which nothing can inject), the type with or without
// a pointer, a type that module.As provides as an interface only, a type
// provided under a module.Name, or a type that implements a missing
// interface (which module.As provides as that interface).
func missing(mod, label string, k key, providedBy map[key]*provider, nodes []*node) *MissingProviderError {
	e := &MissingProviderError{Module: mod, Provider: label, Type: k.t, Name: k.name}
	for _, n := range nodes {
		for _, c := range n.controllers {
			if c.outputs[0].t == k.t {
				e.instead = fmt.Sprintf("it is a controller of module %q, and controllers cannot be injected; move what is needed from it into a provider of %q and inject that", n.mod.Name, n.mod.Name)
				return e
			}
		}
	}
	near := reflect.PointerTo(k.t)
	if k.t.Kind() == reflect.Pointer {
		near = k.t.Elem()
	}
	if p, ok := providedBy[key{t: near, name: k.name}]; ok {
		e.hint = fmt.Sprintf("; did you mean %v? %s in module %q provides it", near, p.label, p.owner.mod.Name)
		return e
	}
	for _, n := range nodes {
		for _, p := range n.providers {
			if len(p.options.as) > 0 && slices.Contains(p.results(), k.t) && k.name == p.options.name() {
				e.instead = fmt.Sprintf("%s in module %q returns it, but module.As provides it as %v only; ask for that interface, or drop module.As", p.label, n.mod.Name, p.options.as[0])
				return e
			}
			for _, out := range p.outputs {
				if out.t == k.t && out.group == "" && out.name != k.name && k.name == "" {
					e.instead = fmt.Sprintf("%s in module %q provides it named %q (module.Name); ask for it with a `name:%q` tag in a dig.In struct", p.label, n.mod.Name, out.name, out.name)
					return e
				}
			}
		}
	}
	if k.t.Kind() == reflect.Interface {
		for _, n := range nodes {
			for _, p := range n.providers {
				for _, out := range p.outputs {
					if out.name == k.name && out.group == "" && out.t.Kind() != reflect.Interface && out.t.Implements(k.t) {
						e.hint = fmt.Sprintf("; %s in module %q provides %v, which implements it: add module.As[%v]() to its Provide", p.label, n.mod.Name, out.t, k.t)
						return e
					}
				}
			}
		}
	}
	return e
}
