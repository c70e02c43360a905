package kraken

import (
	"cmp"
	"hash/crc32"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"

	"github.com/nanotick/nanotick/fixed"
	"github.com/nanotick/nanotick/orderbook"
)

// This file holds the tests' reference model: a deliberately naive book
// (maps and sorting) and a checksum that follows the guide's text rule word
// for word with strings and strconv, sharing no code with the package.

// refText formats units v at scale decimals the way the guide wants the
// instrument's precision written: "0.50000000" for v=50000000, scale 8.
func refText(v int64, scale int) string {
	s := strconv.FormatInt(v, 10)
	if scale == 0 {
		return s
	}
	if len(s) <= scale {
		s = strings.Repeat("0", scale-len(s)+1) + s
	}
	return s[:len(s)-scale] + "." + s[len(s)-scale:]
}

// refChecksumText applies the guide's rule to asks (lowest first) and bids
// (highest first): top 10 of each, price and qty at the instrument's
// precision, '.' removed, leading zeros removed, all concatenated.
func refChecksumText(asks, bids []orderbook.Level, ps, qs int) string {
	var sb strings.Builder
	for _, side := range [][]orderbook.Level{asks, bids} {
		for i, l := range side {
			if i == 10 {
				break
			}
			for _, t := range []string{refText(l.Price, ps), refText(l.Qty, qs)} {
				sb.WriteString(strings.TrimLeft(strings.ReplaceAll(t, ".", ""), "0"))
			}
		}
	}
	return sb.String()
}

// refChecksum is the CRC32 of refChecksumText.
func refChecksum(asks, bids []orderbook.Level, ps, qs int) uint32 {
	return crc32.ChecksumIEEE([]byte(refChecksumText(asks, bids, ps, qs)))
}

// refBook is the reference book: one price → qty map per side.
type refBook struct {
	side [2]map[int64]int64
}

func newRefBook() *refBook {
	return &refBook{side: [2]map[int64]int64{{}, {}}}
}

func (r *refBook) set(s orderbook.Side, price, qty int64) {
	if qty == 0 {
		delete(r.side[s], price)
	} else {
		r.side[s][price] = qty
	}
}

// levels returns side s best first.
func (r *refBook) levels(s orderbook.Side) []orderbook.Level {
	var out []orderbook.Level
	for p, q := range r.side[s] {
		out = append(out, orderbook.Level{Price: p, Qty: q})
	}
	slices.SortFunc(out, func(a, b orderbook.Level) int {
		if s == orderbook.Bid {
			return cmp.Compare(b.Price, a.Price)
		}
		return cmp.Compare(a.Price, b.Price)
	})
	return out
}

// top returns the best n levels of side s.
func (r *refBook) top(s orderbook.Side, n int) []orderbook.Level {
	l := r.levels(s)
	return l[:min(n, len(l))]
}

// bookLevels returns side s of an orderbook.Book, best first.
func bookLevels(b *orderbook.Book, s orderbook.Side) []orderbook.Level {
	var out []orderbook.Level
	for i := range b.Len(s) {
		l, _ := b.Level(s, i)
		out = append(out, l)
	}
	return out
}

// msgBuilder writes book messages the way Kraken's v2 channel does.
type msgBuilder struct {
	ps, qs fixed.Scale
	rng    *rand.Rand // when set, numbers are written in varied valid forms
}

// num writes v at scale sc: shortest text by default, as the exchange does
// ("0.5" for 0.50000000), or randomly one of the other forms a JSON encoder
// may produce.
func (b msgBuilder) num(dst []byte, v int64, sc fixed.Scale) []byte {
	if b.rng != nil {
		switch b.rng.IntN(4) {
		case 0:
			return sc.AppendFixed(dst, v)
		case 1: // 150e-8
			dst = strconv.AppendInt(dst, v, 10)
			return append(append(dst, "e-"...), strconv.Itoa(int(sc))...)
		}
	}
	return sc.Append(dst, v)
}

func (b msgBuilder) levels(dst []byte, ls []orderbook.Level) []byte {
	dst = append(dst, '[')
	for i, l := range ls {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, `{"price":`...)
		dst = b.num(dst, l.Price, b.ps)
		dst = append(dst, `,"qty":`...)
		dst = b.num(dst, l.Qty, b.qs)
		dst = append(dst, '}')
	}
	return append(dst, ']')
}

// build returns a book message of type typ ("snapshot" or "update").
func (b msgBuilder) build(typ, symbol string, bids, asks []orderbook.Level, sum uint32) []byte {
	m := []byte(`{"channel":"book","type":"` + typ + `","data":[{"symbol":"` + symbol + `","bids":`)
	m = b.levels(m, bids)
	m = append(m, `,"asks":`...)
	m = b.levels(m, asks)
	m = append(m, `,"checksum":`...)
	m = strconv.AppendUint(m, uint64(sum), 10)
	m = append(m, `,"timestamp":"2023-10-06T17:35:55.440295Z"}]}`...)
	return m
}

// exchange simulates Kraken's side of one book subscription: the full book
// (deeper than the subscription) and the messages a subscriber of depth
// levels receives when it changes. Per the guide, an update carries every
// level of the subscribed range that changed, a qty 0 for a level deleted
// from the range, and nothing for a level merely pushed out of it.
type exchange struct {
	ref    *refBook
	depth  int
	b      msgBuilder
	symbol string
}

// snapshot returns the snapshot message of the current book.
func (e *exchange) snapshot() []byte {
	asks, bids := e.ref.top(orderbook.Ask, e.depth), e.ref.top(orderbook.Bid, e.depth)
	return e.b.build("snapshot", e.symbol, bids, asks, refChecksum(asks, bids, int(e.b.ps), int(e.b.qs)))
}

// step applies mutate to the exchange's book and returns the update a
// subscriber receives, or nil when the subscribed range did not change (then
// Kraken sends nothing).
func (e *exchange) step(mutate func(r *refBook)) []byte {
	oldAsks, oldBids := e.ref.top(orderbook.Ask, e.depth), e.ref.top(orderbook.Bid, e.depth)
	mutate(e.ref)
	asks, bids := e.ref.top(orderbook.Ask, e.depth), e.ref.top(orderbook.Bid, e.depth)
	da := e.diff(orderbook.Ask, oldAsks, asks)
	db := e.diff(orderbook.Bid, oldBids, bids)
	if len(da) == 0 && len(db) == 0 {
		return nil
	}
	return e.b.build("update", e.symbol, db, da, refChecksum(asks, bids, int(e.b.ps), int(e.b.qs)))
}

func (e *exchange) diff(s orderbook.Side, old, cur []orderbook.Level) []orderbook.Level {
	var out []orderbook.Level
	was := map[int64]int64{}
	for _, l := range old {
		was[l.Price] = l.Qty
	}
	in := map[int64]bool{}
	for _, l := range cur {
		in[l.Price] = true
		if q, ok := was[l.Price]; !ok || q != l.Qty {
			out = append(out, l)
		}
	}
	for _, l := range old {
		if _, live := e.ref.side[s][l.Price]; !in[l.Price] && !live {
			out = append(out, orderbook.Level{Price: l.Price})
		}
	}
	if e.b.rng == nil {
		return out
	}
	e.b.rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	var dup []orderbook.Level
	for _, l := range out {
		if e.b.rng.IntN(8) == 0 {
			// The same price twice in one message: the last one wins.
			dup = append(dup, orderbook.Level{Price: l.Price, Qty: l.Qty + 1})
		}
		dup = append(dup, l)
	}
	return dup
}
