package vm

import (
	"fmt"
	"sort"
)

// Shape is a fixed set of keys for objects that the host creates and passes to scripts,
// such as the trade a strategy's onTrade receives. Register shapes on the Host before
// Compile; the compiler interns their keys like an object literal's, so that scripts read
// the fields by the same inline-cached path as their own objects.
type Shape struct {
	id int
}

// Shape registers an object shape with the given keys, in order: Machine.SetField
// addresses fields by their index in keys.
func (h *Host) Shape(keys ...string) Shape {
	seen := map[string]bool{}
	for _, k := range keys {
		if !isIdentifier(k) || seen[k] {
			h.errs = append(h.errs, fmt.Sprintf("host shape key %q is not a valid, distinct identifier", k))
		}
		seen[k] = true
	}
	h.shapes = append(h.shapes, append([]string(nil), keys...))
	return Shape{id: len(h.shapes) - 1}
}

// internHostShapes adds the host's shapes to a freshly compiled program, interning their
// keys, and returns the program shape index of each.
func internHostShapes(strs *[]string, shapes *[][]int32, host [][]string) []int32 {
	if len(host) == 0 {
		return nil
	}
	index := make(map[string]int32, len(*strs))
	for i, s := range *strs {
		if _, ok := index[s]; !ok {
			index[s] = int32(i)
		}
	}
	ids := make([]int32, len(host))
	for i, keys := range host {
		shape := make([]int32, len(keys))
		for j, k := range keys {
			si, ok := index[k]
			if !ok {
				si = int32(len(*strs))
				*strs = append(*strs, k)
				index[k] = si
			}
			shape[j] = si
		}
		ids[i] = int32(len(*shapes))
		*shapes = append(*shapes, shape)
	}
	return ids
}

// NewObject returns a new object of shape s with every field undefined. It lives in the
// machine's heap like a script's objects: Keep it to hold it across calls.
func (m *Machine) NewObject(s Shape) Value {
	if s.id < 0 || s.id >= len(m.prog.hostShapes) {
		return Undefined
	}
	shape := m.prog.hostShapes[s.id]
	fields := make([]Value, len(m.prog.code.Shapes[shape]))
	for i := range fields {
		fields[i] = Undefined
	}
	return m.newObject(shape, fields)
}

// SetField sets field i (the index of its key in the Shape) of an object made by
// NewObject. It reports false if obj is not an object or i is out of range. It does not
// allocate, so a host can refill one object before every callback.
func (m *Machine) SetField(obj Value, i int, v Value) bool {
	if obj.IsNumber() || obj.tag() != tagObject {
		return false
	}
	o := &m.objs[obj.handle()]
	if i < 0 || i >= len(o.fields) {
		return false
	}
	o.fields[i] = v
	return true
}

// NewString returns a string value holding s, in the machine's heap.
func (m *Machine) NewString(s string) Value { return m.newString(s) }

// StringOf returns the Go string of a string value, without copying, and false for any
// other value.
func (m *Machine) StringOf(v Value) (string, bool) {
	if v.IsNumber() || v.tag() != tagString {
		return "", false
	}
	return m.str(v), true
}

// Names returns every name the host defines, sorted: functions and constants by their
// name, object methods as "object.method". Tools use it to check that documentation of a
// host API (such as a TypeScript declaration file) lists exactly what is registered.
func (h *Host) Names() []string {
	var out []string
	for name, n := range h.names {
		if n.kind != hostObjectName {
			out = append(out, name)
			continue
		}
		for method := range h.objects[n.index].methods {
			if method == "" {
				out = append(out, name) // callable: name(...)
				continue
			}
			out = append(out, name+"."+method)
		}
	}
	for _, o := range h.handles {
		for method := range o.methods {
			out = append(out, o.name+"."+method)
		}
	}
	sort.Strings(out)
	return out
}
