package exchange

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/nanotick/nanotick/feeds/bybit"
	"github.com/nanotick/nanotick/orderbook"
)

// readBybit reads messages from ws into f until n book messages were applied or the
// deadline passes, and returns the events.
func readBybit(t *testing.T, ws *websocket.Conn, f *bybit.Feed, n int) (events map[bybit.Event]int, errs []error) {
	t.Helper()
	events = map[bybit.Event]int{}
	deadline := time.Now().Add(10 * time.Second)
	for events[bybit.EventSnapshot]+events[bybit.EventUpdate] < n {
		ws.SetReadDeadline(deadline)
		_, msg, err := ws.ReadMessage()
		if err != nil {
			t.Fatalf("after %v: %v", events, err)
		}
		ev, err := f.Handle(msg, time.Now().UnixNano())
		if err != nil {
			errs = append(errs, err)
		}
		events[ev]++
		if ev == bybit.EventSnapshot || ev == bybit.EventUpdate {
			if f.Book().Crossed() || f.Book().Len(orderbook.Bid) > f.Config().Depth || f.Book().Len(orderbook.Ask) > f.Config().Depth {
				t.Fatalf("book crossed or too deep after %s", msg)
			}
		}
	}
	return events, errs
}

// TestBybitMarketData subscribes to the local exchange's Bybit spot and linear
// books over a real websocket and keeps them with feeds/bybit: a snapshot, then deltas
// that always continue the sequence, and a book that ends equal to the exchange's top.
func TestBybitMarketData(t *testing.T) {
	e := startExchange(t, Config{Seed: 3, Futures: []FuturesInstrument{BTCUSDTPerp()}})
	for _, c := range []struct {
		category string
		cfg      bybit.Config
		market   func() *Market
	}{
		{"spot", bybit.Config{Category: bybit.Spot, Symbol: "BTCUSDT", Depth: 50, PriceScale: 2, QtyScale: 5}, func() *Market { return e.Market("BTCUSDT") }},
		{"linear", bybit.Config{Category: bybit.Linear, Symbol: "BTCUSDT", Depth: 50, PriceScale: 2, QtyScale: 3}, func() *Market { return e.FuturesMarket("BTCUSDT") }},
	} {
		t.Run(c.category, func(t *testing.T) {
			ws := dial(t, e.BybitURL(c.category))
			f, err := bybit.NewFeed(c.cfg, orderbook.New(128))
			if err != nil {
				t.Fatal(err)
			}
			if err := ws.WriteMessage(websocket.TextMessage, bybit.AppendSubscribe(nil, 1, f.BookTopic())); err != nil {
				t.Fatal(err)
			}
			events, errs := readBybit(t, ws, f, 30)
			if len(errs) != 0 || events[bybit.EventSnapshot] != 1 || f.State() != bybit.Live || f.Stats().Gaps != 0 {
				t.Fatalf("events %v, errors %v, state %v, stats %+v", events, errs, f.State(), f.Stats())
			}
			// Still the market, let the last delta arrive, and the book must be
			// the exchange's top 50 to the last unit.
			e.With(func() { c.market().enabled = false })
			for {
				ws.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
				_, msg, err := ws.ReadMessage()
				if err != nil {
					break
				}
				if _, err := f.Handle(msg, 1); err != nil {
					t.Fatal(err)
				}
			}
			var want [2][]orderbook.Level
			e.With(func() {
				m := c.market()
				for i, side := range []Side{Buy, Sell} {
					for _, l := range m.book.Levels(nil, side, 50) {
						want[i] = append(want[i], orderbook.Level{Price: l[0] / 1_000_000, Qty: l[1] / wireDiv(c.cfg.QtyScale)})
					}
				}
			})
			for i, side := range []orderbook.Side{orderbook.Bid, orderbook.Ask} {
				got := f.Book().AppendLevels(nil, side, 50)
				if !slices.Equal(got, want[i]) {
					t.Fatalf("%v side differs from the exchange's:\n got %v\nwant %v", side, got, want[i])
				}
			}
		})
	}
}

// TestBybitRefusals: topics the local exchange does not serve are refused with
// success false and a reason; pings are answered.
func TestBybitRefusals(t *testing.T) {
	e := startExchange(t, Config{Seed: 4})
	ws := dial(t, e.BybitURL("spot"))
	f, _ := bybit.NewFeed(bybit.Config{Category: bybit.Spot, Symbol: "BTCUSDT", Depth: 50, PriceScale: 2, QtyScale: 5}, orderbook.New(64))
	for _, req := range []string{
		`{"req_id":"1","op":"subscribe","args":["publicTrade.BTCUSDT"]}`,
		`{"req_id":"2","op":"subscribe","args":["orderbook.51.BTCUSDT"]}`,
		`{"req_id":"3","op":"subscribe","args":["orderbook.50.ETHUSDT"]}`,
	} {
		ws.WriteMessage(websocket.TextMessage, []byte(req))
		ws.SetReadDeadline(time.Now().Add(5 * time.Second))
		_, msg, err := ws.ReadMessage()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.Handle(msg, 1); !errors.Is(err, bybit.ErrRejected) {
			t.Errorf("%s: answer %s: %v", req, msg, err)
		}
	}
	ws.WriteMessage(websocket.TextMessage, bybit.AppendPing(nil, 9))
	_, msg, err := ws.ReadMessage()
	if err != nil {
		t.Fatal(err)
	}
	if ev, err := f.Handle(msg, 1); ev != bybit.EventNone || err != nil || string(f.Message().RetMsg) != "pong" {
		t.Fatalf("pong %s: %v %v", msg, ev, err)
	}
}

// TestBybitDroppedDeltas: with the exchange dropping a third of the depth messages,
// the feed sees the gap in u, fails closed, and the resubscription's snapshot brings
// the book back.
func TestBybitDroppedDeltas(t *testing.T) {
	e := startExchange(t, Config{Seed: 5, Faults: Faults{DropRate: 0.3}})
	ws := dial(t, e.BybitURL("spot"))
	f, _ := bybit.NewFeed(bybit.Config{Category: bybit.Spot, Symbol: "BTCUSDT", Depth: 50, PriceScale: 2, QtyScale: 5}, orderbook.New(128))
	ws.WriteMessage(websocket.TextMessage, bybit.AppendSubscribe(nil, 1, f.BookTopic()))
	deadline := time.Now().Add(10 * time.Second)
	resubscribed := false
	for !resubscribed || f.State() != bybit.Live {
		ws.SetReadDeadline(deadline)
		_, msg, err := ws.ReadMessage()
		if err != nil {
			t.Fatalf("state %v, stats %+v: %v", f.State(), f.Stats(), err)
		}
		ev, err := f.Handle(msg, 1)
		if ev == bybit.EventResubscribe {
			if !errors.Is(err, bybit.ErrGap) || f.Book().Valid() {
				t.Fatalf("gap: %v, book valid %v", err, f.Book().Valid())
			}
			ws.WriteMessage(websocket.TextMessage, bybit.AppendUnsubscribe(nil, 2, f.BookTopic()))
			ws.WriteMessage(websocket.TextMessage, bybit.AppendSubscribe(nil, 3, f.BookTopic()))
			f.Resubscribing()
			resubscribed = true
		}
	}
	if st := f.Stats(); st.Gaps == 0 || st.Snapshots < 2 || !f.Book().Valid() {
		t.Fatalf("stats %+v, valid %v", st, f.Book().Valid())
	}
}
