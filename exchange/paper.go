package exchange

import (
	"errors"
	"strings"
	"time"

	"github.com/nanotick/nanotick/backtest"
	"github.com/nanotick/nanotick/feeds/binance"
	"github.com/nanotick/nanotick/instrument"
	"github.com/nanotick/nanotick/orderbook"
	"github.com/nanotick/nanotick/risk"
)

// paper is paper trading on a replayed recording: accounts' orders are matched
// against the recorded book and trades by the backtester's own simulated exchange
// (backtest.Exchange), with its queue model, rather than by a matcher of this
// package. A resting order fills when recorded trades at its price have used up
// the quantity queued ahead of it; a marketable order takes the recorded levels
// it crosses. The recording does not know about our orders: nothing they do
// changes the replayed market (no market impact), exactly as in a backtest.
//
// Orders keep this package's Order, Market, balances and reports: paper only
// replaces the Book's Place and Cancel for the replay's Market, and turns the
// backtester's answers into Fills that the Exchange settles. The Exchange's lock
// guards it.
type paper struct {
	x      *backtest.Exchange
	m      *Market
	orders map[uint64]*Order // resting at the backtester, by id
	nextID uint64
	tradeN uint64
	// During place, the answers are collected here instead of settled.
	placing *Order
	fills   []Fill
	state   Status
}

// newPaper returns paper trading for the recording's symbol, at the wire scale.
func newPaper(symbol string, m *Market) (*paper, error) {
	lat, err := backtest.ConstantLatency(0, 0)
	if err != nil {
		return nil, err
	}
	x, err := backtest.NewExchange(backtest.ExchangeConfig{
		Instrument: instrument.Spec{ID: instrument.ID{Venue: instrument.VenueBinanceSpot, Symbol: symbol}, PriceScale: wireScale, QtyScale: wireScale},
		NewFeed:    binance.NewMDFeed,
		Lot:        m.inst.StepSize,
		Latency:    lat,
	})
	if err != nil {
		return nil, err
	}
	base := uint64(time.Now().UnixMilli()) // ids like a venue's: large and increasing
	return &paper{x: x, m: m, orders: map[uint64]*Order{}, nextID: base, tradeN: base}, nil
}

// market applies one recorded frame at wall time now (ns) and settles the fills it
// causes to resting orders.
func (p *paper) market(frame []byte, now int64) {
	p.m.clock = max(p.m.clock, now)
	p.x.OnMarket(frame, now)
	p.x.RunUntil(now, p)
}

// errNoMarket is an order placed before the replayed book is in sync.
var errNoMarket = errors.New("no market data yet")

// place enters o: it is answered at once (no latency), its immediate fills
// returned as the Book's Place returns them, for the caller to settle.
func (p *paper) place(o *Order, nowMs int64) ([]Fill, error) {
	p.nextID++
	o.ID = p.nextID
	o.Status = StatusNew
	o.Created, o.Updated = nowMs, nowMs
	ro := risk.Order{ID: o.ID, Price: o.Price, Qty: o.Qty, PostOnly: o.Type == LimitMaker, IOC: o.TIF != GTC}
	ro.Side = orderbook.Bid
	if o.Side == Sell {
		ro.Side = orderbook.Ask
	}
	if o.Type == MarketOrder {
		// A market order is an IOC through every level: the backtester matches
		// limit orders only.
		ro.Price = p.m.inst.MaxPrice
		if o.Side == Sell {
			ro.Price = p.m.inst.MinPrice
		}
	}
	if o.TIF == FOK && p.available(o) < o.Qty {
		o.Status = StatusExpired
		return nil, nil
	}
	p.placing, p.fills, p.state = o, p.fills[:0], StatusNew
	now := max(p.m.clock, time.Now().UnixNano())
	p.x.Place(&ro, now)
	p.x.RunUntil(now, p)
	p.placing = nil
	switch p.state {
	case statusRejected:
		return nil, ErrWouldTake
	case statusNoMarket:
		return nil, errNoMarket
	}
	switch {
	case o.Filled == o.Qty:
		o.Status = StatusFilled
	case p.state == StatusExpired:
		o.Status = StatusExpired
	default:
		if o.Filled > 0 {
			o.Status = StatusPartiallyFilled
		}
		p.orders[o.ID] = o
	}
	return p.fills, nil
}

// available is how much of a FOK order the recorded book would fill at once.
func (p *paper) available(o *Order) int64 {
	side := orderbook.Ask
	if o.Side == Sell {
		side = orderbook.Bid
	}
	var n int64
	for i := 0; n < o.Qty; i++ {
		lv, ok := p.x.Book().Level(side, i)
		if !ok || (o.Side == Buy && lv.Price > o.Price) || (o.Side == Sell && lv.Price < o.Price) {
			break
		}
		n += lv.Qty
	}
	return n
}

// cancel removes a resting order.
func (p *paper) cancel(o *Order, nowMs int64) bool {
	if _, ok := p.orders[o.ID]; !ok {
		return false
	}
	delete(p.orders, o.ID)
	now := max(p.m.clock, time.Now().UnixNano())
	p.x.Cancel(o.ID, now)
	p.x.RunUntil(now, p)
	o.Status, o.Updated = StatusCanceled, nowMs
	return true
}

// statusRejected and statusNoMarket are place's outcomes besides the order's own
// states.
const (
	statusRejected Status = 100 + iota
	statusNoMarket
)

// The backtester's answers (backtest.Receiver).

func (p *paper) OnAck(id uint64, now int64) {}

func (p *paper) OnFill(id uint64, price, qty, fee int64, maker bool, now int64) {
	o := p.placing
	if o == nil || o.ID != id {
		o = p.orders[id]
	}
	if o == nil {
		return // cancelled meanwhile: the backtester's fill raced the cancel
	}
	p.tradeN++
	quote := quoteOf(price, qty)
	o.Filled += qty
	o.Quote += quote
	o.Updated = p.m.nowMs()
	// The recorded counterparty: no account.
	other := &Order{Side: Buy, maker: -1, Status: StatusFilled}
	if o.Side == Buy {
		other.Side = Sell
	}
	f := Fill{TradeID: p.tradeN, Price: price, Qty: qty, Quote: quote}
	if maker {
		f.Maker, f.Taker = o, other
		f.MakerFilled, f.MakerQuote = o.Filled, o.Quote
	} else {
		f.Maker, f.Taker = other, o
		f.TakerFilled, f.TakerQuote = o.Filled, o.Quote
	}
	if o.Filled >= o.Qty {
		o.Status = StatusFilled
		delete(p.orders, o.ID)
	} else {
		o.Status = StatusPartiallyFilled
	}
	if o == p.placing {
		p.fills = append(p.fills, f)
		return
	}
	if p.m.onFill != nil {
		p.m.onFill(&f)
	}
}

func (p *paper) OnCancelled(id uint64, now int64) {
	if p.placing != nil && p.placing.ID == id {
		p.state = StatusExpired // an IOC's rest
	}
}

func (p *paper) OnRejected(id uint64, reason string, now int64) {
	if p.placing != nil && p.placing.ID == id {
		if reason == backtest.RejectPostOnly {
			p.state = statusRejected
		} else {
			p.state = statusNoMarket
		}
	}
}

// paperFor returns the paper trading of m, nil when m is not a replay's market.
func (e *Exchange) paperFor(m *Market) *paper {
	if e.replay == nil || e.replay.paper == nil || e.replay.mkt != m {
		return nil
	}
	return e.replay.paper
}

// replayInstrument returns trading rules for a replayed symbol: Binance Spot's
// BTCUSDT filters, with the symbol's own assets.
func replayInstrument(symbol string) Instrument {
	in := BTCUSDT()
	in.Symbol = symbol
	for _, q := range []string{"USDT", "USDC", "FDUSD", "BUSD", "BTC", "ETH", "BNB"} {
		if b, ok := strings.CutSuffix(symbol, q); ok && b != "" {
			in.Base, in.Quote = b, q
			break
		}
	}
	return in
}

// startPaper sets up paper trading on the replay: a still Market (no synthetic
// participants, nothing published) whose orders the backtester matches.
func (e *Exchange) startPaper(now int64) error {
	r := e.replay
	m, err := NewMarket(replayInstrument(r.symbol), e.cfg.Seed, e.cfg.Synth, now, nil)
	if err != nil {
		return err
	}
	m.enabled = false
	m.onFill = e.settle
	p, err := newPaper(r.symbol, m)
	if err != nil {
		return err
	}
	r.mkt, r.paper = m, p
	return nil
}
