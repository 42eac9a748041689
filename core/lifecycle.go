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
				return a.abortStart(instances[:i], hookError("OnModuleInit", inst, err))
			}
		}
	}
	for _, inst := range instances {
		if h, ok := inst.Value.(OnAppBootstrap); ok {
			if err := h.OnAppBootstrap(ctx); err != nil {
				return a.abortStart(instances, hookError("OnAppBootstrap", inst, err))
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
				errs = append(errs, hookError("OnAppShutdown", inst, err))
			}
		}
	}
	return errors.Join(errs...)
}

// HookError is a lifecycle hook that failed: New returns it for
// OnModuleInit and OnAppBootstrap, Shutdown (joined) for OnAppShutdown.
type HookError struct {
	// Hook is "OnModuleInit", "OnAppBootstrap" or "OnAppShutdown".
	Hook string
	// Module is the module that provides the instance.
	Module string
	// Provider is the constructor (or value) that built the instance.
	Provider string
	// Instance is the value whose hook failed.
	Instance any
	// Err is what the hook returned.
	Err error
}

func hookError(hook string, inst module.Instance, err error) error {
	return &HookError{Hook: hook, Module: inst.Module, Provider: inst.Provider, Instance: inst.Value, Err: err}
}

func (e *HookError) Error() string {
	return fmt.Sprintf("core: module %q: %s of %s (%T): %v", e.Module, e.Hook, e.Provider, e.Instance, e.Err)
}

func (e *HookError) Unwrap() error { return e.Err }
