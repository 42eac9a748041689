package store_test

import (
	"errors"
	"fmt"

	"github.com/godanet/godanet/examples/todo/store"
)

func ExampleStore() {
	s := store.NewStore()
	s.Create("buy milk")
	s.Create("walk the dog")
	s.Update(1, func(t *store.Todo) { t.Done = true })
	if _, err := s.Delete(2); err != nil {
		fmt.Println(err)
	}
	_, err := s.Get(2)
	fmt.Println(s.List(), errors.Is(err, store.ErrNotFound))
	// Output: [{1 buy milk true}] true
}
