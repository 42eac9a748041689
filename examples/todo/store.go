package main

import (
	"github.com/godanet/godanet/examples/todo/store"
	"github.com/godanet/godanet/module"
)

// The store's types, by the names the example uses.
type (
	Todo  = store.Todo
	Store = store.Store
)

// ErrNotFound is the store's error for an id it does not hold.
var ErrNotFound = store.ErrNotFound

// StoreModule provides the store to every module that imports it.
var StoreModule = &module.Module{
	Name:      "store",
	Providers: []any{store.NewStore},
	Exports:   []any{store.NewStore},
}
