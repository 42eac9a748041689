package module

import (
	"fmt"
	"io"
	"reflect"
	"slices"
	"strings"
	"testing"

	"go.uber.org/dig"
)

// TestReadOptions checks that module's own options say what they provide,
// and that a misuse is a problem sentence, not a dig error later.
func TestReadOptions(t *testing.T) {
	reader, writer := reflect.TypeFor[io.Reader](), reflect.TypeFor[io.Writer]()
	tests := []struct {
		name    string
		options []ProvideOption
		want    provideSpec
		problem string // part of the problem; "" for none
	}{
		{name: "none"},
		{
			name:    "As",
			options: []ProvideOption{As[io.Reader]()},
			want:    provideSpec{as: []reflect.Type{reader}},
		},
		{
			name:    "two As",
			options: []ProvideOption{As[io.Reader](), As[io.Writer]()},
			want:    provideSpec{as: []reflect.Type{reader, writer}},
		},
		{
			name:    "Name",
			options: []ProvideOption{Name("primary")},
			want:    provideSpec{names: []string{"primary"}},
		},
		{
			name:    "Group",
			options: []ProvideOption{Group("handlers")},
			want:    provideSpec{groups: []string{"handlers"}},
		},
		{
			name:    "As with Name",
			options: []ProvideOption{Name("temp"), As[io.Reader]()},
			want:    provideSpec{as: []reflect.Type{reader}, names: []string{"temp"}},
		},
		{
			name:    "the same Name twice",
			options: []ProvideOption{Name("a"), Name("a")},
			want:    provideSpec{names: []string{"a", "a"}},
		},
		{name: "a nil option", options: []ProvideOption{Name("a"), nil}, problem: "option 2 is nil; pass module.As, module.Name or module.Group"},
		{name: "As of a struct", options: []ProvideOption{As[nopReader]()}, problem: "module.As[module.nopReader](): module.nopReader is not an interface"},
		{name: "an empty Name", options: []ProvideOption{Name("")}, problem: `module.Name("") is not a usable name`},
		{name: "a Name with a backquote", options: []ProvideOption{Name("a`b")}, problem: "without backquotes"},
		{name: "a Group with dig flags", options: []ProvideOption{Group("g,flatten")}, problem: "without backquotes or commas"},
		{name: "two Names", options: []ProvideOption{Name("a"), Name("b")}, problem: `module.Name is given twice, as "a" and "b"; keep one`},
		{name: "Name and Group", options: []ProvideOption{Name("a"), Group("g")}, problem: "a value is either named or a member of a group"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, problem := readOptions(tt.options)
			if tt.problem != "" {
				if !strings.Contains(problem, tt.problem) {
					t.Errorf("problem = %q, want one containing %q", problem, tt.problem)
				}
				return
			}
			if problem != "" {
				t.Fatalf("problem = %q, want none", problem)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("readOptions = %+v, want %+v", got, tt.want)
			}
		})
	}
}

// TestOptionStrings checks that an option prints itself as it is written.
func TestOptionStrings(t *testing.T) {
	tests := []struct {
		option ProvideOption
		want   string
	}{
		{As[io.Reader](), "module.As[io.Reader]()"},
		{Name("primary"), `module.Name("primary")`},
		{Group("checks"), `module.Group("checks")`},
	}
	for _, tt := range tests {
		if got := tt.option.String(); got != tt.want {
			t.Errorf("String() = %q, want %q", got, tt.want)
		}
	}
}

// TestKeysAgreeWithDig is what keeps module's visibility checks honest:
// for constructors of many shapes and every option, the keys module
// computes (what a constructor needs and provides) are the ones dig reads
// when it is given the translated options. A dig upgrade that changes
// what dig provides fails here, not in a user's visibility check.
func TestKeysAgreeWithDig(t *testing.T) {
	tests := []struct {
		name    string
		ctor    any
		options []ProvideOption
	}{
		{"plain", func() *nopReader { return nil }, nil},
		{"several parameters and results", func(io.Reader, *nopReader) (*bufWriter, io.Closer, error) { return nil, nil, nil }, nil},
		{"a variadic parameter", func(...string) *nopReader { return nil }, nil},
		{"As", func() *nopReader { return nil }, []ProvideOption{As[io.Reader]()}},
		{"As twice", func() *bufWriter { return nil }, []ProvideOption{As[io.Reader](), As[io.Writer]()}},
		{"As of the result's own type", func() io.Reader { return nil }, []ProvideOption{As[io.Reader]()}},
		{"As of the own type and another", func() io.ReadWriter { return nil }, []ProvideOption{As[io.ReadWriter](), As[io.Writer]()}},
		{"Name", func() *nopReader { return nil }, []ProvideOption{Name("primary")}},
		{"As with Name", func() *nopReader { return nil }, []ProvideOption{As[io.Reader](), Name("r")}},
		{"Name on two results", func() (*nopReader, *bufWriter) { return nil, nil }, []ProvideOption{Name("n")}},
		{"Group", func() *nopReader { return nil }, []ProvideOption{Group("readers")}},
		{"Group with As", func() *nopReader { return nil }, []ProvideOption{Group("readers"), As[io.Reader]()}},
		{"Group with two As", func() *bufWriter { return nil }, []ProvideOption{Group("rw"), As[io.Reader](), As[io.Writer]()}},
		{"dig.In and dig.Out", func(digParams) digResults { return digResults{} }, nil},
		{"a dig.In struct inside a dig.In struct", func(nestedParams) *nopReader { return nil }, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec, problem := readOptions(tt.options)
			if problem != "" {
				t.Fatal(problem)
			}
			var info dig.ProvideInfo
			options := append(spec.digOptions(), dig.FillProvideInfo(&info))
			if err := dig.New().Provide(tt.ctor, options...); err != nil {
				t.Fatalf("dig.Provide: %v", err)
			}
			fn := reflect.TypeOf(tt.ctor)
			var wantIn, wantOut, gotIn, gotOut []string
			for _, in := range info.Inputs {
				wantIn = append(wantIn, in.String())
			}
			for _, out := range info.Outputs {
				wantOut = append(wantOut, out.String())
			}
			for _, in := range inputsOf(fn) {
				gotIn = append(gotIn, digString(in.key, in.optional, true))
			}
			for _, k := range outputsOf(fn, spec) {
				gotOut = append(gotOut, digString(k, false, false))
			}
			slices.Sort(wantIn)
			slices.Sort(gotIn)
			slices.Sort(wantOut)
			slices.Sort(gotOut)
			if !slices.Equal(gotIn, wantIn) {
				t.Errorf("module reads inputs %q; dig reads %q", gotIn, wantIn)
			}
			if !slices.Equal(gotOut, wantOut) {
				t.Errorf("module reads outputs %q; dig reads %q", gotOut, wantOut)
			}
		})
	}
}

// TestDigOptions checks the translation itself, by what dig's options
// print.
func TestDigOptions(t *testing.T) {
	spec, _ := readOptions([]ProvideOption{As[io.Reader](), As[io.Writer](), Name("n")})
	var got []string
	for _, o := range spec.digOptions() {
		got = append(got, fmt.Sprint(o))
	}
	if want := []string{"As(io.Reader, io.Writer)", `Name("n")`}; !slices.Equal(got, want) {
		t.Errorf("digOptions = %q, want %q", got, want)
	}
	spec, _ = readOptions([]ProvideOption{Group("g")})
	if got := fmt.Sprint(spec.digOptions()); got != `[Group("g")]` {
		t.Errorf("digOptions = %s, want [Group(%q)]", got, "g")
	}
}

// digString formats a key the way dig's ProvideInfo does: a group input
// is the slice that receives the members.
func digString(k key, optional, input bool) string {
	var toks []string
	if optional {
		toks = append(toks, "optional")
	}
	if k.name != "" {
		toks = append(toks, fmt.Sprintf("name = %q", k.name))
	}
	t := k.t
	if k.group != "" {
		toks = append(toks, fmt.Sprintf("group = %q", k.group))
		if input {
			t = reflect.SliceOf(t)
		}
	}
	if len(toks) == 0 {
		return t.String()
	}
	return fmt.Sprintf("%v[%v]", t, strings.Join(toks, ", "))
}

type nopReader struct{}

func (nopReader) Read([]byte) (int, error) { return 0, io.EOF }

type bufWriter struct{ nopReader }

func (*bufWriter) Write(p []byte) (int, error) { return len(p), nil }

type digParams struct {
	dig.In

	R      io.Reader `name:"r"`
	W      io.Writer `optional:"true"`
	Checks []string  `group:"in"`
}

type nestedParams struct {
	dig.In

	Inner digParams
	C     io.Closer `name:"c" optional:"true"`
}

type digResults struct {
	dig.Out

	R     *nopReader `name:"r"`
	Check string     `group:"out"`
	Many  []int      `group:"ints,flatten"`
}
