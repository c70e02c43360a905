package export

import (
	"io"

	"github.com/shopspring/decimal"

	"github.com/nanotick/nanotick/backtest"
)

// FillRow is one fill of a backtest report (backtest.FillRecord): when the exchange
// made it (t), why (cause: queue, trade_through, book_crossed, taker), the queue
// estimate when the order joined its level and just before the fill, when the engine
// sent the order and when the fill reached the strategy, and the exchange's mid at the
// fill and 100 ms, 1 s and 10 s after it (null where the data ended first).
type FillRow struct {
	T                 int64    `parquet:"t"`
	Instrument        string   `parquet:"instrument"`
	Order             uint64   `parquet:"order"`
	Side              string   `parquet:"side"`
	Price             float64  `parquet:"price"`
	Qty               float64  `parquet:"qty"`
	Fee               float64  `parquet:"fee"`
	Maker             bool     `parquet:"maker"`
	Cause             string   `parquet:"cause"`
	QueueAheadAtPlace float64  `parquet:"queue_ahead_at_place"`
	QueueAheadAtFill  float64  `parquet:"queue_ahead_at_fill"`
	Sent              int64    `parquet:"sent"`
	Received          int64    `parquet:"received"`
	Mid               *float64 `parquet:"mid,optional"`
	Mid100ms          *float64 `parquet:"mid_100ms,optional"`
	Mid1s             *float64 `parquet:"mid_1s,optional"`
	Mid10s            *float64 `parquet:"mid_10s,optional"`
}

// OrderRow is one order of a backtest report's order log (backtest.OrderRecord).
// Times are 0 where the event did not happen.
type OrderRow struct {
	ID                uint64  `parquet:"id"`
	Side              string  `parquet:"side"`
	Price             float64 `parquet:"price"`
	Qty               float64 `parquet:"qty"`
	Filled            float64 `parquet:"filled"`
	PostOnly          bool    `parquet:"post_only"`
	IOC               bool    `parquet:"ioc"`
	Sent              int64   `parquet:"sent"`
	Arrived           int64   `parquet:"arrived"`
	Acked             int64   `parquet:"acked"`
	Ended             int64   `parquet:"ended"`
	Status            string  `parquet:"status"`
	Reason            string  `parquet:"reason"`
	QueueAheadAtPlace float64 `parquet:"queue_ahead_at_place"`
}

// EquityRow is one sample of a backtest report's equity curve, marked at the exchange
// book's mid.
type EquityRow struct {
	T        int64   `parquet:"t"`
	Equity   float64 `parquet:"equity"`
	Position float64 `parquet:"position"`
	Mid      float64 `parquet:"mid"`
}

func f64(d decimal.Decimal) float64 { return d.InexactFloat64() }

func opt(d decimal.NullDecimal) *float64 {
	if !d.Valid {
		return nil
	}
	v := d.Decimal.InexactFloat64()
	return &v
}

// FillRows converts a report's fills.
func FillRows(r *backtest.Report) []FillRow {
	rows := make([]FillRow, len(r.Fills))
	for i, f := range r.Fills {
		inst := f.Instrument
		if inst == "" {
			inst = r.Symbol
		}
		row := FillRow{
			T: f.Time, Instrument: inst, Order: f.OrderID, Side: f.Side, Price: f64(f.Price), Qty: f64(f.Qty), Fee: f64(f.Fee),
			Maker: f.Maker, Cause: f.Cause, QueueAheadAtPlace: f64(f.QueueAheadAtPlace), QueueAheadAtFill: f64(f.QueueAheadAtFill),
			Sent: f.Sent, Received: f.Received, Mid: opt(f.Mid),
		}
		for h, p := range []**float64{&row.Mid100ms, &row.Mid1s, &row.Mid10s} {
			if h < len(f.MidAfter) {
				*p = opt(f.MidAfter[h])
			}
		}
		rows[i] = row
	}
	return rows
}

// OrderRows converts a report's order log.
func OrderRows(r *backtest.Report) []OrderRow {
	rows := make([]OrderRow, len(r.OrderLog))
	for i, o := range r.OrderLog {
		rows[i] = OrderRow{
			ID: o.ID, Side: o.Side, Price: f64(o.Price), Qty: f64(o.Qty), Filled: f64(o.Filled), PostOnly: o.PostOnly, IOC: o.IOC,
			Sent: o.Sent, Arrived: o.Arrived, Acked: o.Acked, Ended: o.Ended, Status: o.Status, Reason: o.Reason,
			QueueAheadAtPlace: f64(o.QueueAheadAtPlace),
		}
	}
	return rows
}

// EquityRows converts a report's equity curve.
func EquityRows(r *backtest.Report) []EquityRow {
	rows := make([]EquityRow, len(r.Equity))
	for i, e := range r.Equity {
		rows[i] = EquityRow{T: e.Time, Equity: f64(e.Equity), Position: f64(e.Position), Mid: f64(e.Mid)}
	}
	return rows
}

// WriteFills, WriteOrders and WriteEquity write a report's tables in format f.
func WriteFills(w io.Writer, f Format, r *backtest.Report) error {
	return writeTable(w, f, FillRows(r))
}

// WriteOrders writes the report's order log (empty when the run kept none).
func WriteOrders(w io.Writer, f Format, r *backtest.Report) error {
	return writeTable(w, f, OrderRows(r))
}

// WriteEquity writes the report's equity curve.
func WriteEquity(w io.Writer, f Format, r *backtest.Report) error {
	return writeTable(w, f, EquityRows(r))
}
