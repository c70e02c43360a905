package kraken

import (
	"encoding/json"
	"errors"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/nanotick/nanotick/feeds/internal/resub"
	"github.com/nanotick/nanotick/fixed"
)

// btcTrades is a live trade update of BTC/USD, three trades as Kraken
// batches them.
var btcTrades = []byte(`{"channel":"trade","type":"update","data":[` +
	`{"symbol":"BTC/USD","side":"sell","price":45283.4,"qty":0.00130000,"ord_type":"market","trade_id":83460201,"timestamp":"2023-10-06T17:35:55.440295Z"},` +
	`{"symbol":"BTC/USD","side":"sell","price":45283.3,"qty":0.25000000,"ord_type":"market","trade_id":83460202,"timestamp":"2023-10-06T17:35:55.440295Z"},` +
	`{"symbol":"BTC/USD","side":"buy","price":45285.2,"qty":0.00100000,"ord_type":"limit","trade_id":83460203,"timestamp":"2023-10-06T17:35:55.512106Z"}]}`)

// TestDecodeTradeDoc decodes the documentation's trade snapshot.
func TestDecodeTradeDoc(t *testing.T) {
	b, err := os.ReadFile("testdata/doc_trade.json")
	if err != nil {
		t.Fatal(err)
	}
	var m Message
	if err := (Decoder{PriceScale: 4, QtyScale: 8}).Decode(b, &m); err != nil {
		t.Fatal(err)
	}
	want := []Trade{
		{Price: 5147, Qty: 642346326000, ID: 4665846, Time: mustTime(t, "2023-09-25T07:48:36.925533Z")},
		{Price: 5147, Qty: 113619677815, ID: 4665847, Time: mustTime(t, "2023-09-25T07:49:36.925603Z")},
	}
	if m.Kind != KindTrade || !m.TradeSnapshot || string(m.Symbol) != "MATIC/USD" || !slices.Equal(m.Trades, want) {
		t.Fatalf("%+v", m)
	}
}

// TestTradeFeed: live trades reach the engine; the snapshot of past trades,
// another symbol's trades and a malformed trade message do not, and none of
// them touches the book.
func TestTradeFeed(t *testing.T) {
	f, _ := benchFeed(t, 10)
	ev, err := f.Handle(btcTrades, 1)
	if ev != EventTrade || err != nil || len(f.Message().Trades) != 3 {
		t.Fatal(ev, err)
	}
	if tr := f.Message().Trades[0]; tr.Price != 452834 || tr.Qty != 130000 || !tr.Sell || !tr.Market || tr.ID != 83460201 {
		t.Fatalf("%+v", tr)
	}
	cases := []struct {
		name string
		msg  string
		err  bool
	}{
		{"snapshot", `{"channel":"trade","type":"snapshot","data":[{"symbol":"BTC/USD","side":"buy","price":1,"qty":1,"ord_type":"limit","trade_id":1,"timestamp":"2023-10-06T17:35:55Z"}]}`, false},
		{"other symbol", `{"channel":"trade","type":"update","data":[{"symbol":"ETH/USD","side":"buy","price":1,"qty":1,"ord_type":"limit","trade_id":1,"timestamp":"2023-10-06T17:35:55Z"}]}`, false},
		{"too precise", `{"channel":"trade","type":"update","data":[{"symbol":"BTC/USD","side":"buy","price":1.25,"qty":1,"ord_type":"limit","trade_id":1,"timestamp":"2023-10-06T17:35:55Z"}]}`, true},
		{"bad side", `{"channel":"trade","type":"update","data":[{"symbol":"BTC/USD","side":"Buy","price":1,"qty":1,"ord_type":"limit","trade_id":1,"timestamp":"2023-10-06T17:35:55Z"}]}`, true},
		{"missing id", `{"channel":"trade","type":"update","data":[{"symbol":"BTC/USD","side":"buy","price":1,"qty":1,"ord_type":"limit","timestamp":"2023-10-06T17:35:55Z"}]}`, true},
		{"data first", `{"data":[{"symbol":"BTC/USD","side":"buy","price":1,"qty":1,"trade_id":1,"timestamp":"bad"}],"channel":"trade","type":"update"}`, true},
	}
	for _, c := range cases {
		ev, err := f.Handle([]byte(c.msg), 2)
		if ev != EventNone || (err != nil) != c.err || !f.Book().Valid() || f.State() != Live {
			t.Errorf("%s: %v %v, book valid %v, %v", c.name, ev, err, f.Book().Valid(), f.State())
		}
	}
	if st := f.Stats(); st.Trades != 3 || st.TradeSnapshots != 1 || st.Malformed != 4 {
		t.Fatalf("%+v", st)
	}
	if got := string(f.AppendSubscribeTrades(nil, 2)); got != `{"method":"subscribe","params":{"channel":"trade","symbol":["BTC/USD"],"snapshot":false},"req_id":2}` {
		t.Fatal(got)
	}
}

// TestTradeAllocs: a trade message allocates nothing.
func TestTradeAllocs(t *testing.T) {
	f, _ := benchFeed(t, 10)
	f.Handle(btcTrades, 1)
	if a := testing.AllocsPerRun(500, func() {
		if ev, err := f.Handle(btcTrades, 1); ev != EventTrade || err != nil {
			t.Fatal(ev, err)
		}
	}); a != 0 {
		t.Fatalf("%v allocs per trade message", a)
	}
}

// stdBookMsg and stdTradeMsg are the book and trade messages as
// encoding/json reads them, numbers kept as text for the same exact parse.
type stdBookMsg struct {
	Channel string `json:"channel"`
	Type    string `json:"type"`
	Data    []struct {
		Symbol string `json:"symbol"`
		Bids   []struct {
			Price json.Number `json:"price"`
			Qty   json.Number `json:"qty"`
		} `json:"bids"`
		Asks []struct {
			Price json.Number `json:"price"`
			Qty   json.Number `json:"qty"`
		} `json:"asks"`
		Checksum  uint32 `json:"checksum"`
		Timestamp string `json:"timestamp"`
	} `json:"data"`
}

type stdTradeMsg struct {
	Channel string `json:"channel"`
	Type    string `json:"type"`
	Data    []struct {
		Symbol    string      `json:"symbol"`
		Side      string      `json:"side"`
		Price     json.Number `json:"price"`
		Qty       json.Number `json:"qty"`
		OrdType   string      `json:"ord_type"`
		TradeID   uint64      `json:"trade_id"`
		Timestamp string      `json:"timestamp"`
	} `json:"data"`
}

// stdHandle is the encoding/json peer of Feed.Handle for a book update:
// decode, parse the numbers into the same fixed point, parse the time, apply,
// truncate and verify the checksum with the same code, so that the two
// differ only in how they read the message.
func stdHandle(f *Feed, msg []byte, m *stdBookMsg) error {
	*m = stdBookMsg{}
	if err := json.Unmarshal(msg, m); err != nil {
		return err
	}
	d := &m.Data[0]
	if _, err := time.Parse(time.RFC3339Nano, d.Timestamp); err != nil {
		return err
	}
	for _, l := range d.Bids {
		p, err1 := f.cfg.PriceScale.ParseString(string(l.Price))
		q, err2 := f.cfg.QtyScale.ParseString(string(l.Qty))
		if err := errors.Join(err1, err2); err != nil {
			return err
		}
		f.book.Set(0, p, q)
	}
	for _, l := range d.Asks {
		p, err1 := f.cfg.PriceScale.ParseString(string(l.Price))
		q, err2 := f.cfg.QtyScale.ParseString(string(l.Qty))
		if err := errors.Join(err1, err2); err != nil {
			return err
		}
		f.book.Set(1, p, q)
	}
	resub.Truncate(f.book, 0, f.cfg.Depth)
	resub.Truncate(f.book, 1, f.cfg.Depth)
	if sum := f.sum.sum(f.book); sum != d.Checksum {
		return ErrChecksum
	}
	return nil
}

// BenchmarkVsJSON runs this package and encoding/json over the same messages
// in alternating chunks of one run and reports each one's median time per
// message and the ratio of the medians (x-json), for book updates (decode,
// apply, truncate, checksum) and for trade messages. The issue asks for at
// least 5.
func BenchmarkVsJSON(b *testing.B) {
	b.Run("update", func(b *testing.B) {
		f, msgs := benchFeed(b, 10)
		g, _ := benchFeed(b, 10)
		var m stdBookMsg
		const n = 64
		ours := func() {
			for i := range n {
				if _, err := f.Handle(msgs[i&1], 1); err != nil {
					b.Fatal(err)
				}
			}
		}
		theirs := func() {
			for i := range n {
				if err := stdHandle(g, msgs[i&1], &m); err != nil {
					b.Fatal(err)
				}
			}
		}
		versus(b, n, ours, theirs)
	})
	b.Run("trade", func(b *testing.B) {
		f, _ := benchFeed(b, 10)
		var m stdTradeMsg
		const n = 64
		ours := func() {
			for range n {
				if ev, err := f.Handle(btcTrades, 1); ev != EventTrade || err != nil {
					b.Fatal(ev, err)
				}
			}
		}
		theirs := func() {
			for range n {
				m = stdTradeMsg{}
				if err := json.Unmarshal(btcTrades, &m); err != nil {
					b.Fatal(err)
				}
				for _, t := range m.Data {
					_, err1 := fixed.Scale(1).ParseString(string(t.Price))
					_, err2 := fixed.Scale(8).ParseString(string(t.Qty))
					_, err3 := time.Parse(time.RFC3339Nano, t.Timestamp)
					if err := errors.Join(err1, err2, err3); err != nil {
						b.Fatal(err)
					}
				}
			}
		}
		versus(b, n, ours, theirs)
	})
}

// versus times ours and theirs, n messages each, alternately once per
// iteration and reports the medians per message and their ratio.
func versus(b *testing.B, n int, ours, theirs func()) {
	b.ReportAllocs()
	var a, c []float64
	for b.Loop() {
		t0 := time.Now()
		ours()
		t1 := time.Now()
		theirs()
		t2 := time.Now()
		a = append(a, float64(t1.Sub(t0))/float64(n))
		c = append(c, float64(t2.Sub(t1))/float64(n))
	}
	ma, mc := median(a), median(c)
	b.ReportMetric(ma, "ns/msg")
	b.ReportMetric(mc, "json-ns/msg")
	b.ReportMetric(mc/ma, "x-json")
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	slices.Sort(v)
	return v[len(v)/2]
}
