package config

import (
	"sort"
	"strconv"
	"strings"

	"github.com/pelletier/go-toml/v2/unstable"
)

// pos is a 1-based line and column in the config file; the zero pos means unknown.
type pos struct {
	Line, Col int
}

// positions maps a display path such as "risk.max_order_qty" or
// "strategy[1].params.alpha" to where its key was written.
//
// go-toml's decoded map[string]any carries no positions, so the document is walked a
// second time with go-toml's AST parser only to learn where every key, table header and
// array element is; every error can then name a line, not just a key.
type positions map[string]pos

// indexPositions builds the position index of a document that already decoded
// successfully. It must not fail on anything the decoder accepted, and it stops quietly
// on anything it does not understand: positions are a courtesy, never a source of errors.
func indexPositions(data []byte) positions {
	idx := positions{}
	var p unstable.Parser
	p.Reset(data)
	lines := newLineIndex(data)
	// arrays counts the elements of every array of tables seen so far, by resolved path,
	// so that "[strategy.params]" lands on the latest "[[strategy]]".
	arrays := map[string]int{}
	prefix := ""
	for p.NextExpression() {
		e := p.Expression()
		switch e.Kind {
		case unstable.Table, unstable.ArrayTable:
			path, first := resolveHeader(lines, e, arrays, idx)
			if e.Kind == unstable.ArrayTable {
				arrays[path]++
				path = path + "[" + strconv.Itoa(arrays[path]-1) + "]"
			}
			idx.setIfAbsent(path, first)
			prefix = path
		case unstable.KeyValue:
			indexKeyValue(lines, e, prefix, idx)
		}
	}
	return idx
}

// resolveHeader turns a table header's dotted key into a path, stepping into the latest
// element of any array of tables along the way. It returns the path and the position of
// the header's first key.
func resolveHeader(p lineIndex, e *unstable.Node, arrays map[string]int, idx positions) (string, pos) {
	path := ""
	var first pos
	it := e.Key()
	for i := 0; it.Next(); i++ {
		k := it.Node()
		at := nodePos(p, k)
		if i == 0 {
			first = at
		}
		path = joinPath(path, string(k.Data))
		if n, ok := arrays[path]; ok && n > 0 && !it.IsLast() {
			path = path + "[" + strconv.Itoa(n-1) + "]"
		}
		idx.setIfAbsent(path, at)
	}
	return path, first
}

// indexKeyValue records a key = value line, every implicit table its dotted key creates,
// and, recursively, the keys of inline tables and the elements of arrays in the value.
func indexKeyValue(p lineIndex, e *unstable.Node, prefix string, idx positions) {
	path := prefix
	var at pos
	it := e.Key()
	for it.Next() {
		k := it.Node()
		at = nodePos(p, k)
		path = joinPath(path, string(k.Data))
		idx.setIfAbsent(path, at)
	}
	indexValue(p, e.Value(), path, at, idx)
}

// indexValue records the positions of the parts of a value written at path.
func indexValue(p lineIndex, v *unstable.Node, path string, at pos, idx positions) {
	if v == nil {
		return
	}
	switch v.Kind {
	case unstable.InlineTable:
		it := v.Children()
		for it.Next() {
			if c := it.Node(); c.Kind == unstable.KeyValue {
				indexKeyValue(p, c, path, idx)
			}
		}
	case unstable.Array:
		it := v.Children()
		for i := 0; it.Next(); {
			c := it.Node()
			if c.Kind == unstable.Comment {
				continue
			}
			ep := path + "[" + strconv.Itoa(i) + "]"
			cat := nodePos(p, c)
			if cat.Line == 0 {
				cat = at
			}
			idx.setIfAbsent(ep, cat)
			indexValue(p, c, ep, cat, idx)
			i++
		}
	}
}

// lineIndex holds the offset at which every line of the document starts. go-toml's
// Parser.Shape rescans the document from the start for every position, which is
// quadratic in the number of keys; a binary search over line starts is not.
type lineIndex []int

func newLineIndex(data []byte) lineIndex {
	starts := lineIndex{0}
	for i, c := range data {
		if c == '\n' {
			starts = append(starts, i+1)
		}
	}
	return starts
}

// nodePos is the start of a node, or the zero pos when the node carries no range.
func nodePos(lines lineIndex, n *unstable.Node) pos {
	if n == nil || n.Raw.Length == 0 && n.Raw.Offset == 0 {
		return pos{}
	}
	off := int(n.Raw.Offset)
	// The line is the last one starting at or before off.
	line := sort.SearchInts(lines, off+1) - 1
	if line < 0 {
		return pos{}
	}
	return pos{Line: line + 1, Col: off - lines[line] + 1}
}

func (idx positions) setIfAbsent(path string, at pos) {
	if _, ok := idx[path]; !ok && at.Line > 0 {
		idx[path] = at
	}
}

// joinPath appends one key to a display path, quoting keys that are not bare TOML keys so
// that "a.b" written as one quoted key cannot collide with the dotted path a.b.
func joinPath(path, key string) string {
	if !isBareKey(key) {
		key = strconv.Quote(key)
	}
	if path == "" {
		return key
	}
	return path + "." + key
}

func isBareKey(k string) bool {
	if k == "" {
		return false
	}
	return strings.IndexFunc(k, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-')
	}) < 0
}
