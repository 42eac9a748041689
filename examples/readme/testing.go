package readme

import "github.com/godanet/godanet/core"

// NewTestApp is the README's test set-up: TodoModule with its store
// replaced by one that already holds a todo.
func NewTestApp() (*core.App, error) {
	// readme:begin override
	fake := NewStore() // T below is *Store, the type NewStore provides
	fake.Create("seeded by the test")
	app, err := core.New(TodoModule, core.OverrideProvider[*Store](fake))
	// readme:end
	if err != nil {
		return nil, err
	}
	return app, nil
}
