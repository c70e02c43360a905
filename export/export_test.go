package export

import (
	"bytes"
	"encoding/csv"
	"reflect"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"
	"github.com/shopspring/decimal"

	"github.com/nanotick/nanotick/backtest"
	"github.com/nanotick/nanotick/backtest/recorded"
	"github.com/nanotick/nanotick/examples/strategies/marketmaker"
	"github.com/nanotick/nanotick/feeds/binance"
	"github.com/nanotick/nanotick/internal/enginetest"
	"github.com/nanotick/nanotick/internal/testdata"
)

const spotFile = "binance-spot-btcusdt-20240808.gz"

func spotReport(t *testing.T) *backtest.Report {
	t.Helper()
	lat, err := backtest.ConstantLatency(2*time.Millisecond, 2*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := backtest.Run(backtest.Config{
		Engine: enginetest.SpotConfig(), Strategy: marketmaker.New(), StrategyName: "marketmaker",
		Data: []string{testdata.SharedData(t, spotFile)}, Open: recorded.Open, Latency: lat, MakerFeeBps: -0.5, TakerFeeBps: 4.5,
		Queue: backtest.RiskAverse, PartialFills: true, InitialBalance: decimal.RequireFromString("10000"), OrderLog: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// roundTrip writes rows as Parquet, twice (the bytes must be equal), and reads them back.
func roundTrip[T any](t *testing.T, rows []T) []T {
	t.Helper()
	var a, b bytes.Buffer
	if err := writeTable(&a, Parquet, rows); err != nil {
		t.Fatal(err)
	}
	if err := writeTable(&b, Parquet, rows); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Fatal("parquet output is not deterministic")
	}
	got, err := parquet.Read[T](bytes.NewReader(a.Bytes()), int64(a.Len()))
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// csvRows writes rows as CSV and parses them back, header first.
func csvRows[T any](t *testing.T, rows []T) [][]string {
	t.Helper()
	var b bytes.Buffer
	if err := writeTable(&b, CSV, rows); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != len(rows)+1 {
		t.Fatalf("%d CSV records for %d rows", len(recs), len(rows))
	}
	return recs
}

// TestReportTables exports a real backtest's fills, orders and equity: Parquet reads
// back to the same rows, CSV has the same columns and the report's exact decimals.
func TestReportTables(t *testing.T) {
	rep := spotReport(t)
	fills, orders, equity := FillRows(rep), OrderRows(rep), EquityRows(rep)
	if len(fills) == 0 || len(orders) != int(rep.Orders.Sent) || len(equity) != len(rep.Equity) {
		t.Fatalf("%d fills, %d orders, %d equity rows for report %d/%d/%d", len(fills), len(orders), len(equity), len(rep.Fills), rep.Orders.Sent, len(rep.Equity))
	}
	if got := roundTrip(t, fills); !reflect.DeepEqual(got, fills) {
		t.Errorf("fills do not read back: %+v\nwant %+v", got[0], fills[0])
	}
	if got := roundTrip(t, orders); !reflect.DeepEqual(got, orders) {
		t.Error("orders do not read back")
	}
	if got := roundTrip(t, equity); !reflect.DeepEqual(got, equity) {
		t.Error("equity does not read back")
	}
	recs := csvRows(t, fills)
	head := recs[0]
	if head[0] != "t" || head[4] != "price" || head[8] != "cause" || head[len(head)-1] != "mid_10s" {
		t.Errorf("fills header %v", head)
	}
	f := rep.Fills[0]
	if recs[1][4] != f.Price.String() || recs[1][5] != f.Qty.String() || recs[1][6] != f.Fee.String() || recs[1][8] != f.Cause {
		t.Errorf("first fill %v, report %+v", recs[1], f)
	}
	// An absent mid is an empty cell and a null in Parquet.
	for i, r := range rep.Fills {
		if !r.MidAfter[2].Valid {
			if recs[i+1][len(head)-1] != "" || fills[i].Mid10s != nil {
				t.Errorf("fill %d: absent 10s mid written as %q", i, recs[i+1][len(head)-1])
			}
			break
		}
	}
	eq := csvRows(t, equity)
	last := rep.Equity[len(rep.Equity)-1]
	if eq[len(eq)-1][1] != last.Equity.String() {
		t.Errorf("last equity %q, report %s", eq[len(eq)-1][1], last.Equity)
	}
}

// TestRecordingTables exports the spot recording's tops and trades with the engine's
// own decoder and book: every trade the backtest counts, and tops that are books.
func TestRecordingTables(t *testing.T) {
	path := testdata.SharedData(t, spotFile)
	inst := binance.Instrument{Symbol: "BTCUSDT", PriceScale: 8, QtyScale: 8}
	tops, trades, st, err := Recording([]string{path}, binance.Spot, inst)
	if err != nil {
		t.Fatal(err)
	}
	if st.Records != 41249 || st.Malformed != 0 || st.Gaps != 0 || len(trades) != 9757 || len(tops) < 1000 {
		t.Fatalf("stats %+v, %d tops, %d trades", st, len(tops), len(trades))
	}
	for i, tp := range tops {
		if !(tp.BidPrice < tp.AskPrice) || tp.BidQty <= 0 || tp.AskQty <= 0 || (i > 0 && tp.Local < tops[i-1].Local) {
			t.Fatalf("top %d: %+v", i, tp)
		}
	}
	if got := roundTrip(t, trades); !reflect.DeepEqual(got, trades) {
		t.Error("trades do not read back")
	}
	recs := csvRows(t, tops)
	if recs[1][2] != "61837.63" {
		t.Errorf("first top %v: want the bid 61837.63 as recorded", recs[1])
	}
	if _, err := ParseFormat("xlsx"); err == nil {
		t.Error("ParseFormat(xlsx): no error")
	}
}
