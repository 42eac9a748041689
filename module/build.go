package module

import (
	"fmt"

	"go.uber.org/dig"
)

// Option changes how Build assembles the graph. Options print themselves,
// as core's, sse's and redisbroker's do.
type Option interface {
	apply(*buildConfig)
	String() string
}

type buildConfig struct {
	overrides []override
}

// Build checks the module tree rooted at root, provides everything to one
// dig container, and constructs every provider and controller, so that a
// mistake surfaces now, not at the first request. Its errors are typed
// (see errors.go): a *DefinitionError, *MissingProviderError,
// *NotVisibleError, *DuplicateProviderError, *OverrideError, *CycleError
// or *ConstructorError.
func Build(root *Module, options ...Option) (*Graph, error) {
	var cfg buildConfig
	for i, o := range options {
		if o == nil {
			return nil, &DefinitionError{Reason: fmt.Sprintf("option %d of Build is nil; remove it", i+1)}
		}
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
		if err := n.checkInputs(providedBy, nodes); err != nil {
			return nil, err
		}
	}
	g := &Graph{container: dig.New(), nodes: nodes, providedBy: providedBy}
	if err := g.provideAll(); err != nil {
		return nil, err
	}
	if err := g.buildAll(); err != nil {
		return nil, err
	}
	return g, nil
}

// provideAll hands every provider and controller to dig. The checks above
// leave dig two reasons to refuse one: a dependency cycle, which it
// detects as each constructor arrives, and a constructor shape it cannot
// use (a bad dig.In or dig.Out struct, for instance).
func (g *Graph) provideAll() error {
	for _, n := range g.nodes {
		for _, list := range [][]*provider{n.providers, n.controllers} {
			for _, p := range list {
				fn, options := p.digFunc(g)
				err := g.container.Provide(fn, options...)
				switch {
				case err == nil:
				case dig.IsCycleDetected(err):
					return &CycleError{Module: n.mod.Name, Provider: p.label, Err: err, path: cyclePath(p, g.providedBy, g.nodes)}
				default:
					return &DefinitionError{Module: n.mod.Name, Field: p.field, Provider: p.label, Err: err,
						Reason: fmt.Sprintf("dig cannot use it: %v", dig.RootCause(err))}
				}
			}
		}
	}
	return nil
}

// buildAll constructs every provider, module by module (imports first), and
// then every controller: NestJS builds eagerly, and so do we, so that a
// failing constructor stops start-up and every hook has its instance.
func (g *Graph) buildAll() error {
	for _, n := range g.nodes {
		for _, p := range n.providers {
			if _, err := g.invokeKeys(p.outputs); err != nil {
				return g.failure(err, fmt.Sprintf("module %q: building %s", n.mod.Name, p.label))
			}
		}
	}
	for _, n := range g.nodes {
		for _, p := range n.controllers {
			k := key{t: p.outputs[0].t, name: p.digName}
			if _, err := g.invokeKeys([]key{k}); err != nil {
				return g.failure(err, fmt.Sprintf("module %q: building controller %s", n.mod.Name, p.label))
			}
		}
	}
	return nil
}
