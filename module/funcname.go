package module

import (
	"fmt"
	"reflect"
	"runtime"
	"strings"
)

// funcName names a function for humans: "todo.NewTodoService (todo.go:21)".
func funcName(fn reflect.Value) string {
	if !fn.IsValid() || fn.Kind() != reflect.Func || fn.IsNil() {
		return "<nil func>"
	}
	f := runtime.FuncForPC(fn.Pointer())
	if f == nil {
		return fn.Type().String()
	}
	name := shortFuncName(f.Name())
	file, line := f.FileLine(fn.Pointer())
	if file == "" {
		return name
	}
	if i := strings.LastIndexByte(file, '/'); i >= 0 {
		file = file[i+1:]
	}
	return fmt.Sprintf("%s (%s:%d)", name, file, line)
}

// shortFuncName trims the import path: "github.com/x/todo.NewTodoService"
// becomes "todo.NewTodoService"; the "-fm" suffix of a method value goes.
func shortFuncName(full string) string {
	full = strings.TrimSuffix(full, "-fm")
	if i := strings.LastIndexByte(full, '/'); i >= 0 {
		full = full[i+1:]
	}
	return full
}
