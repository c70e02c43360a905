package vm

import (
	"github.com/nanotick/nanotick/vm/jsmath"
	"math"
	"math/bits"
	"strings"

	"github.com/nanotick/nanotick/vm/bytecode"
)

func (m *Machine) numArg(name string, args []Value, i int) (float64, error) {
	if i < len(args) && args[i].IsNumber() {
		return args[i].num(), nil
	}
	if i >= len(args) {
		return 0, hintf(coerceHint, "%s: missing argument %d (a number)", name, i+1)
	}
	return 0, hintf(coerceHint, "%s: argument %d must be a number, not %s", name, i+1, m.describe(args[i]))
}

// builtin calls a builtin function; args is a window onto the value stack.
func (m *Machine) builtin(id bytecode.Builtin, args []Value) (Value, error) {
	name := bytecode.BuiltinNames[id]
	switch id {
	case bytecode.ConsoleLog:
		return Undefined, m.consoleLog(args)
	case bytecode.NumberIsFinite:
		return Bool(len(args) > 0 && args[0].IsNumber() && !math.IsInf(args[0].num(), 0) && args[0].num() == args[0].num()), nil
	case bytecode.NumberIsNaN:
		return Bool(len(args) > 0 && args[0].IsNumber() && args[0].num() != args[0].num()), nil
	case bytecode.NumberIsInteger:
		if len(args) == 0 || !args[0].IsNumber() {
			return Bool(false), nil
		}
		f := args[0].num()
		return Bool(!math.IsInf(f, 0) && f == math.Trunc(f)), nil
	case bytecode.ArrayIsArray:
		return Bool(len(args) > 0 && args[0].Kind() == KindArray), nil
	case bytecode.MathMin, bytecode.MathMax, bytecode.MathHypot:
		return m.variadicMath(id, name, args)
	}
	x, err := m.numArg(name, args, 0)
	if err != nil {
		return Undefined, err
	}
	var r float64
	switch id {
	case bytecode.GlobalIsFinite:
		return Bool(!math.IsInf(x, 0) && x == x), nil
	case bytecode.GlobalIsNaN:
		return Bool(x != x), nil
	case bytecode.MathAbs:
		r = math.Abs(x)
	case bytecode.MathFloor:
		r = math.Floor(x)
	case bytecode.MathCeil:
		r = math.Ceil(x)
	case bytecode.MathRound:
		r = jsRound(x)
	case bytecode.MathTrunc:
		r = math.Trunc(x)
	case bytecode.MathSign:
		switch {
		case x > 0:
			r = 1
		case x < 0:
			r = -1
		default:
			r = x // NaN, +0 and -0
		}
	case bytecode.MathSqrt:
		r = math.Sqrt(x)
	case bytecode.MathCbrt:
		r = jsmath.Cbrt(x)
	case bytecode.MathExp:
		r = jsmath.Exp(x)
	case bytecode.MathExpm1:
		r = jsmath.Expm1(x)
	case bytecode.MathLog:
		r = jsmath.Log(x)
	case bytecode.MathLog1p:
		r = jsmath.Log1p(x)
	case bytecode.MathLog2:
		r = jsmath.Log2(x)
	case bytecode.MathLog10:
		r = jsmath.Log10(x)
	case bytecode.MathSin:
		r = jsmath.Sin(x)
	case bytecode.MathCos:
		r = jsmath.Cos(x)
	case bytecode.MathTan:
		r = jsmath.Tan(x)
	case bytecode.MathAsin:
		r = jsmath.Asin(x)
	case bytecode.MathAcos:
		r = jsmath.Acos(x)
	case bytecode.MathAtan:
		r = jsmath.Atan(x)
	case bytecode.MathSinh:
		r = jsmath.Sinh(x)
	case bytecode.MathCosh:
		r = jsmath.Cosh(x)
	case bytecode.MathTanh:
		r = jsmath.Tanh(x)
	case bytecode.MathFround:
		r = float64(float32(x))
	case bytecode.MathPow, bytecode.MathAtan2:
		y, err := m.numArg(name, args, 1)
		if err != nil {
			return Undefined, err
		}
		if id == bytecode.MathPow {
			r = jsPow(x, y)
		} else {
			r = jsmath.Atan2(x, y)
		}
	default:
		return Undefined, errorf("internal error: unknown builtin %d", id)
	}
	return Number(r), nil
}

func (m *Machine) variadicMath(id bytecode.Builtin, name string, args []Value) (Value, error) {
	for i := range args {
		if _, err := m.numArg(name, args, i); err != nil {
			return Undefined, err
		}
	}
	switch id {
	case bytecode.MathMax, bytecode.MathMin:
		r := math.Inf(1)
		if id == bytecode.MathMax {
			r = math.Inf(-1)
		}
		for _, a := range args {
			x := a.num()
			switch {
			case x != x:
				return Number(math.NaN()), nil
			case id == bytecode.MathMax && (x > r || (x == 0 && r == 0 && !math.Signbit(x))):
				r = x
			case id == bytecode.MathMin && (x < r || (x == 0 && r == 0 && math.Signbit(x))):
				r = x
			}
		}
		// NaN anywhere wins, even after the loop stopped early for it.
		return Number(r), nil
	}
	// Math.hypot: Infinity wins over NaN, as specified.
	scale := 0.0
	nan := false
	for _, a := range args {
		x := math.Abs(a.num())
		if math.IsInf(x, 0) {
			return Number(math.Inf(1)), nil
		}
		if x != x {
			nan = true
		}
		scale = math.Max(scale, x)
	}
	if nan {
		return Number(math.NaN()), nil
	}
	if scale == 0 {
		return Number(0), nil
	}
	// V8's MathHypot: Kahan summation of the squares normalized to the largest, so
	// that the result is Node's to the last bit.
	sum, compensation := 0.0, 0.0
	for _, a := range args {
		n := math.Abs(a.num()) / scale
		summand := float64(n*n) - compensation
		preliminary := sum + summand
		compensation = (preliminary - sum) - summand
		sum = preliminary
	}
	return Number(math.Sqrt(sum) * scale), nil
}

// jsRound is Math.round: halves round toward +Infinity and -0 is preserved.
func jsRound(x float64) float64 {
	if x != x || math.IsInf(x, 0) || x == 0 {
		return x
	}
	if x > 0 && x < 0.5 {
		return 0
	}
	if x < 0 && x >= -0.5 {
		return math.Copysign(0, -1)
	}
	r := math.Floor(x)
	if x-r >= 0.5 {
		r++
	}
	return r
}

var arrayMethods = []string{"push", "pop", "indexOf", "lastIndexOf", "includes", "slice", "sort", "fill", "join", "reverse"}

func isArrayMethod(name string) bool {
	for _, n := range arrayMethods {
		if n == name {
			return true
		}
	}
	return false
}

// relIndex implements the relative index arguments of slice and fill.
func (m *Machine) relIndex(name string, args []Value, i, n, def int) (int, error) {
	if i >= len(args) || args[i].bits == undefinedBits {
		return def, nil
	}
	f, err := m.numArg("array."+name, args, i)
	if err != nil {
		return 0, err
	}
	if f != f {
		f = 0
	}
	f = math.Trunc(f)
	if f < 0 {
		f = math.Max(float64(n)+f, 0)
	} else {
		f = math.Min(f, float64(n))
	}
	return int(f), nil
}

// method calls a method of a non-object receiver: the array methods.
func (m *Machine) method(recv Value, nameIdx int, args []Value) (Value, error) {
	name := m.propName(nameIdx)
	if recv.tag() != tagArray || recv.IsNumber() {
		if recv.tag() == tagString && !recv.IsNumber() {
			return Undefined, hintf("strings support length and indexing s[i] only", "strings have no method %s", name)
		}
		return Undefined, hintf("check that the value is set and is an array or object", "cannot call method %s of %s", name, m.describe(recv))
	}
	h := recv.handle()
	elems := m.arrs[h].elems
	full := name // relIndex prefixes "array." only when it reports an error
	// Builtins charge the instruction budget for the work they do, so that a loop of
	// sorts or joins over a huge array cannot escape the budget.
	if name != "push" && name != "pop" {
		m.budget -= int64(len(elems))
	}
	if name == "sort" {
		m.budget -= int64(len(elems)) * int64(bits.Len(uint(len(elems))))
	}
	switch name {
	case "push":
		oldCap := cap(elems)
		if len(elems)+len(args) > m.maxArrayLen() {
			return Undefined, errorf("array too large")
		}
		elems = append(elems, args...)
		m.arrs[h].elems = elems
		if cap(elems) != oldCap {
			m.account(int64(cap(elems)-oldCap) * valueSize)
		}
		return Number(float64(len(elems))), nil
	case "pop":
		if len(elems) == 0 {
			return Undefined, nil
		}
		v := elems[len(elems)-1]
		elems[len(elems)-1] = Value{}
		m.arrs[h].elems = elems[:len(elems)-1]
		if v.bits == holeBits {
			v = Undefined
		}
		return v, nil
	case "indexOf", "lastIndexOf", "includes":
		x := Undefined
		if len(args) > 0 {
			x = args[0]
		}
		n := len(elems)
		if name == "lastIndexOf" {
			from, err := m.relIndex(full, args, 1, n, n-1)
			if err != nil {
				return Undefined, err
			}
			if len(args) > 1 && args[1].IsNumber() && args[1].num() < 0 {
				from = n + int(math.Trunc(args[1].num()))
			}
			for i := min(from, n-1); i >= 0; i-- {
				if elems[i].bits != holeBits && m.strictEquals(elems[i], x) {
					return Number(float64(i)), nil
				}
			}
			return Number(-1), nil
		}
		from, err := m.relIndex(full, args, 1, n, 0)
		if err != nil {
			return Undefined, err
		}
		for i := from; i < n; i++ {
			e := elems[i]
			if name == "includes" {
				if e.bits == holeBits {
					e = Undefined
				}
				if m.strictEquals(e, x) || (e.IsNumber() && x.IsNumber() && e.num() != e.num() && x.num() != x.num()) {
					return Bool(true), nil
				}
				continue
			}
			if e.bits != holeBits && m.strictEquals(e, x) {
				return Number(float64(i)), nil
			}
		}
		if name == "includes" {
			return Bool(false), nil
		}
		return Number(-1), nil
	case "slice":
		n := len(elems)
		start, err := m.relIndex(full, args, 0, n, 0)
		if err != nil {
			return Undefined, err
		}
		end, err := m.relIndex(full, args, 1, n, n)
		if err != nil {
			return Undefined, err
		}
		var out []Value
		if end > start {
			out = make([]Value, end-start)
			copy(out, elems[start:end])
		} else {
			out = make([]Value, 0, 4)
		}
		return m.newArray(out), nil
	case "fill":
		v := Undefined
		if len(args) > 0 {
			v = args[0]
		}
		n := len(elems)
		start, err := m.relIndex(full, args, 1, n, 0)
		if err != nil {
			return Undefined, err
		}
		end, err := m.relIndex(full, args, 2, n, n)
		if err != nil {
			return Undefined, err
		}
		for i := start; i < end; i++ {
			elems[i] = v
		}
		return recv, nil
	case "reverse":
		for i, j := 0, len(elems)-1; i < j; i, j = i+1, j-1 {
			elems[i], elems[j] = elems[j], elems[i]
		}
		return recv, nil
	case "join":
		sep := ","
		if len(args) > 0 && args[0].bits != undefinedBits {
			if args[0].tag() != tagString || args[0].IsNumber() {
				return Undefined, hintf("pass a string separator", "array.join: separator must be a string, not %s", m.describe(args[0]))
			}
			sep = m.str(args[0])
		}
		var b strings.Builder
		if err := m.joinArray(&b, recv, sep, 0); err != nil {
			return Undefined, err
		}
		return m.newString(normalizeWTF8(b.String())), nil
	case "sort":
		if len(args) > 0 && args[0].bits != undefinedBits {
			if args[0].Kind() != KindFunction {
				return Undefined, hintf("pass a comparator such as (a, b) => a - b", "array.sort: comparator must be a function, not %s", m.describe(args[0]))
			}
			return recv, m.sortWith(h, args[0])
		}
		return recv, m.sortDefault(h)
	}
	return Undefined, hintf("arrays have length and the methods "+strings.Join(arrayMethods, ", "), "arrays have no method %s", name)
}

// comparator is a sort comparison function, analyzed once per sort.
type comparator struct {
	v Value
	// sub is +1 when the function is (a, b) => a - b, -1 for (a, b) => b - a: then two
	// numbers compare natively, with exactly the script's result, and only other
	// operands (which make the script fail) go through a call.
	sub int
}

func (m *Machine) newComparator(v Value) comparator {
	c := comparator{v: v}
	var fidx uint32
	switch v.tag() {
	case tagFunc:
		fidx = v.handle()
	case tagClosure:
		fidx = uint32(m.clos[v.handle()].fn)
	default:
		return c
	}
	code := m.prog.code.Funcs[fidx].Code
	if m.prog.code.Funcs[fidx].NumParams == 2 && len(code) >= 2 && code[0].Op == bytecode.SUBLL && code[1].Op == bytecode.RET {
		switch {
		case code[0].A == 0 && code[0].B == 1:
			c.sub = 1
		case code[0].A == 1 && code[0].B == 0:
			c.sub = -1
		}
	}
	return c
}

// cmp compares two elements with the comparator.
func (m *Machine) cmp(c *comparator, a, b Value) (float64, error) {
	if c.sub != 0 && a.IsNumber() && b.IsNumber() {
		m.budget--
		d := a.num() - b.num()
		if c.sub < 0 {
			d = -d
		}
		if d != d {
			return 0, nil
		}
		return d, nil
	}
	return m.compare(c.v, a, b)
}

// compare calls the sort comparator. Its cost is one frame push and one interpreter
// entry; the comparator's result must be a number (NaN counts as 0, as in JavaScript).
func (m *Machine) compare(cmp, a, b Value) (float64, error) {
	sp0, fp0 := m.sp, m.fp
	if sp0+3 > len(m.stack) {
		return 0, errorf("value stack overflow")
	}
	m.stack[sp0] = cmp
	m.stack[sp0+1] = a
	m.stack[sp0+2] = b
	m.sp = sp0 + 3
	r, err := m.callValue(2)
	m.sp, m.fp = sp0, fp0
	if err != nil {
		return 0, err
	}
	if !r.IsNumber() {
		return 0, hintf("return a negative number, zero or a positive number", "sort comparator returned %s, not a number", m.describe(r))
	}
	f := r.num()
	if f != f {
		return 0, nil
	}
	return f, nil
}

// sortWith sorts the array stably with a script comparator (a merge sort, as modern
// JavaScript engines' sorts are stable). Holes go last and undefined values just before
// them without calling the comparator, as the specification requires.
func (m *Machine) sortWith(h uint32, cmp Value) error {
	m.noGC++ // elements are held in Go memory while the comparator runs
	m.sorting++
	defer func() { m.noGC--; m.sorting-- }()
	src := m.arrs[h].elems
	// The work and merge buffers are the machine's, reused by every sort, unless a
	// comparator sorts again while they are in use.
	var work, tmp []Value
	if m.sorting == 1 {
		if cap(m.sortWork) < len(src) {
			m.sortWork = make([]Value, 0, len(src))
			m.sortTmp = make([]Value, len(src))
		}
		work, tmp = m.sortWork[:0], m.sortTmp[:len(src)]
	} else {
		work, tmp = make([]Value, 0, len(src)), make([]Value, len(src))
	}
	undefs, holes := 0, 0
	for _, v := range src {
		switch v.bits {
		case holeBits:
			holes++
		case undefinedBits:
			undefs++
		default:
			work = append(work, v)
		}
	}
	tmp = tmp[:len(work)]
	c := m.newComparator(cmp)
	if err := m.mergeSort(work, tmp, &c); err != nil {
		return err
	}
	for i := 0; i < undefs; i++ {
		work = append(work, Undefined)
	}
	for i := 0; i < holes; i++ {
		work = append(work, Value{holeBits})
	}
	dst := m.arrs[h].elems
	copy(dst, work)
	return nil
}

func (m *Machine) mergeSort(a, tmp []Value, cmp *comparator) error {
	n := len(a)
	if n <= 12 {
		// Insertion sort for short runs.
		for i := 1; i < n; i++ {
			for j := i; j > 0; j-- {
				c, err := m.cmp(cmp, a[j-1], a[j])
				if err != nil {
					return err
				}
				if c <= 0 {
					break
				}
				a[j-1], a[j] = a[j], a[j-1]
			}
		}
		return nil
	}
	mid := n / 2
	if err := m.mergeSort(a[:mid], tmp[:mid], cmp); err != nil {
		return err
	}
	if err := m.mergeSort(a[mid:], tmp[mid:], cmp); err != nil {
		return err
	}
	// Already ordered halves need no merge.
	c, err := m.cmp(cmp, a[mid-1], a[mid])
	if err != nil {
		return err
	}
	if c <= 0 {
		return nil
	}
	copy(tmp, a)
	i, j, k := 0, mid, 0
	for i < mid && j < n {
		c, err := m.cmp(cmp, tmp[i], tmp[j])
		if err != nil {
			return err
		}
		if c <= 0 {
			a[k] = tmp[i]
			i++
		} else {
			a[k] = tmp[j]
			j++
		}
		k++
	}
	k += copy(a[k:], tmp[i:mid])
	copy(a[k:], tmp[j:n])
	return nil
}

// sortDefault sorts by string conversion, as JavaScript's sort without a comparator
// does (so [10, 9, 1] sorts to [1, 10, 9]).
func (m *Machine) sortDefault(h uint32) error {
	src := m.arrs[h].elems
	type keyed struct {
		k string
		v Value
	}
	var work []keyed
	undefs, holes := 0, 0
	for _, v := range src {
		switch v.bits {
		case holeBits:
			holes++
		case undefinedBits:
			undefs++
		default:
			s, err := m.toString(v)
			if err != nil {
				return err
			}
			work = append(work, keyed{s, v})
		}
	}
	// Insertion into a merge sort via sort.SliceStable would need a closure; the keys are
	// plain strings, so a simple stable merge is written out here.
	tmp := make([]keyed, len(work))
	var msort func(a, t []keyed)
	msort = func(a, t []keyed) {
		if len(a) < 2 {
			return
		}
		mid := len(a) / 2
		msort(a[:mid], t[:mid])
		msort(a[mid:], t[mid:])
		copy(t, a)
		i, j, k := 0, mid, 0
		for i < mid && j < len(a) {
			if compareUTF16Fast(t[j].k, t[i].k) < 0 {
				a[k] = t[j]
				j++
			} else {
				a[k] = t[i]
				i++
			}
			k++
		}
		k += copy(a[k:], t[i:mid])
		copy(a[k:], t[j:])
	}
	msort(work, tmp)
	dst := m.arrs[h].elems
	k := 0
	for _, w := range work {
		dst[k] = w.v
		k++
	}
	for i := 0; i < undefs; i++ {
		dst[k] = Undefined
		k++
	}
	for i := 0; i < holes; i++ {
		dst[k] = Value{holeBits}
		k++
	}
	return nil
}

func compareUTF16Fast(a, b string) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] >= 0x80 || b[i] >= 0x80 {
			return compareUTF16(a, b)
		}
		if a[i] != b[i] {
			if a[i] < b[i] {
				return -1
			}
			return 1
		}
	}
	return strings.Compare(a, b)
}
