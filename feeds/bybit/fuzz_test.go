package bybit

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"unicode/utf8"

	"github.com/nanotick/nanotick/fixed"
	"github.com/nanotick/nanotick/orderbook"
)

// FuzzDecode feeds arbitrary bytes to the decoder and to a live feed. The
// decoder must never panic; what it accepts must be valid JSON; a book
// message it accepts must agree with encoding/json read independently; and
// the feed must never hold a book deeper than its subscription nor call a
// book valid outside Live.
func FuzzDecode(f *testing.F) {
	files, _ := filepath.Glob("testdata/doc_*.json")
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	m := newMarket(50, 3)
	snap := m.snapshot()
	for range 4 {
		f.Add(m.delta())
	}
	for _, s := range []string{
		`{"topic":"orderbook.50.BTCUSDT","ts":"1","type":"delta","data":{"s":"BTCUSDT","b":[["3024710.00","5"]],"a":[],"u":1022,"seq":1}}`,
		`{"data":{"s":"BTCUSDT","b":[],"a":[["1","0"]],"u":1,"seq":1},"type":"snapshot","topic":"orderbook.50.BTCUSDT"}`,
		`{"topic":"tickers.BTCUSDT","type":"delta","data":{"symbol":"BTCUSDT","fundingRate":"","markPrice":"1.5"},"cs":1,"ts":1}`,
		`{"success":false,"ret_msg":"x","op":"subscribe","req_id":null}`,
		`{"x":[[{"a":"\u00e9\n"}],true,false,null,-0.5e+3],"op":"pong","args":["1"]}`,
	} {
		f.Add([]byte(s))
	}
	// One feed for every input, brought back to Live from the snapshot
	// each time: a new book costs a millisecond, a thousand inputs' worth.
	feed := newTestFeed(f, 50)
	f.Fuzz(func(t *testing.T, b []byte) {
		var msg Message
		err := linearBTC.Decode(b, &msg)
		if err == nil {
			if !json.Valid(b) {
				t.Fatalf("Decode accepted invalid JSON %q", b)
			}
			if (msg.Kind == KindSnapshot || msg.Kind == KindDelta) && !bytes.Contains(b, []byte{'\\'}) && utf8.Valid(b) {
				compareWithStdlib(t, b, &msg)
			}
		}
		feed.Resubscribing()
		if _, err := feed.Handle(snap, 1); err != nil {
			t.Fatal(err)
		}
		_, err = feed.Handle(b, 2)
		bk := feed.Book()
		if bk.Len(orderbook.Bid) > 50 || bk.Len(orderbook.Ask) > 50 {
			t.Fatalf("book deeper than the subscription: %d bids, %d asks", bk.Len(orderbook.Bid), bk.Len(orderbook.Ask))
		}
		switch {
		case errors.Is(err, ErrGap), errors.Is(err, ErrOutOfOrder):
			if bk.Synced() || feed.State() != NeedResubscribe {
				t.Fatalf("error %v left the feed %v, synced %v", err, feed.State(), bk.Synced())
			}
		case err != nil:
			if feed.State() != Live || !bk.Synced() {
				t.Fatalf("skipped message %v changed the feed: %v", err, feed.State())
			}
		case feed.State() != Live && bk.Synced():
			t.Fatalf("book synced in state %v", feed.State())
		}
	})
}

// compareWithStdlib decodes a book message with encoding/json and checks
// that the symbol, u, seq and every level agree.
func compareWithStdlib(t *testing.T, b []byte, m *Message) {
	var v struct {
		Data struct {
			S   string            `json:"s"`
			B   []json.RawMessage `json:"b"`
			A   []json.RawMessage `json:"a"`
			U   json.Number       `json:"u"`
			Seq json.Number       `json:"seq"`
		} `json:"data"`
	}
	// Duplicate keys are refused by the decoder, so the last one wins
	// alike; a case-insensitive key match by encoding/json is not.
	if bytes.Contains(bytes.ToLower(b), []byte(`"s"`)) && !bytes.Contains(b, []byte(`"s"`)) {
		return
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return // a shape encoding/json refuses for its own reasons (case-folded keys)
	}
	if v.Data.S != string(m.Symbol) || string(v.Data.U) != "" && mustInt(t, v.Data.U) != m.UpdateID {
		t.Fatalf("symbol %q u %d, encoding/json says %q %s", m.Symbol, m.UpdateID, v.Data.S, v.Data.U)
	}
	for side, raws := range [2][]json.RawMessage{v.Data.B, v.Data.A} {
		got := m.Bids
		if side == 1 {
			got = m.Asks
		}
		if len(raws) != len(got) {
			t.Fatalf("side %d: %d levels, encoding/json says %d", side, len(got), len(raws))
		}
		for i, raw := range raws {
			var pair [2]json.RawMessage
			if err := json.Unmarshal(raw, &pair); err != nil {
				t.Fatal(err)
			}
			p, q := stdNum(t, pair[0], 2), stdNum(t, pair[1], 3)
			if p != got[i].Price || q != got[i].Qty {
				t.Fatalf("side %d level %d: %v, encoding/json says %d %d", side, i, got[i], p, q)
			}
		}
	}
}

func mustInt(t *testing.T, n json.Number) int64 {
	v, err := n.Int64()
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// stdNum reads a price or size as encoding/json sees it: a string or a
// number, then the same exact fixed-point parse.
func stdNum(t *testing.T, raw json.RawMessage, sc fixed.Scale) int64 {
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		s = string(raw)
	}
	v, err := sc.ParseString(s)
	if err != nil {
		t.Fatalf("%s: %v", raw, err)
	}
	return v
}
