package kraken

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/nanotick/nanotick/orderbook"
)

// newExchange returns a simulated BTC/USD exchange whose book has n levels
// per side around 10000.0, bids below and asks above.
func newExchange(depth, n int, rng *rand.Rand) *exchange {
	e := &exchange{ref: newRefBook(), depth: depth, b: msgBuilder{ps: 1, qs: 8, rng: rng}, symbol: "BTC/USD"}
	for i := range n {
		e.ref.set(orderbook.Bid, 99990-int64(i)*10, 10000000+int64(i))
		e.ref.set(orderbook.Ask, 100010+int64(i)*10, 20000000+int64(i))
	}
	return e
}

// mustHandle hands msg to f and requires the event want with no error.
func mustHandle(t *testing.T, f *Feed, msg []byte, want Event) {
	t.Helper()
	ev, err := f.Handle(msg, 1)
	if err != nil || ev != want {
		t.Fatalf("Handle(%s) = %v, %v; want %v, nil", msg, ev, err, want)
	}
}

// checkView requires f's book to equal the exchange's subscribed range.
func checkView(t *testing.T, f *Feed, e *exchange) {
	t.Helper()
	for _, s := range []orderbook.Side{orderbook.Bid, orderbook.Ask} {
		if got, want := bookLevels(f.Book(), s), e.ref.top(s, e.depth); !slices.Equal(got, want) {
			t.Fatalf("%v side:\n got %v\nwant %v", s, got, want)
		}
	}
}

// TestTruncation walks the case the guide warns about: a better bid pushes
// the 10th bid out of a depth-10 subscription (Kraken sends only the
// insert), the pushed-out level is then deleted at the exchange (Kraken
// sends nothing: it is out of range), and then the best bid is deleted
// (Kraken sends the delete and the level that enters the range). Only a
// book truncated to the subscribed depth matches the checksums; the same
// stream on a feed that keeps 25 levels must fail at the last step.
func TestTruncation(t *testing.T) {
	for _, tt := range []struct {
		depth    int
		wantFail bool
	}{{10, false}, {25, true}} {
		t.Run(fmt.Sprint("depth=", tt.depth), func(t *testing.T) {
			e := newExchange(10, 15, nil)
			f := btcFeed(t, tt.depth)
			mustHandle(t, f, e.snapshot(), EventSnapshot)
			tenth, _ := f.Book().Level(orderbook.Bid, 9)

			insert := e.step(func(r *refBook) { r.set(orderbook.Bid, 99995, 5) })
			mustHandle(t, f, insert, EventUpdate)
			if n := f.Book().Len(orderbook.Bid); tt.depth == 10 && n != 10 {
				t.Fatalf("after the insert: %d bids, want 10", n)
			}

			if msg := e.step(func(r *refBook) { r.set(orderbook.Bid, tenth.Price, 0) }); msg != nil {
				t.Fatalf("deleting an out-of-range level produced a message: %s", msg)
			}

			del := e.step(func(r *refBook) { r.set(orderbook.Bid, 99995, 0) })
			ev, err := f.Handle(del, 1)
			if tt.wantFail {
				if ev != EventResubscribe || !errors.Is(err, ErrChecksum) {
					t.Fatalf("untruncated book: Handle = %v, %v; want a checksum mismatch", ev, err)
				}
				return
			}
			if err != nil || ev != EventUpdate {
				t.Fatalf("Handle(%s) = %v, %v", del, ev, err)
			}
			checkView(t, f, e)
		})
	}
}

// TestTruncationSequences runs random sequences against the simulated
// exchange at several depths: inserts inside and outside the range,
// quantity changes, deletes pulling deeper levels in, repeated prices in one
// message, numbers written in varied forms. Every update must verify, and
// the book must equal the exchange's subscribed range after each one.
func TestTruncationSequences(t *testing.T) {
	for _, depth := range []int{10, 25, 100} {
		for seed := range uint64(10) {
			t.Run(fmt.Sprintf("depth=%d/seed=%d", depth, seed), func(t *testing.T) {
				rng := rand.New(rand.NewPCG(seed, uint64(depth)))
				e := newExchange(depth, depth+depth/2, rng)
				f := btcFeed(t, depth)
				mustHandle(t, f, e.snapshot(), EventSnapshot)
				updates := 0
				for range 300 {
					msg := e.step(func(r *refBook) { mutate(r, rng, depth) })
					if msg == nil {
						continue
					}
					mustHandle(t, f, msg, EventUpdate)
					checkView(t, f, e)
					updates++
				}
				if st := f.Stats(); st.Updates != uint64(updates) || st.ChecksumMismatches != 0 || !f.Book().Valid() {
					t.Errorf("stats %+v, valid %v; want %d updates, no mismatch", st, f.Book().Valid(), updates)
				}
			})
		}
	}
}

// mutate makes one to four random changes to the exchange's book, mostly
// near the top where real books change, sometimes far out of range.
func mutate(r *refBook, rng *rand.Rand, depth int) {
	for range 1 + rng.IntN(4) {
		s := orderbook.Side(rng.IntN(2))
		dist := int64(rng.IntN(depth/2 + 2))
		if rng.IntN(5) == 0 {
			dist = int64(rng.IntN(3 * depth))
		}
		price := 99999 - dist*5 // bids from 9999.9 down
		if s == orderbook.Ask {
			price = 100001 + dist*5 // asks from 10000.1 up
		}
		switch rng.IntN(3) {
		case 0:
			r.set(s, price, 0)
		default:
			r.set(s, price, 1+rng.Int64N(1e10))
		}
	}
	// Keep both sides deep enough that the range stays full most of the time.
	for _, s := range []orderbook.Side{orderbook.Bid, orderbook.Ask} {
		for len(r.side[s]) < depth {
			p := 99999 - int64(rng.IntN(4*depth))*5
			if s == orderbook.Ask {
				p = 100001 + int64(rng.IntN(4*depth))*5
			}
			r.set(s, p, 1+rng.Int64N(1e8))
		}
	}
}

// TestResubscribeCycle drives the state machine through a mismatch, the
// resubscribe requests, a bad snapshot, and the recovery.
func TestResubscribeCycle(t *testing.T) {
	e := newExchange(10, 12, nil)
	f := btcFeed(t, 10)
	if f.State() != WaitingSnapshot || f.Book().Valid() {
		t.Fatalf("new feed: state %v, valid %v", f.State(), f.Book().Valid())
	}
	// An update before any snapshot has nothing to apply to.
	early := e.step(func(r *refBook) { r.set(orderbook.Bid, 99990, 7) })
	if ev, err := f.Handle(early, 1); ev != EventNone || err != nil {
		t.Fatalf("update before the snapshot: %v, %v", ev, err)
	}
	mustHandle(t, f, e.snapshot(), EventSnapshot)
	if f.State() != Live || !f.Book().Valid() {
		t.Fatalf("after snapshot: state %v, valid %v", f.State(), f.Book().Valid())
	}

	// A wrong checksum: invalid, resubscribe requested once.
	good := e.step(func(r *refBook) { r.set(orderbook.Ask, 100010, 3) })
	bad := corruptChecksum(t, good)
	ev, err := f.Handle(bad, 1)
	if ev != EventResubscribe || !errors.Is(err, ErrChecksum) {
		t.Fatalf("bad checksum: %v, %v; want resubscribe, ErrChecksum", ev, err)
	}
	if f.State() != NeedResubscribe || f.Book().Valid() || f.Book().Synced() {
		t.Fatalf("after mismatch: state %v, valid %v, synced %v", f.State(), f.Book().Valid(), f.Book().Synced())
	}
	// Further updates are ignored and ask for nothing more.
	next := e.step(func(r *refBook) { r.set(orderbook.Ask, 100010, 4) })
	if ev, err := f.Handle(next, 1); ev != EventNone || err != nil || f.Book().Valid() {
		t.Fatalf("update while invalid: %v, %v, valid %v", ev, err, f.Book().Valid())
	}

	f.Resubscribing()
	if f.State() != WaitingSnapshot || f.Book().Valid() {
		t.Fatalf("after Resubscribing: state %v, valid %v", f.State(), f.Book().Valid())
	}
	// A snapshot that does not verify fails closed too.
	if ev, err := f.Handle(corruptChecksum(t, e.snapshot()), 1); ev != EventResubscribe || !errors.Is(err, ErrChecksum) {
		t.Fatalf("bad snapshot: %v, %v", ev, err)
	}
	if f.Book().Valid() {
		t.Fatal("bad snapshot left the book valid")
	}
	f.Resubscribing()
	mustHandle(t, f, e.snapshot(), EventSnapshot)
	if f.State() != Live || !f.Book().Valid() {
		t.Fatalf("after recovery: state %v, valid %v", f.State(), f.Book().Valid())
	}
	checkView(t, f, e)
	mustHandle(t, f, e.step(func(r *refBook) { r.set(orderbook.Bid, 99990, 9) }), EventUpdate)
	checkView(t, f, e)

	want := Stats{Messages: 7, Snapshots: 3, Updates: 2, Ignored: 2, ChecksumMismatches: 2, Resubscribes: 2}
	if got := f.Stats(); got != want {
		t.Errorf("stats:\n got %+v\nwant %+v", got, want)
	}
	if id := f.Book().UpdateID(); id != 5 {
		t.Errorf("UpdateID = %d, want 5 applied messages", id)
	}
}

// corruptChecksum returns msg with its checksum changed.
func corruptChecksum(t *testing.T, msg []byte) []byte {
	t.Helper()
	var m Message
	if err := btc.Decode(msg, &m); err != nil {
		t.Fatal(err)
	}
	old := fmt.Appendf(nil, `"checksum":%d`, m.Checksum)
	out := slices.Clone(msg)
	i := slices.Index(splitAt(out, old), true)
	if i < 0 {
		t.Fatalf("no checksum in %s", msg)
	}
	return slices.Concat(out[:i], fmt.Appendf(nil, `"checksum":%d`, m.Checksum^1), out[i+len(old):])
}

// splitAt marks the offsets where sub starts in b.
func splitAt(b, sub []byte) []bool {
	marks := make([]bool, len(b))
	for i := range b {
		if i+len(sub) <= len(b) && string(b[i:i+len(sub)]) == string(sub) {
			marks[i] = true
		}
	}
	return marks
}

func TestMalformedFailsClosed(t *testing.T) {
	e := newExchange(10, 12, nil)
	f := btcFeed(t, 10)
	mustHandle(t, f, e.snapshot(), EventSnapshot)
	ev, err := f.Handle([]byte(`{"channel":"book","type":"update","data":[{"symbol":"BTC/USD","bids":[{"price":1e`), 1)
	var se *SyntaxError
	if ev != EventResubscribe || !errors.As(err, &se) {
		t.Fatalf("malformed: %v, %v; want resubscribe and a *SyntaxError", ev, err)
	}
	if f.Book().Valid() || f.State() != NeedResubscribe || f.Stats().Malformed != 1 || f.Stats().Resubscribes != 1 {
		t.Fatalf("after malformed: valid %v, state %v, stats %+v", f.Book().Valid(), f.State(), f.Stats())
	}
}

// TestControlMessages checks that messages that are not this book's leave
// it alone, and that a rejected subscription is reported.
func TestControlMessages(t *testing.T) {
	e := newExchange(10, 12, nil)
	f := btcFeed(t, 10)
	mustHandle(t, f, e.snapshot(), EventSnapshot)
	before := bookLevels(f.Book(), orderbook.Bid)
	for _, msg := range []string{
		`{"channel":"heartbeat"}`,
		`{"channel":"status","type":"update","data":[{"version":"2.0.0","system":"online","api_version":"v2","connection_id":1}]}`,
		`{"method":"subscribe","result":{"channel":"book","depth":10,"snapshot":true,"symbol":"BTC/USD"},"success":true}`,
		`{"method":"subscribe","success":false,"error":"Currency pair not supported","symbol":"ETH/USD"}`,
		`{"method":"subscribe","result":{"channel":"trade","symbol":"BTC/USD"},"success":false,"error":"x"}`,
		`{"method":"pong","req_id":3}`,
		`{"channel":"book","type":"update","data":[{"symbol":"ETH/USD","bids":[{"price":1,"qty":0}],"checksum":1}]}`,
		`{"channel":"book","type":"snapshot","data":[{"symbol":"ETH/USD","bids":[],"asks":[],"checksum":1}]}`,
	} {
		mustHandle(t, f, []byte(msg), EventNone)
	}
	if !slices.Equal(before, bookLevels(f.Book(), orderbook.Bid)) || !f.Book().Valid() || f.State() != Live {
		t.Fatal("control messages changed the book")
	}
	ev, err := f.Handle([]byte(`{"method":"subscribe","success":false,"error":"Already subscribed","symbol":"BTC/USD"}`), 1)
	if ev != EventNone || !errors.Is(err, ErrSubscribe) || !f.Book().Valid() {
		t.Fatalf("rejected subscribe: %v, %v, valid %v; want ErrSubscribe, book untouched", ev, err, f.Book().Valid())
	}
	ev, err = f.Handle([]byte(`{"method":"subscribe","result":{"channel":"book","depth":25,"snapshot":true,"symbol":"BTC/USD"},"success":true}`), 1)
	if ev != EventResubscribe || !errors.Is(err, ErrSubscribe) || f.Book().Valid() {
		t.Fatalf("ack with the wrong depth: %v, %v, valid %v; want resubscribe, ErrSubscribe, invalid", ev, err, f.Book().Valid())
	}
}

func TestNewFeedErrors(t *testing.T) {
	b := orderbook.New(10)
	for _, cfg := range []Config{
		{Symbol: "BTC/USD", Depth: 20},
		{Symbol: "BTC/USD", Depth: 0},
		{Symbol: "", Depth: 10},
		{Symbol: `BTC"USD`, Depth: 10},
		{Symbol: "BTC USD", Depth: 10},
		{Symbol: "BTC/USD", Depth: 10, PriceScale: 19},
	} {
		if _, err := NewFeed(cfg, b); err == nil {
			t.Errorf("NewFeed(%+v) succeeded", cfg)
		}
	}
	if _, err := NewFeed(Config{Symbol: "BTC/USD", Depth: 10}, nil); err == nil {
		t.Error("NewFeed with a nil book succeeded")
	}
}

func TestSubscribeRequests(t *testing.T) {
	f := btcFeed(t, 25)
	tests := []struct {
		got, want string
	}{
		{string(f.AppendSubscribe(nil, 7)),
			`{"method":"subscribe","params":{"channel":"book","symbol":["BTC/USD"],"depth":25,"snapshot":true},"req_id":7}`},
		{string(f.AppendUnsubscribe(nil, 8)),
			`{"method":"unsubscribe","params":{"channel":"book","symbol":["BTC/USD"],"depth":25},"req_id":8}`},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("request:\n got %s\nwant %s", tt.got, tt.want)
		}
		if !json.Valid([]byte(tt.got)) {
			t.Errorf("request %s is not valid JSON", tt.got)
		}
	}
}

// TestHandleAllocs proves the hot path allocation-free: decode, apply,
// truncate and verify of update messages on a live book.
func TestHandleAllocs(t *testing.T) {
	for _, depth := range []int{10, 100} {
		f, msgs := benchFeed(t, depth)
		i := 0
		allocs := testing.AllocsPerRun(1000, func() {
			ev, err := f.Handle(msgs[i%len(msgs)], 1)
			if err != nil || ev != EventUpdate {
				t.Fatalf("Handle = %v, %v", ev, err)
			}
			i++
		})
		if allocs != 0 {
			t.Errorf("depth %d: %v allocations per update, want 0", depth, allocs)
		}
	}
}

// benchFeed returns a live feed of depth levels per side and a cycle of
// update messages that brings the book back to where it started: a better
// bid pushes out the worst one, an ask and a bid change quantity; then the
// new bid is deleted, the pushed-out bid comes back (sent again, as Kraken
// does when a level enters the range) and the quantities are restored.
func benchFeed(t testing.TB, depth int) (*Feed, [][]byte) {
	t.Helper()
	e := newExchange(depth, depth+5, nil)
	f := btcFeed(t, depth)
	if ev, err := f.Handle(e.snapshot(), 1); err != nil || ev != EventSnapshot {
		t.Fatalf("snapshot: %v, %v", ev, err)
	}
	a := e.step(func(r *refBook) {
		r.set(orderbook.Bid, 99995, 12345678)
		r.set(orderbook.Ask, 100020, 55500000)
		r.set(orderbook.Bid, 99970, 150000)
	})
	b := e.step(func(r *refBook) {
		r.set(orderbook.Bid, 99995, 0)
		r.set(orderbook.Ask, 100020, 20000001)
		r.set(orderbook.Bid, 99970, 10000002)
	})
	return f, [][]byte{a, b}
}
