package openapi

import (
	"encoding/json"
	"reflect"
	"slices"
	"testing"
	"time"
)

// one is a struct of one field f with the given type and validate tag.
func one(typ reflect.Type, tag string) reflect.Type {
	return reflect.StructOf([]reflect.StructField{{
		Name: "F", Type: typ, Tag: reflect.StructTag(`json:"f" validate:"` + tag + `"`),
	}})
}

// equalJSON reports whether got marshals to the same JSON value as want.
func equalJSON(t *testing.T, got any, want string) (string, bool) {
	t.Helper()
	b, err := json.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	var g, w any
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("bad want %s: %v", want, err)
	}
	return string(b), reflect.DeepEqual(g, w)
}

var (
	tString   = reflect.TypeFor[string]()
	tInt      = reflect.TypeFor[int]()
	tUint     = reflect.TypeFor[uint]()
	tFloat    = reflect.TypeFor[float64]()
	tBool     = reflect.TypeFor[bool]()
	tStrings  = reflect.TypeFor[[]string]()
	tMap      = reflect.TypeFor[map[string]int]()
	tPtrStr   = reflect.TypeFor[*string]()
	tBytes    = reflect.TypeFor[[]byte]()
	tDuration = reflect.TypeFor[time.Duration]()
	tTime     = reflect.TypeFor[time.Time]()
)

func TestRules(t *testing.T) {
	for _, c := range []struct {
		name     string
		typ      reflect.Type
		tag      string
		want     string // the schema of f
		required bool
		notes    []string
	}{
		{"no rules", tString, "", `{"type":"string"}`, false, nil},
		{"required string", tString, "required", `{"type":"string","minLength":1}`, true, nil},
		{"required int", tInt, "required", `{"type":"integer","format":"int64"}`, true, []string{"f: required (0, the zero value, is rejected)"}},
		{"required bool", tBool, "required", `{"type":"boolean"}`, true, []string{"f: required (false, the zero value, is rejected)"}},
		{"required slice", tStrings, "required", `{"type":"array","items":{"type":"string"}}`, true, nil},
		{"required map", tMap, "required", `{"type":"object","additionalProperties":{"type":"integer","format":"int64"}}`, true, nil},
		{"required pointer", tPtrStr, "required", `{"type":"string"}`, true, nil},
		{"required_if is a note", tString, "required_if=G x", `{"type":"string"}`, false, []string{"f: required_if=G x"}},
		{"required_with is a note", tPtrStr, "required_with=G", `{"type":["string","null"]}`, false, []string{"f: required_with=G"}},
		{"excluded_unless is a note", tString, "excluded_unless=G 1", `{"type":"string"}`, false, []string{"f: excluded_unless=G 1"}},

		{"min string", tString, "min=3", `{"type":"string","minLength":3}`, false, nil},
		{"max string", tString, "max=9", `{"type":"string","maxLength":9}`, false, nil},
		{"len string", tString, "len=4", `{"type":"string","minLength":4,"maxLength":4}`, false, nil},
		{"gt string", tString, "gt=3", `{"type":"string","minLength":4}`, false, nil},
		{"gte string", tString, "gte=3", `{"type":"string","minLength":3}`, false, nil},
		{"lt string", tString, "lt=3", `{"type":"string","maxLength":2}`, false, nil},
		{"lte string", tString, "lte=3", `{"type":"string","maxLength":3}`, false, nil},
		{"tightest bounds win", tString, "min=2,gte=5,max=9,lt=7", `{"type":"string","minLength":5,"maxLength":6}`, false, nil},
		{"lt=0 is a note", tString, "lt=0", `{"type":"string"}`, false, []string{"f: lt=0"}},
		{"min slice", tStrings, "min=1,max=3", `{"type":["array","null"],"items":{"type":"string"},"minItems":1,"maxItems":3}`, false, nil},
		{"gt slice", tStrings, "gt=1,lt=5", `{"type":["array","null"],"items":{"type":"string"},"minItems":2,"maxItems":4}`, false, nil},
		{"len array", reflect.TypeFor[[4]int32](), "len=4", `{"type":"array","items":{"type":"integer","format":"int32"},"minItems":4,"maxItems":4}`, false, nil},
		{"min map", tMap, "min=1,max=2", `{"type":["object","null"],"additionalProperties":{"type":"integer","format":"int64"},"minProperties":1,"maxProperties":2}`, false, nil},
		{"min int", tInt, "min=1,max=10", `{"type":"integer","format":"int64","minimum":1,"maximum":10}`, false, nil},
		{"len int", tInt, "len=7", `{"type":"integer","format":"int64","minimum":7,"maximum":7}`, false, nil},
		{"gt lt int", tInt, "gt=0,lt=100", `{"type":"integer","format":"int64","exclusiveMinimum":0,"exclusiveMaximum":100}`, false, nil},
		{"gte lte float", tFloat, "gte=0.5,lte=1.5", `{"type":"number","format":"double","minimum":0.5,"maximum":1.5}`, false, nil},
		{"hex param", tInt, "max=0x10", `{"type":"integer","format":"int64","maximum":16}`, false, nil},
		{"int8 bounds tightened", reflect.TypeFor[int8](), "gte=-5", `{"type":"integer","format":"int32","minimum":-5,"maximum":127}`, false, nil},
		{"int8 bounds kept", reflect.TypeFor[int8](), "gte=-500", `{"type":"integer","format":"int32","minimum":-128,"maximum":127}`, false, nil},
		{"uint max", tUint, "max=5", `{"type":"integer","minimum":0,"maximum":5}`, false, nil},
		{"duration param", tDuration, "gte=1s,lt=1h", `{"type":"integer","format":"int64","description":"A duration in nanoseconds.","minimum":1000000000,"exclusiveMaximum":3600000000000}`, false, nil},
		{"bad param is a note", tInt, "min=abc", `{"type":"integer","format":"int64"}`, false, []string{"f: min=abc"}},
		{"min bool is a note", tBool, "min=1", `{"type":"boolean"}`, false, []string{"f: min=1"}},
		{"min bytes is a note", tBytes, "min=1", `{"type":["string","null"],"contentEncoding":"base64"}`, false, []string{"f: min=1"}},
		{"gt time is a note", tTime, "gt", `{"type":"string","format":"date-time"}`, false, []string{"f: gt"}},

		{"oneof strings", tString, "oneof=red green 'dark blue'", `{"type":"string","enum":["red","green","dark blue"]}`, false, nil},
		{"oneof ints", tInt, "oneof=1 2 3", `{"type":"integer","format":"int64","enum":[1,2,3]}`, false, nil},
		{"oneof uints", tUint, "oneof=5 7", `{"type":"integer","minimum":0,"enum":[5,7]}`, false, nil},
		{"oneof floats is a note", tFloat, "oneof=1.5 2", `{"type":"number","format":"double"}`, false, []string{"f: oneof=1.5 2"}},
		{"oneof nullable", tPtrStr, "omitempty,oneof=a b", `{"type":["string","null"],"enum":["a","b",null]}`, false, nil},
		{"oneof pointer not null", tPtrStr, "oneof=a b", `{"type":"string","enum":["a","b"]}`, true, nil},

		{"email", tString, "email", `{"type":"string","format":"email"}`, false, nil},
		{"url", tString, "url", `{"type":"string","format":"uri"}`, false, nil},
		{"uri", tString, "uri", `{"type":"string","format":"uri-reference"}`, false, nil},
		{"uuid", tString, "uuid", `{"type":"string","format":"uuid"}`, false, nil},
		{"uuid4", tString, "uuid4", `{"type":"string","format":"uuid","pattern":"` + uuid4Pattern + `"}`, false, nil},
		{"datetime RFC 3339", tString, "datetime=2006-01-02T15:04:05Z07:00", `{"type":"string","format":"date-time"}`, false, nil},
		{"datetime date", tString, "datetime=2006-01-02", `{"type":"string","format":"date"}`, false, nil},
		{"datetime other", tString, "datetime=15:04", `{"type":"string"}`, false, []string{"f: datetime=15:04"}},
		{"alpha", tString, "alpha", `{"type":"string","pattern":"^[a-zA-Z]+$"}`, false, nil},
		{"alphanum", tString, "alphanum", `{"type":"string","pattern":"^[a-zA-Z0-9]+$"}`, false, nil},
		{"numeric", tString, "numeric", `{"type":"string","pattern":"^[-+]?[0-9]+(?:\\.[0-9]+)?$"}`, false, nil},
		{"number", tString, "number", `{"type":"string","pattern":"^[0-9]+$"}`, false, nil},
		{"second format is a note", tString, "email,uuid", `{"type":"string","format":"email"}`, false, []string{"f: uuid"}},
		{"second pattern is a note", tString, "alpha,numeric", `{"type":"string","pattern":"^[a-zA-Z]+$"}`, false, []string{"f: numeric"}},
		{"email on int is a note", tInt, "email", `{"type":"integer","format":"int64"}`, false, []string{"f: email"}},

		{"unknown rule is a note", tString, "iso3166_1_alpha2", `{"type":"string"}`, false, []string{"f: iso3166_1_alpha2"}},
		{"custom rule is a note", tString, "is_godanet", `{"type":"string"}`, false, []string{"f: is_godanet"}},
		{"or is a note", tString, "email|uuid", `{"type":"string"}`, false, []string{"f: email|uuid"}},
		{"escaped comma", tString, "oneof=a0x2Cb c", `{"type":"string","enum":["a,b","c"]}`, false, nil},
		{"eq is a note", tString, "eq=x", `{"type":"string"}`, false, []string{"f: eq=x"}},
		{"skip all", tString, "-", `{"type":"string"}`, false, nil},

		{"omitempty string", tString, "omitempty,min=3", `{"type":"string","minLength":3}`, false, nil},
		{"omitempty pointer", tPtrStr, "omitempty,min=3", `{"type":["string","null"],"minLength":3}`, false, nil},
		{"omitnil pointer", tPtrStr, "omitnil,min=3", `{"type":["string","null"],"minLength":3}`, false, nil},
		{"pointer with rule not null", tPtrStr, "min=3", `{"type":"string","minLength":3}`, true, nil},
		{"pointer to struct required", reflect.TypeFor[*docPerson](), "required", `{"$ref":"#/components/schemas/docPerson-Input"}`, true, nil},
		{"rule on $ref is a note", reflect.TypeFor[docPerson](), "required,min=1", `{"$ref":"#/components/schemas/docPerson-Input"}`, true, []string{"f: min=1"}},

		{"dive", tStrings, "max=3,dive,min=2,email", `{"type":["array","null"],"maxItems":3,"items":{"type":"string","minLength":2,"format":"email"}}`, false, nil},
		{"dive required string", tStrings, "dive,required", `{"type":["array","null"],"items":{"type":"string","minLength":1}}`, false, nil},
		{"dive required pointer", reflect.TypeFor[[]*int](), "dive,required", `{"type":["array","null"],"items":{"type":"integer","format":"int64"}}`, false, nil},
		{"dive required int is a note", reflect.TypeFor[[]int](), "dive,required", `{"type":["array","null"],"items":{"type":"integer","format":"int64"}}`, false, []string{"f[]: required"}},
		{"dive twice", reflect.TypeFor[[][]string](), "dive,max=2,dive,alpha", `{"type":["array","null"],"items":{"type":["array","null"],"maxItems":2,"items":{"type":"string","pattern":"^[a-zA-Z]+$"}}}`, false, nil},
		{"dive map", tMap, "dive,gt=0", `{"type":["object","null"],"additionalProperties":{"type":"integer","format":"int64","exclusiveMinimum":0}}`, false, nil},
		{"dive keys", tMap, "dive,keys,min=2,endkeys,gt=0", `{"type":["object","null"],"additionalProperties":{"type":"integer","format":"int64","exclusiveMinimum":0}}`, false, []string{"f: dive,keys,min=2,endkeys"}},
		{"dive unknown", tStrings, "dive,hexcolor", `{"type":["array","null"],"items":{"type":"string"}}`, false, []string{"f[]: hexcolor"}},
		{"dive on string is a note", tString, "dive,min=1", `{"type":"string"}`, false, []string{"f: dive"}},
		{"dive on struct items", reflect.TypeFor[[]docPerson](), "dive,required", `{"type":["array","null"],"items":{"$ref":"#/components/schemas/docPerson-Input"}}`, false, []string{"f[]: required"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			g := NewGenerator()
			// Body, as a request reads it: only the rules make f required.
			ref, notes, err := g.Body(one(c.typ, c.tag), "json")
			if err != nil {
				t.Fatal(err)
			}
			if got, ok := equalJSON(t, ref.Value.Properties["f"], c.want); !ok {
				t.Errorf("schema:\n got %s\nwant %s", got, c.want)
			}
			if got := slices.Contains(ref.Value.Required, "f"); got != c.required {
				t.Errorf("required = %v, want %v", got, c.required)
			}
			if !slices.Equal(notes, c.notes) {
				t.Errorf("notes = %q, want %q", notes, c.notes)
			}
		})
	}
}

func TestParseRules(t *testing.T) {
	rs := parseRules("omitempty,max=3,dive,keys,alpha,endkeys,dive,oneof=a0x7Cb c")
	if got := rs.here; !slices.Equal(got, []rule{{"omitempty", ""}, {"max", "3"}}) {
		t.Errorf("here = %v", got)
	}
	if rs.dive == nil || !slices.Equal(rs.dive.keys, []rule{{"alpha", ""}}) || len(rs.dive.here) != 0 {
		t.Fatalf("dive = %+v", rs.dive)
	}
	if d := rs.dive.dive; d == nil || !slices.Equal(d.here, []rule{{"oneof", "a|b c"}}) {
		t.Errorf("second dive = %+v", d)
	}
}
