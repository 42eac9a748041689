package module

import (
	"fmt"
	"strings"
)

// collect walks the imports from root, depth first, and returns every
// module once, imports before importers. Two results of Dynamic for equal
// configurations become one node, the first one met.
func collect(root *Module) ([]*node, error) {
	if root == nil {
		return nil, &DefinitionError{Reason: "the root module is nil; pass the application's root module"}
	}
	var (
		order  []*node
		done   = map[*Module]*node{}
		byName = map[string]*Module{}
		via    = map[*Module]string{} // who imports each module, for messages
		path   []*Module
	)
	var visit func(m, importer *Module, field string) error
	visit = func(m, importer *Module, field string) error {
		if done[m] != nil {
			return nil
		}
		from := "the application (the root module)"
		if importer != nil {
			from = fmt.Sprintf("%q (%s)", importer.Name, field)
		}
		if other, ok := byName[m.Name]; ok && other != m {
			same, why := sameDynamic(other, m)
			if !same {
				return &DefinitionError{Module: m.Name, Reason: fmt.Sprintf(
					"two different modules have this Name, one imported by %s and the other by %s; %s; if they are two modules, give each its own Name",
					via[other], from, why)}
			}
			if n := done[other]; n != nil {
				done[m] = n
				return nil
			}
			m = other // on the path: the check below reports the cycle
		}
		for i, p := range path {
			if p == m {
				names := make([]string, 0, len(path)-i+1)
				for _, q := range path[i:] {
					names = append(names, q.Name)
				}
				return &DefinitionError{Module: importer.Name, Field: field, Reason: fmt.Sprintf(
					"modules import each other in a cycle: %s -> %s; move what they share into a module both import",
					strings.Join(names, " -> "), m.Name)}
			}
		}
		if m.Name == "" {
			return &DefinitionError{Reason: fmt.Sprintf(
				"the module imported by %s has no Name (it has %d providers and %d controllers); name every module so errors can point at it",
				from, len(m.Providers), len(m.Controllers))}
		}
		byName[m.Name] = m
		via[m] = from
		path = append(path, m)
		for i, imp := range m.Imports {
			field := fmt.Sprintf("Imports[%d]", i)
			if imp == nil {
				return &DefinitionError{Module: m.Name, Field: field,
					Reason: "the import is nil; is the imported module's variable initialised before this one?"}
			}
			if err := visit(imp, m, field); err != nil {
				return err
			}
		}
		path = path[:len(path)-1]
		n := &node{mod: m}
		for _, imp := range m.Imports {
			n.imports = append(n.imports, done[imp])
		}
		done[m] = n
		order = append(order, n)
		return nil
	}
	return order, visit(root, nil, "")
}
