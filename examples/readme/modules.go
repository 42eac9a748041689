package readme

import "github.com/godanet/godanet/module"

// Token is the bearer token that the guard accepts.
type Token string

// readme:begin modules

var StoreModule = &module.Module{
	Name:      "store",
	Providers: []any{NewStore}, // a constructor of any shape dig accepts
	Exports:   []any{NewStore}, // what importers may inject
}

func AuthModule(token Token) *module.Module { // a dynamic module (forRoot)
	return &module.Module{
		Name:      "auth",
		Providers: []any{module.Value(token), NewTokenGuard},
		Exports:   []any{NewTokenGuard},
	}
}

var TodoModule = &module.Module{
	Name:        "todo",
	Imports:     []*module.Module{StoreModule, AuthModule("s3cret")},
	Controllers: []any{NewTodoController},
}

// readme:end
