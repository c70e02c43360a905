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
