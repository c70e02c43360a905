package risk_test

import (
	"fmt"
	"time"

	"github.com/nanotick/nanotick/fixed"
	"github.com/nanotick/nanotick/orderbook"
	"github.com/nanotick/nanotick/risk"
	"github.com/shopspring/decimal"
)

// Example shows the engine's side of the contract: build once from config,
// Check every order, report the lifecycle, and poll Cancels every loop.
func Example() {
	d := decimal.RequireFromString
	p := func(s string) int64 { v, _ := fixed.Scale(8).ParseString(s); return v }
	rc, err := risk.New(risk.Config{
		MaxOrderQty: d("1"), MaxOrderNotional: d("100000"), PriceBandBps: d("50"),
		StaleAfter: time.Second, MaxPosition: d("2"), MaxOpenOrders: 16,
		OrdersPerSecond: d("10"), OrderBurst: 5, DuplicateWindow: 100 * time.Millisecond,
		MaxDailyLoss: d("1000"), MaxDrawdown: d("2000"),
	}, risk.Instrument{
		PriceScale: 8, QtyScale: 8, Tick: p("0.01"), Lot: p("0.00001"),
		MinQty: p("0.00001"), MaxQty: p("9000"), MinNotional: p("5"),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	now := time.Date(2026, 11, 21, 13, 0, 0, 0, time.UTC).UnixNano()
	book := orderbook.New(8)
	book.Set(orderbook.Bid, p("60000.00"), p("1"))
	book.Set(orderbook.Ask, p("60000.02"), p("1"))
	book.SetSynced(true)
	book.SetUpdate(1, now, now)
	rc.OnBook(book, now)

	o := risk.Order{ID: 1, Side: orderbook.Bid, Price: p("60000.00"), Qty: p("0.5")}
	fmt.Println("order 1:", rc.Check(&o, book, now))
	far := risk.Order{ID: 2, Side: orderbook.Bid, Price: p("59000.00"), Qty: p("0.5")}
	fmt.Println("order 2:", rc.Check(&far, book, now))
	_ = rc.OnFill(1, p("60000.00"), p("0.2"), p("0.012"))
	fmt.Println("position:", fixed.Scale(8).String(rc.Position()))

	rc.Halt(risk.ReasonHalted) // e.g. from a signal handler
	var cancels []uint64
	cancels = rc.Cancels(cancels[:0])
	fmt.Println("state:", rc.State(), "cancel:", cancels)
	// Output:
	// order 1: ok
	// order 2: price_band
	// position: 0.2
	// state: halted cancel: [1]
}
