package core

import (
	"encoding/json"
	"reflect"
	"testing"
)

type ViewEmbedded struct {
	Tenant string `header:"X-Tenant"`
}

type viewInput struct {
	ID   int    `param:"id"`
	Name string `json:"name"`
	ViewEmbedded
	note string
	Tags []string `json:"tags"`
}

type selfDecoding struct {
	ID   int `param:"id"`
	Name string
}

func (s *selfDecoding) UnmarshalJSON([]byte) error { s.Name = "self"; return nil }

type hiddenEmbedded struct{ Page int }

// Paging has a method: reflect.StructOf cannot embed it after the first
// field, and panics.
type Paging struct{ Page int }

func (Paging) First() bool { return true }

type embedsMethods struct {
	ID int `param:"id"`
	Paging
}

// trailingZero ends with a zero-size field, which the compiler pads.
type trailingZero struct {
	ID   int    `param:"id"`
	Name string `json:"name"`
	End  struct{}
}

type unexportedEmbedding struct {
	ID int `param:"id"`
	hiddenEmbedded
}

// The body view hides the root fields of other sources, keeps every field
// where the input has it, and stands aside where it would read the body
// otherwise than the input does.
func TestBodyView(t *testing.T) {
	plan, err := newBindPlan(reflect.TypeFor[viewInput]())
	if err != nil {
		t.Fatal(err)
	}
	if plan.bodyView == nil {
		t.Fatal("no body view for an input with a path field")
	}
	var in viewInput
	in.note = "kept"
	if err := json.Unmarshal([]byte(`{"id":"x","ID":7,"name":"n","tags":["a"],"Tenant":"t"}`), plan.bodyTarget(&in)); err != nil {
		t.Fatal(err)
	}
	if in.ID != 0 || in.Name != "n" || len(in.Tags) != 1 || in.note != "kept" {
		t.Errorf("decoded through the view: %+v", in)
	}
	if in.Tenant != "t" {
		t.Errorf("an embedded struct's fields keep their tags (and are cleared after the body): Tenant %q", in.Tenant)
	}

	trailing, err := newBindPlan(reflect.TypeFor[trailingZero]())
	if err != nil || trailing.bodyView == nil || trailing.bodyView.Size() != reflect.TypeFor[trailingZero]().Size() {
		t.Errorf("a trailing zero-size field: view %v, %v", trailing.bodyView, err)
	}

	for _, typ := range []reflect.Type{reflect.TypeFor[selfDecoding](), reflect.TypeFor[unexportedEmbedding](), reflect.TypeFor[embedsMethods]()} {
		plan, err := newBindPlan(typ)
		if err != nil {
			t.Fatal(err)
		}
		if plan.bodyView != nil {
			t.Errorf("%v has a body view; it must be decoded as itself", typ)
		}
	}
}
