package backtest

import (
	"github.com/nanotick/nanotick/feeds/binance"
	"github.com/nanotick/nanotick/orderbook"
)

// Decoding ahead: the exchange's decoding of a frame depends on the frame alone, not on
// anything the replay does, so it can be done before the replay needs it, on the
// prefetching goroutine (on another core) or once for all the runs of a sweep (Frames).
// The replay then hands the exchange the decoded event instead of the frame. The engine
// still decodes every frame itself, inside its tick, as it does live.

// decoded is one frame as the exchange's decoder saw it: the Event with its level slices
// taken out, the levels (bids, then asks) kept beside it by whoever holds it.
type decoded struct {
	ev     binance.Event // Stream and the level slices are nil
	state  frameState
	nb, na int32
}

// predecoder decodes frames exactly as the exchange does (exchangeDecoder).
type predecoder struct{ dec *binance.Decoder }

func newPredecoder(inst binance.Instrument) (*predecoder, error) {
	dec, err := exchangeDecoder(inst)
	if err != nil {
		return nil, err
	}
	return &predecoder{dec: dec}, nil
}

// decode decodes frame into d, appending its levels to lv.
func (p *predecoder) decode(frame []byte, d *decoded, lv []orderbook.Level) []orderbook.Level {
	if bookTicker(frame) {
		*d = decoded{state: frameTicker}
		return lv
	}
	ev, err := p.dec.Decode(frame)
	if err != nil {
		*d = decoded{state: frameMalformed}
		return lv
	}
	d.ev, d.state = *ev, frameDecoded
	var bids, asks []orderbook.Level
	switch ev.Kind {
	case binance.KindDepth:
		bids, asks = ev.Depth.Bids, ev.Depth.Asks
	case binance.KindSnapshot:
		bids, asks = ev.Snapshot.Bids, ev.Snapshot.Asks
	}
	d.ev.Stream = nil
	d.ev.Depth.Bids, d.ev.Depth.Asks, d.ev.Snapshot.Bids, d.ev.Snapshot.Asks = nil, nil, nil, nil
	d.nb, d.na = int32(len(bids)), int32(len(asks))
	lv = append(lv, bids...)
	return append(lv, asks...)
}

// event rebuilds d's event into ev over its levels, lv[:nb+na].
func (d *decoded) event(ev *binance.Event, lv []orderbook.Level) *binance.Event {
	*ev = d.ev
	nb, n := int(d.nb), int(d.nb+d.na)
	bids, asks := lv[:nb:nb], lv[nb:n:n]
	switch ev.Kind {
	case binance.KindDepth:
		ev.Depth.Bids, ev.Depth.Asks = bids, asks
	case binance.KindSnapshot:
		ev.Snapshot.Bids, ev.Snapshot.Asks = bids, asks
	}
	return ev
}

// predecodedSource is a Source that, when decodes reports true, also gives the
// exchange's decoding of the frame Next last returned, with its levels; both are valid
// until the next call of Next.
type predecodedSource interface {
	decodes() bool
	lastDecoded() (*decoded, []orderbook.Level)
}

// storeLevels copies the levels of the frame being read into the replay's levels
// arena and returns their offset. Only the frames the exchange has not yet seen
// (slots exOff..n-1) keep levels alive; the arena is compacted and grown as store does
// for the frames' bytes.
func (r *replay) storeLevels(lv []orderbook.Level) int {
	if r.lvTail+len(lv) > len(r.lv) {
		// Decoding ahead is for a single instrument: lane 0's exchange is the only one.
		exOff := r.lanes[0].exOff
		start := r.lvTail
		if exOff < r.n {
			start = r.slotAt(exOff).lvOff
		}
		live := r.lvTail - start
		if size := len(r.lv); 2*(live+len(lv)) > size {
			na := make([]orderbook.Level, max(2*size, 2*(live+len(lv)), 4096))
			copy(na, r.lv[start:r.lvTail])
			r.lv = na
		} else {
			copy(r.lv, r.lv[start:r.lvTail])
		}
		for i := exOff; i < r.n; i++ {
			r.slotAt(i).lvOff -= start
		}
		r.lvTail = live
	}
	off := r.lvTail
	r.lvTail += copy(r.lv[off:off+len(lv)], lv)
	return off
}
