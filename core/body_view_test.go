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

	for _, typ := range []reflect.Type{reflect.TypeFor[selfDecoding](), reflect.TypeFor[unexportedEmbedding]()} {
		plan, err := newBindPlan(typ)
		if err != nil {
			t.Fatal(err)
		}
		if plan.bodyView != nil {
			t.Errorf("%v has a body view; it must be decoded as itself", typ)
		}
	}
}
