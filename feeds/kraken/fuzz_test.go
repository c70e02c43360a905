package kraken

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"slices"
	"strconv"
	"testing"
	"unicode/utf8"

	"github.com/nanotick/nanotick/fixed"

	"github.com/nanotick/nanotick/orderbook"
)

// FuzzDecode feeds arbitrary bytes to the decoder and to a live feed. The
// decoder must never panic; what it accepts must be valid JSON; a book
// message it accepts must agree with encoding/json read independently (where
// it is valid UTF-8: encoding/json replaces invalid bytes, the decoder keeps
// them, and a symbol with them matches no subscription); and
// the feed must end every message either Live with a book that matches the
// checksum it was sent, or not synced.
func FuzzDecode(f *testing.F) {
	guide, err := os.ReadFile("testdata/guide_snapshot.json")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(guide)
	f.Add(btcTrades)
	if doc, err := os.ReadFile("testdata/doc_trade.json"); err == nil {
		f.Add(doc)
	}
	_, msgs := benchFeed(f, 10)
	for _, m := range msgs {
		f.Add(m)
	}
	for _, s := range []string{
		`{"channel":"heartbeat"}`,
		`{"channel":"status","type":"update","data":[{"version":"2.0.0","system":"online","api_version":"v2","connection_id":1}]}`,
		`{"method":"subscribe","result":{"channel":"book","depth":10,"snapshot":true,"symbol":"BTC/USD"},"success":true}`,
		`{"method":"subscribe","success":false,"error":"Already subscribed","symbol":"BTC/USD"}`,
		`{"data":[{"symbol":"BTC/USD","asks":[{"price":1,"qty":2}],"checksum":5}],"type":"update","channel":"book"}`,
		`{"channel":"book","type":"update","data":[{"symbol":"BTC/USD","bids":[{"qty":1.5e-05,"price":4.52835E4}],"checksum":7,"timestamp":"2023-10-06T17:35:55.440295Z"}]}`,
		`{"x":[[{"a":"\u00e9\n"}],true,false,null,-0.5e+3],"channel":"heartbeat"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var m Message
		err := btc.Decode(b, &m)
		if err == nil {
			if !json.Valid(b) {
				t.Fatalf("Decode accepted invalid JSON %q", b)
			}
			if (m.Kind == KindSnapshot || m.Kind == KindUpdate) && !bytes.Contains(b, []byte{'\\'}) && utf8.Valid(b) {
				compareWithStdlib(t, b, &m)
			}
		}

		feed := btcFeed(t, 10)
		if _, err := feed.Handle(guide, 1); err != nil {
			t.Fatal(err)
		}
		_, err = feed.Handle(b, 2)
		bk := feed.Book()
		if bk.Len(orderbook.Bid) > 10 || bk.Len(orderbook.Ask) > 10 {
			t.Fatalf("book deeper than the subscription: %d bids, %d asks", bk.Len(orderbook.Bid), bk.Len(orderbook.Ask))
		}
		switch {
		case errors.Is(err, ErrSubscribe):
			// A rejected subscription changes nothing by itself.
		case isTradeError(err):
			// A malformed trade message is skipped; the book stays.
			if !bk.Synced() || feed.State() != Live {
				t.Fatalf("trade error %v left the feed %v, synced %v", err, feed.State(), bk.Synced())
			}
		case err != nil:
			if bk.Synced() || feed.State() != NeedResubscribe {
				t.Fatalf("error %v left the feed %v, synced %v", err, feed.State(), bk.Synced())
			}
		case feed.State() == Live:
			sum, _ := Checksum(bk, nil)
			if !bk.Synced() || sum != lastSum(&m, sum) {
				t.Fatalf("live, synced %v, book checksum %d after message checksum %d", bk.Synced(), sum, m.Checksum)
			}
		case bk.Synced():
			t.Fatalf("book synced in state %v", feed.State())
		}
	})
}

// compareWithStdlib decodes a book message with encoding/json into generic
// maps, exact key names, and checks it against m.
func compareWithStdlib(t *testing.T, b []byte, m *Message) {
	t.Helper()
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var top map[string]any
	if err := d.Decode(&top); err != nil {
		t.Fatalf("encoding/json rejects %q: %v", b, err)
	}
	item := top["data"].([]any)[0].(map[string]any)
	if item["symbol"] != string(m.Symbol) {
		t.Fatalf("symbol %q, encoding/json says %q", m.Symbol, item["symbol"])
	}
	if item["checksum"].(json.Number).String() != strconv.FormatUint(uint64(m.Checksum), 10) {
		t.Fatalf("checksum %d, encoding/json says %v", m.Checksum, item["checksum"])
	}
	for _, side := range []struct {
		key string
		got []orderbook.Level
	}{{"bids", m.Bids}, {"asks", m.Asks}} {
		var want []orderbook.Level
		if arr, ok := item[side.key].([]any); ok {
			for _, e := range arr {
				o := e.(map[string]any)
				p, err1 := btc.PriceScale.Parse([]byte(o["price"].(json.Number)))
				q, err2 := btc.QtyScale.Parse([]byte(o["qty"].(json.Number)))
				if err1 != nil || err2 != nil {
					t.Fatalf("Decode accepted a level the scales reject: %v %v", err1, err2)
				}
				want = append(want, orderbook.Level{Price: p, Qty: q})
			}
		}
		if !slices.Equal(side.got, want) {
			t.Fatalf("%s %v, encoding/json says %v", side.key, side.got, want)
		}
	}
}

// lastSum returns the checksum the book must have after m: m's own if m
// is a BTC/USD book message, else the book's unchanged one.
func lastSum(m *Message, book uint32) uint32 {
	if (m.Kind == KindSnapshot || m.Kind == KindUpdate) && string(m.Symbol) == "BTC/USD" {
		return m.Checksum
	}
	return book
}

func isTradeError(err error) bool {
	var se *SyntaxError
	return errors.As(err, &se) && se.Trade
}

// FuzzFastLevel: whatever fastLevel reads, the general level reads too, to the same
// level and the same offset; the fast path is a shortcut, never a different reading.
func FuzzFastLevel(f *testing.F) {
	for _, s := range []string{
		`{"price":45283.5,"qty":0.00100000}`, `{"price":0.1,"qty":0}`, `{"price":1,"qty":10.5}`,
		`{"price":45283.55,"qty":1}`, `{"price":01,"qty":1}`, `{"price":1e3,"qty":1}`,
		`{"price":1.,"qty":1}`, `{"price":99999999999999999,"qty":1}`, `{"price":1,"qty":1,"x":2}`,
	} {
		f.Add([]byte(s), uint8(1), uint8(8))
	}
	f.Fuzz(func(t *testing.T, b []byte, ps, qs uint8) {
		d := Decoder{PriceScale: fixed.Scale(ps % 19), QtyScale: fixed.Scale(qs % 19)}
		fs := scanner{B: b}
		fl, ok := d.fastLevel(&fs)
		if !ok {
			if fs.Pos != 0 {
				t.Fatalf("fastLevel moved to %d without reading %q", fs.Pos, b)
			}
			return
		}
		gs := scanner{B: b}
		gl, err := d.level(&gs)
		if err != nil || gl != fl || gs.Pos != fs.Pos {
			t.Fatalf("%q at scales %d/%d: fast %+v at %d, general %+v at %d (%v)", b, d.PriceScale, d.QtyScale, fl, fs.Pos, gl, gs.Pos, err)
		}
	})
}
