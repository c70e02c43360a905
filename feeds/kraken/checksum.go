package kraken

import (
	"hash/crc32"
	"strconv"

	"github.com/nanotick/nanotick/orderbook"
)

// ChecksumLevels is the number of levels per side that Kraken's checksum
// covers, whatever the subscribed depth.
const ChecksumLevels = 10

// checksumBufSize holds the text of ChecksumLevels levels of one side: at
// most 19 digits for a price and 19 for a quantity per level.
const checksumBufSize = ChecksumLevels * 2 * 19

// Checksum returns Kraken's CRC32 of the top ten levels of each side of
// book, as described in the "Spot Websockets (v2) Book Checksum" guide
// (https://docs.kraken.com/api/docs/guides/spot-ws-book-v2):
//
//   - for each of the top 10 asks, lowest price first, then each of the top
//     10 bids, highest price first,
//   - format the price and the quantity at the instrument's precision
//     (price_precision, qty_precision), remove the '.' and the leading
//     zeros, and append price then quantity,
//   - take the CRC32 (IEEE) of the whole string as an unsigned 32-bit
//     integer.
//
// The levels are fixed-point units at exactly those precisions, and for a
// positive v the text AppendFixed(v) with its '.' and leading zeros removed
// is the decimal text of the integer v itself: 0.50000000 at 8 decimals is
// v = 50000000 and becomes "50000000". So Checksum appends the integers'
// digits and never formats a decimal point at all; TestChecksumTextRule
// checks this equivalence against the guide's text rule. The easy mistake it
// avoids is formatting the shortest text of each number (0.5 → "5"), which
// fails on every real message whose quantities have trailing zeros.
//
// buf is scratch space of any length; Checksum returns it, grown if it had to
// grow, for the caller to pass again, so that it allocates nothing in steady
// state. The CRC is computed incrementally, one side's text at a time.
func Checksum(book *orderbook.Book, buf []byte) (uint32, []byte) {
	var crc uint32
	for _, side := range [2]orderbook.Side{orderbook.Ask, orderbook.Bid} {
		buf = buf[:0]
		// Level(side, 0) is the best level: the lowest ask and the
		// highest bid, which is the order the guide prescribes.
		for i := range ChecksumLevels {
			l, ok := book.Level(side, i)
			if !ok {
				break
			}
			buf = strconv.AppendUint(buf, uint64(l.Price), 10)
			buf = strconv.AppendUint(buf, uint64(l.Qty), 10)
		}
		crc = crc32.Update(crc, crc32.IEEETable, buf)
	}
	return crc, buf
}

// sideText is the checksum text of the top levels of one side, with the end
// of each level's text, so that the next checksum can copy the text of the
// levels that did not change instead of formatting them again.
type sideText struct {
	n   int
	lv  [ChecksumLevels]orderbook.Level
	end [ChecksumLevels]int
	txt [checksumBufSize]byte
}

// checksummer computes Checksum incrementally. An update changes one to a
// few of the twenty levels the checksum covers; formatting the forty numbers
// is most of the cost, so the checksummer keeps the last text of each side
// and formats only the levels it has not seen. The text of a level is a
// function of its price and quantity alone, so a level is reused only when
// both are equal, and the result is exactly Checksum's whatever happened to
// the book in between (TestChecksummer).
type checksummer struct {
	side [2][2]sideText // per side (ask, bid): the last text and the one being built
	cur  [2]uint8       // per side: which of the two is the last
}

// sum returns Checksum(book).
func (c *checksummer) sum(book *orderbook.Book) uint32 {
	var crc uint32
	for k, side := range [2]orderbook.Side{orderbook.Ask, orderbook.Bid} {
		old, next := &c.side[k][c.cur[k]], &c.side[k][c.cur[k]^1]
		pos, j := 0, 0
		n := 0
		for ; n < ChecksumLevels; n++ {
			l, ok := book.Level(side, n)
			if !ok {
				break
			}
			// Both lists are best first: skip the old levels better
			// than l, which have left the top since.
			for j < old.n && better(side, old.lv[j].Price, l.Price) {
				j++
			}
			if j < old.n && old.lv[j] == l {
				start := 0
				if j > 0 {
					start = old.end[j-1]
				}
				pos += copy(next.txt[pos:], old.txt[start:old.end[j]])
				j++
			} else {
				// Appending to a zero-length slice of the array
				// writes in place: the array has room for ten levels
				// of the longest numbers.
				b := strconv.AppendUint(next.txt[pos:pos], uint64(l.Price), 10)
				b = strconv.AppendUint(b, uint64(l.Qty), 10)
				pos += len(b)
			}
			next.lv[n], next.end[n] = l, pos
		}
		next.n = n
		c.cur[k] ^= 1
		crc = crc32.Update(crc, crc32.IEEETable, next.txt[:pos])
	}
	return crc
}

// better reports whether price p is better than q on side.
func better(side orderbook.Side, p, q int64) bool {
	if side == orderbook.Bid {
		return p > q
	}
	return p < q
}
