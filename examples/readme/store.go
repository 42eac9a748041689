package readme

import "github.com/godanet/godanet/examples/todo/store"

// The README's snippets use the todo example's store, by these names.
type (
	Todo  = store.Todo
	Store = store.Store
)

// ErrNotFound is the store's error for an id it does not hold.
var ErrNotFound = store.ErrNotFound

// NewStore is StoreModule's constructor.
func NewStore() *Store { return store.NewStore() }
