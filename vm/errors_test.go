package vm

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

var updateGolden = flag.Bool("update-errors", false, "rewrite the positions in testdata/errors/*.js")

// directive is the expectation written at the end of each testdata/errors file:
//
//	// ERROR "substring of the message" at LINE:COL
//	// RUNTIME "substring of the message" at LINE:COL
//	// STACK inner outer ...   (runtime errors: the function names of the trace)
var directive = regexp.MustCompile(`(?m)^// (ERROR|RUNTIME) "((?:[^"\\]|\\.)*)" at (\S+)$`)
var stackDirective = regexp.MustCompile(`(?m)^// STACK(.*)$`)

func TestErrorGolden(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("testdata", "errors", "*.js"))
	if len(files) < 30 {
		t.Fatalf("only %d golden error files", len(files))
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			src, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			d := directive.FindSubmatch(src)
			if d == nil {
				t.Fatal("no // ERROR or // RUNTIME directive")
			}
			kind, want, at := string(d[1]), string(d[2]), string(d[3])
			want, _ = strconv.Unquote(`"` + want + `"`)
			e := errorOf(t, file, src, kind)
			if e == nil {
				return
			}
			if !strings.Contains(e.Msg, want) {
				t.Errorf("message %q does not contain %q", e.Msg, want)
			}
			if kind == "ERROR" && e.Hint == "" && !strings.HasPrefix(e.Msg, "syntax error") {
				t.Errorf("compile error %q has no hint", e.Msg)
			}
			got := fmt.Sprintf("%d:%d", e.Line, e.Col)
			var names []string
			for _, f := range e.Stack {
				names = append(names, f.Func)
			}
			if *updateGolden {
				out := directive.ReplaceAll(src, []byte("// $1 \"$2\" at "+got))
				out = stackDirective.ReplaceAll(out, nil)
				out = []byte(strings.TrimRight(string(out), "\n") + "\n")
				if kind == "RUNTIME" {
					out = append(out, []byte("// STACK "+strings.Join(names, " ")+"\n")...)
				}
				if err := os.WriteFile(file, out, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if got != at {
				t.Errorf("position %s, want %s (%v)", got, at, e)
			}
			if !strings.HasPrefix(e.Error(), fmt.Sprintf("%s:%s: ", file, at)) {
				t.Errorf("Error() = %q, want prefix file:line:col", e.Error())
			}
			if kind == "RUNTIME" {
				s := stackDirective.FindSubmatch(src)
				if s == nil {
					t.Fatal("runtime error file has no // STACK line")
				}
				if w := strings.Fields(string(s[1])); strings.Join(w, " ") != strings.Join(names, " ") {
					t.Errorf("stack %v, want %v", names, w)
				}
				if len(e.Stack) == 0 || !strings.Contains(e.Error(), "\tat ") {
					t.Errorf("runtime error without a stack trace: %v", e)
				}
			}
		})
	}
}

func errorOf(t *testing.T, file string, src []byte, kind string) *Error {
	t.Helper()
	p, err := Compile(file, src, nil)
	if kind == "ERROR" {
		if err == nil {
			t.Fatal("compiled without error")
		}
		var list ErrorList
		if !errors.As(err, &list) || len(list) == 0 {
			t.Fatalf("error %v is not an ErrorList", err)
		}
		return list[0]
	}
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	m := p.NewMachineWith(Limits{Steps: 1_000_000, CallDepth: 200})
	m.SetOutput(io.Discard)
	err = m.Run()
	if err == nil {
		t.Fatal("ran without error")
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v is not an *Error", err)
	}
	if !e.Runtime {
		t.Errorf("runtime error not marked Runtime")
	}
	// The machine must stay usable after a runtime error.
	if err2 := m.Run(); err2 == nil || err2.Error() != err.Error() {
		t.Errorf("second run: %v, want the same error again", err2)
	}
	return e
}
