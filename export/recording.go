package export

import (
	"errors"
	"fmt"
	"io"

	"github.com/nanotick/nanotick/feeds/binance"
	"github.com/nanotick/nanotick/feeds/recording"
	"github.com/nanotick/nanotick/fixed"
	"github.com/nanotick/nanotick/orderbook"
)

// TopRow is the top of the book after a depth event or snapshot that changed it, as
// the engine's own sync and book build it from the recording: local is the receive
// time, event_ms the venue's event time E (0 for a REST snapshot).
type TopRow struct {
	Local    int64   `parquet:"local"`
	EventMs  int64   `parquet:"event_ms"`
	BidPrice float64 `parquet:"bid_price"`
	BidQty   float64 `parquet:"bid_qty"`
	AskPrice float64 `parquet:"ask_price"`
	AskQty   float64 `parquet:"ask_qty"`
}

// TradeRow is one public trade of the recording: side is the aggressor's (sell when
// the buyer was the maker).
type TradeRow struct {
	Local      int64   `parquet:"local"`
	EventMs    int64   `parquet:"event_ms"`
	TradeMs    int64   `parquet:"trade_ms"`
	ID         uint64  `parquet:"id"`
	Price      float64 `parquet:"price"`
	Qty        float64 `parquet:"qty"`
	Side       string  `parquet:"side"`
	BuyerMaker bool    `parquet:"buyer_maker"`
}

// RecordingStats counts what Recording read.
type RecordingStats struct {
	Records, Malformed, Undecodable, Gaps uint64
}

// Recording reads recordings of one instrument in order as one stream and returns its
// book tops (one row per change of the top while the book is valid) and its trades.
// Memory grows with the rows; a malformed line is counted and skipped, as the
// backtest does.
func Recording(files []string, venue binance.Venue, inst binance.Instrument) ([]TopRow, []TradeRow, RecordingStats, error) {
	var st RecordingStats
	r, err := recording.Open(files...)
	if err != nil {
		return nil, nil, st, fmt.Errorf("export: %w", err)
	}
	defer r.Close()
	dec, err := binance.NewDecoder(inst)
	if err != nil {
		return nil, nil, st, fmt.Errorf("export: %w", err)
	}
	dec.Ignore(binance.KindBookTicker) // tops come from the depth book
	book := orderbook.New(8192)
	sync := binance.NewSync(venue, book, binance.SyncConfig{})
	ps, qs := inst.PriceScale, inst.QtyScale
	f := func(s fixed.Scale, v int64) float64 { return s.Decimal(v).InexactFloat64() }
	var tops []TopRow
	var trades []TradeRow
	var last orderbook.Level
	var lastAsk orderbook.Level
	for {
		rec, err := r.Next()
		if err == io.EOF {
			break
		}
		if errors.Is(err, recording.ErrMalformed) {
			st.Malformed++
			continue
		}
		if err != nil {
			return nil, nil, st, fmt.Errorf("export: %w", err)
		}
		st.Records++
		ev, err := dec.Decode(rec.Frame)
		if err != nil {
			st.Undecodable++
			continue
		}
		var eventMs int64
		switch ev.Kind {
		case binance.KindDepth:
			before := sync.Counters().Gaps
			_ = sync.OnDepth(&ev.Depth, rec.Local)
			st.Gaps += sync.Counters().Gaps - before
			eventMs, _ = ev.EventTime()
		case binance.KindSnapshot:
			sync.OnSnapshot(&ev.Snapshot, rec.Local)
		case binance.KindTrade, binance.KindAggTrade:
			t := ev.Trade
			side := "buy"
			if t.BuyerMaker {
				side = "sell"
			}
			trades = append(trades, TradeRow{Local: rec.Local, EventMs: t.EventTime, TradeMs: t.TradeTime, ID: t.ID,
				Price: f(ps, t.Price), Qty: f(qs, t.Qty), Side: side, BuyerMaker: t.BuyerMaker})
			continue
		default:
			continue
		}
		if !book.Valid() {
			continue
		}
		bid, okb := book.Best(orderbook.Bid)
		ask, oka := book.Best(orderbook.Ask)
		if !okb || !oka || (bid == last && ask == lastAsk) {
			continue
		}
		last, lastAsk = bid, ask
		tops = append(tops, TopRow{Local: rec.Local, EventMs: eventMs,
			BidPrice: f(ps, bid.Price), BidQty: f(qs, bid.Qty), AskPrice: f(ps, ask.Price), AskQty: f(qs, ask.Qty)})
	}
	return tops, trades, st, nil
}

// WriteTops and WriteTrades write a recording's tables in format f.
func WriteTops(w io.Writer, f Format, rows []TopRow) error { return writeTable(w, f, rows) }

// WriteTrades writes a recording's trades.
func WriteTrades(w io.Writer, f Format, rows []TradeRow) error { return writeTable(w, f, rows) }
