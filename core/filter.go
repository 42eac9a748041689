package core

// ErrorFilter maps an error to the error that should answer the request,
// like a NestJS exception filter. It returns err unchanged when it does not
// care, another error (a *Problem, an *echo.HTTPError) to change the answer,
// or nil when it has written the response itself.
//
//	func(err error, c Context) error {
//		if errors.Is(err, ErrNoSuchTodo) {
//			return core.NotFound("no such todo")
//		}
//		return err
//	}
type ErrorFilter func(err error, c Context) error

// withFilters runs filters, in order, over an error the handler returned.
func withFilters(next HandlerFunc, filters []ErrorFilter) HandlerFunc {
	if len(filters) == 0 {
		return next
	}
	return func(c Context) error {
		err := next(c)
		for _, f := range filters {
			if err == nil {
				return nil
			}
			err = f(err, c)
		}
		return err
	}
}
