package binance_test

import (
	"fmt"

	"github.com/nanotick/nanotick/feeds/binance"
	"github.com/nanotick/nanotick/orderbook"
)

// A Feed keeps a book in sync: depth events are buffered until the snapshot
// arrives, and the book is valid only once an event has bridged it.
func ExampleFeed() {
	book := orderbook.New(1024)
	inst := binance.Instrument{Symbol: "BTCUSDT", PriceScale: 2, QtyScale: 5}
	feed, err := binance.NewFeed(binance.Spot, inst, book, binance.SyncConfig{})
	if err != nil {
		panic(err)
	}
	frames := []string{
		`{"stream":"btcusdt@depth@100ms","data":{"e":"depthUpdate","E":1,"s":"BTCUSDT","U":99,"u":101,"b":[["100.00","2"]],"a":[]}}`,
		`{"lastUpdateId":100,"bids":[["100.00","1"],["99.50","3"]],"asks":[["100.50","4"]]}`,
		`{"stream":"btcusdt@depth@100ms","data":{"e":"depthUpdate","E":2,"s":"BTCUSDT","U":102,"u":102,"b":[],"a":[["100.50","0"],["100.60","1.5"]]}}`,
		`{"stream":"btcusdt@depth@100ms","data":{"e":"depthUpdate","E":3,"s":"BTCUSDT","U":104,"u":105,"b":[],"a":[]}}`,
	}
	for i, f := range frames {
		ev, err := feed.Handle([]byte(f), int64(i))
		if err != nil {
			fmt.Println(err)
			continue
		}
		bid, _ := book.Best(orderbook.Bid)
		ask, _ := book.Best(orderbook.Ask)
		fmt.Printf("%-11s state %-16s valid %-5v bid %s x %s  ask %s x %s\n", ev.Kind, feed.Sync().State(), book.Valid(),
			inst.PriceScale.String(bid.Price), inst.QtyScale.String(bid.Qty),
			inst.PriceScale.String(ask.Price), inst.QtyScale.String(ask.Qty))
	}
	c := feed.Counters()
	fmt.Printf("applied %d, gaps %d, need snapshot %v\n", c.Applied, c.Gaps, feed.Sync().NeedSnapshot())
	// Output:
	// depthUpdate state waiting-snapshot valid false bid 0 x 0  ask 0 x 0
	// snapshot    state live             valid true  bid 100 x 2  ask 100.5 x 4
	// depthUpdate state live             valid true  bid 100 x 2  ask 100.6 x 1.5
	// depthUpdate state need-resync      valid false bid 100 x 2  ask 100.6 x 1.5
	// applied 2, gaps 1, need snapshot true
}
