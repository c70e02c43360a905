package backtest

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/nanotick/nanotick/md"
	"github.com/nanotick/nanotick/orderbook"
)

var updateEvents = flag.Bool("update-events", false, "record the events' hashes of TestEventsVersion in testdata/events.golden (after bumping eventsVersion)")

// eventsGolden is where TestEventsVersion keeps, for one eventsVersion, the hash of
// the events each shared recording decodes into.
const eventsGolden = "testdata/events.golden"

// TestEventsVersion guards the event cache's key: it decodes each shared recording
// into applied events, as a cache file would hold them, and hashes what they mean (not
// their encoding, which eventcache.Version guards). The hashes are recorded with the
// eventsVersion they were made by. When the decoding changes (a feed, the event
// decoder) the hashes change, and the test fails until eventsVersion is bumped and the
// hashes recorded again (go test ./backtest -run TestEventsVersion -update-events):
// a cache made by the old decoding is then never trusted by the new one, while caches
// survive every build that decodes alike.
func TestEventsVersion(t *testing.T) {
	got := map[string]string{}
	for _, rec := range []string{"spot", "usdm"} {
		cfg := recordingBacktest(t, rec)
		got[rec] = eventsHash(t, cfg)
	}
	line := fmt.Sprintf("events=%d spot=%s usdm=%s", eventsVersion, got["spot"], got["usdm"])
	if *updateEvents {
		text := "# TestEventsVersion: the hash of the applied events each shared recording decodes\n# into, by the eventsVersion (backtest/frames.go) that made them.\n" + line + "\n"
		if err := os.MkdirAll(filepath.Dir(eventsGolden), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(eventsGolden, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	b, err := os.ReadFile(eventsGolden)
	if err != nil {
		t.Fatal(err)
	}
	var want string
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "events=") {
			want = l
		}
	}
	ver, _, _ := strings.Cut(strings.TrimPrefix(want, "events="), " ")
	if v, err := strconv.Atoi(ver); err != nil || v != eventsVersion {
		t.Fatalf("%s was recorded for events version %q, the code is at %d: record the hashes of the new version with -update-events", eventsGolden, ver, eventsVersion)
	}
	if line != want {
		t.Fatalf("the shared recordings decode into other events than eventsVersion %d recorded:\n got %s\nwant %s\nevery event cache built before would be trusted with the old events: bump eventsVersion in backtest/frames.go, then record the hashes with -update-events", eventsVersion, line, want)
	}
}

// eventsHash decodes cfg's recordings as the event cache does and returns the SHA-256
// of every record's meaning: its times, flags, applied event with its levels, and the top
// of the book it leaves.
func eventsHash(t *testing.T, cfg Config) string {
	t.Helper()
	table, err := cfg.Engine.InstrumentTable()
	if err != nil {
		t.Fatal(err)
	}
	f, err := loadFrames(&cfg, table.At(0), cfg.Data, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.New()
	var b []byte
	put := func(v ...int64) {
		for _, x := range v {
			b = binary.LittleEndian.AppendUint64(b, uint64(x))
		}
	}
	src := &framesSource{f: f}
	var ev md.Event
	n := 0
	for {
		local, _, d, lv, err := src.next()
		if err != nil {
			break
		}
		e := d.event(&ev, lv)
		b = b[:0]
		put(local, int64(d.flags), d.e, d.t, d.bid, d.ask)
		put(int64(e.Kind), e.Exchange, int64(e.Applied), int64(e.Status))
		put(e.Trade.Price, e.Trade.Qty, int64(e.Trade.Aggressor), e.Trade.Time)
		put(e.Mark.Price, e.Mark.Index, e.Mark.FundingRate, e.Mark.NextFunding, int64(e.Mark.Fields))
		for _, side := range [][]orderbook.Level{e.Bids, e.Asks} {
			put(int64(len(side)))
			for _, l := range side {
				put(l.Price, l.Qty)
			}
		}
		h.Write(b)
		n++
	}
	if n < 1000 {
		t.Fatalf("%s: only %d events", cfg.Data[0], n)
	}
	// How the reading ended is part of what a cache replays.
	fmt.Fprintf(h, "%d %d %v", n, f.malformed, f.err)
	return hex.EncodeToString(h.Sum(nil)[:16])
}
