package vm

import (
	"math"
	"strconv"
	"strings"
)

// This file formats values the way Node's console.log (util.inspect with the default
// options: depth 2, breakLength 80, compact 3, maxArrayLength 100) does, following the
// structure of Node's lib/internal/util/inspect.js: formatValue, formatList,
// groupArrayElements, reduceToSingleString and isBelowBreakLength.

const (
	inspectDepth     = 2
	inspectBreak     = 80
	inspectCompact   = 3
	inspectMaxArray  = 100
	inspectMaxString = 10000
)

type inspector struct {
	m            *Machine
	indentation  int
	currentDepth int
	seen         []Value
	circular     map[uint64]int
	// showHidden adds the non-enumerable properties util.inspect's showHidden option
	// shows (an array's [length]), for console.log's %o.
	showHidden bool
}

// consoleLog writes the arguments as Node's console.log does.
func (m *Machine) consoleLog(args []Value) error {
	b := m.outBuf[:0]
	b = append(b, toValidUTF8(m.formatLog(args))...)
	b = append(b, '\n')
	m.outBuf = b
	// Formatting costs far more per byte than copying (a number's digits, escapes), so
	// the output is charged a step per byte.
	m.budget -= int64(len(b))
	if m.out != nil {
		if _, err := m.out.Write(b); err != nil {
			return errorf("console.log: %v", err)
		}
	}
	return nil
}

// Inspect formats v as console.log prints it (strings at top level print raw).
func (m *Machine) Inspect(v Value) string {
	return m.formatLog([]Value{v})
}

// String returns v formatted for display, as console.log would print it.
func (m *Machine) String(v Value) string { return m.Inspect(v) }

func (m *Machine) inspect(v Value) string {
	in := &inspector{m: m}
	return in.formatValue(v, 0, true)
}

func (m *Machine) formatLog(args []Value) string {
	var b strings.Builder
	a := 0
	join := ""
	if len(args) > 0 && args[0].Kind() == KindString {
		first := m.str(args[0])
		if len(args) == 1 {
			return first
		}
		lastPos := 0
		for i := 0; i < len(first)-1; i++ {
			if first[i] != '%' {
				continue
			}
			i++
			next := first[i]
			if a+1 != len(args) {
				var temp string
				switch next {
				case 's':
					a++
					v := args[a]
					switch v.Kind() {
					case KindNumber:
						temp = formatNumber(v.num())
					case KindString:
						temp = m.str(v)
					case KindArray, KindObject:
						in := &inspector{m: m}
						temp = in.formatValueDepth(v, 0, 0)
					default:
						temp, _ = m.toStringForLog(v)
					}
				case 'd':
					a++
					temp = formatNumber(m.looseNumber(args[a]))
				case 'i', 'f':
					// Node formats %i with parseInt(String(x)) and %f with
					// parseFloat(String(x)), so -0 prints as 0 and -0.5 as -0 with %i.
					a++
					str, err := m.toStringForLog(args[a])
					if err != nil {
						str = "NaN"
					}
					if next == 'i' {
						temp = formatNumber(jsParseInt(str))
					} else {
						temp = formatNumber(jsParseFloat(str))
					}
				case 'j':
					a++
					temp = m.jsonForLog(args[a])
				case 'o':
					// util.inspect with showHidden and depth 4: arrays show their
					// [length] too.
					a++
					in := &inspector{m: m, showHidden: true}
					temp = in.formatValueDepth(args[a], 0, 4)
				case 'O':
					a++
					temp = m.inspect(args[a])
				case 'c':
					a++
					temp = ""
				case '%':
					b.WriteString(first[lastPos:i])
					lastPos = i + 1
					continue
				default:
					continue
				}
				if lastPos != i-1 {
					b.WriteString(first[lastPos : i-1])
				}
				b.WriteString(temp)
				lastPos = i + 1
			} else if next == '%' {
				b.WriteString(first[lastPos:i])
				lastPos = i + 1
			}
		}
		if lastPos != 0 {
			a++
			join = " "
			if lastPos < len(first) {
				b.WriteString(first[lastPos:])
			}
		}
	}
	for ; a < len(args); a++ {
		b.WriteString(join)
		if args[a].Kind() == KindString {
			b.WriteString(m.str(args[a]))
		} else {
			b.WriteString(m.inspect(args[a]))
		}
		join = " "
	}
	return b.String()
}

func (m *Machine) toStringForLog(v Value) (string, error) {
	if v.Kind() == KindFunction {
		return m.inspect(v), nil
	}
	return m.toString(v)
}

// looseNumber is JavaScript's Number(x), used only by console.log's %d.
func (m *Machine) looseNumber(v Value) float64 {
	switch v.Kind() {
	case KindNumber:
		return v.num()
	case KindBool:
		if v.bits == trueBits {
			return 1
		}
		return 0
	case KindNull:
		return 0
	case KindString:
		s := strings.TrimSpace(m.str(v))
		if s == "" {
			return 0
		}
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			return f
		}
	}
	return math.NaN()
}

// formatNumber prints -0 as "-0", as util.inspect does.
func formatNumber(f float64) string {
	if f == 0 && math.Signbit(f) {
		return "-0"
	}
	return numberToString(f)
}

func (in *inspector) formatValue(v Value, recurseTimes int, top bool) string {
	return in.formatValueDepth(v, recurseTimes, inspectDepth)
}

func (in *inspector) formatValueDepth(v Value, recurseTimes, depth int) string {
	m := in.m
	switch v.Kind() {
	case KindNumber:
		return formatNumber(v.num())
	case KindString:
		s := m.str(v)
		trailer := ""
		if len(s) > inspectMaxString {
			trailer = "... " + strconv.Itoa(len(s)-inspectMaxString) + " more characters"
			s = s[:inspectMaxString]
		}
		return strEscape(s) + trailer
	case KindUndefined:
		return "undefined"
	case KindNull:
		return "null"
	case KindBool:
		if v.bits == trueBits {
			return "true"
		}
		return "false"
	case KindFunction:
		name := m.funcName(v)
		if name == "" {
			return "[Function (anonymous)]"
		}
		return "[Function: " + name + "]"
	}
	return in.formatRaw(v, recurseTimes, depth)
}

func (m *Machine) funcName(v Value) string {
	var idx uint32
	if v.tag() == tagClosure {
		idx = uint32(m.clos[v.handle()].fn)
	} else {
		idx = v.handle()
	}
	name := m.prog.code.Funcs[idx].Name
	if name == "<anonymous>" || name == "<main>" {
		return ""
	}
	return name
}

func (in *inspector) formatRaw(v Value, recurseTimes, depth int) string {
	m := in.m
	for _, s := range in.seen {
		if s.bits == v.bits {
			if in.circular == nil {
				in.circular = map[uint64]int{}
			}
			idx, ok := in.circular[v.bits]
			if !ok {
				idx = len(in.circular) + 1
				in.circular[v.bits] = idx
			}
			return "[Circular *" + strconv.Itoa(idx) + "]"
		}
	}
	isArray := v.Kind() == KindArray
	braces := [2]string{"{", "}"}
	if isArray {
		braces = [2]string{"[", "]"}
		if len(m.arrs[v.handle()].elems) == 0 && !in.showHidden {
			return "[]"
		}
	} else if len(m.objs[v.handle()].fields) == 0 {
		return "{}"
	}
	if recurseTimes > depth {
		if isArray {
			return "[Array]"
		}
		return "[Object]"
	}
	recurseTimes++
	in.seen = append(in.seen, v)
	in.currentDepth = recurseTimes
	var output []string
	if isArray {
		output = in.formatArray(v, recurseTimes, depth)
		if in.showHidden {
			output = append(output, "[length]: "+formatNumber(float64(len(m.arrs[v.handle()].elems))))
		}
	} else {
		o := &m.objs[v.handle()]
		shape := m.prog.code.Shapes[o.shape]
		for i, k := range shape {
			in.indentation += 2
			str := in.formatValueDepth(o.fields[i], recurseTimes, depth)
			in.indentation -= 2
			output = append(output, formatKey(m.prog.code.Strings[k])+": "+str)
		}
	}
	in.seen = in.seen[:len(in.seen)-1]
	base := ""
	if idx, ok := in.circular[v.bits]; ok {
		base = "<ref *" + strconv.Itoa(idx) + ">"
	}
	res := in.reduceToSingleString(output, base, braces, isArray, recurseTimes, v)
	return res
}

func (in *inspector) formatArray(v Value, recurseTimes, depth int) []string {
	elems := in.m.arrs[v.handle()].elems
	var output []string
	shown := 0 // array slots covered by output entries
	for i := 0; i < len(elems) && len(output) < inspectMaxArray; {
		if elems[i].bits == holeBits {
			j := i
			for j < len(elems) && elems[j].bits == holeBits {
				j++
			}
			n := j - i
			s := "s"
			if n == 1 {
				s = ""
			}
			output = append(output, "<"+strconv.Itoa(n)+" empty item"+s+">")
			i = j
			shown = j
			continue
		}
		in.indentation += 2
		output = append(output, in.formatValueDepth(elems[i], recurseTimes, depth))
		in.indentation -= 2
		i++
		shown = i
	}
	if remaining := len(elems) - shown; remaining > 0 {
		s := "s"
		if remaining == 1 {
			s = ""
		}
		output = append(output, "... "+strconv.Itoa(remaining)+" more item"+s)
	}
	return output
}

func (in *inspector) reduceToSingleString(output []string, base string, braces [2]string, isArray bool, recurseTimes int, v Value) string {
	entries := len(output)
	if isArray && entries > 6 {
		output = in.groupArrayElements(output, v)
	}
	if in.currentDepth-recurseTimes < inspectCompact && entries == len(output) {
		start := len(output) + in.indentation + len(braces[0]) + len(base) + 10
		if isBelowBreakLength(output, start, base) {
			joined := strings.Join(output, ", ")
			if !strings.Contains(joined, "\n") {
				if base != "" {
					base += " "
				}
				return base + braces[0] + " " + joined + " " + braces[1]
			}
		}
	}
	ind := "\n" + strings.Repeat(" ", in.indentation)
	if base != "" {
		base += " "
	}
	return base + braces[0] + ind + "  " + strings.Join(output, ","+ind+"  ") + ind + braces[1]
}

func isBelowBreakLength(output []string, start int, base string) bool {
	total := len(output) + start
	if total+len(output) > inspectBreak {
		return false
	}
	for _, s := range output {
		total += strLen16(s)
		if total > inspectBreak {
			return false
		}
	}
	return base == "" || !strings.Contains(base, "\n")
}

func strLen16(s string) int {
	n := 0
	for _, r := range s {
		n++
		if r >= 0x10000 {
			n++
		}
	}
	return n
}

func (in *inspector) groupArrayElements(output []string, v Value) []string {
	totalLength := 0
	maxLength := 0
	outputLength := len(output)
	if inspectMaxArray < len(output) {
		outputLength-- // the "... more items" entry is not grouped
	}
	const separatorSpace = 2
	dataLen := make([]int, outputLength)
	for i := 0; i < outputLength; i++ {
		l := strLen16(output[i])
		dataLen[i] = l
		totalLength += l + separatorSpace
		if maxLength < l {
			maxLength = l
		}
	}
	actualMax := maxLength + separatorSpace
	if actualMax*3+in.indentation < inspectBreak &&
		(float64(totalLength)/float64(actualMax) > 5 || maxLength <= 6) {
		const approxCharHeights = 2.5
		avg := math.Sqrt(float64(actualMax) - float64(totalLength)/float64(len(output)))
		biasedMax := math.Max(float64(actualMax)-3-avg, 1)
		columns := minInt(
			int(jsRound(math.Sqrt(approxCharHeights*biasedMax*float64(outputLength))/biasedMax)),
			(inspectBreak-in.indentation)/actualMax,
			inspectCompact*4,
			15,
		)
		if columns <= 1 {
			return output
		}
		var tmp []string
		var maxLineLength []int
		for i := 0; i < columns; i++ {
			lineLength := 0
			for j := i; j < len(output); j += columns {
				if j < outputLength && dataLen[j] > lineLength {
					lineLength = dataLen[j]
				}
			}
			maxLineLength = append(maxLineLength, lineLength+separatorSpace)
		}
		padStart := true
		elems := in.m.arrs[v.handle()].elems
		for i := 0; i < len(output); i++ {
			if i >= len(elems) || !elems[i].IsNumber() {
				padStart = false
				break
			}
		}
		for i := 0; i < outputLength; i += columns {
			maxI := minInt(i+columns, outputLength)
			var str strings.Builder
			j := i
			for ; j < maxI-1; j++ {
				cell := output[j] + ", "
				str.WriteString(pad(cell, maxLineLength[j-i], padStart))
			}
			if padStart {
				str.WriteString(pad(output[j], maxLineLength[j-i]-separatorSpace, true))
			} else {
				str.WriteString(output[j])
			}
			tmp = append(tmp, str.String())
		}
		if outputLength < len(output) {
			tmp = append(tmp, output[outputLength])
		}
		return tmp
	}
	return output
}

func pad(s string, width int, start bool) string {
	n := width - strLen16(s)
	if n <= 0 {
		return s
	}
	if start {
		return strings.Repeat(" ", n) + s
	}
	return s + strings.Repeat(" ", n)
}

func minInt(xs ...int) int {
	r := xs[0]
	for _, x := range xs[1:] {
		if x < r {
			r = x
		}
	}
	return r
}

func isKeyIdent(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (i > 0 && c >= '0' && c <= '9')) {
			return false
		}
	}
	return true
}

func formatKey(k string) string {
	if isKeyIdent(k) {
		return k
	}
	return strEscape(k)
}

// strEscape quotes a string as util.inspect does: single quotes by default, double or
// back quotes when that avoids escaping.
func strEscape(s string) string {
	quote := byte('\'')
	if strings.IndexByte(s, '\'') >= 0 {
		if strings.IndexByte(s, '"') < 0 {
			quote = '"'
		} else if strings.IndexByte(s, '`') < 0 && !strings.Contains(s, "${") {
			quote = '`'
		}
	}
	var b strings.Builder
	b.WriteByte(quote)
	for len(s) > 0 {
		r, n := decodeRuneWTF8(s)
		s = s[n:]
		switch {
		case r == rune(quote):
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\b':
			b.WriteString(`\b`)
		case r == '\f':
			b.WriteString(`\f`)
		case r == '\v':
			b.WriteString(`\x0B`)
		case r < 0x20 || (r >= 0x7f && r <= 0x9f):
			b.WriteString(`\x`)
			b.WriteString(strings.ToUpper(hex2(byte(r))))
		case r >= 0xD800 && r < 0xE000:
			b.WriteString(`\u` + strconv.FormatInt(int64(r), 16)) // Node writes lone surrogates in lower case
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte(quote)
	return b.String()
}

func hex2(c byte) string {
	const digits = "0123456789abcdef"
	return string([]byte{digits[c>>4], digits[c&15]})
}

// jsParseFloat implements JavaScript's parseFloat: the longest decimal prefix of the
// trimmed string, or NaN.
func jsParseFloat(s string) float64 {
	s = strings.TrimLeft(s, " \t\n\r\v\f")
	for _, inf := range []string{"Infinity", "+Infinity", "-Infinity"} {
		if strings.HasPrefix(s, inf) {
			if inf[0] == '-' {
				return math.Inf(-1)
			}
			return math.Inf(1)
		}
	}
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	digits := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
		digits++
	}
	if i < len(s) && s[i] == '.' {
		i++
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
			digits++
		}
	}
	if digits == 0 {
		return math.NaN()
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		j := i + 1
		if j < len(s) && (s[j] == '+' || s[j] == '-') {
			j++
		}
		if j < len(s) && s[j] >= '0' && s[j] <= '9' {
			for j < len(s) && s[j] >= '0' && s[j] <= '9' {
				j++
			}
			i = j
		}
	}
	f, err := strconv.ParseFloat(strings.TrimSuffix(s[:i], "."), 64)
	if err != nil && f == 0 {
		return math.NaN()
	}
	return f
}

// jsParseInt implements JavaScript's parseInt with radix 10 (or 16 for 0x).
func jsParseInt(s string) float64 {
	s = strings.TrimLeft(s, " \t\n\r\v\f")
	neg := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	base := 10.0
	if len(s) > 1 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') {
		base, s = 16, s[2:]
	}
	v, n := 0.0, 0
	for ; n < len(s); n++ {
		d := digitValue(s[n])
		if d >= int(base) {
			break
		}
		v = v*base + float64(d)
	}
	if n == 0 {
		return math.NaN()
	}
	if neg {
		v = -v
	}
	return v
}

func digitValue(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'z':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'Z':
		return int(c-'A') + 10
	}
	return 99
}
