package vm

// The machine's heap is a set of arenas indexed by the handles stored in Values. A slot
// freed by the collector goes on its arena's free list, so an arena's length is bounded by
// the peak number of live objects, not by the number ever allocated.

type strObj struct {
	s    string
	mark uint32
	// u16 is the string's UTF-16 length, or -1 when not yet computed.
	u16 int32
	// ascii is 1 when the string is known to be ASCII, 2 when known not to be.
	ascii uint8
	live  bool
}

type arrObj struct {
	elems []Value
	mark  uint32
	live  bool
}

type objObj struct {
	shape  int32
	fields []Value
	mark   uint32
	live   bool
}

type closObj struct {
	fn    int32
	cells []uint32
	mark  uint32
	live  bool
}

type cellObj struct {
	v    Value
	mark uint32
	live bool
}

// Approximate per-object costs, used for the arena memory limit and GC pacing.
const (
	strOverhead   = 48
	arrOverhead   = 48
	objOverhead   = 48
	closOverhead  = 48
	cellOverhead  = 24
	valueSize     = 8
	minGCInterval = 1 << 20
)

type heap struct {
	strs     []strObj
	strFree  []uint32
	nPerm    int // strings below nPerm are program constants and never freed
	arrs     []arrObj
	arrFree  []uint32
	objs     []objObj
	objFree  []uint32
	clos     []closObj
	closFree []uint32
	cells    []cellObj
	cellFree []uint32

	bytes  int64 // approximate live plus garbage bytes
	nextGC int64
	epoch  uint32
	gcDue  bool
	// parkedBudget holds the instruction budget while a collection request has zeroed it.
	parkedBudget int64
	noGC         int // >0 while Go code holds handles the collector cannot see
	pins         map[uint64]int
	work         []Value
	gcRuns       int
}

// account records n bytes allocated in the arenas, and charges the instruction budget
// one step per Value's worth of them: the work of making and filling what was allocated
// (new Array(n), a string concatenation, an array copy), which no instruction count sees.
func (m *Machine) account(n int64) {
	m.bytes += n
	m.budget -= n / valueSize
	if m.bytes >= m.nextGC && !m.gcDue {
		m.requestGC()
	}
}

func (m *Machine) newString(s string) Value {
	var h uint32
	if n := len(m.strFree); n > 0 {
		h = m.strFree[n-1]
		m.strFree = m.strFree[:n-1]
		m.strs[h] = strObj{s: s, u16: -1, live: true}
	} else {
		h = uint32(len(m.strs))
		m.strs = append(m.strs, strObj{s: s, u16: -1, live: true})
	}
	m.account(int64(len(s)) + strOverhead)
	return mkHandle(tagString, h)
}

func (m *Machine) newArray(elems []Value) Value {
	var h uint32
	if n := len(m.arrFree); n > 0 {
		h = m.arrFree[n-1]
		m.arrFree = m.arrFree[:n-1]
		m.arrs[h] = arrObj{elems: elems, live: true}
	} else {
		h = uint32(len(m.arrs))
		m.arrs = append(m.arrs, arrObj{elems: elems, live: true})
	}
	m.account(int64(cap(elems))*valueSize + arrOverhead)
	return mkHandle(tagArray, h)
}

func (m *Machine) newObject(shape int32, fields []Value) Value {
	var h uint32
	if n := len(m.objFree); n > 0 {
		h = m.objFree[n-1]
		m.objFree = m.objFree[:n-1]
		m.objs[h] = objObj{shape: shape, fields: fields, live: true}
	} else {
		h = uint32(len(m.objs))
		m.objs = append(m.objs, objObj{shape: shape, fields: fields, live: true})
	}
	m.account(int64(len(fields))*valueSize + objOverhead)
	return mkHandle(tagObject, h)
}

func (m *Machine) newClosure(fn int32, cells []uint32) Value {
	var h uint32
	if n := len(m.closFree); n > 0 {
		h = m.closFree[n-1]
		m.closFree = m.closFree[:n-1]
		m.clos[h] = closObj{fn: fn, cells: cells, live: true}
	} else {
		h = uint32(len(m.clos))
		m.clos = append(m.clos, closObj{fn: fn, cells: cells, live: true})
	}
	m.account(int64(len(cells))*4 + closOverhead)
	return mkHandle(tagClosure, h)
}

func (m *Machine) newCell(v Value) Value {
	var h uint32
	if n := len(m.cellFree); n > 0 {
		h = m.cellFree[n-1]
		m.cellFree = m.cellFree[:n-1]
		m.cells[h] = cellObj{v: v, live: true}
	} else {
		h = uint32(len(m.cells))
		m.cells = append(m.cells, cellObj{v: v, live: true})
	}
	m.account(cellOverhead)
	return Value{cellBits | uint64(h)}
}

// str returns the Go string of a string value.
func (m *Machine) str(v Value) string { return m.strs[v.handle()].s }

// isASCII reports whether the string value is pure ASCII, caching the answer.
func (m *Machine) isASCII(v Value) bool {
	so := &m.strs[v.handle()]
	if so.ascii == 0 {
		so.ascii = 1
		for i := 0; i < len(so.s); i++ {
			if so.s[i] >= 0x80 {
				so.ascii = 2
				break
			}
		}
	}
	return so.ascii == 1
}

// strLen returns the string's length in UTF-16 code units, as JavaScript counts.
func (m *Machine) strLen(v Value) int {
	so := &m.strs[v.handle()]
	if so.u16 < 0 {
		if m.isASCII(v) {
			so.u16 = int32(len(so.s))
		} else {
			so.u16 = int32(utf16Len(so.s))
		}
	}
	return int(so.u16)
}

// charAt returns the one-code-unit string at UTF-16 index i.
func (m *Machine) charAt(v Value, i int) Value {
	s := m.str(v)
	if m.isASCII(v) {
		return m.asciiChar(s[i])
	}
	u := toUTF16(s)
	if u[i] < 0x80 {
		return m.asciiChar(byte(u[i]))
	}
	return m.newString(fromUTF16(u[i : i+1]))
}

// asciiChar returns the permanent one-character string for c.
func (m *Machine) asciiChar(c byte) Value {
	return mkHandle(tagString, uint32(m.asciiBase+int(c)))
}

// Keep pins a heap value (string, array, object, function) so the collector keeps it
// while the host holds it outside the script's variables. Pins nest; call Release as many
// times as Keep.
func (m *Machine) Keep(v Value) {
	if v.IsNumber() || v.tag() == tagMisc {
		return
	}
	if m.pins == nil {
		m.pins = map[uint64]int{}
	}
	m.pins[v.bits]++
}

// Release undoes one Keep.
func (m *Machine) Release(v Value) {
	if n := m.pins[v.bits]; n > 1 {
		m.pins[v.bits] = n - 1
	} else {
		delete(m.pins, v.bits)
	}
}

// HeapStats describes the machine's arenas.
type HeapStats struct {
	Strings, Arrays, Objects, Closures, Cells int // arena lengths (live plus free slots)
	Bytes                                     int64
	Collections                               int
}

// HeapStats returns the current arena sizes.
func (m *Machine) HeapStats() HeapStats {
	return HeapStats{
		Strings: len(m.strs), Arrays: len(m.arrs), Objects: len(m.objs), Closures: len(m.clos),
		Cells: len(m.cells), Bytes: m.bytes, Collections: m.gcRuns,
	}
}

// requestGC asks for a collection at the next safe point. The interpreter checks only
// the budget at back-edges and calls, so the request parks the real budget and zeroes
// it: one comparison per back-edge covers both conditions.
func (m *Machine) requestGC() {
	m.gcDue = true
	m.parkedBudget = m.budget
	m.budget = 0
}

// mark marks v and everything reachable from it.
func (m *Machine) mark(v Value) {
	m.work = append(m.work[:0], v)
	ep := m.epoch
	for len(m.work) > 0 {
		v := m.work[len(m.work)-1]
		m.work = m.work[:len(m.work)-1]
		if v.IsNumber() {
			continue
		}
		h := v.handle()
		switch v.tag() {
		case tagString:
			m.strs[h].mark = ep
		case tagArray:
			a := &m.arrs[h]
			if a.mark == ep {
				continue
			}
			a.mark = ep
			for _, e := range a.elems {
				if !e.IsNumber() && e.tag() != tagMisc {
					m.work = append(m.work, e)
				}
			}
		case tagObject:
			o := &m.objs[h]
			if o.mark == ep {
				continue
			}
			o.mark = ep
			for _, e := range o.fields {
				if !e.IsNumber() && e.tag() != tagMisc {
					m.work = append(m.work, e)
				}
			}
		case tagClosure:
			c := &m.clos[h]
			if c.mark == ep {
				continue
			}
			c.mark = ep
			for _, cell := range c.cells {
				m.work = append(m.work, Value{cellBits | uint64(cell)})
			}
		case tagMisc:
			if v.bits&^0xFFFFFFFF == cellBits {
				c := &m.cells[h]
				if c.mark == ep {
					continue
				}
				c.mark = ep
				m.work = append(m.work, c.v)
			}
		}
	}
}

// collect runs a precise mark-sweep collection. Roots are the globals, the live part of
// the value stack, the closures of active frames and the host's pins. It must only run at
// a safe point, where every live handle is in one of those places.
func (m *Machine) collect() {
	m.epoch++
	if m.epoch == 0 {
		m.epoch = 1
		for i := range m.strs {
			m.strs[i].mark = 0
		}
		for i := range m.arrs {
			m.arrs[i].mark = 0
		}
		for i := range m.objs {
			m.objs[i].mark = 0
		}
		for i := range m.clos {
			m.clos[i].mark = 0
		}
		for i := range m.cells {
			m.cells[i].mark = 0
		}
	}
	for _, v := range m.globals {
		m.mark(v)
	}
	for _, v := range m.stack[:m.sp] {
		m.mark(v)
	}
	for i := 0; i < m.fp; i++ {
		if c := m.frames[i].clo; c >= 0 {
			m.mark(mkHandle(tagClosure, uint32(c)))
		}
	}
	for bits := range m.pins {
		m.mark(Value{bits})
	}
	ep := m.epoch
	var live int64
	for i := m.nPerm; i < len(m.strs); i++ {
		s := &m.strs[i]
		if !s.live {
			continue
		}
		if s.mark != ep {
			*s = strObj{}
			m.strFree = append(m.strFree, uint32(i))
		} else {
			live += int64(len(s.s)) + strOverhead
		}
	}
	for i := range m.arrs {
		a := &m.arrs[i]
		if !a.live {
			continue
		}
		if a.mark != ep {
			*a = arrObj{}
			m.arrFree = append(m.arrFree, uint32(i))
		} else {
			live += int64(cap(a.elems))*valueSize + arrOverhead
		}
	}
	for i := range m.objs {
		o := &m.objs[i]
		if !o.live {
			continue
		}
		if o.mark != ep {
			*o = objObj{}
			m.objFree = append(m.objFree, uint32(i))
		} else {
			live += int64(len(o.fields))*valueSize + objOverhead
		}
	}
	for i := range m.clos {
		c := &m.clos[i]
		if !c.live {
			continue
		}
		if c.mark != ep {
			*c = closObj{}
			m.closFree = append(m.closFree, uint32(i))
		} else {
			live += int64(len(c.cells))*4 + closOverhead
		}
	}
	for i := range m.cells {
		c := &m.cells[i]
		if !c.live {
			continue
		}
		if c.mark != ep {
			*c = cellObj{}
			m.cellFree = append(m.cellFree, uint32(i))
		} else {
			live += cellOverhead
		}
	}
	m.bytes = live
	m.nextGC = 2 * live
	if m.nextGC < minGCInterval {
		m.nextGC = minGCInterval
	}
	if lim := m.limits.MaxHeapBytes; lim > 0 && m.nextGC > lim {
		m.nextGC = lim
	}
	if m.gcDue {
		// The budget counted down from zero since the request: what was charged meanwhile
		// comes off the parked budget.
		m.gcDue = false
		m.budget += m.parkedBudget
		m.parkedBudget = 0
	}
	m.gcRuns++
}

// GC runs a collection now. Call it only between Run and Call invocations or from a
// host function that holds no unpinned handles in Go variables.
func (m *Machine) GC() {
	m.collect()
}
