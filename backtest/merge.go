package backtest

import (
	"errors"
	"fmt"
	"io"

	"github.com/nanotick/nanotick/orderbook"
)

// Several instruments: each instrument's recordings are one Source (its files are
// consecutive segments of one stream), and the replay reads the instruments' frames as
// one stream in local receive order, as the engine would have received them. The merge
// is a k-way merge over the sources' next frames: it holds one frame per source (the
// sources' own buffers; nothing is copied), so its memory does not depend on the length
// of the data, and a step costs O(log k).

// MergedSource is a Source of several instruments' frames in local receive order. Which
// says which input the frame Next last returned came from.
type MergedSource struct {
	in   []mergeInput
	heap []int // indices into in, a min-heap on (local, index)
	last int   // the input whose frame was returned last; -1 before the first
	err  error
}

type mergeInput struct {
	src   eventSource
	local int64
	frame []byte
	d     *decoded
	lv    []orderbook.Level
}

// Merge returns a MergedSource over srcs. At equal receive times the source given first
// comes first, so a merge is deterministic.
func Merge(srcs ...Source) *MergedSource {
	es := make([]eventSource, len(srcs))
	for i, s := range srcs {
		es[i] = framesOnly{s}
	}
	return mergeEvents(es...)
}

// mergeEvents is Merge over event sources.
func mergeEvents(srcs ...eventSource) *MergedSource {
	m := &MergedSource{in: make([]mergeInput, len(srcs)), last: -1}
	for i, s := range srcs {
		m.in[i].src = s
	}
	return m
}

// framesOnly is an eventSource of a Source's frames without events.
type framesOnly struct{ Source }

func (s framesOnly) next() (int64, []byte, *decoded, []orderbook.Level, error) {
	local, frame, err := s.Next()
	return local, frame, nil, nil, err
}

// Which returns the index, in Merge's arguments, of the source of the last frame Next
// returned.
func (m *MergedSource) Which() int { return m.last }

// Next returns the earliest pending frame of all the sources. The frame is valid until
// the next call. An error of any source ends the merge, naming the source.
func (m *MergedSource) Next() (int64, []byte, error) {
	local, frame, _, _, err := m.next()
	return local, frame, err
}

func (m *MergedSource) next() (int64, []byte, *decoded, []orderbook.Level, error) {
	if m.err != nil {
		return 0, nil, nil, nil, m.err
	}
	switch {
	case m.last < 0 && m.heap == nil:
		// First call: read every source's first frame.
		m.heap = make([]int, 0, len(m.in))
		for i := range m.in {
			if err := m.advance(i); err != nil {
				return 0, nil, nil, nil, m.fail(err)
			}
		}
	case m.last >= 0:
		// The frame returned last is consumed: its source moves on, and the heap's
		// root (that source) goes down or out.
		if err := m.advance(m.last); err != nil {
			return 0, nil, nil, nil, m.fail(err)
		}
	}
	if len(m.heap) == 0 {
		m.last = -1
		m.err = io.EOF
		return 0, nil, nil, nil, io.EOF
	}
	i := m.heap[0]
	m.last = i
	in := &m.in[i]
	return in.local, in.frame, in.d, in.lv, nil
}

func (m *MergedSource) fail(err error) error {
	m.err = err
	return err
}

// advance reads input i's next frame and restores the heap: i is either absent (first
// read) or at the root (it was the minimum).
func (m *MergedSource) advance(i int) error {
	in := &m.in[i]
	local, frame, d, lv, err := in.src.next()
	atRoot := len(m.heap) > 0 && m.heap[0] == i && m.last == i
	if errors.Is(err, io.EOF) {
		if atRoot {
			n := len(m.heap) - 1
			m.heap[0] = m.heap[n]
			m.heap = m.heap[:n]
			m.down(0)
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("source %d: %w", i+1, err)
	}
	in.local, in.frame, in.d, in.lv = local, frame, d, lv
	if atRoot {
		m.down(0)
		return nil
	}
	m.heap = append(m.heap, i)
	m.up(len(m.heap) - 1)
	return nil
}

func (m *MergedSource) less(a, b int) bool {
	x, y := &m.in[m.heap[a]], &m.in[m.heap[b]]
	return x.local < y.local || x.local == y.local && m.heap[a] < m.heap[b]
}

func (m *MergedSource) up(j int) {
	for j > 0 {
		p := (j - 1) / 2
		if !m.less(j, p) {
			return
		}
		m.heap[j], m.heap[p] = m.heap[p], m.heap[j]
		j = p
	}
}

func (m *MergedSource) down(j int) {
	n := len(m.heap)
	for {
		l := 2*j + 1
		if l >= n {
			return
		}
		c := l
		if r := l + 1; r < n && m.less(r, l) {
			c = r
		}
		if !m.less(c, j) {
			return
		}
		m.heap[j], m.heap[c] = m.heap[c], m.heap[j]
		j = c
	}
}

// Progress reports the bytes read and their total over the sources that report them.
func (m *MergedSource) Progress() (done, total int64) {
	for _, in := range m.in {
		if p, ok := in.src.(interface{ Progress() (done, total int64) }); ok {
			d, t := p.Progress()
			done, total = done+d, total+t
		}
	}
	return done, total
}
