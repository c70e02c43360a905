package kraken

import (
	"bytes"
	"hash/crc32"
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	"github.com/nanotick/nanotick/fixed"
	"github.com/nanotick/nanotick/orderbook"
)

// guideChecksum is the result of the worked example in Kraken's "Spot
// Websockets (v2) Book Checksum" guide,
// https://docs.kraken.com/api/docs/guides/spot-ws-book-v2.
const guideChecksum = 3310070434

// guideText is the checksum string the guide builds from its example book
// (asks, then bids), copied from the guide (see testdata/README.md).
const guideText = "45285210000045286415457195345286615457110945289615456091145290215890660452918154553491452947445474945296135380000452975994554245299518772827" +
	"452835100000004528341545820154528211000000045281010000000452803154592586452790799000045277633101034527753000000045277315460273745276615445238"

func btcFeed(t testing.TB, depth int) *Feed {
	t.Helper()
	f, err := NewFeed(Config{Symbol: "BTC/USD", Depth: depth, PriceScale: 1, QtyScale: 8}, orderbook.New(depth+1))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// TestChecksumGuide reproduces the guide's worked example end to end: the
// snapshot decodes, its checksum verifies, and the book goes live.
func TestChecksumGuide(t *testing.T) {
	if crc32.ChecksumIEEE([]byte(guideText)) != guideChecksum {
		t.Fatal("the guide's text and checksum disagree: testdata copied wrong")
	}
	msg, err := os.ReadFile("testdata/guide_snapshot.json")
	if err != nil {
		t.Fatal(err)
	}
	f := btcFeed(t, 10)
	ev, err := f.Handle(msg, 1)
	if err != nil || ev != EventSnapshot {
		t.Fatalf("Handle(guide snapshot) = %v, %v; want snapshot, nil", ev, err)
	}
	if sum, _ := Checksum(f.Book(), nil); sum != guideChecksum {
		t.Errorf("Checksum = %d, want %d", sum, guideChecksum)
	}
	if f.State() != Live || !f.Book().Valid() {
		t.Errorf("state %v, valid %v; want live and valid", f.State(), f.Book().Valid())
	}
	asks, bids := bookLevels(f.Book(), orderbook.Ask), bookLevels(f.Book(), orderbook.Bid)
	if got := refChecksumText(asks, bids, 1, 8); got != guideText {
		t.Errorf("reference text of the decoded book:\n got %s\nwant %s", got, guideText)
	}
}

// TestChecksumGuideWireForm sends the guide's book the way the v2 channel
// actually writes numbers, shortest form (0.1 for 0.10000000, 45281 for
// 45281.0): the checksum must not depend on how the numbers were written,
// and the naive shortest-text rule must give a different result, or this
// example would not be testing the precision rule at all.
func TestChecksumGuideWireForm(t *testing.T) {
	msg, err := os.ReadFile("testdata/guide_snapshot.json")
	if err != nil {
		t.Fatal(err)
	}
	var m Message
	if err := btc.Decode(msg, &m); err != nil {
		t.Fatal(err)
	}
	wire := msgBuilder{ps: 1, qs: 8}.build("snapshot", "BTC/USD", m.Bids, m.Asks, guideChecksum)
	if !bytes.Contains(wire, []byte(`"qty":0.1}`)) || !bytes.Contains(wire, []byte(`"price":45281,`)) {
		t.Fatalf("wire form is not shortest: %s", wire)
	}
	f := btcFeed(t, 10)
	if ev, err := f.Handle(wire, 1); err != nil || ev != EventSnapshot {
		t.Fatalf("Handle(wire form) = %v, %v", ev, err)
	}

	var naive strings.Builder
	for _, side := range [][]orderbook.Level{m.Asks, m.Bids} {
		for _, l := range side {
			for _, s := range []string{fixed.Scale(1).String(l.Price), fixed.Scale(8).String(l.Qty)} {
				naive.WriteString(strings.TrimLeft(strings.ReplaceAll(s, ".", ""), "0"))
			}
		}
	}
	if crc32.ChecksumIEEE([]byte(naive.String())) == guideChecksum {
		t.Error("shortest-text formatting also gives the guide's checksum; the vector proves nothing about precision")
	}
}

// TestChecksumTextRule checks Checksum, which appends the integers' digits,
// against the guide's text rule applied two independent ways: strconv and
// strings (refChecksum), and package fixed's AppendFixed with '.' and
// leading zeros removed. Books are random in scale, magnitude and size,
// including sides with fewer than ten levels and empty ones.
func TestChecksumTextRule(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var buf []byte
	for iter := range 2000 {
		ps, qs := fixed.Scale(rng.IntN(13)), fixed.Scale(rng.IntN(13))
		b := orderbook.New(16)
		mag := []int64{10, 1000, 1e6, 1e12, 1e17}
		for s := range 2 {
			for range rng.IntN(15) {
				b.Set(orderbook.Side(s), 1+rng.Int64N(mag[rng.IntN(len(mag))]), 1+rng.Int64N(mag[rng.IntN(len(mag))]))
			}
		}
		asks, bids := bookLevels(b, orderbook.Ask), bookLevels(b, orderbook.Bid)
		var got uint32
		got, buf = Checksum(b, buf)
		if want := refChecksum(asks, bids, int(ps), int(qs)); got != want {
			t.Fatalf("iteration %d: Checksum = %d, reference = %d (scales %d/%d, asks %v, bids %v)", iter, got, want, ps, qs, asks, bids)
		}
		var text []byte
		for _, side := range [][]orderbook.Level{asks, bids} {
			for i, l := range side {
				if i == 10 {
					break
				}
				text = appendStripped(text, ps.AppendFixed(nil, l.Price))
				text = appendStripped(text, qs.AppendFixed(nil, l.Qty))
			}
		}
		if want := crc32.ChecksumIEEE(text); got != want {
			t.Fatalf("iteration %d: Checksum = %d, AppendFixed rule = %d", iter, got, want)
		}
	}
}

// appendStripped appends s without its '.' and leading zeros.
func appendStripped(dst, s []byte) []byte {
	s = bytes.TrimLeft(bytes.ReplaceAll(s, []byte("."), nil), "0")
	return append(dst, s...)
}

func TestChecksumEmpty(t *testing.T) {
	if got, _ := Checksum(orderbook.New(0), nil); got != crc32.ChecksumIEEE(nil) {
		t.Errorf("Checksum(empty) = %d, want %d", got, crc32.ChecksumIEEE(nil))
	}
}

// TestChecksummer checks the incremental checksum against Checksum on books
// that change a little (most steps), a lot, or entirely, with levels that
// leave the top ten and come back with the same or another quantity.
func TestChecksummer(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	var c checksummer
	b := orderbook.New(32)
	for step := range 20000 {
		switch r := rng.IntN(100); {
		case r == 0:
			b.Clear()
		case r < 5:
			for range 20 {
				b.Set(orderbook.Side(rng.IntN(2)), 1+rng.Int64N(30), rng.Int64N(4))
			}
		default:
			for range 1 + rng.IntN(3) {
				b.Set(orderbook.Side(rng.IntN(2)), 1+rng.Int64N(30), rng.Int64N(4)*rng.Int64N(1e12))
			}
		}
		want, _ := Checksum(b, nil)
		if got := c.sum(b); got != want {
			t.Fatalf("step %d: checksummer = %d, Checksum = %d; asks %v bids %v",
				step, got, want, bookLevels(b, orderbook.Ask), bookLevels(b, orderbook.Bid))
		}
	}
}
