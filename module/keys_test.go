package module

import (
	"io"
	"reflect"
	"slices"
	"testing"

	"go.uber.org/dig"
)

// TestReadOptions pins readOptions against the dig version in go.mod. dig
// does not expose what dig.As, dig.Name and dig.Group hold, so readOptions
// reads the option values by reflection; if a dig upgrade renames or
// reshapes them, this test fails before visibility checks silently go wrong.
func TestReadOptions(t *testing.T) {
	tests := []struct {
		name    string
		options []dig.ProvideOption
		want    providedOptions
	}{
		{
			name: "none",
			want: providedOptions{},
		},
		{
			name:    "dig.As with one interface",
			options: []dig.ProvideOption{dig.As(new(io.Reader))},
			want:    providedOptions{as: []reflect.Type{reflect.TypeFor[io.Reader]()}},
		},
		{
			name:    "dig.As with two interfaces, and a second dig.As",
			options: []dig.ProvideOption{dig.As(new(io.Reader), new(io.Writer)), dig.As(new(io.Closer))},
			want: providedOptions{as: []reflect.Type{
				reflect.TypeFor[io.Reader](), reflect.TypeFor[io.Writer](), reflect.TypeFor[io.Closer](),
			}},
		},
		{
			name:    "dig.Name",
			options: []dig.ProvideOption{dig.Name("primary")},
			want:    providedOptions{name: "primary"},
		},
		{
			name:    "dig.Group",
			options: []dig.ProvideOption{dig.Group("handlers")},
			want:    providedOptions{group: "handlers"},
		},
		{
			name:    "dig.Group with flags keeps only the group name",
			options: []dig.ProvideOption{dig.Group("handlers,soft")},
			want:    providedOptions{group: "handlers"},
		},
		{
			name:    "dig.As with dig.Name",
			options: []dig.ProvideOption{dig.Name("temp"), dig.As(new(io.Reader))},
			want:    providedOptions{as: []reflect.Type{reflect.TypeFor[io.Reader]()}, name: "temp"},
		},
		{
			name: "options that do not change what is provided are ignored",
			options: []dig.ProvideOption{
				dig.LocationForPC(reflect.ValueOf(TestReadOptions).Pointer()),
				dig.Export(true),
				dig.FillProvideInfo(&dig.ProvideInfo{}),
			},
			want: providedOptions{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := readOptions(tt.options)
			if !slices.Equal(got.as, tt.want.as) || got.name != tt.want.name || got.group != tt.want.group {
				t.Errorf("readOptions = {as: %v, name: %q, group: %q}, want {as: %v, name: %q, group: %q}",
					got.as, got.name, got.group, tt.want.as, tt.want.name, tt.want.group)
			}
		})
	}
}

// TestDigOptionTypeNames pins the unexported type names that readOptions
// and Override match on.
func TestDigOptionTypeNames(t *testing.T) {
	tests := []struct {
		option dig.ProvideOption
		want   reflect.Kind
		name   string
	}{
		{dig.As(new(io.Reader)), reflect.Slice, "provideAsOption"},
		{dig.Name("n"), reflect.String, "provideNameOption"},
		{dig.Group("g"), reflect.String, "provideGroupOption"},
	}
	for _, tt := range tests {
		typ := reflect.TypeOf(tt.option)
		if typ.Name() != tt.name || typ.Kind() != tt.want || typ.PkgPath() != "go.uber.org/dig" {
			t.Errorf("%v is %s.%s of kind %v, want go.uber.org/dig.%s of kind %v",
				tt.option, typ.PkgPath(), typ.Name(), typ.Kind(), tt.name, tt.want)
		}
	}
}

// TestOutputsWithOptions checks that the options read above change the
// keys a constructor provides the way dig does.
func TestOutputsWithOptions(t *testing.T) {
	fn := reflect.TypeFor[func() (*nopReader, error)]()
	reader := reflect.TypeFor[io.Reader]()
	tests := []struct {
		name    string
		options []dig.ProvideOption
		want    []key
	}{
		{"plain", nil, []key{{t: reflect.TypeFor[*nopReader]()}}},
		{"dig.As replaces the type", []dig.ProvideOption{dig.As(new(io.Reader))}, []key{{t: reader}}},
		{"dig.As with dig.Name", []dig.ProvideOption{dig.As(new(io.Reader)), dig.Name("r")}, []key{{t: reader, name: "r"}}},
		{"dig.Group", []dig.ProvideOption{dig.Group("g"), dig.As(new(io.Reader))}, []key{{t: reader, group: "g"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := outputsOf(fn, readOptions(tt.options)); !slices.Equal(got, tt.want) {
				t.Errorf("outputsOf = %v, want %v", got, tt.want)
			}
		})
	}
}

type nopReader struct{}

func (nopReader) Read([]byte) (int, error) { return 0, io.EOF }
