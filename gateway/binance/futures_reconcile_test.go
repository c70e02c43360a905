package binance

import (
	"context"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/nanotick/nanotick/exchange"
	"github.com/nanotick/nanotick/instrument"
	"github.com/nanotick/nanotick/orderbook"
	"github.com/nanotick/nanotick/risk"
)

// bookSink books what the gateway hands over into a real risk.Checker, as the engine
// does: fills (by the side the test placed them with), funding and forced fills.
type bookSink struct {
	riskSink
	sides map[uint64]orderbook.Side
}

func (s *bookSink) OnFill(id uint64, price, qty, fee int64, maker bool, now int64) {
	s.syncSink.OnFill(id, price, qty, fee, maker, now)
	if err := s.risk.OnForcedFill(s.sides[id], price, qty, fee); err != nil {
		s.add("risk: %v", err)
	}
}
func (s *bookSink) OnFunding(i instrument.Index, amount int64, now int64) {
	s.add("funding %d", amount)
	if err := s.risk.OnFunding(amount); err != nil {
		s.add("risk: %v", err)
	}
}

// TestFuturesReconcileComparesAccount trades on the local exchange (taker and maker
// commissions charged), realizes PnL, pays funding, and reconnects: the venue's
// position, entry price and wallet balance agree with what the engine booked, and no
// mismatch is counted. Then the exchange moves 5 USDT into the wallet behind the
// session's back, and the next reconnect's reconciliation counts a wallet mismatch.
func TestFuturesReconcileComparesAccount(t *testing.T) {
	ex, err := exchange.Start(context.Background(), exchange.Config{Seed: 3,
		Futures:    []exchange.FuturesInstrument{exchange.BTCUSDTPerp()},
		USDM:       exchange.USDMConfig{FundingInterval: time.Second},
		Commission: exchange.Commission{Maker: "0.0002", Taker: "0.0005"},
		Accounts:   []exchange.AccountConfig{{APIKey: docKey, Secret: docSecret, Balances: map[string]string{"USDT": "100000", "BTC": "1"}}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ex.Close() })
	g, _, err := startFuturesGateway(t, ex, nil)
	if err != nil {
		t.Fatal(err)
	}
	s := &bookSink{riskSink: riskSink{risk: perpRiskChecker(t)}, sides: map[uint64]orderbook.Side{}}
	g.Drain(s, time.Now().UnixNano()) // the baseline: start's reading
	if s.accounts != 1 {
		t.Fatalf("%d accounts after start", s.accounts)
	}
	place := func(id uint64, side orderbook.Side, qty int64) {
		t.Helper()
		bid, ask := touch(t, ex)
		px := ask + 5000
		if side == orderbook.Ask {
			px = bid - 5000
		}
		s.sides[id] = side
		o := risk.Order{ID: id, Side: side, Price: px, Qty: qty, IOC: true}
		if err := g.Place(&o, time.Now().UnixNano()); err != nil {
			t.Fatal(err)
		}
		drainFut(t, g, s, "the fill", func() bool { return s.has("fill " + itoa(int(id))) })
	}
	place(1, orderbook.Bid, 5)
	place(2, orderbook.Ask, 2) // realizes PnL on 0.002
	drainFut(t, g, s, "the venue's position", func() bool { return g.Position().Amount.Equal(decimal.RequireFromString("0.003")) })
	drainFut(t, g, s, "a funding payment on the position", func() bool { return s.has("funding ") })
	reconnect := func(n int) {
		t.Helper()
		g.conn.Load().Close()
		drainFut(t, g, s, "the account after the reconnect", func() bool { return s.accounts >= n })
	}
	reconnect(2)
	if c := g.Counters(); c.AccountMismatches != 0 {
		t.Fatalf("%d mismatches on a clean account; sink %v", c.AccountMismatches, s.got)
	}
	// The venue's wallet is what risk now measures the limits against, once.
	wallet, _, _ := ex.USDMAccount(docKey)
	if booked, _ := s.risk.Booked(); s.risk.PerpCollateral()+booked != wallet.Shift(2).Floor().IntPart() {
		t.Errorf("risk's wallet %d + %d booked, the venue's %s", s.risk.PerpCollateral(), booked, wallet)
	}

	if err := ex.AdjustUSDMWallet(docKey, decimal.NewFromInt(5)); err != nil {
		t.Fatal(err)
	}
	reconnect(3)
	if c := g.Counters(); c.AccountMismatches != 1 {
		t.Fatalf("%d mismatches after 5 USDT appeared in the wallet, want 1", c.AccountMismatches)
	}
}

// TestCompareAccount: the position must be the engine's exactly, the entry price within
// a price unit, the wallet what the engine booked since the last reading within half a
// unit per booked event; start's reading is compared with nothing.
func TestCompareAccount(t *testing.T) {
	g := newTestFutures(t, nil, nil)
	acct := func(first bool, wallet, pos, entry int64) *perpAccount {
		return &perpAccount{first: first, collateral: wallet, position: pos, entry: entry, positionOK: true}
	}
	steps := []struct {
		name   string
		a      *perpAccount
		ours   risk.Book
		events uint64 // booked events since the last reading
		want   uint64 // mismatches counted in all
	}{
		{"start: the baseline, whatever it says", acct(true, 100_000_00, 3, 6_000_000), risk.Book{}, 0, 0},
		{"agrees", acct(false, 100_000_50, 3, 6_000_000), risk.Book{Position: 3, AvgEntry: 6_000_000, Booked: 50}, 2, 0},
		{"entry within a unit, wallet within rounding", acct(false, 100_001_52, 3, 6_000_001), risk.Book{Position: 3, AvgEntry: 6_000_000, Booked: 150}, 4, 0},
		{"position differs", acct(false, 100_001_52, 4, 6_000_000), risk.Book{Position: 3, AvgEntry: 6_000_000, Booked: 150}, 0, 1},
		{"entry differs", acct(false, 100_001_52, 3, 6_000_005), risk.Book{Position: 3, AvgEntry: 6_000_000, Booked: 150}, 0, 2},
		{"wallet differs", acct(false, 100_011_52, 3, 6_000_000), risk.Book{Position: 3, AvgEntry: 6_000_000, Booked: 150}, 0, 3},
		{"both differ: two", acct(false, 100_000_00, 0, 0), risk.Book{Position: 3, AvgEntry: 6_000_000, Booked: 150}, 0, 5},
	}
	for _, st := range steps {
		g.bookedEvents += st.events
		g.compareAccount(st.a, st.ours)
		if got := g.Counters().AccountMismatches; got != st.want {
			t.Fatalf("%s: %d mismatches, want %d", st.name, got, st.want)
		}
	}
}
