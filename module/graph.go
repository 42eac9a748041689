package module

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"

	"go.uber.org/dig"
)

// Graph is an application's modules, checked and built: every provider and
// controller has been constructed once, in dependency order.
type Graph struct {
	container   *dig.Container
	nodes       []*node // imports before importers
	mu          sync.Mutex
	instances   []Instance
	controllers []Controller
}

// Instance is a value a provider or controller built, with where it came from.
type Instance struct {
	Module   string
	Provider string
	Value    any
}

// Controller is a built controller and the module that declares it.
type Controller struct {
	Module      string
	Constructor string
	Value       any
}

// node is one module while the graph is built.
type node struct {
	mod         *Module
	imports     []*node
	providers   []*provider
	controllers []*provider
	exports     map[key]*provider
	visible     map[key]*provider
}

// Option changes how Build assembles the graph.
type Option interface{ apply(*buildConfig) }

type buildConfig struct {
	overrides []override
}

// Build checks the module tree rooted at root, provides everything to one
// dig container, and constructs every provider and controller, so that a
// mistake surfaces now, not at the first request.
func Build(root *Module, options ...Option) (*Graph, error) {
	var cfg buildConfig
	for _, o := range options {
		o.apply(&cfg)
	}
	nodes, err := collect(root)
	if err != nil {
		return nil, err
	}
	for _, n := range nodes {
		if err := n.load(); err != nil {
			return nil, err
		}
	}
	if err := applyOverrides(nodes, cfg.overrides); err != nil {
		return nil, err
	}
	providedBy, err := indexOutputs(nodes)
	if err != nil {
		return nil, err
	}
	for _, n := range nodes {
		if err := n.resolveExports(); err != nil {
			return nil, err
		}
	}
	for _, n := range nodes {
		n.resolveVisible(nodes)
		if err := n.checkInputs(providedBy); err != nil {
			return nil, err
		}
	}
	g := &Graph{container: dig.New(), nodes: nodes}
	if err := g.provideAll(); err != nil {
		return nil, err
	}
	if err := g.buildAll(); err != nil {
		return nil, err
	}
	return g, nil
}

// collect walks the imports from root, depth first, and returns every
// module once, imports before importers.
func collect(root *Module) ([]*node, error) {
	if root == nil {
		return nil, errors.New("godanet: the root module is nil")
	}
	var (
		order  []*node
		done   = map[*Module]*node{}
		byName = map[string]*Module{}
		path   []*Module
	)
	var visit func(m *Module) error
	visit = func(m *Module) error {
		for i, p := range path {
			if p == m {
				names := make([]string, 0, len(path)-i+1)
				for _, q := range path[i:] {
					names = append(names, q.Name)
				}
				return fmt.Errorf("godanet: modules import each other in a cycle: %s -> %s; move what they share into a module both import",
					strings.Join(names, " -> "), m.Name)
			}
		}
		if done[m] != nil {
			return nil
		}
		if m.Name == "" {
			return fmt.Errorf("godanet: a module has no Name (it provides %d providers and %d controllers); name every module so errors can point at it", len(m.Providers), len(m.Controllers))
		}
		if other, ok := byName[m.Name]; ok && other != m {
			return fmt.Errorf("godanet: two different modules are both named %q; give each module a unique Name (a dynamic module built twice needs a name per build)", m.Name)
		}
		byName[m.Name] = m
		path = append(path, m)
		for i, imp := range m.Imports {
			if imp == nil {
				return fmt.Errorf("godanet: module %q: Imports[%d] is nil; is the imported module's variable initialised before this one?", m.Name, i)
			}
			if err := visit(imp); err != nil {
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
	return order, visit(root)
}

// load analyses the module's providers and controllers.
func (n *node) load() error {
	for i, entry := range n.mod.Providers {
		p, err := newProvider(n, entry)
		if err != nil {
			return fmt.Errorf("godanet: module %q: Providers[%d]: %w", n.mod.Name, i, err)
		}
		n.providers = append(n.providers, p)
	}
	for i, entry := range n.mod.Controllers {
		p, err := newProvider(n, entry)
		if err != nil {
			return fmt.Errorf("godanet: module %q: Controllers[%d]: %w", n.mod.Name, i, err)
		}
		if len(p.outputs) != 1 || p.outputs[0].name != "" || p.outputs[0].group != "" {
			return fmt.Errorf("godanet: module %q: Controllers[%d] %s: a controller constructor returns one controller (and optionally an error); drop dig.Out, dig.Name and dig.Group here", n.mod.Name, i, p.label)
		}
		if t := p.outputs[0].t; t.Kind() != reflect.Pointer || t.Elem().Kind() != reflect.Struct {
			return fmt.Errorf("godanet: module %q: Controllers[%d] %s: a controller must be a pointer to a struct, got %v; return &%s{...}", n.mod.Name, i, p.label, t, strings.TrimPrefix(t.String(), "*"))
		}
		p.digName = fmt.Sprintf("godanet.controller:%s:%d", n.mod.Name, i)
		n.controllers = append(n.controllers, p)
	}
	return nil
}

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
					return nil, fmt.Errorf("godanet: %v is provided twice: by %s in module %q and by %s in module %q; keep one, or tell them apart with dig.Name",
						k, first.label, first.owner.mod.Name, p.label, n.mod.Name)
				}
				providedBy[k] = p
			}
		}
	}
	return providedBy, nil
}

// resolveExports turns Exports entries into keys. Imports are resolved
// first (collect's order), so a re-exported module's set is ready.
func (n *node) resolveExports() error {
	n.exports = map[key]*provider{}
	for i, e := range n.mod.Exports {
		if m, ok := e.(*Module); ok {
			imp := n.imported(m)
			if imp == nil {
				return fmt.Errorf("godanet: module %q: Exports[%d] re-exports module %q, which it does not import; add it to Imports", n.mod.Name, i, nameOf(m))
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
			return fmt.Errorf("godanet: module %q: Exports[%d] (%s) is not one of its Providers; add it to Providers, or export the module that provides it", n.mod.Name, i, asProvider(e))
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
		if imp.mod == m {
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
