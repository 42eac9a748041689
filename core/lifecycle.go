package core

import (
	"context"
	"errors"
	"fmt"

	"github.com/godanet/godanet/module"
)

// OnModuleInit is implemented by providers and controllers that must do
// work once everything they depend on is built. New calls it in dependency
// order.
type OnModuleInit interface {
	OnModuleInit(ctx context.Context) error
}

// OnAppBootstrap is called by New after every OnModuleInit, in dependency
// order, before the App serves a request.
type OnAppBootstrap interface {
	OnAppBootstrap(ctx context.Context) error
}

// OnAppShutdown is called by Shutdown after the server has stopped taking
// requests, in reverse dependency order: a service shuts down before what
// it depends on.
type OnAppShutdown interface {
	OnAppShutdown(ctx context.Context) error
}

// runStartHooks runs the init and bootstrap hooks. If one fails, the shutdown
// hooks of everything already started run, so nothing is left half open.
func (a *App) runStartHooks() error {
	ctx := context.Background()
	instances := a.graph.Instances()
	for i, inst := range instances {
		if h, ok := inst.Value.(OnModuleInit); ok {
			if err := h.OnModuleInit(ctx); err != nil {
				return a.abortStart(instances[:i], fmt.Errorf("core: module %q: OnModuleInit of %s (%T): %w", inst.Module, inst.Provider, inst.Value, err))
			}
		}
	}
	for _, inst := range instances {
		if h, ok := inst.Value.(OnAppBootstrap); ok {
			if err := h.OnAppBootstrap(ctx); err != nil {
				return a.abortStart(instances, fmt.Errorf("core: module %q: OnAppBootstrap of %s (%T): %w", inst.Module, inst.Provider, inst.Value, err))
			}
		}
	}
	a.hooks = instances
	return nil
}

func (a *App) abortStart(started []module.Instance, cause error) error {
	if err := runShutdownHooks(context.Background(), started); err != nil {
		return errors.Join(cause, err)
	}
	return cause
}

// runShutdownHooks calls OnAppShutdown in reverse construction order and
// joins the errors; one failing hook does not stop the others.
func runShutdownHooks(ctx context.Context, instances []module.Instance) error {
	var errs []error
	for i := len(instances) - 1; i >= 0; i-- {
		inst := instances[i]
		if h, ok := inst.Value.(OnAppShutdown); ok {
			if err := h.OnAppShutdown(ctx); err != nil {
				errs = append(errs, fmt.Errorf("core: module %q: OnAppShutdown of %s (%T): %w", inst.Module, inst.Provider, inst.Value, err))
			}
		}
	}
	return errors.Join(errs...)
}
