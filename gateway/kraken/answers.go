package kraken

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/nanotick/nanotick/fixed"
)

// answerKind is what one venue message, or one entry of it, says.
type answerKind uint8

const (
	ansNone         answerKind = iota
	ansAddOK                   // add_order success: the order is accepted
	ansAddErr                  // add_order refused, with Kraken's error string
	ansAmendOK                 // amend_order success
	ansAmendErr                // amend_order refused
	ansCancelOK                // cancel_order success (the executions channel confirms)
	ansCancelErr               // cancel_order refused
	ansExec                    // one executions entry about an order of ours
	ansSnapBegin               // an executions snapshot starts: reconciliation
	ansSnapEnd                 // it ended
	ansConnected               // a (re)connected session is subscribed
	ansDisconnected            // the connection ended: every live order is unknown
)

// execKind is an executions entry's exec_type.
type execKind uint8

const (
	exOther      execKind = iota
	exPendingNew          // validated, not yet live
	exNew                 // live
	exTrade               // a fill
	exFilled              // completely filled (after its trades)
	exCanceled
	exExpired
	exAmended
	exRestated
	exStatus
)

func parseExec(s string) execKind {
	switch s {
	case "pending_new":
		return exPendingNew
	case "new":
		return exNew
	case "trade":
		return exTrade
	case "filled":
		return exFilled
	case "canceled":
		return exCanceled
	case "expired":
		return exExpired
	case "amended":
		return exAmended
	case "restated":
		return exRestated
	case "status":
		return exStatus
	}
	return exOther
}

// answer is one thing the engine's goroutine must hear about an order; the reader
// goroutine queues them on the ring in the order they came.
type answer struct {
	kind     answerKind
	exec     execKind
	id       uint64
	snapshot bool   // an entry of a snapshot
	open     bool   // the entry's order_status is an open one (pending_new, new, partially_filled)
	maker    bool   // liquidity_ind "m"
	price    int64  // a trade's last_price, an amend's limit_price
	qty      int64  // a trade's last_qty, an amend's order_qty
	cum      int64  // cum_qty
	fee      int64  // fees in millionths of a price unit of the quote asset
	reason   string // Kraken's error string or the entry's reason
	gen      uint64 // the connection's generation
}

// wire is every top-level shape the private connection sends; encoding/json fills what
// is there. It runs on the reader goroutine, off the tick path.
type wire struct {
	Method  string          `json:"method"`
	ReqID   *uint64         `json:"req_id"`
	Success *bool           `json:"success"`
	Error   string          `json:"error"`
	Result  json.RawMessage `json:"result"`
	Channel string          `json:"channel"`
	Type    string          `json:"type"`
	Data    json.RawMessage `json:"data"`
}

// execEntry is one entry of the executions channel
// (docs.kraken.com/api/docs/websocket-v2/executions). Numbers are JSON numbers, read
// exactly through their text.
type execEntry struct {
	ExecType    string      `json:"exec_type"`
	OrderID     string      `json:"order_id"`
	ClOrdID     string      `json:"cl_ord_id"`
	Symbol      string      `json:"symbol"`
	OrderStatus string      `json:"order_status"`
	ExecID      string      `json:"exec_id"`
	LastQty     json.Number `json:"last_qty"`
	LastPrice   json.Number `json:"last_price"`
	CumQty      json.Number `json:"cum_qty"`
	OrderQty    json.Number `json:"order_qty"`
	LimitPrice  json.Number `json:"limit_price"`
	Liquidity   string      `json:"liquidity_ind"`
	Fees        []struct {
		Asset string      `json:"asset"`
		Qty   json.Number `json:"qty"`
	} `json:"fees"`
	Reason string `json:"reason"`
}

// ErrMalformed wraps every message the reader could not read; it changed nothing.
var ErrMalformed = errors.New("kraken: malformed message")

// reader turns the private connection's messages into answers. It belongs to the
// connection's reader goroutine.
type reader struct {
	enc         *Encoder
	symbol      string
	base, quote string
	ps, qs      fixed.Scale
	// rec holds the exec_ids of the fills already passed on, across connections, so
	// that a fill a snapshot or TradesHistory repeats after a reconnect is not counted
	// twice, and learns the Kraken order id of each of our orders.
	rec *recovery
	// foreign counts entries about other symbols or orders this session did not send.
	foreign uint64
	// unpriced counts fees in an asset other than the base or the quote.
	unpriced uint64
}

func newReader(e *Encoder, base, quote string, rec *recovery) *reader {
	if rec == nil {
		rec = newRecovery()
	}
	return &reader{enc: e, symbol: e.symbol, base: base, quote: quote, ps: e.ps, qs: e.qs, rec: rec}
}

// read decodes one message and calls emit for each answer it holds. Heartbeats,
// status, pong and subscribe answers return kind ansNone and no error. An error
// means nothing was emitted for the message, or, for executions, that an entry was
// skipped (the others were emitted).
func (r *reader) read(b []byte, gen uint64, emit func(answer)) (method string, reqID uint64, err error) {
	var m wire
	if err := json.Unmarshal(b, &m); err != nil {
		return "", 0, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if m.ReqID != nil {
		reqID = *m.ReqID
	}
	switch {
	case m.Channel == "executions":
		return "", 0, r.executions(&m, gen, emit)
	case m.Channel != "":
		return "", 0, nil // heartbeat, status
	case m.Method == "":
		return "", 0, fmt.Errorf("%w: neither method nor channel", ErrMalformed)
	}
	if m.Success == nil && m.Method != "pong" {
		return m.Method, reqID, fmt.Errorf("%w: %s answer without success", ErrMalformed, m.Method)
	}
	ok := m.Success == nil || *m.Success
	id, k := SplitReqID(reqID)
	a := answer{id: id, reason: m.Error, gen: gen}
	switch {
	case m.Method == "add_order" && k == reqAdd:
		a.kind = pick(ok, ansAddOK, ansAddErr)
	case m.Method == "amend_order" && k == reqAmend:
		a.kind = pick(ok, ansAmendOK, ansAmendErr)
	case m.Method == "cancel_order" && k == reqCancel:
		a.kind = pick(ok, ansCancelOK, ansCancelErr)
	case m.Method == "add_order" || m.Method == "amend_order" || m.Method == "cancel_order":
		return m.Method, reqID, fmt.Errorf("%w: %s answer with req_id %d of no such request", ErrMalformed, m.Method, reqID)
	default:
		return m.Method, reqID, nil // subscribe, unsubscribe, pong, cancel_all: for their waiters
	}
	if !ok && a.reason == "" {
		a.reason = m.Method + " refused without a reason"
	}
	if a.kind == ansAddOK {
		var res struct {
			OrderID string `json:"order_id"`
		}
		if json.Unmarshal(m.Result, &res) == nil {
			r.rec.order(res.OrderID, id)
		}
	}
	emit(a)
	return m.Method, reqID, nil
}

func pick(ok bool, yes, no answerKind) answerKind {
	if ok {
		return yes
	}
	return no
}

// executions reads a snapshot or an update of the executions channel.
func (r *reader) executions(m *wire, gen uint64, emit func(answer)) error {
	var es []execEntry
	if err := json.Unmarshal(m.Data, &es); err != nil {
		return fmt.Errorf("%w: executions data: %v", ErrMalformed, err)
	}
	snap := m.Type == "snapshot"
	if !snap && m.Type != "update" {
		return fmt.Errorf("%w: executions type %q", ErrMalformed, m.Type)
	}
	if snap {
		emit(answer{kind: ansSnapBegin, gen: gen})
	}
	var errs []error
	for i := range es {
		if err := r.entry(&es[i], snap, gen, emit); err != nil {
			errs = append(errs, err)
		}
	}
	if snap {
		emit(answer{kind: ansSnapEnd, gen: gen})
	}
	return errors.Join(errs...)
}

// entry reads one executions entry.
func (r *reader) entry(e *execEntry, snap bool, gen uint64, emit func(answer)) error {
	id, ours := r.enc.IDOf(e.ClOrdID)
	// Kraken leaves symbol out of some entries (canceled, for one); cl_ord_id with our
	// prefix names our order whatever the symbol.
	if !ours || (e.Symbol != "" && e.Symbol != r.symbol) {
		r.foreign++
		return nil
	}
	r.rec.order(e.OrderID, id)
	a := answer{kind: ansExec, exec: parseExec(e.ExecType), id: id, snapshot: snap, gen: gen, reason: e.Reason}
	switch e.OrderStatus {
	case "pending_new", "new", "partially_filled":
		a.open = true
	}
	var err error
	if e.CumQty != "" {
		if a.cum, err = r.qs.ParseString(e.CumQty.String()); err != nil {
			return fmt.Errorf("%w: order %d cum_qty %q: %v", ErrMalformed, id, e.CumQty, err)
		}
	}
	switch a.exec {
	case exTrade:
		if e.ExecID != "" && r.rec.seenBefore(e.ExecID) {
			return nil
		}
		a.price, err = r.ps.ParseString(e.LastPrice.String())
		if err == nil {
			a.qty, err = r.qs.ParseString(e.LastQty.String())
		}
		if err != nil || a.price <= 0 || a.qty <= 0 {
			return fmt.Errorf("%w: trade of order %d: last_price %q last_qty %q", ErrMalformed, id, e.LastPrice, e.LastQty)
		}
		a.maker = e.Liquidity == "m"
		a.fee, err = r.fee(e, a.price)
		if err != nil {
			// The fill happened: pass it on, its fee uncounted, and say so.
			err = fmt.Errorf("kraken: trade of order %d: %w", id, err)
		}
		if e.ExecID != "" {
			r.rec.first(e.ExecID)
		}
		emit(a)
		return err
	case exAmended, exRestated:
		if e.OrderQty != "" {
			if a.qty, err = r.qs.ParseString(e.OrderQty.String()); err != nil {
				return fmt.Errorf("%w: order %d order_qty %q", ErrMalformed, id, e.OrderQty)
			}
		}
		if e.LimitPrice != "" {
			if a.price, err = r.ps.ParseString(e.LimitPrice.String()); err != nil {
				return fmt.Errorf("%w: order %d limit_price %q", ErrMalformed, id, e.LimitPrice)
			}
		}
	}
	emit(a)
	return nil
}

// feeScale reads fees exactly: Kraken writes them with more decimals than prices.
const feeScale fixed.Scale = 12

// feeFineDigits is the decimals of a price unit fees are passed in (millionths), so
// that many small fills add up to their fee (the gateway's carry, Gateway.fees) instead
// of each truncating to nothing.
const feeFineDigits fixed.Scale = 6

// fee converts a trade's fees to millionths of price units of the quote asset:
// a fee in the quote asset as is, one in the base asset (fee_ccy_pref fcib) at the
// fill price; any other asset is not counted and reported.
func (r *reader) fee(e *execEntry, price int64) (int64, error) {
	var total int64
	for _, f := range e.Fees {
		v, err := feeScale.ParseString(f.Qty.String())
		if err != nil {
			return total, fmt.Errorf("fee %q: %v", f.Qty, err)
		}
		mul := r.ps.Unit()
		switch {
		case strings.EqualFold(f.Asset, r.quote):
		case strings.EqualFold(f.Asset, r.base):
			mul = price
		default:
			r.unpriced++
			return total, fmt.Errorf("fee %s in %s, neither %s nor %s: not counted", f.Qty, f.Asset, r.base, r.quote)
		}
		x, ok := fixed.MulDiv(v, mul, (feeScale - feeFineDigits).Unit())
		if !ok {
			return total, fmt.Errorf("fee %s %s overflows", f.Qty, f.Asset)
		}
		total += x
	}
	return total, nil
}
