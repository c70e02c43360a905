package bybit

import (
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/shopspring/decimal"

	"github.com/nanotick/nanotick/perp"
)

// RejectPostOnly is the rejectReason of a PostOnly order that would have taken
// liquidity: Bybit accepts the request and then cancels the order with it (v5/enum).
const RejectPostOnly = "EC_PostOnlyWillTakeLiquidity"

// PositionUpdate is the position stream's (and /v5/position/list's) view of the
// instrument's position, one-way mode (v5/websocket/private/position). Decimals are
// Bybit's, exactly; empty strings are zero.
type PositionUpdate struct {
	Symbol string
	// Size is signed: positive long, negative short (Bybit sends side Buy/Sell and an
	// unsigned size).
	Size       decimal.Decimal
	Entry      decimal.Decimal // entryPrice
	Mark       decimal.Decimal // markPrice
	Unrealised decimal.Decimal // unrealisedPnl
	// LiqPrice is zero when Bybit sends "" (no liquidation price, or beyond the
	// price limits).
	LiqPrice    decimal.Decimal
	CurRealised decimal.Decimal // curRealisedPnl
	CumRealised decimal.Decimal // cumRealisedPnl
	Leverage    decimal.Decimal
	Seq         int64
	UpdatedMs   int64
}

// WalletUpdate is the unified wallet (v5/websocket/private/wallet,
// /v5/account/wallet-balance): account totals in USD and the quote coin's balance.
type WalletUpdate struct {
	TotalEquity, TotalAvailable, TotalMargin decimal.Decimal
	// Coin is the balance of the reader's quote asset.
	Coin          string
	WalletBalance decimal.Decimal
	Equity        decimal.Decimal
	Unrealised    decimal.Decimal
}

// FundingUpdate is a funding payment of the instrument's position, an execution with
// execType Funding: Fee is what the account paid (negative: received), Rate the
// funding rate, Mark the mark price it was valued at and Size the position (execQty,
// signed by side). Expected is perp.FundingPayment(Size, Mark, Rate): the payment the
// accounting rules of package perp give for it, for comparison. Time is the
// execution's execTime (Unix ms; 0 when the venue gave none).
type FundingUpdate struct {
	Fee, Rate, Mark, Size, Expected decimal.Decimal
	Time                            int64
}

type positionData struct {
	Category       string          `json:"category"`
	Symbol         string          `json:"symbol"`
	Side           string          `json:"side"`
	Size           string          `json:"size"`
	PositionIdx    int             `json:"positionIdx"`
	EntryPrice     string          `json:"entryPrice"`
	MarkPrice      string          `json:"markPrice"`
	Leverage       string          `json:"leverage"`
	LiqPrice       string          `json:"liqPrice"`
	UnrealisedPnl  string          `json:"unrealisedPnl"`
	CurRealisedPnl string          `json:"curRealisedPnl"`
	CumRealisedPnl string          `json:"cumRealisedPnl"`
	UpdatedTime    string          `json:"updatedTime"`
	Seq            json.RawMessage `json:"seq"`
}

// dec reads one of Bybit's decimal strings; "" is zero.
func dec(field, s string) (decimal.Decimal, error) {
	if s == "" {
		return decimal.Zero, nil
	}
	d, err := decimal.NewFromString(s)
	if err != nil {
		return d, fmt.Errorf("%w: %s %q", ErrMalformed, field, s)
	}
	return d, nil
}

// ParsePosition reads one position object.
func (r *Reader) parsePosition(d *positionData) (*PositionUpdate, error) {
	p := &PositionUpdate{Symbol: d.Symbol}
	var err error
	fields := []struct {
		name string
		src  string
		dst  *decimal.Decimal
	}{
		{"size", d.Size, &p.Size}, {"entryPrice", d.EntryPrice, &p.Entry}, {"markPrice", d.MarkPrice, &p.Mark},
		{"unrealisedPnl", d.UnrealisedPnl, &p.Unrealised}, {"liqPrice", d.LiqPrice, &p.LiqPrice},
		{"curRealisedPnl", d.CurRealisedPnl, &p.CurRealised}, {"cumRealisedPnl", d.CumRealisedPnl, &p.CumRealised},
		{"leverage", d.Leverage, &p.Leverage},
	}
	for _, f := range fields {
		if *f.dst, err = dec(f.name, f.src); err != nil {
			return nil, err
		}
	}
	switch d.Side {
	case "Sell":
		p.Size = p.Size.Neg()
	case "Buy", "":
		if d.Side == "" && !p.Size.IsZero() {
			return nil, fmt.Errorf("%w: position of size %s without a side", ErrMalformed, d.Size)
		}
	default:
		return nil, fmt.Errorf("%w: position side %q", ErrMalformed, d.Side)
	}
	if len(d.Seq) > 0 {
		var seq json.Number
		if err := json.Unmarshal(d.Seq, &seq); err == nil {
			p.Seq, _ = seq.Int64()
		} else {
			var s string
			if json.Unmarshal(d.Seq, &s) == nil {
				fmt.Sscan(s, &p.Seq)
			}
		}
	}
	fmt.Sscan(d.UpdatedTime, &p.UpdatedMs)
	return p, nil
}

// positions reads a position stream message's data.
func (r *Reader) positions(data json.RawMessage) error {
	var ds []positionData
	if err := json.Unmarshal(data, &ds); err != nil {
		return fmt.Errorf("%w: position: %v", ErrMalformed, err)
	}
	for i := range ds {
		d := &ds[i]
		if d.Symbol != r.symbol || d.Category != "" && d.Category != string(r.category) {
			continue
		}
		if d.PositionIdx != 0 {
			return fmt.Errorf("%w: position of %s in hedge mode (positionIdx %d): nanotick trades one-way mode only", ErrMalformed, d.Symbol, d.PositionIdx)
		}
		p, err := r.parsePosition(d)
		if err != nil {
			return err
		}
		if r.OnPosition != nil {
			r.OnPosition(p)
		}
	}
	return nil
}

type walletData struct {
	TotalEquity           string `json:"totalEquity"`
	TotalAvailableBalance string `json:"totalAvailableBalance"`
	TotalMarginBalance    string `json:"totalMarginBalance"`
	Coin                  []struct {
		Coin          string `json:"coin"`
		WalletBalance string `json:"walletBalance"`
		Equity        string `json:"equity"`
		UnrealisedPnl string `json:"unrealisedPnl"`
	} `json:"coin"`
}

// wallets reads a wallet stream message's data (or wallet-balance's list).
func (r *Reader) wallets(data json.RawMessage) error {
	var ds []walletData
	if err := json.Unmarshal(data, &ds); err != nil {
		return fmt.Errorf("%w: wallet: %v", ErrMalformed, err)
	}
	for i := range ds {
		d := &ds[i]
		w := &WalletUpdate{Coin: r.quote}
		var err error
		if w.TotalEquity, err = dec("totalEquity", d.TotalEquity); err != nil {
			return err
		}
		if w.TotalAvailable, err = dec("totalAvailableBalance", d.TotalAvailableBalance); err != nil {
			return err
		}
		if w.TotalMargin, err = dec("totalMarginBalance", d.TotalMarginBalance); err != nil {
			return err
		}
		for _, c := range d.Coin {
			if c.Coin != r.quote {
				continue
			}
			if w.WalletBalance, err = dec("walletBalance", c.WalletBalance); err != nil {
				return err
			}
			if w.Equity, err = dec("equity", c.Equity); err != nil {
				return err
			}
			if w.Unrealised, err = dec("unrealisedPnl", c.UnrealisedPnl); err != nil {
				return err
			}
		}
		if r.OnWallet != nil {
			r.OnWallet(w)
		}
	}
	return nil
}

// funding reads an execution of execType Funding: execFee is the payment (positive:
// paid), feeRate the rate, execPrice the mark price and execQty the position's size.
func (r *Reader) funding(d *execData) error {
	var f FundingUpdate
	var err error
	if f.Fee, err = dec("execFee", d.ExecFee); err != nil {
		return err
	}
	if f.Rate, err = dec("feeRate", d.FeeRate); err != nil {
		return err
	}
	if f.Mark, err = dec("execPrice", d.ExecPrice); err != nil {
		return err
	}
	if f.Size, err = dec("execQty", d.ExecQty); err != nil {
		return err
	}
	if d.Side == "Sell" {
		f.Size = f.Size.Neg()
	}
	if d.ExecTime != "" {
		if f.Time, err = strconv.ParseInt(d.ExecTime, 10, 64); err != nil {
			return fmt.Errorf("execTime %q: %w", d.ExecTime, err)
		}
	}
	// perp.FundingPayment is what the position receives; the fee is what it pays.
	f.Expected = perp.FundingPayment(f.Size, f.Mark, f.Rate).Neg()
	if r.OnFunding != nil {
		r.OnFunding(&f)
	}
	return nil
}
