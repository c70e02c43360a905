package script

import (
	"errors"
	"strings"
	"testing"

	"github.com/nanotick/nanotick/vm"
)

func TestCompileErrorsCarryPosition(t *testing.T) {
	_, err := Compile("bad.js", []byte("function onBook() {\n  if (book.mid() == 1) {}\n}\n"), Options{})
	var list vm.ErrorList
	if !errors.As(err, &list) || len(list) == 0 {
		t.Fatalf("err = %v, want a vm.ErrorList", err)
	}
	if e := list[0]; e.File != "bad.js" || e.Line != 2 {
		t.Errorf("error at %s:%d:%d, want bad.js:2: %v", e.File, e.Line, e.Col, e)
	}
}

func TestScriptWithoutCallbacksIsRejected(t *testing.T) {
	_, err := Compile("idle.js", []byte("const x = 1;\n"), Options{})
	if err == nil || !strings.Contains(err.Error(), "onBook") {
		t.Errorf("err = %v, want one naming the missing callbacks", err)
	}
}
