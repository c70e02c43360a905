package backtest

import "github.com/nanotick/nanotick/orderbook"

// storeLevels copies the levels of the frame being read into the replay's levels
// arena and returns their offset. Only the frames read ahead (slots 0..n-1) keep
// levels alive; the arena is compacted and grown as store does for the frames' bytes.
func (r *replay) storeLevels(lv []orderbook.Level) int {
	if r.lvTail+len(lv) > len(r.lv) {
		start := r.lvTail
		if r.n > 0 {
			start = r.slotAt(0).lvOff
		}
		live := r.lvTail - start
		if size := len(r.lv); 2*(live+len(lv)) > size {
			na := make([]orderbook.Level, max(2*size, 2*(live+len(lv)), 4096))
			copy(na, r.lv[start:r.lvTail])
			r.lv = na
		} else {
			copy(r.lv, r.lv[start:r.lvTail])
		}
		for i := 0; i < r.n; i++ {
			r.slotAt(i).lvOff -= start
		}
		r.lvTail = live
	}
	off := r.lvTail
	r.lvTail += copy(r.lv[off:off+len(lv)], lv)
	return off
}
