package vm_test

// Differential conformance: every program in testdata/conformance runs under nanotick and
// under goja (a full ECMAScript engine), and the two must print byte-identical output.
//
// goja has no console, so the harness defines console.log in Go with a formatter that follows
// Node's util.inspect for the value kinds nanotick has (numbers, strings, booleans, null,
// undefined, arrays, plain objects, functions), including Node's 80-column line breaking and
// its grouping of long arrays into columns. That formatter is the reference: where it meets
// something it cannot format exactly as Node would (printf-style format strings, strings too
// long for one line inside a value, sparse arrays of more than 6 entries), it fails the
// program rather than guess. TestConformanceNode (opt-in, NANOTICK_NODE=1) checks it against
// a real node.

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dop251/goja"

	"github.com/nanotick/nanotick/vm"
)

const minConformancePrograms = 200

// conformancePrograms lists testdata/conformance/*.js, sorted.
func conformancePrograms(t testing.TB) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "conformance", "*.js"))
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(files)
	return files
}

func TestConformance(t *testing.T) {
	files := conformancePrograms(t)
	if len(files) < minConformancePrograms {
		t.Fatalf("only %d conformance programs in testdata/conformance, want at least %d", len(files), minConformancePrograms)
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".js")
		t.Run(name, func(t *testing.T) {
			src, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			want, gerr := runGoja(file, src)
			if gerr != nil {
				t.Fatalf("reference (goja) failed: %v\n--- goja output so far ---\n%s", gerr, want)
			}
			got, nerr := runNanotick(file, src, 10*time.Second)
			if nerr != nil {
				t.Fatalf("nanotick failed: %v\n%s", nerr, showOutputs(got, want))
			}
			if got != want {
				t.Fatalf("output differs from goja\n%s", showOutputs(got, want))
			}
		})
	}
}

// TestConformanceNodeExpected covers what goja cannot be the reference for: the few places
// where goja itself departs from the standard (found by comparing goja with node:
// ToInt32/ToUint32 of numbers beyond 2**63, 0 times a negative integer, which goja's integer
// fast path makes +0, and -0 in includes), console.log's printf-style directives, which the
// reference formatter does not implement, and logging lone surrogates, which goja's strings
// do not carry into Go intact. These programs live in
// testdata/conformance/node_expected with the output node printed for them (*.out).
func TestConformanceNodeExpected(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "conformance", "node_expected", "*.js"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no programs in testdata/conformance/node_expected")
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".js")
		t.Run(name, func(t *testing.T) {
			src, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			want, err := os.ReadFile(strings.TrimSuffix(file, ".js") + ".out")
			if err != nil {
				t.Fatal(err)
			}
			got, nerr := runNanotick(file, src, 10*time.Second)
			if nerr != nil {
				t.Fatalf("nanotick failed: %v\n%s", nerr, showOutputsVs(got, string(want), "node"))
			}
			if got != string(want) {
				t.Fatalf("output differs from node's (the .out file)\n%s", showOutputsVs(got, string(want), "node"))
			}
		})
	}
}

// TestConformanceNode checks the reference itself: the goja side of the harness must print
// exactly what node prints. It runs only with NANOTICK_NODE=1 and node on PATH.
func TestConformanceNode(t *testing.T) {
	if os.Getenv("NANOTICK_NODE") == "" {
		t.Skip("set NANOTICK_NODE=1 (with node on PATH) to check the goja reference against node")
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node not on PATH")
	}
	for _, file := range conformancePrograms(t) {
		name := strings.TrimSuffix(filepath.Base(file), ".js")
		t.Run(name, func(t *testing.T) {
			src, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			want, err := exec.Command(node, file).Output()
			if err != nil {
				t.Fatalf("node: %v", err)
			}
			got, gerr := runGoja(file, src)
			if gerr != nil {
				t.Fatalf("goja failed: %v", gerr)
			}
			if got != string(want) {
				t.Fatalf("goja reference differs from node (first block: goja, second: node)\n%s", showOutputsVs(got, string(want), "node"))
			}
		})
	}
}

// runNanotick compiles and runs src under nanotick, returning what console.log printed.
// A program that runs longer than timeout is reported as an error (its goroutine is abandoned).
func runNanotick(filename string, src []byte, timeout time.Duration) (string, error) {
	type result struct {
		out string
		err error
	}
	done := make(chan result, 1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				done <- result{"", fmt.Errorf("nanotick panicked: %v", r)}
			}
		}()
		prog, err := vm.Compile(filename, src, nil)
		if err != nil {
			done <- result{"", fmt.Errorf("compile: %w", err)}
			return
		}
		m := prog.NewMachine()
		var buf bytes.Buffer
		m.SetOutput(&buf)
		err = m.Run()
		if err != nil {
			err = fmt.Errorf("run: %w", err)
		}
		done <- result{buf.String(), err}
	}()
	select {
	case r := <-done:
		return r.out, r.err
	case <-time.After(timeout):
		return "", fmt.Errorf("nanotick did not finish within %v", timeout)
	}
}

// runGoja runs src under goja with a Node-compatible console.log and returns what it printed.
func runGoja(filename string, src []byte) (string, error) {
	return runGojaSetup(filename, src, nil)
}

// runGojaSetup is runGoja with setup (if not nil) applied to the runtime first.
func runGojaSetup(filename string, src []byte, setup func(*goja.Runtime) error) (string, error) {
	r := goja.New()
	if setup != nil {
		if err := setup(r); err != nil {
			return "", err
		}
	}
	out, err := installGojaConsole(r)
	if err != nil {
		return "", err
	}
	timer := time.AfterFunc(10*time.Second, func() { r.Interrupt("timeout: program ran longer than 10s") })
	defer timer.Stop()
	_, err = r.RunScript(filename, string(src))
	if err == nil {
		err = out.err()
	}
	return out.buf.String(), err
}

// gojaConsole collects what the goja side's console.log prints.
type gojaConsole struct {
	buf    bytes.Buffer
	fmtErr error
}

func (c *gojaConsole) err() error {
	if c.fmtErr != nil {
		return fmt.Errorf("reference formatter: %w", c.fmtErr)
	}
	return nil
}

// installGojaConsole defines console.log in r with Node's formatting.
func installGojaConsole(r *goja.Runtime) (*gojaConsole, error) {
	c := &gojaConsole{}
	console := r.NewObject()
	if err := console.Set("log", func(call goja.FunctionCall) goja.Value {
		line, err := nodeLogLine(call.Arguments)
		if err != nil && c.fmtErr == nil {
			c.fmtErr = err
		}
		c.buf.WriteString(line)
		c.buf.WriteByte('\n')
		return goja.Undefined()
	}); err != nil {
		return nil, err
	}
	if err := r.Set("console", console); err != nil {
		return nil, err
	}
	return c, nil
}

// --- Node's console.log formatting, for the value kinds nanotick has ---

var inspectFormatSpecifier = regexp.MustCompile(`%[sdifjoOc%]`)

// nodeLogLine formats console.log's arguments as Node does: strings raw, everything else as
// util.inspect renders it, separated by one space.
func nodeLogLine(args []goja.Value) (string, error) {
	var sb strings.Builder
	for i, a := range args {
		if i > 0 {
			sb.WriteByte(' ')
		}
		if s, ok := a.Export().(string); ok && !gojaIsObject(a) {
			if i == 0 && len(args) > 1 && inspectFormatSpecifier.MatchString(s) {
				return sb.String(), fmt.Errorf("console.log format string %q: printf-style specifiers are not supported by the reference", s)
			}
			sb.WriteString(s)
			continue
		}
		s, err := nodeInspect(a, 0, 0)
		if err != nil {
			return sb.String(), err
		}
		sb.WriteString(s)
	}
	return sb.String(), nil
}

func gojaIsObject(v goja.Value) bool {
	_, ok := v.(*goja.Object)
	return ok
}

const (
	inspectDepth       = 2   // util.inspect's default depth
	inspectBreakLen    = 80  // breakLength console.log uses (checked against node)
	inspectMaxGrouped  = 6   // arrays with more entries are grouped over lines by Node
	inspectMaxArrayLen = 100 // maxArrayLength: further elements print as "... n more items"
)

// jsLen is a string's length as JavaScript counts it, in UTF-16 code units.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n++
		if r > 0xFFFF {
			n++
		}
	}
	return n
}

// nodeInspect renders v as util.inspect(v) does with console.log's options. level is the
// nesting level (0 at top), indent Node's ctx.indentationLvl.
func nodeInspect(v goja.Value, level, indent int) (string, error) {
	if v == nil || goja.IsUndefined(v) {
		return "undefined", nil
	}
	if goja.IsNull(v) {
		return "null", nil
	}
	if o, ok := v.(*goja.Object); ok {
		return inspectObject(o, level, indent)
	}
	switch x := v.Export().(type) {
	case bool:
		return strconv.FormatBool(x), nil
	case string:
		if utf16Len(x) > 16 && utf16Len(x) > inspectBreakLen-indent-4 {
			return "", fmt.Errorf("string of %d characters inside a value: Node splits it over lines; not supported by the reference", utf16Len(x))
		}
		return nodeQuote(x), nil
	case int64:
		return strconv.FormatInt(x, 10), nil
	case float64:
		if x == 0 && math.Signbit(x) {
			return "-0", nil
		}
		return v.String(), nil // goja's Number::toString
	}
	return "", fmt.Errorf("value %v of type %T: not supported by the reference formatter", v, v.Export())
}

var inspectIdentKey = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z_0-9]*$`)

func inspectObject(o *goja.Object, level, indent int) (string, error) {
	if _, isFunc := goja.AssertFunction(o); isFunc {
		name := ""
		if n := o.Get("name"); n != nil && !goja.IsUndefined(n) {
			name = n.String()
		}
		if name == "" {
			return "[Function (anonymous)]", nil
		}
		return "[Function: " + name + "]", nil
	}
	isArray := o.ClassName() == "Array"
	if level > inspectDepth {
		if isArray {
			return "[Array]", nil
		}
		return "[Object]", nil
	}
	var entries []string
	grouped := false
	if isArray {
		n := int(o.Get("length").ToInteger())
		own := map[string]bool{}
		for _, k := range o.GetOwnPropertyNames() {
			own[k] = true
		}
		holes := 0
		flushHoles := func() {
			if holes > 0 {
				s := "s"
				if holes == 1 {
					s = ""
				}
				entries = append(entries, fmt.Sprintf("<%d empty item%s>", holes, s))
				holes = 0
			}
		}
		sparse := false
		shown := min(n, inspectMaxArrayLen)
		for i := 0; i < shown; i++ {
			k := strconv.Itoa(i)
			if !own[k] {
				holes++
				sparse = true
				continue
			}
			flushHoles()
			s, err := nodeInspect(o.Get(k), level+1, indent+2)
			if err != nil {
				return "", err
			}
			entries = append(entries, s)
		}
		flushHoles()
		if sparse && (len(entries) > inspectMaxGrouped || n > inspectMaxArrayLen) {
			return "", fmt.Errorf("array with holes and %d entries: not supported by the reference formatter", len(entries))
		}
		more := n > shown
		if more {
			rest := n - shown
			s := "s"
			if rest == 1 {
				s = ""
			}
			entries = append(entries, fmt.Sprintf("... %d more item%s", rest, s))
		}
		if len(entries) > inspectMaxGrouped {
			numeric := true // padStart when every value[i] for i < len(output) is a number
			for i := range entries {
				if i >= n {
					numeric = false
					break
				}
				if _, isNum := o.Get(strconv.Itoa(i)).Export().(int64); isNum {
					continue
				}
				if _, isNum := o.Get(strconv.Itoa(i)).Export().(float64); isNum {
					continue
				}
				numeric = false
				break
			}
			before := len(entries)
			entries = groupArrayElements(entries, indent, numeric, more)
			grouped = len(entries) != before
		}
	} else {
		if o.ClassName() != "Object" {
			return "", fmt.Errorf("object of class %s: not supported by the reference formatter", o.ClassName())
		}
		for _, k := range o.Keys() {
			s, err := nodeInspect(o.Get(k), level+1, indent+2)
			if err != nil {
				return "", err
			}
			name := k
			if !inspectIdentKey.MatchString(k) {
				name = nodeQuote(k)
			}
			entries = append(entries, name+": "+s)
		}
	}
	open, close := "{", "}"
	if isArray {
		open, close = "[", "]"
	}
	if len(entries) == 0 {
		return open + close, nil
	}
	// reduceToSingleString: one line if it fits within breakLength and has no newline.
	start := len(entries) + indent + len(open) + 10
	total := len(entries) + start
	multiline := false
	for _, e := range entries {
		total += utf16Len(e)
		if strings.Contains(e, "\n") {
			multiline = true
		}
	}
	if total <= inspectBreakLen && !multiline && !grouped {
		return open + " " + strings.Join(entries, ", ") + " " + close, nil
	}
	ind := "\n" + strings.Repeat(" ", indent)
	return open + ind + "  " + strings.Join(entries, ","+ind+"  ") + ind + close, nil
}

// groupArrayElements is Node's function of that name (lib/internal/util/inspect.js): an
// array of more than 6 entries is laid out in columns when its entries are short enough.
// output's last entry is the "... n more items" line when more is set.
func groupArrayElements(output []string, indent int, numeric, more bool) []string {
	const separatorSpace = 2
	totalLength, maxLength := 0, 0
	outputLength := len(output)
	if more {
		outputLength--
	}
	dataLen := make([]int, outputLength)
	for i := 0; i < outputLength; i++ {
		l := utf16Len(output[i])
		dataLen[i] = l
		totalLength += l + separatorSpace
		if maxLength < l {
			maxLength = l
		}
	}
	actualMax := maxLength + separatorSpace
	if actualMax*3+indent < inspectBreakLen &&
		(float64(totalLength)/float64(actualMax) > 5 || maxLength <= 6) {
		const approxCharHeights = 2.5
		averageBias := math.Sqrt(float64(actualMax) - float64(totalLength)/float64(len(output)))
		biasedMax := math.Max(float64(actualMax)-3-averageBias, 1)
		columns := min(
			int(math.Floor(math.Sqrt(approxCharHeights*biasedMax*float64(outputLength))/biasedMax+0.5)),
			(inspectBreakLen-indent)/actualMax,
			3*4, // ctx.compact * 4
			15,
		)
		if columns <= 1 {
			return output
		}
		var maxLineLength []int
		for i := 0; i < columns; i++ {
			lineLength := 0
			for j := i; j < outputLength; j += columns {
				if dataLen[j] > lineLength {
					lineLength = dataLen[j]
				}
			}
			maxLineLength = append(maxLineLength, lineLength+separatorSpace)
		}
		pad := func(s string, width int) string {
			if n := width - utf16Len(s); n > 0 {
				if numeric {
					return strings.Repeat(" ", n) + s
				}
				return s + strings.Repeat(" ", n)
			}
			return s
		}
		var tmp []string
		for i := 0; i < outputLength; i += columns {
			end := min(i+columns, outputLength)
			var sb strings.Builder
			j := i
			for ; j < end-1; j++ {
				sb.WriteString(pad(output[j]+", ", maxLineLength[j-i]))
			}
			if numeric {
				sb.WriteString(pad(output[j], maxLineLength[j-i]-separatorSpace))
			} else {
				sb.WriteString(output[j])
			}
			tmp = append(tmp, sb.String())
		}
		if more {
			tmp = append(tmp, output[outputLength])
		}
		return tmp
	}
	return output
}

// nodeQuote quotes a string as util.inspect does: single quotes unless the string contains
// one (then double quotes, or backticks), escaping control characters and backslashes.
func nodeQuote(s string) string {
	quote := byte('\'')
	if strings.Contains(s, "'") {
		if !strings.Contains(s, `"`) {
			quote = '"'
		} else if !strings.Contains(s, "`") && !strings.Contains(s, "${") {
			quote = '`'
		}
	}
	var sb strings.Builder
	sb.WriteByte(quote)
	for _, r := range s {
		switch {
		case r == rune(quote) && quote == '\'':
			sb.WriteString(`\'`)
		case r == '\\':
			sb.WriteString(`\\`)
		case r == '\b':
			sb.WriteString(`\b`)
		case r == '\t':
			sb.WriteString(`\t`)
		case r == '\n':
			sb.WriteString(`\n`)
		case r == '\f':
			sb.WriteString(`\f`)
		case r == '\r':
			sb.WriteString(`\r`)
		case r < 0x20 || (r >= 0x7f && r <= 0x9f):
			fmt.Fprintf(&sb, `\x%02X`, r)
		default:
			sb.WriteRune(r)
		}
	}
	sb.WriteByte(quote)
	return sb.String()
}

// showOutputs renders nanotick's and goja's outputs one after the other, line-numbered,
// marking the first differing line.
func showOutputs(got, want string) string {
	return showOutputsVs(got, want, "goja")
}

// showOutputsVs is showOutputs with the reference named ref.
func showOutputsVs(got, want, ref string) string {
	g := strings.Split(got, "\n")
	w := strings.Split(want, "\n")
	var sb strings.Builder
	first := -1
	for i := 0; i < len(g) || i < len(w); i++ {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if (i >= len(g)) != (i >= len(w)) || gl != wl {
			first = i
			break
		}
	}
	if first >= 0 {
		fmt.Fprintf(&sb, "first difference at line %d:\n  nanotick: %q\n  %-9s %q\n", first+1, outputLineAt(g, first), ref+":", outputLineAt(w, first))
	}
	sb.WriteString("--- nanotick ---\n")
	writeNumberedOutput(&sb, got)
	sb.WriteString("--- " + ref + " (reference) ---\n")
	writeNumberedOutput(&sb, want)
	return sb.String()
}

func outputLineAt(lines []string, i int) string {
	if i < len(lines) {
		return lines[i]
	}
	return "<no line>"
}

func writeNumberedOutput(sb *strings.Builder, s string) {
	if s == "" {
		sb.WriteString("    (no output)\n")
		return
	}
	lines := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
	for i, l := range lines {
		fmt.Fprintf(sb, "%4d| %s\n", i+1, l)
	}
	if !strings.HasSuffix(s, "\n") {
		sb.WriteString("    (no newline at end)\n")
	}
}

// TestConformanceRejected checks the other side of the subset's promise: what nanotick does
// not support is refused at compile time, with a position, rather than run differently.
func TestConformanceRejected(t *testing.T) {
	cases := []struct{ name, src string }{
		{"loose_equality", "let a = 1;\nconsole.log(a == 1);"},
		{"loose_inequality", "let a = 1;\nconsole.log(a != 1);"},
		{"var", "let a = 1;\nvar b = 2;"},
		{"class", "let a = 1;\nclass A {}"},
		{"this", "let a = 1;\nfunction f() { return this; }"},
		{"new_other", "let a = 1;\nconst d = new Date();"},
		{"try", "let a = 1;\ntry { a = 2; } catch (e) {}"},
		{"throw", "let a = 1;\nthrow a;"},
		{"async", "let a = 1;\nasync function f() {}"},
		{"generator", "let a = 1;\nfunction* g() {}"},
		{"eval", "let a = 1;\neval(\"a\");"},
		{"with", "let a = 1;\nwith (Math) {}"},
		{"delete", "let a = 1;\nconst o = { k: 1 };\ndelete o.k;"},
		{"regex", "let a = 1;\nconst r = /ab+c/;"},
		{"import", "import x from \"y\";"},
		{"getter", "let a = 1;\nconst o = { get k() { return 1; } };"},
		{"undeclared", "let a = 1;\nconsole.log(b);"},
		{"const_assign", "const a = 1;\na = 2;"},
		{"new_key", "const o = { k: 1 };\no.other = 2;"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := vm.Compile(c.name+".js", []byte(c.src), nil)
			if err == nil {
				t.Fatalf("compiled, want a compile error:\n%s", c.src)
			}
			var e *vm.Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v (%T) is not a *vm.Error", err, err)
			}
			if e.File != c.name+".js" || e.Line < 1 || e.Col < 1 || e.Msg == "" {
				t.Fatalf("error lacks a position or message: %+v", e)
			}
			if e.Line != strings.Count(c.src, "\n")+1 && c.name != "import" {
				t.Errorf("error at line %d, want the last line (%d): %v", e.Line, strings.Count(c.src, "\n")+1, err)
			}
		})
	}
}

// TestConformanceCoercionErrors checks that where JavaScript would silently convert across
// types, nanotick stops with a runtime error naming the position, and prints nothing after.
func TestConformanceCoercionErrors(t *testing.T) {
	cases := []struct{ name, src string }{
		{"string_times_number", `const s = "5"; console.log("before"); console.log(s * 2); console.log("after");`},
		{"undefined_plus_number", `let u; console.log("before"); console.log(u + 1); console.log("after");`},
		{"null_arith", `const n = null; console.log("before"); console.log(n - 1); console.log("after");`},
		{"bool_arith", `const b = true; console.log("before"); console.log(b + 1); console.log("after");`},
		{"number_lt_string", `const s = "2"; console.log("before"); console.log(1 < s); console.log("after");`},
		{"call_non_function", `const f = 5; console.log("before"); f(); console.log("after");`},
		{"unary_minus_string", `const s = "1"; console.log("before"); console.log(-s); console.log("after");`},
		{"bitwise_string", `const s = "1"; console.log("before"); console.log(s | 0); console.log("after");`},
		{"missing_element_arith", `const a = [1]; console.log("before"); console.log(a[3] * 2); console.log("after");`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, err := runNanotick(c.name+".js", []byte(c.src), 5*time.Second)
			if err == nil {
				t.Fatalf("ran without error, printing %q; want a runtime error", out)
			}
			var e *vm.Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v (%T) is not a *vm.Error", err, err)
			}
			if e.Line != 1 || e.Col < 1 || e.Msg == "" {
				t.Fatalf("error lacks a position or message: %+v", e)
			}
			if out != "before\n" {
				t.Fatalf("output %q, want only the line printed before the error", out)
			}
		})
	}
}

// callsScript is driven from Go one call at a time: each call allocates (objects, arrays,
// strings, a closure) and keeps some of it in globals, so the machine's collector runs
// between and during calls while survivors must stay intact.
const callsScript = `
const hist = [];
let last = null;
let n = 0;
const window = new Array(16).fill(0);
function step(x) {
  n++;
  const o = { x: x, s: "v" + x, a: [x, x * 2] };
  if (n % 97 === 0) {
    hist.push(o);
  }
  last = o;
  window[n % window.length] = x;
  const f = () => o.a[1] + n;
  if (n % 5000 === 0) {
    console.log("step", n, o.s, hist.length, window);
  }
  return f() - x;
}
function summary() {
  let s = 0;
  for (const h of hist) {
    s += h.a[1] + h.s.length + h.x;
  }
  return s + last.x + n;
}
`

// TestConformanceCalls drives the same script through Machine.Call and through goja,
// comparing every result, the final summary and what console.log printed along the way.
func TestConformanceCalls(t *testing.T) {
	prog, err := vm.Compile("calls.js", []byte(callsScript), nil)
	if err != nil {
		t.Fatal(err)
	}
	m := prog.NewMachine()
	var nout bytes.Buffer
	m.SetOutput(&nout)
	if err := m.Run(); err != nil {
		t.Fatal(err)
	}
	step, ok1 := m.Func("step")
	summary, ok2 := m.Func("summary")
	if !ok1 || !ok2 {
		t.Fatal("step or summary not found")
	}

	r := goja.New()
	gout, err := installGojaConsole(r)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.RunScript("calls.js", callsScript); err != nil {
		t.Fatal(err)
	}
	gstep, _ := goja.AssertFunction(r.Get("step"))
	gsummary, _ := goja.AssertFunction(r.Get("summary"))

	for i := 0; i < 30000; i++ {
		x := float64(i)*0.25 - 1000
		v, err := m.Call(step, vm.Number(x))
		if err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
		got, ok := v.Number()
		gv, gerr := gstep(goja.Undefined(), r.ToValue(x))
		if gerr != nil {
			t.Fatalf("goja call %d: %v", i, gerr)
		}
		if want := gv.ToFloat(); !ok || got != want {
			t.Fatalf("call %d: step(%v) = %v (number: %v), goja %v", i, x, got, ok, want)
		}
	}
	v, err := m.Call(summary)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := v.Number()
	gv, _ := gsummary(goja.Undefined())
	if want := gv.ToFloat(); got != want {
		t.Fatalf("summary() = %v, goja %v", got, want)
	}
	if err := gout.err(); err != nil {
		t.Fatal(err)
	}
	if nout.String() != gout.buf.String() {
		t.Fatalf("console output differs\n%s", showOutputs(nout.String(), gout.buf.String()))
	}
}

// TestConformanceCallErrors checks what a failing call leaves behind: as in JavaScript, the
// writes made before the error persist, and the machine serves the next call normally.
func TestConformanceCallErrors(t *testing.T) {
	const src = `
let count = 0;
const log = [];
const notFn = 5;
function bump(x) {
  count += x;
  log.push(x);
  if (x > 2) {
    notFn();
  }
  return count;
}
function deep(n) {
  return n === 0 ? 0 : 1 + deep(n - 1);
}
function get() {
  return count * 1000 + log.length;
}
`
	prog, err := vm.Compile("callerrors.js", []byte(src), nil)
	if err != nil {
		t.Fatal(err)
	}
	m := prog.NewMachine()
	if err := m.Run(); err != nil {
		t.Fatal(err)
	}
	r := goja.New()
	if _, err := r.RunScript("callerrors.js", src); err != nil {
		t.Fatal(err)
	}
	call := func(name string, args ...float64) (float64, error) {
		f, ok := m.Func(name)
		if !ok {
			t.Fatalf("no function %s", name)
		}
		vs := make([]vm.Value, len(args))
		for i, a := range args {
			vs[i] = vm.Number(a)
		}
		v, err := m.Call(f, vs...)
		n, _ := v.Number()
		return n, err
	}
	gcall := func(name string, args ...float64) (float64, error) {
		f, _ := goja.AssertFunction(r.Get(name))
		vs := make([]goja.Value, len(args))
		for i, a := range args {
			vs[i] = r.ToValue(a)
		}
		v, err := f(goja.Undefined(), vs...)
		if err != nil {
			return 0, err
		}
		return v.ToFloat(), nil
	}
	steps := []struct {
		fn      string
		arg     []float64
		wantErr bool
	}{
		{"bump", []float64{1}, false},
		{"bump", []float64{3}, true}, // count and log change, then the call fails
		{"get", nil, false},
		{"deep", []float64{5000}, true}, // beyond nanotick's call depth (goja: fine, see below)
		{"deep", []float64{100}, false},
		{"bump", []float64{2}, false},
		{"get", nil, false},
	}
	for i, s := range steps {
		got, err := call(s.fn, s.arg...)
		if (err != nil) != s.wantErr {
			t.Fatalf("step %d: %s(%v) error = %v, want error: %v", i, s.fn, s.arg, err, s.wantErr)
		}
		if err != nil {
			var e *vm.Error
			if !errors.As(err, &e) || e.Line < 1 || len(e.Stack) == 0 {
				t.Fatalf("step %d: error %v lacks a position or stack trace", i, err)
			}
		}
		if s.fn == "deep" && s.arg[0] == 5000 {
			continue // within JavaScript's limits but not nanotick's; no side effects
		}
		want, gerr := gcall(s.fn, s.arg...)
		if (gerr != nil) != (err != nil) {
			t.Fatalf("step %d: %s(%v): nanotick error %v, goja error %v", i, s.fn, s.arg, err, gerr)
		}
		if err == nil && got != want {
			t.Fatalf("step %d: %s(%v) = %v, goja %v", i, s.fn, s.arg, got, want)
		}
	}
}

// TestConformanceRunTwice re-runs every corpus program's top level on the same machine: a
// second Run starts from fresh globals and prints exactly what the first printed.
func TestConformanceRunTwice(t *testing.T) {
	for _, file := range conformancePrograms(t) {
		name := strings.TrimSuffix(filepath.Base(file), ".js")
		t.Run(name, func(t *testing.T) {
			src, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			prog, err := vm.Compile(file, src, nil)
			if err != nil {
				t.Skipf("does not compile (TestConformance reports it): %v", err)
			}
			m := prog.NewMachine()
			var first, second bytes.Buffer
			m.SetOutput(&first)
			if err := m.Run(); err != nil {
				t.Skipf("first run failed (TestConformance reports it): %v", err)
			}
			m.SetOutput(&second)
			if err := m.Run(); err != nil {
				t.Fatalf("second run: %v", err)
			}
			if first.String() != second.String() {
				t.Fatalf("second run prints differently (first block: second run, then the first run)\n%s",
					showOutputsVs(second.String(), first.String(), "first run"))
			}
		})
	}
}

// TestConformanceParallelMachines runs each corpus program on four machines of one Program
// at once: a Program is immutable and shared between goroutines, so all four must print the
// same (run with -race to check the sharing itself).
func TestConformanceParallelMachines(t *testing.T) {
	for _, file := range conformancePrograms(t) {
		src, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		prog, err := vm.Compile(file, src, nil)
		if err != nil {
			continue // TestConformance reports it
		}
		outs := make([]string, 4)
		var wg sync.WaitGroup
		for i := range outs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				m := prog.NewMachine()
				var b bytes.Buffer
				m.SetOutput(&b)
				if err := m.Run(); err != nil {
					fmt.Fprintf(&b, "\nerror: %v", err)
				}
				outs[i] = b.String()
			}()
		}
		wg.Wait()
		for i := 1; i < len(outs); i++ {
			if outs[i] != outs[0] {
				t.Errorf("%s: machine %d printed differently from machine 0\n%s", filepath.Base(file), i,
					showOutputsVs(outs[i], outs[0], "machine 0"))
			}
		}
	}
}
