package readme

import "github.com/godanet/godanet/core"

// readme:begin binding

type UpdateTodo struct {
	ID    int     `param:"id" validate:"gt=0"`
	Title *string `json:"title" validate:"omitnil,min=1,max=200"`
	Done  *bool   `json:"done"`
}

func (c *TodoController) Update(_ core.Context, in UpdateTodo) (Todo, error) {
	return c.Store.Update(in.ID, func(t *Todo) {
		if in.Title != nil {
			t.Title = *in.Title
		}
		if in.Done != nil {
			t.Done = *in.Done
		}
	})
}

// readme:end
