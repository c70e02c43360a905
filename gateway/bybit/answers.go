package bybit

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/nanotick/nanotick/fixed"
)

// Sink receives the venue's answers about orders, by the engine's order id: the
// engine's OnAck, OnFill, OnCancelled and OnRejected (the same shape as
// gateway/binance's Sink). Fees are in price units of the quote asset.
type Sink interface {
	OnAck(id uint64, now int64)
	OnFill(id uint64, price, qty, fee int64, maker bool, now int64)
	OnCancelled(id uint64, now int64)
	OnRejected(id uint64, reason string, now int64)
}

// amendSink is a Sink that learns the outcome of an order.amend: retCode 0, or the
// refusal as "retCode: retMsg".
type amendSink interface {
	onAmended(id uint64, now int64)
	onAmendRejected(id uint64, reason string, now int64)
}

// Errors of the reader. An answer it returns one for changed no order's state.
var (
	ErrMalformed = errors.New("bybit: malformed answer")
	ErrAuth      = errors.New("bybit: authentication refused")
)

// Reader turns what Bybit sends on the trade and private connections into Sink
// calls. It decodes with encoding/json: answers arrive on the connection's reader
// goroutine, off the tick path. It is not safe for concurrent use.
//
// A fill's fee reaches a Sink in price units through the reader's fixed.Carry: the
// fees of its fills add up to their exact total rounded once, not to each one's
// rounding. A sink that carries fees itself across readers (the Gateway's, whose
// readers come and go with its connections) takes them exact instead (fineFeeSink).
type Reader struct {
	category    Category
	symbol      string
	base, quote string
	ps, qs      fixed.Scale
	prefix      string
	fees        fixed.Carry
	// Foreign counts order and execution messages of other symbols or of orders
	// this session did not send; they are passed over.
	Foreign uint64
	// Hooks, each optional, for what the private streams say beyond the engine's
	// answers: an execution's leavesQty (called right before its OnFill, so that a
	// fill already learnt another way is recognised), the position and wallet
	// streams, and funding executions. They are called on the reading goroutine.
	OnLeaves func(id uint64, leaves int64)
	// OnExec, if set, is asked about each execution of an order before it becomes a
	// fill: it reports false for one already delivered (the same execId recovered
	// over REST after a reconnect), which is then dropped.
	OnExec     func(id uint64, execID string) bool
	OnPosition func(p *PositionUpdate)
	OnWallet   func(w *WalletUpdate)
	OnFunding  func(f *FundingUpdate)
}

// NewReader returns a reader for the orders of e's instrument, whose base and quote
// assets are needed to count a fee charged in the base asset (spot buys).
func NewReader(e *Encoder, base, quote string) *Reader {
	return &Reader{category: e.category, symbol: e.symbol, base: base, quote: quote, ps: e.ps, qs: e.qs, prefix: e.prefix,
		fees: newFeeCarry(e.ps)}
}

// fineFeeSink is a Sink that takes each fill's fee exact, in units of fineScale's of
// the quote asset, to carry them to price units itself.
type fineFeeSink interface {
	onFillFine(id uint64, price, qty, fine int64, maker bool, now int64)
}

// message is every shape Reader reads; encoding/json fills what is there.
type message struct {
	// Trade API answers.
	ReqID   string `json:"reqId"`
	RetCode *int   `json:"retCode"`
	RetMsg  string `json:"retMsg"`
	Op      string `json:"op"`
	// Private connection: auth and subscribe answers, and stream messages.
	Success *bool           `json:"success"`
	Topic   string          `json:"topic"`
	Data    json.RawMessage `json:"data"`
}

type orderData struct {
	Category     string `json:"category"`
	Symbol       string `json:"symbol"`
	OrderLinkID  string `json:"orderLinkId"`
	OrderStatus  string `json:"orderStatus"`
	RejectReason string `json:"rejectReason"`
	CancelType   string `json:"cancelType"`
}

type execData struct {
	Category    string `json:"category"`
	Symbol      string `json:"symbol"`
	LeavesQty   string `json:"leavesQty"`
	Side        string `json:"side"`
	FeeRate     string `json:"feeRate"`
	ExecValue   string `json:"execValue"`
	OrderLinkID string `json:"orderLinkId"`
	ExecID      string `json:"execId"`
	ExecType    string `json:"execType"`
	ExecPrice   string `json:"execPrice"`
	ExecQty     string `json:"execQty"`
	ExecFee     string `json:"execFee"`
	FeeCurrency string `json:"feeCurrency"`
	IsMaker     bool   `json:"isMaker"`
	ExecTime    string `json:"execTime"`
}

// Handle reads one message received at now (Unix ns) and calls sink for each order
// it concerns:
//   - a rejected order.create (retCode not 0) is OnRejected with "retCode: retMsg";
//     an accepted one is OnAck, the request being accepted by the matching engine's
//     gate (its fate follows on the order stream);
//   - order stream: Rejected is OnRejected with rejectReason; Cancelled,
//     PartiallyFilledCanceled and Deactivated are OnCancelled (New, PartiallyFilled
//     and Filled say nothing a fill or an ack has not);
//   - execution stream: each execType Trade is OnFill.
//
// A failed auth is ErrAuth; an unreadable message ErrMalformed, with no call made.
func (r *Reader) Handle(b []byte, now int64, sink Sink) error {
	var m message
	if err := json.Unmarshal(b, &m); err != nil {
		return fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	switch {
	case m.Topic != "":
		return r.stream(&m, now, sink)
	case m.Op == "auth":
		if (m.RetCode != nil && *m.RetCode != 0) || (m.Success != nil && !*m.Success) {
			return fmt.Errorf("%w: %s", ErrAuth, answerText(&m))
		}
		return nil
	case m.RetCode != nil && (m.Op == "order.create" || m.Op == "order.amend" || m.Op == "order.cancel"):
		return r.answer(&m, now, sink)
	}
	return nil // pong, subscribe answers
}

func answerText(m *message) string {
	code := 0
	if m.RetCode != nil {
		code = *m.RetCode
	}
	return strconv.Itoa(code) + ": " + m.RetMsg
}

// answer reads a trade API answer; its reqId names the order (see Encoder.head).
func (r *Reader) answer(m *message, now int64, sink Sink) error {
	if len(m.ReqID) < 2 {
		return fmt.Errorf("%w: %s answer without our reqId %q", ErrMalformed, m.Op, m.ReqID)
	}
	idText, _, _ := strings.Cut(m.ReqID[1:], ".")
	id, err := strconv.ParseUint(idText, 36, 64)
	if err != nil {
		return fmt.Errorf("%w: reqId %q", ErrMalformed, m.ReqID)
	}
	ok := *m.RetCode == 0
	switch m.Op {
	case "order.amend":
		// The amend's outcome goes to a sink that takes it (the gateway's queue, for
		// Modify's answer); otherwise a refused amend is only the caller's to log.
		if as, isAmend := sink.(amendSink); isAmend {
			if ok {
				as.onAmended(id, now)
			} else {
				as.onAmendRejected(id, answerText(m), now)
			}
			return nil
		}
	case "order.create":
		if ok {
			sink.OnAck(id, now)
		} else {
			sink.OnRejected(id, answerText(m), now)
		}
		return nil
	}
	if !ok {
		// A refused cancel or amend changes nothing: the order stream says
		// what became of the order. The caller logs why.
		return fmt.Errorf("bybit: %s of order %d refused: %s", m.Op, id, answerText(m))
	}
	return nil
}

// stream reads an order or execution stream message.
func (r *Reader) stream(m *message, now int64, sink Sink) error {
	switch {
	case m.Topic == "order" || strings.HasPrefix(m.Topic, "order."):
		var ds []orderData
		if err := json.Unmarshal(m.Data, &ds); err != nil {
			return fmt.Errorf("%w: order: %v", ErrMalformed, err)
		}
		for i := range ds {
			d := &ds[i]
			id, ok := r.ours(d.Category, d.Symbol, d.OrderLinkID)
			if !ok {
				continue
			}
			switch d.OrderStatus {
			case "Rejected":
				sink.OnRejected(id, d.RejectReason, now)
			case "Cancelled", "PartiallyFilledCanceled", "Deactivated":
				if d.RejectReason == RejectPostOnly {
					// Accepted by the trade API, then refused by the
					// matching engine: "your post only order would have
					// executed as a taker, and so was rejected" (v5/enum).
					sink.OnRejected(id, d.RejectReason, now)
					continue
				}
				sink.OnCancelled(id, now)
			}
		}
	case m.Topic == "execution" || strings.HasPrefix(m.Topic, "execution."):
		var ds []execData
		if err := json.Unmarshal(m.Data, &ds); err != nil {
			return fmt.Errorf("%w: execution: %v", ErrMalformed, err)
		}
		var errs []error
		for i := range ds {
			d := &ds[i]
			if d.ExecType == "Funding" && d.Symbol == r.symbol && (d.Category == "" || d.Category == string(r.category)) {
				if err := r.funding(d); err != nil {
					errs = append(errs, err)
				}
				continue
			}
			id, ok := r.ours(d.Category, d.Symbol, d.OrderLinkID)
			if !ok || d.ExecType != "Trade" {
				continue
			}
			price, err1 := r.ps.ParseString(d.ExecPrice)
			qty, err2 := r.qs.ParseString(d.ExecQty)
			if err := errors.Join(err1, err2); err != nil || price <= 0 || qty <= 0 {
				errs = append(errs, fmt.Errorf("%w: execution of order %d: price %q qty %q", ErrMalformed, id, d.ExecPrice, d.ExecQty))
				continue
			}
			if r.OnExec != nil && d.ExecID != "" && !r.OnExec(id, d.ExecID) {
				continue
			}
			fee, err := r.fee(d, price)
			if err != nil {
				// The fill happened: deliver it, fee uncounted, and say so.
				errs = append(errs, fmt.Errorf("bybit: execution of order %d: %w", id, err))
			}
			if r.OnLeaves != nil && d.LeavesQty != "" {
				if leaves, err := r.qs.ParseString(d.LeavesQty); err == nil && leaves >= 0 {
					r.OnLeaves(id, leaves)
				}
			}
			if fs, ok := sink.(fineFeeSink); ok {
				fs.onFillFine(id, price, qty, fee, d.IsMaker, now)
			} else {
				sink.OnFill(id, price, qty, r.fees.Add(fee), d.IsMaker, now)
			}
		}
		return errors.Join(errs...)
	case m.Topic == "position" || strings.HasPrefix(m.Topic, "position."):
		return r.positions(m.Data)
	case m.Topic == "wallet":
		return r.wallets(m.Data)
	}
	return nil
}

// ours returns the engine's order id of a message about symbol and orderLinkId, and
// false for another symbol's or another session's orders.
func (r *Reader) ours(category, symbol, link string) (uint64, bool) {
	if symbol != r.symbol || category != "" && category != string(r.category) || !strings.HasPrefix(link, r.prefix) {
		r.Foreign++
		return 0, false
	}
	id, err := strconv.ParseUint(link[len(r.prefix):], 10, 64)
	if err != nil {
		r.Foreign++
		return 0, false
	}
	return id, true
}

// feeScale reads execFee exactly: Bybit writes fees with more decimals than prices
// ("26.3725275" on a 0.1 tick), up to 12 fit with room for fees up to 9 million.
const feeScale fixed.Scale = 12

// fineScale returns the scale fees are passed on at before their carry to price
// units: feeScale's, or a finer price scale's.
func fineScale(ps fixed.Scale) fixed.Scale { return max(feeScale, ps) }

// newFeeCarry returns the carry of fees at fineScale to price units of scale ps.
func newFeeCarry(ps fixed.Scale) fixed.Carry { return fixed.NewCarry(fineScale(ps) - ps) }

// fee converts execFee to fineScale units of the quote asset, exact but for what a
// base-asset fee valued at the fill price has beyond them. Bybit charges spot buys
// in the base asset (v5/enum, spot fee currency instruction): that fee is worth fee x
// price.
func (r *Reader) fee(d *execData, price int64) (int64, error) {
	if d.ExecFee == "" {
		return 0, nil
	}
	f, err := feeScale.ParseString(d.ExecFee)
	if err != nil {
		return 0, fmt.Errorf("fee %q: %w", d.ExecFee, err)
	}
	mul := r.ps.Unit()
	switch {
	case d.FeeCurrency == "" || strings.EqualFold(d.FeeCurrency, r.quote):
	case strings.EqualFold(d.FeeCurrency, r.base):
		mul = price
	default:
		return 0, fmt.Errorf("fee %s in %s, neither %s nor %s: not counted", d.ExecFee, d.FeeCurrency, r.base, r.quote)
	}
	// f × 10^-12 × mul × 10^-ps of the quote, in units of 10^-fineScale.
	v, ok := fixed.MulDiv(f, mul, (feeScale + r.ps - fineScale(r.ps)).Unit())
	if !ok {
		return 0, fmt.Errorf("fee %s %s overflows", d.ExecFee, d.FeeCurrency)
	}
	return v, nil
}
