package openapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"go/token"
	"maps"
	"net/netip"
	"reflect"
	"slices"
	"strings"
	"testing"
	"text/scanner"
	"time"
	"unsafe"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/godanet/godanet/core"
	"github.com/godanet/godanet/sse"
)

// docItem exercises most kinds in one type.
type docItem struct {
	ID      int64             `json:"id" validate:"gt=0"`
	Title   string            `json:"title" validate:"required,min=3,max=100"`
	State   string            `json:"state" validate:"oneof=open 'in progress' done"`
	Prio    *int              `json:"prio" validate:"omitempty,gte=1,lte=5"`
	Tags    []string          `json:"tags" validate:"max=5,dive,alphanum"`
	Labels  map[string]string `json:"labels"`
	ByDay   map[int]float64   `json:"byDay"`
	Owner   *docPerson        `json:"owner"`
	Parent  *docItem          `json:"parent,omitempty"`
	Due     time.Time         `json:"due"`
	Payload []byte            `json:"payload"`
	Extra   any               `json:"extra"`
	Count   uint16            `json:"count,string"`
	Pair    [2]int8           `json:"pair"`
	Ratio   float32           `json:"ratio" validate:"gte=0,lt=1"`
}

type docPerson struct {
	Email string `json:"email" validate:"required,email"`
	ID    string `json:"id" validate:"uuid4"`
}

type custom struct{}

func (custom) MarshalJSON() ([]byte, error) { return []byte(`1`), nil }

type level int

func (level) MarshalText() ([]byte, error) { return []byte("high"), nil }

type nameOnly string

func TestKinds(t *testing.T) {
	for _, c := range []struct {
		typ   reflect.Type
		want  string
		notes []string
	}{
		{reflect.TypeFor[bool](), `{"type":"boolean"}`, nil},
		{reflect.TypeFor[int](), `{"type":"integer","format":"int64"}`, nil},
		{reflect.TypeFor[int8](), `{"type":"integer","format":"int32","minimum":-128,"maximum":127}`, nil},
		{reflect.TypeFor[int16](), `{"type":"integer","format":"int32","minimum":-32768,"maximum":32767}`, nil},
		{reflect.TypeFor[int32](), `{"type":"integer","format":"int32"}`, nil},
		{reflect.TypeFor[int64](), `{"type":"integer","format":"int64"}`, nil},
		{reflect.TypeFor[uint](), `{"type":"integer","minimum":0}`, nil},
		{reflect.TypeFor[uint8](), `{"type":"integer","format":"int32","minimum":0,"maximum":255}`, nil},
		{reflect.TypeFor[uint16](), `{"type":"integer","format":"int32","minimum":0,"maximum":65535}`, nil},
		{reflect.TypeFor[uint32](), `{"type":"integer","format":"int64","minimum":0,"maximum":4294967295}`, nil},
		{reflect.TypeFor[uint64](), `{"type":"integer","minimum":0}`, nil},
		{reflect.TypeFor[uintptr](), `{"type":"integer","minimum":0}`, nil},
		{reflect.TypeFor[float32](), `{"type":"number","format":"float"}`, nil},
		{reflect.TypeFor[float64](), `{"type":"number","format":"double"}`, nil},
		{reflect.TypeFor[string](), `{"type":"string"}`, nil},
		{reflect.TypeFor[nameOnly](), `{"type":"string"}`, nil},
		{reflect.TypeFor[[]byte](), `{"type":["string","null"],"contentEncoding":"base64"}`, nil},
		{reflect.TypeFor[[4]byte](), `{"type":"array","items":{"type":"integer","format":"int32","minimum":0,"maximum":255},"minItems":4,"maxItems":4}`, nil},
		{reflect.TypeFor[time.Time](), `{"type":"string","format":"date-time"}`, nil},
		{reflect.TypeFor[*time.Time](), `{"type":["string","null"],"format":"date-time"}`, nil},
		{reflect.TypeFor[time.Duration](), `{"type":"integer","format":"int64","description":"A duration in nanoseconds."}`, nil},
		{reflect.TypeFor[[]string](), `{"type":["array","null"],"items":{"type":"string"}}`, nil},
		{reflect.TypeFor[[2]bool](), `{"type":"array","items":{"type":"boolean"},"minItems":2,"maxItems":2}`, nil},
		{reflect.TypeFor[map[string]float32](), `{"type":["object","null"],"additionalProperties":{"type":"number","format":"float"}}`, nil},
		{reflect.TypeFor[map[int64]string](), `{"type":["object","null"],"additionalProperties":{"type":"string"},"propertyNames":{"type":"string","pattern":"^-?[0-9]+$"}}`, nil},
		{reflect.TypeFor[map[level]string](), `{"type":["object","null"],"additionalProperties":{"type":"string"}}`, nil},
		{reflect.TypeFor[*int](), `{"type":["integer","null"],"format":"int64"}`, nil},
		{reflect.TypeFor[**string](), `{"type":["string","null"]}`, nil},
		{reflect.TypeFor[*[]string](), `{"type":["array","null"],"items":{"type":"string"}}`, nil},
		{reflect.TypeFor[any](), `{}`, nil},
		{reflect.TypeFor[*any](), `{}`, nil},
		{reflect.TypeFor[json.RawMessage](), `{}`, nil},
		{reflect.TypeFor[netip.Addr](), `{"type":"string"}`, nil},
		{reflect.TypeFor[level](), `{"type":"string"}`, nil},
		{reflect.TypeFor[custom](), `{}`, []string{"custom JSON (openapi.custom)"}},
		{reflect.TypeFor[[]custom](), `{"type":["array","null"],"items":{}}`, []string{"[]: custom JSON (openapi.custom)"}},
		{reflect.TypeFor[struct {
			A string `json:"a"`
		}](), `{"type":"object","required":["a"],"properties":{"a":{"type":"string"}}}`, nil},
		{reflect.TypeFor[*docPerson](), `{"anyOf":[{"$ref":"#/components/schemas/docPerson"},{"type":"null"}]}`, nil},
		{reflect.TypeFor[[]docPerson](), `{"type":["array","null"],"items":{"$ref":"#/components/schemas/docPerson"}}`, nil},
	} {
		t.Run(c.typ.String(), func(t *testing.T) {
			ref, notes, err := NewGenerator().Schema(c.typ)
			if err != nil {
				t.Fatal(err)
			}
			if got, ok := equalJSON(t, ref, c.want); !ok {
				t.Errorf("\n got %s\nwant %s", got, c.want)
			}
			if !slices.Equal(notes, c.notes) {
				t.Errorf("notes = %q, want %q", notes, c.notes)
			}
		})
	}
}

type fieldNames struct {
	Plain     string
	Named     string `json:"named"`
	Omit      string `json:"omit,omitempty"`
	Zero      int    `json:",omitzero"`
	Skipped   string `json:"-"`
	Quoted    int    `json:"quoted,string"`
	QuotedPtr *bool  `json:"qp,string"`
	QuotedStr string `json:"qs,string"`
	private   string
}

type inner struct {
	A string `json:"a"`
	B string `json:"b"`
	C string
}

type inner2 struct {
	B string `json:"b"`
	C string
	D string `json:"d"`
}

type outer struct {
	inner
	*inner2
	Own   string `json:"a"`
	Named inner  `json:"named"`
}

func TestFieldNames(t *testing.T) {
	_ = fieldNames{private: ""}
	g := NewGenerator()
	for _, c := range []struct {
		typ  reflect.Type
		want string
	}{
		{reflect.TypeFor[fieldNames](), `{"type":"object","required":["Plain","named","quoted","qp","qs"],"properties":{
			"Plain":{"type":"string"},"named":{"type":"string"},"omit":{"type":"string"},"Zero":{"type":"integer","format":"int64"},
"quoted":{"type":"string","pattern":"^-?[0-9]+$"},"qp":{"type":["string","null"],"enum":["true","false",null]},
			"qs":{"type":"string"}}}`},
		// inner.A loses to outer's tagged a; b is tagged in both at one
		// depth, so it is hidden; C is untagged in both, hidden too.
		// d is promoted through a pointer, left out when it is nil.
		{reflect.TypeFor[outer](), `{"type":"object","required":["a","named"],"properties":{
			"a":{"type":"string"},"d":{"type":"string"},"named":{"$ref":"#/components/schemas/inner"}}}`},
	} {
		ref, _, err := g.Schema(c.typ)
		if err != nil {
			t.Fatal(err)
		}
		if got, ok := equalJSON(t, g.Components()[c.typ.Name()], c.want); !ok {
			t.Errorf("%v:\n got %s\nwant %s", c.typ, got, c.want)
		}
		if ref.Ref != RefPrefix+c.typ.Name() {
			t.Errorf("ref = %q", ref.Ref)
		}
	}
	// The hidden names must match encoding/json's.
	b, _ := json.Marshal(outer{inner: inner{A: "x", B: "y", C: "z"}, inner2: &inner2{B: "y", C: "z", D: "w"}, Own: "o"})
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	for _, k := range []string{"b", "C", "A"} {
		if _, ok := m[k]; ok {
			t.Errorf("encoding/json writes %q, the test's premise is wrong: %s", k, b)
		}
	}
}

type tree struct {
	Name     string          `json:"name"`
	Children []tree          `json:"children"`
	Parent   *tree           `json:"parent"`
	Index    map[string]tree `json:"index"`
	Other    *forest         `json:"other" validate:"required"`
}

type forest struct {
	Trees []*tree `json:"trees" validate:"dive,required"`
	Code  string  `json:"code" validate:"iso3166_1_alpha2"`
}

func TestRecursion(t *testing.T) {
	g := NewGenerator()
	ref, notes, err := g.Schema(reflect.TypeFor[tree]())
	if err != nil {
		t.Fatal(err)
	}
	if ref.Ref != "#/components/schemas/tree" {
		t.Errorf("ref = %q", ref.Ref)
	}
	want := map[string]string{
		"tree": `{"type":"object","required":["name","children","parent","index","other"],"properties":{
			"name":{"type":"string"},
			"children":{"type":["array","null"],"items":{"$ref":"#/components/schemas/tree"}},
			"parent":{"anyOf":[{"$ref":"#/components/schemas/tree"},{"type":"null"}]},
			"index":{"type":["object","null"],"additionalProperties":{"$ref":"#/components/schemas/tree"}},
			"other":{"$ref":"#/components/schemas/forest"}}}`,
		"forest": `{"type":"object","required":["trees","code"],"properties":{
			"trees":{"type":["array","null"],"items":{"$ref":"#/components/schemas/tree"}},
			"code":{"type":"string"}}}`,
	}
	for name, w := range want {
		if got, ok := equalJSON(t, g.Components()[name], w); !ok {
			t.Errorf("%s:\n got %s\nwant %s", name, got, w)
		}
	}
	if !slices.Equal(notes, []string{"other.code: iso3166_1_alpha2"}) {
		t.Errorf("notes = %q", notes)
	}
	// forest asked for later finds its notes again, and tree's under it.
	_, notes, err = g.Schema(reflect.TypeFor[[]forest]())
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(notes, []string{"[].code: iso3166_1_alpha2"}) {
		t.Errorf("notes = %q", notes)
	}
}

type user struct {
	Name    string   `json:"name" validate:"required"`
	Address *address `json:"address"`
	Billing address  `json:"billing"`
}

type address struct {
	Zip string `json:"zip" validate:"postcode_iso3166_alpha2_field=Country"`
}

func TestComponentReuse(t *testing.T) {
	g := NewGenerator()
	a, notesA, err := g.Schema(reflect.TypeFor[user]())
	if err != nil {
		t.Fatal(err)
	}
	b, notesB, err := g.Schema(reflect.TypeFor[user]())
	if err != nil {
		t.Fatal(err)
	}
	if a.Ref != b.Ref || a.Value != b.Value {
		t.Errorf("a second call made another schema: %q %q", a.Ref, b.Ref)
	}
	want := []string{"address.zip: postcode_iso3166_alpha2_field=Country", "billing.zip: postcode_iso3166_alpha2_field=Country"}
	if !slices.Equal(notesA, want) || !slices.Equal(notesB, want) {
		t.Errorf("notes = %q then %q, want %q", notesA, notesB, want)
	}
	names := slices.Sorted(func(yield func(string) bool) {
		for k := range g.Components() {
			if !yield(k) {
				return
			}
		}
	})
	if !slices.Equal(names, []string{"address", "user"}) {
		t.Errorf("components = %q", names)
	}
}

type page[T any] struct {
	Items []T `json:"items"`
	Next  string
}

func TestComponentNames(t *testing.T) {
	type local struct{ A int }
	g := NewGenerator()
	for _, c := range []struct {
		typ  reflect.Type
		want string
	}{
		{reflect.TypeFor[token.Position](), "Position"},
		{reflect.TypeFor[scanner.Position](), "scanner.Position"},
		{reflect.TypeFor[token.Position](), "Position"}, // again: the same name
		{reflect.TypeFor[page[docPerson]](), "page_docPerson"},
		{reflect.TypeFor[page[map[string]token.Position]](), "page_map_string_Position"},
		{reflect.TypeFor[local](), "local"},
		{reflect.TypeFor[struct{ local }](), ""},
	} {
		ref, _, err := g.Schema(c.typ)
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.TrimPrefix(ref.Ref, RefPrefix); got != c.want {
			t.Errorf("%v: name %q, want %q", c.typ, got, c.want)
		}
		if c.want != "" && g.Components()[c.want] == nil {
			t.Errorf("%v: no component %q", c.typ, c.want)
		}
	}
	// Two types of one name in one package: package prefix, then a number.
	clash := func() reflect.Type {
		type local struct{ B int }
		return reflect.TypeFor[local]()
	}()
	ref, _, err := g.Schema(clash)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimPrefix(ref.Ref, RefPrefix); got != "openapi.local" {
		t.Errorf("clash: %q", got)
	}
	clash2 := func() reflect.Type {
		type local struct{ C int }
		return reflect.TypeFor[local]()
	}()
	ref, _, _ = g.Schema(clash2)
	if got := strings.TrimPrefix(ref.Ref, RefPrefix); got != "godanet.openapi.local" {
		t.Errorf("second clash: %q", got)
	}
}

// TestDeterministic builds the same schemas twice and compares the JSON.
func TestDeterministic(t *testing.T) {
	build := func() string {
		g := NewGenerator()
		for _, typ := range []reflect.Type{reflect.TypeFor[docItem](), reflect.TypeFor[tree](), reflect.TypeFor[user]()} {
			if _, _, err := g.Schema(typ); err != nil {
				t.Fatal(err)
			}
		}
		b, err := json.Marshal(g.Components())
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	if a, b := build(), build(); a != b {
		t.Errorf("two runs differ:\n%s\n%s", a, b)
	}
}

type selfList []selfList

type selfMap map[string]selfMap

type badKey struct{ X int }

type withBad struct {
	Name  string `json:"name"`
	Inner struct {
		Fn func() `json:"fn"`
	} `json:"inner"`
}

type badIface struct {
	Err error `json:"err"`
}

type badDeep struct {
	Items []map[string]*badIface `json:"items"`
}

func TestErrors(t *testing.T) {
	for _, c := range []struct {
		typ  reflect.Type
		path string
		bad  reflect.Type
	}{
		{reflect.TypeFor[chan int](), "", reflect.TypeFor[chan int]()},
		{reflect.TypeFor[func()](), "", reflect.TypeFor[func()]()},
		{reflect.TypeFor[complex64](), "", reflect.TypeFor[complex64]()},
		{reflect.TypeFor[complex128](), "", reflect.TypeFor[complex128]()},
		{reflect.TypeFor[unsafe.Pointer](), "", reflect.TypeFor[unsafe.Pointer]()},
		{reflect.TypeFor[map[badKey]int](), "", reflect.TypeFor[map[badKey]int]()},
		{reflect.TypeFor[map[float64]int](), "", reflect.TypeFor[map[float64]int]()},
		{reflect.TypeFor[error](), "", reflect.TypeFor[error]()},
		{reflect.TypeFor[selfList](), "[]", reflect.TypeFor[selfList]()},
		{reflect.TypeFor[selfMap](), "[]", reflect.TypeFor[selfMap]()},
		{reflect.TypeFor[withBad](), "inner.fn", reflect.TypeFor[func()]()},
		{reflect.TypeFor[[]withBad](), "[].inner.fn", reflect.TypeFor[func()]()},
		{reflect.TypeFor[badDeep](), "items[][].err", reflect.TypeFor[error]()},
	} {
		t.Run(c.typ.String(), func(t *testing.T) {
			_, _, err := NewGenerator().Schema(c.typ)
			var te *TypeError
			if !errors.As(err, &te) {
				t.Fatalf("err = %v, want a *TypeError", err)
			}
			if te.Path != c.path || te.Type != c.bad || te.Root != c.typ {
				t.Errorf("path %q type %v root %v, want %q %v %v", te.Path, te.Type, te.Root, c.path, c.bad, c.typ)
			}
			if c.path != "" && !strings.Contains(err.Error(), `"`+c.path+`"`) {
				t.Errorf("message does not name the field: %v", err)
			}
			if !strings.Contains(err.Error(), c.bad.String()) {
				t.Errorf("message does not name the type: %v", err)
			}
		})
	}
}

// TestErrorLeavesNoComponent: a struct that fails is not left behind.
func TestErrorLeavesNoComponent(t *testing.T) {
	g := NewGenerator()
	if _, _, err := g.Schema(reflect.TypeFor[badDeep]()); err == nil {
		t.Fatal("no error")
	}
	if _, ok := g.Components()["badDeep"]; ok {
		t.Error("badDeep is a component after its error")
	}
}

type embeddedParams struct {
	Tenant string `header:"X-Tenant"`
	Page   int    `query:"page"`
}

type createInput struct {
	embeddedParams
	ID      int               `param:"id" validate:"gt=0"`
	Session string            `cookie:"session"`
	Title   string            `json:"title" form:"t" validate:"required,max=80"`
	Done    bool              `json:"done"`
	Note    string            `form:"note"`
	Plain   string            // neither tag: the Go name
	Count   int               `json:"count,string"`
	Hidden  string            `json:"-"`
	NoForm  string            `json:"noform" form:"-"`
	Tags    []string          `json:"tags" validate:"dive,min=1"`
	Owner   *docPerson        `json:"owner"`
	Meta    map[string]string `json:"meta" validate:"max=3,dive,keys,alpha,endkeys"`
	Caller  *docPerson        `attached:""` // core.Attach's: never in the body
}

func TestBody(t *testing.T) {
	g := NewGenerator()
	for _, c := range []struct {
		tag   string
		want  string
		notes []string
	}{
		{"json", `{"type":"object","required":["title"],"properties":{
			"title":{"type":"string","minLength":1,"maxLength":80},
			"done":{"type":"boolean"},
			"Note":{"type":"string"},
			"Plain":{"type":"string"},
			"count":{"type":"string","pattern":"^-?[0-9]+$"},
			"noform":{"type":"string"},
			"tags":{"type":["array","null"],"items":{"type":"string","minLength":1}},
			"owner":{"anyOf":[{"$ref":"#/components/schemas/docPerson-Input"},{"type":"null"}]},
			"meta":{"type":["object","null"],"maxProperties":3,"additionalProperties":{"type":"string"}}}}`,
			[]string{"meta: dive,keys,alpha,endkeys"}},
		{"form", `{"type":"object","required":["t"],"properties":{
			"t":{"type":"string","minLength":1,"maxLength":80},
			"done":{"type":"boolean"},
			"note":{"type":"string"},
			"Plain":{"type":"string"},
			"count":{"type":"integer","format":"int64"},
			"tags":{"type":["array","null"],"items":{"type":"string","minLength":1}},
			"owner":{"anyOf":[{"$ref":"#/components/schemas/docPerson-Input"},{"type":"null"}]},
			"meta":{"type":["object","null"],"maxProperties":3,"additionalProperties":{"type":"string"}}}}`,
			[]string{"meta: dive,keys,alpha,endkeys"}},
	} {
		t.Run(c.tag, func(t *testing.T) {
			for _, typ := range []reflect.Type{reflect.TypeFor[createInput](), reflect.TypeFor[*createInput]()} {
				ref, notes, err := g.Body(typ, c.tag)
				if err != nil {
					t.Fatal(err)
				}
				if ref.Ref != "" {
					t.Errorf("a body is inline, got $ref %q", ref.Ref)
				}
				if got, ok := equalJSON(t, ref, c.want); !ok {
					t.Errorf("%v:\n got %s\nwant %s", typ, got, c.want)
				}
				if !slices.Equal(notes, c.notes) {
					t.Errorf("notes = %q, want %q", notes, c.notes)
				}
			}
		})
	}
	if _, ok := g.Components()["createInput"]; ok {
		t.Error("Body made a component of the input type")
	}
	var te *TypeError
	if _, _, err := g.Body(reflect.TypeFor[[]int](), "json"); !errors.As(err, &te) {
		t.Errorf("Body of a slice: err = %v, want a *TypeError", err)
	}
}

type params struct {
	ID     int       `param:"id" validate:"gt=0"`
	Q      string    `query:"q" validate:"required,min=2"`
	Page   *int      `query:"page" validate:"omitempty,gte=1"`
	Limit  *int      `query:"limit" validate:"lte=100"`
	Sort   string    `query:"sort" validate:"oneof=asc desc"`
	Tags   []string  `query:"tag" validate:"dive,alpha"`
	Tenant string    `header:"X-Tenant" validate:"uuid"`
	Theme  string    `cookie:"theme" validate:"customrule"`
	When   time.Time `query:"when"`
	Bad    chan int  `query:"bad"`
	Body   string    `json:"body" validate:"required"`
}

func TestField(t *testing.T) {
	g := NewGenerator()
	for _, c := range []struct {
		field    string
		want     string
		required bool
		notes    []string
	}{
		{"ID", `{"type":"integer","format":"int64","exclusiveMinimum":0}`, false, nil},
		{"Q", `{"type":"string","minLength":2}`, true, nil},
		{"Page", `{"type":"integer","format":"int64","minimum":1}`, false, nil},
		{"Limit", `{"type":"integer","format":"int64","maximum":100}`, true, nil},
		{"Sort", `{"type":"string","enum":["asc","desc"]}`, false, nil},
		{"Tags", `{"type":"array","items":{"type":"string","pattern":"^[a-zA-Z]+$"}}`, false, nil},
		{"Tenant", `{"type":"string","format":"uuid"}`, false, nil},
		{"Theme", `{"type":"string"}`, false, []string{"theme: customrule"}},
		{"When", `{"type":"string","format":"date-time"}`, false, nil},
		{"Body", `{"type":"string","minLength":1}`, true, nil},
	} {
		t.Run(c.field, func(t *testing.T) {
			f, _ := reflect.TypeFor[params]().FieldByName(c.field)
			ref, required, notes, err := g.Field(f)
			if err != nil {
				t.Fatal(err)
			}
			if got, ok := equalJSON(t, ref, c.want); !ok {
				t.Errorf("\n got %s\nwant %s", got, c.want)
			}
			if required != c.required {
				t.Errorf("required = %v, want %v", required, c.required)
			}
			if !slices.Equal(notes, c.notes) {
				t.Errorf("notes = %q, want %q", notes, c.notes)
			}
		})
	}
	f, _ := reflect.TypeFor[params]().FieldByName("Bad")
	_, _, _, err := g.Field(f)
	var te *TypeError
	if !errors.As(err, &te) || te.Path != "bad" {
		t.Errorf("err = %v, want a *TypeError at bad", err)
	}
}

type zeroList []int

// IsZero says a list is zero when it is empty but not nil, so omitzero
// still writes a nil one, as null.
func (l zeroList) IsZero() bool { return l != nil && len(l) == 0 }

type base struct {
	Created string `json:"created"`
}

type written struct {
	*base
	Plain    string            `json:"plain"`
	Omit     string            `json:"omit,omitempty"`
	Zero     int               `json:"zero,omitzero"`
	Rule     string            `json:"rule,omitempty" validate:"required"`
	Skip     string            `json:"skip" validate:"-"`
	Struct   docPerson         `json:"struct,omitempty"`
	Empty    [0]int            `json:"empty,omitempty"`
	Full     [1]int            `json:"full,omitempty"`
	List     []string          `json:"list,omitempty"`
	ZList    []string          `json:"zlist,omitzero"`
	Map      map[string]int    `json:"map,omitempty"`
	Bytes    []byte            `json:"bytes,omitempty"`
	Ptr      *int              `json:"ptr,omitempty" validate:"omitempty,oneof=1 2"`
	ZPtr     *int              `json:"zptr,omitzero"`
	Ref      *docPerson        `json:"ref,omitempty"`
	Quoted   *bool             `json:"quoted,omitempty,string"`
	PtrPtr   **int             `json:"ptrPtr,omitempty"`
	PtrList  *[]int            `json:"ptrList,omitempty"`
	Own      zeroList          `json:"own,omitzero"`
	NullList []string          `json:"nullList"`
	NullMap  map[string]string `json:"nullMap"`
}

// TestWritten: Schema says what encoding/json writes, Body what a client
// may send.
func TestWritten(t *testing.T) {
	g := NewGenerator()
	ref, _, err := g.Schema(reflect.TypeFor[written]())
	if err != nil {
		t.Fatal(err)
	}
	resp := ref.Value
	wantRequired := []string{"plain", "rule", "skip", "struct", "full", "nullList", "nullMap"}
	if !slices.Equal(resp.Required, wantRequired) {
		t.Errorf("Schema: required = %q, want %q", resp.Required, wantRequired)
	}
	for name, want := range map[string]string{
		"list":     `{"type":"array","items":{"type":"string"}}`,
		"zlist":    `{"type":"array","items":{"type":"string"}}`,
		"map":      `{"type":"object","additionalProperties":{"type":"integer","format":"int64"}}`,
		"bytes":    `{"type":"string","contentEncoding":"base64"}`,
		"ptr":      `{"type":"integer","format":"int64","enum":[1,2]}`,
		"zptr":     `{"type":"integer","format":"int64"}`,
		"ref":      `{"$ref":"#/components/schemas/docPerson"}`,
		"quoted":   `{"type":"string","enum":["true","false"]}`,
		"ptrPtr":   `{"type":["integer","null"],"format":"int64"}`,
		"ptrList":  `{"type":["array","null"],"items":{"type":"integer","format":"int64"}}`,
		"own":      `{"type":["array","null"],"items":{"type":"integer","format":"int64"}}`,
		"nullList": `{"type":["array","null"],"items":{"type":"string"}}`,
	} {
		if got, ok := equalJSON(t, resp.Properties[name], want); !ok {
			t.Errorf("Schema: %s:\n got %s\nwant %s", name, got, want)
		}
	}

	// The premises, from encoding/json itself: the zero value has the
	// required properties but rule (whose zero value the rules reject),
	// and own (whose IsZero says nil is not zero); and a value with
	// non-nil pointers to nil has null only where the schema allows it.
	b, _ := json.Marshal(written{})
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	wantKeys := append(slices.DeleteFunc(slices.Clone(wantRequired), func(s string) bool { return s == "rule" }), "own")
	if got := slices.Sorted(maps.Keys(m)); !slices.Equal(got, slices.Sorted(slices.Values(wantKeys))) {
		t.Errorf("encoding/json writes %q for the zero value, want %q: %s", got, wantKeys, b)
	}
	var nilInt *int
	var nilList []int
	b, _ = json.Marshal(written{base: &base{}, PtrPtr: &nilInt, PtrList: &nilList, Own: zeroList(nil)})
	m = nil
	_ = json.Unmarshal(b, &m)
	for name, v := range m {
		if v == nil && !slices.Contains(*resp.Properties[name].Value.Type, "null") {
			t.Errorf("encoding/json writes %s as null, the schema does not allow it: %s", name, b)
		}
	}
	if _, ok := m["created"]; !ok {
		t.Errorf("encoding/json leaves out created of a non-nil embedded pointer: %s", b)
	}

	// A request body: only the rules require, and null stays.
	body, _, err := g.Body(reflect.TypeFor[written](), "json")
	if err != nil {
		t.Fatal(err)
	}
	if got := body.Value.Required; !slices.Equal(got, []string{"rule"}) {
		t.Errorf("Body: required = %q, want [rule]", got)
	}
	for name, want := range map[string]string{
		"list":   `{"type":["array","null"],"items":{"type":"string"}}`,
		"ref":    `{"anyOf":[{"$ref":"#/components/schemas/docPerson-Input"},{"type":"null"}]}`,
		"struct": `{"$ref":"#/components/schemas/docPerson-Input"}`,
		"ptr":    `{"type":["integer","null"],"format":"int64","enum":[1,2,null]}`,
	} {
		if got, ok := equalJSON(t, body.Value.Properties[name], want); !ok {
			t.Errorf("Body: %s:\n got %s\nwant %s", name, got, want)
		}
	}
}

// TestProblemSchema: a problem always has type, title and status, and
// errors, when there, is an array.
func TestProblemSchema(t *testing.T) {
	g := NewGenerator()
	if _, _, err := g.Schema(reflect.TypeFor[core.Problem]()); err != nil {
		t.Fatal(err)
	}
	p := g.Components()["Problem"].Value
	if !slices.Equal(p.Required, []string{"type", "title", "status"}) {
		t.Errorf("required = %q", p.Required)
	}
	want := `{"type":"array","items":{"$ref":"#/components/schemas/FieldError"}}`
	if got, ok := equalJSON(t, p.Properties["errors"], want); !ok {
		t.Errorf("errors:\n got %s\nwant %s", got, want)
	}
	fe := g.Components()["FieldError"].Value
	if !slices.Equal(fe.Required, []string{"field", "source", "rule", "message"}) {
		t.Errorf("FieldError: required = %q", fe.Required)
	}
}

type loose struct {
	Name  string   `json:"name,omitempty"`
	Count int      `json:"count" validate:"required"`
	Tags  []string `json:"tags,omitempty" validate:"required"`
}

type holder struct {
	Loose  loose     `json:"loose" validate:"required"`
	Strict docPerson `json:"strict" validate:"required"`
	Deep   []deep    `json:"deep,omitempty" validate:"required"`
}

// deep's own field is the same both ways, but its struct is not.
type deep struct {
	Inner docPerson `json:"inner" validate:"required"`
}

// TestInputComponents: a struct in a body has the response's component
// when the two schemas are the same, and one of its own when not.
func TestInputComponents(t *testing.T) {
	for _, order := range []string{"schema first", "body first"} {
		t.Run(order, func(t *testing.T) {
			g := NewGenerator()
			schema := func() {
				if _, _, err := g.Schema(reflect.TypeFor[holder]()); err != nil {
					t.Fatal(err)
				}
			}
			body := func() *openapi3.SchemaRef {
				ref, _, err := g.Body(reflect.TypeFor[holder](), "json")
				if err != nil {
					t.Fatal(err)
				}
				return ref
			}
			var ref *openapi3.SchemaRef
			if order == "schema first" {
				schema()
				ref = body()
			} else {
				ref = body()
				schema()
			}
			for name, want := range map[string]string{
				"loose":  "loose",
				"strict": "docPerson-Input",
				"deep":   "deep-Input",
			} {
				p := ref.Value.Properties[name]
				if p.Value.Items != nil {
					p = p.Value.Items
				}
				if got := strings.TrimPrefix(p.Ref, RefPrefix); got != want {
					t.Errorf("%s: $ref %q, want %q", name, got, want)
				}
			}
			names := slices.Sorted(maps.Keys(g.Components()))
			want := []string{"deep", "deep-Input", "docPerson", "docPerson-Input", "holder", "loose"}
			if !slices.Equal(names, want) {
				t.Errorf("components = %q, want %q", names, want)
			}
			in := g.Components()["docPerson-Input"].Value
			if !slices.Equal(in.Required, []string{"email"}) {
				t.Errorf("docPerson-Input: required = %q", in.Required)
			}
			if got := g.Components()["deep-Input"].Value.Properties["inner"].Ref; got != RefPrefix+"docPerson-Input" {
				t.Errorf("deep-Input: inner is %q", got)
			}
		})
	}
}

type status string

type raw []byte

// TestEventData checks EventData against what package sse writes: data
// that goes out as it is has the schema {"type": "string"}, and data that
// goes out as JSON has its Schema.
func TestEventData(t *testing.T) {
	for _, c := range []struct {
		data any
		asIs bool // sse writes it as it is, not as JSON
		want string
	}{
		{"a\nb", true, `{"type":"string"}`},
		{[]byte("a"), true, `{"type":"string"}`},
		{status("open"), false, `{"type":"string"}`}, // "\"open\"", a JSON string
		{raw("a"), false, `{"type":["string","null"],"contentEncoding":"base64"}`},
		{json.RawMessage(`{"a":1}`), true, `{}`}, // as it is, but JSON
		{docPerson{}, false, `{"$ref":"#/components/schemas/docPerson"}`},
		{ptr("a"), false, `{"type":["string","null"]}`},
	} {
		typ := reflect.TypeOf(c.data)
		t.Run(typ.String(), func(t *testing.T) {
			ref, _, err := NewGenerator().EventData(typ)
			if err != nil {
				t.Fatal(err)
			}
			if got, ok := equalJSON(t, ref, c.want); !ok {
				t.Errorf("\n got %s\nwant %s", got, c.want)
			}
			// The premise, from sse itself.
			b, err := sse.AppendMessage(nil, sse.Message{Data: c.data})
			if err != nil {
				t.Fatal(err)
			}
			data := strings.TrimSuffix(strings.ReplaceAll(strings.TrimPrefix(string(b), "data: "), "\ndata: ", "\n"), "\n\n")
			asIs := fmt.Sprintf("%s", c.data)
			encoded, _ := json.Marshal(c.data)
			want := string(encoded)
			switch {
			case c.asIs:
				want = asIs
			case want == asIs:
				t.Fatalf("the JSON of %#v is the data as it is; pick other data", c.data)
			}
			if data != want {
				t.Errorf("sse writes %q, want %q (as it is: %v)", data, want, c.asIs)
			}
		})
	}
}

// TestTypeErrorWrapped: a caller's %w wrap keeps the *TypeError reachable,
// and the message says "openapi: " once.
func TestTypeErrorWrapped(t *testing.T) {
	_, _, err := NewGenerator().Schema(reflect.TypeFor[withBad]())
	wrapped := fmt.Errorf("godanet: route GET /bad: %w", err)
	var te *TypeError
	if !errors.As(wrapped, &te) || te != err {
		t.Fatalf("errors.As(%v) = %v", wrapped, te)
	}
	if errors.Unwrap(wrapped) != err {
		t.Errorf("Unwrap = %v", errors.Unwrap(wrapped))
	}
	if msg := err.Error(); !strings.HasPrefix(msg, "openapi: ") || strings.Count(msg, "openapi: ") != 1 {
		t.Errorf("message = %q, want one %q at the start", msg, "openapi: ")
	}
	if got := wrapped.Error(); got != "godanet: route GET /bad: "+err.Error() {
		t.Errorf("wrapped = %q", got)
	}
}
