package risk

import (
	"encoding/binary"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/nanotick/nanotick/orderbook"
)

// FuzzInverseAccount books arbitrary fills on an inverse account and holds its coin
// cost to an exact decimal one: Σ signed qty / price of the open position (reduced in
// proportion), within the truncation of one unit (10^-12 BTC) per fill. Nothing may
// panic, and an overflow must be reported, not wrapped.
func FuzzInverseAccount(f *testing.F) {
	f.Add([]byte{0, 0x20, 0xa1, 0x07, 0, 0xe8, 0x03, 0, 0, 1, 0x30, 0x64, 0x08, 0, 0xf4, 0x01, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		var a account
		in := deribitBTC()
		a.init(in.QtyScale.Unit(), in.PriceScale)
		a.inverse(in.PriceScale, in.QtyScale)
		pos, basis := int64(0), decimal.Zero // the exact model: USD, BTC
		fills := 0
		for len(data) >= 9 && fills < 200 {
			side := orderbook.Side(data[0] & 1)
			price := int64(binary.LittleEndian.Uint32(data[1:5])%100_000_000) + 1 // up to 10,000,000.0
			qty := int64(binary.LittleEndian.Uint32(data[5:9])%1_000_000_000) + 1
			data = data[9:]
			if !a.fill(side, price, qty, 0) {
				return // overflow, reported
			}
			fills++
			q := decimal.NewFromInt(qty)
			if side == orderbook.Ask {
				q = q.Neg()
			}
			p := decimal.New(price, -1)
			if pos != 0 && (pos > 0) != (q.Sign() > 0) {
				open := decimal.NewFromInt(pos).Abs()
				closed := decimal.Min(q.Abs(), open)
				basis = basis.Sub(basis.Mul(closed).Div(open))
				if q.Abs().GreaterThan(open) {
					basis = q.Add(decimal.NewFromInt(pos)).Div(p)
				}
			} else {
				basis = basis.Add(q.Div(p))
			}
			pos += q.IntPart()
			if a.pos != pos {
				t.Fatalf("position %d, want %d", a.pos, pos)
			}
			got := decimal.New(a.basis, -inverseCoinDigits)
			if pos < 0 {
				got = got.Neg() // the account keeps the open position's cost unsigned
			}
			if pos == 0 {
				basis = decimal.Zero
			}
			if diff := got.Sub(basis).Abs(); diff.GreaterThan(decimal.New(int64(2*fills), -inverseCoinDigits)) {
				t.Fatalf("after %d fills: coin cost %s, want %s", fills, got, basis)
			}
		}
	})
}
