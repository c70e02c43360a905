package eventcache

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"syscall"
	"testing"

	"github.com/nanotick/nanotick/md"
	"github.com/nanotick/nanotick/orderbook"
)

// records are one of every kind of event, with and without times.
func records() []Record {
	lv := []orderbook.Level{{Price: 6_000_000_000_000, Qty: 5}, {Price: 5_999_999_000_000, Qty: 0}, {Price: 1, Qty: -3}}
	const t = int64(1723161253937085768)
	return []Record{
		{Local: t, Event: md.Event{Kind: md.None}},
		{Local: t + 1, Flags: 1, Event: md.Event{Kind: md.None}},
		{Local: t + 2, E: t - 5_000_000, HasE: true, T: t - 6_000_000, HasT: true, Event: md.Event{Kind: md.Depth, Exchange: t - 5_000_000, Applied: 1, Status: md.Valid, Bids: lv[:2], Asks: lv[2:]},
			Top: true, TopValid: true, Bid: 6_000_001_000_000, Ask: 6_000_002_000_000},
		{Local: t + 3, Event: md.Event{Kind: md.Snapshot, Applied: 3, Status: md.Resyncing, Bids: lv, Asks: lv[:1]}, Top: true},
		{Local: t + 4, Flags: 2, Event: md.Event{Kind: md.Depth, Status: md.Gap}},
		{Local: t + 5, Event: md.Event{Kind: md.StatusChange, Status: md.Gap}, Top: true},
		{Local: t + 6, Event: md.Event{Kind: md.Depth, Applied: 1, Status: md.Valid, Asks: lv[2:]}, Top: true, TopValid: true, Bid: 5, Ask: -1},
		{Local: t + 7, Event: md.Event{Kind: md.StatusChange, Status: md.Valid}, Top: true, TopValid: true, Bid: 1 << 62, Ask: 1<<62 + 1},
		{Local: t + 6, E: t + 9, HasE: true, Event: md.Event{Kind: md.Trade, Exchange: t + 9, Trade: md.PublicTrade{Price: 6_100_000_000_000, Qty: 1234, Aggressor: orderbook.Ask, Time: t - 1}}},
		{Local: -7, Event: md.Event{Kind: md.Mark, Mark: md.PerpMark{Price: 1, Index: -2, FundingRate: 3, NextFunding: 4, Fields: md.HasMarkPrice | md.HasNextFunding}}},
	}
}

// norm makes a decoded record comparable with the original: empty level lists are nil.
func norm(r Record) Record {
	if len(r.Event.Bids) == 0 {
		r.Event.Bids = nil
	}
	if len(r.Event.Asks) == 0 {
		r.Event.Asks = nil
	}
	return r
}

func TestRecordRoundTrip(t *testing.T) {
	var b []byte
	for _, r := range records() {
		b = AppendRecord(b, &r)
	}
	var got Record
	var lv []orderbook.Level
	for i, want := range records() {
		n, l, err := DecodeRecord(b, &got, lv)
		if err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
		lv = l
		if g := norm(got); !reflect.DeepEqual(g, norm(want)) {
			t.Fatalf("record %d:\n got %+v\nwant %+v", i, g, want)
		}
		b = b[n:]
	}
	if len(b) != 0 {
		t.Fatalf("%d bytes left", len(b))
	}
}

// TestDecodeRecordAppend decodes every record into one buffer of levels, appended, and
// wants each record's levels back as written, the earlier ones untouched by the later
// ones, and a record that fails to decode to leave the buffer as it was.
func TestDecodeRecordAppend(t *testing.T) {
	var b []byte
	for _, r := range records() {
		b = AppendRecord(b, &r)
	}
	lv := []orderbook.Level{{Price: 42, Qty: 7}} // levels of records before these
	var got []Record
	for i := range records() {
		var r Record
		n, l, err := DecodeRecordAppend(b, &r, lv)
		if err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
		if len(l) != len(lv)+len(r.Event.Bids)+len(r.Event.Asks) {
			t.Fatalf("record %d: %d levels after %d, want %d more", i, len(l), len(lv), len(r.Event.Bids)+len(r.Event.Asks))
		}
		lv, b = l, b[n:]
		got = append(got, r)
	}
	for i, want := range records() {
		if g := norm(got[i]); !reflect.DeepEqual(g, norm(want)) {
			t.Fatalf("record %d after the others:\n got %+v\nwant %+v", i, g, want)
		}
	}
	if lv[0] != (orderbook.Level{Price: 42, Qty: 7}) {
		t.Fatalf("the levels before were changed: %v", lv[0])
	}
	r := records()[3] // a snapshot: cut in its levels
	bad := AppendRecord(nil, &r)
	n := len(lv)
	if _, l, err := DecodeRecordAppend(bad[:len(bad)-2], &Record{}, lv); !errors.Is(err, ErrCorrupt) || len(l) != n {
		t.Fatalf("a cut record: %v, %d levels after, want ErrCorrupt and %d", err, len(l), n)
	}
}

// TestRecordTopFlags wants a record that says its top is valid without saying it has
// one refused as corrupt, and a top cut short too.
func TestRecordTopFlags(t *testing.T) {
	r := records()[2] // a depth with a valid top
	b := AppendRecord(nil, &r)
	bad := bytes.Clone(b)
	bad[10] &^= fTop // the flags byte follows the time, the kind and the status
	var got Record
	if _, _, err := DecodeRecord(bad, &got, nil); !errors.Is(err, ErrCorrupt) {
		t.Errorf("a valid top without a top: %v, want ErrCorrupt", err)
	}
	if _, _, err := DecodeRecord(b[:len(b)-1], &got, nil); !errors.Is(err, ErrCorrupt) {
		t.Errorf("the top's ask cut off: %v, want ErrCorrupt", err)
	}
	if n, _, err := DecodeRecord(b, &got, nil); err != nil || n != len(b) || got.Bid != r.Bid || got.Ask != r.Ask {
		t.Errorf("decoded %d of %d bytes, top %d/%d (%v), want %d/%d", n, len(b), got.Bid, got.Ask, err, r.Bid, r.Ask)
	}
}

func writeFile(t *testing.T, path string, k Key, recs []Record, malformed uint64, readErr string) {
	t.Helper()
	w, err := Create(path, k)
	if err != nil {
		t.Fatal(err)
	}
	for i := range recs {
		w.Add(&recs[i])
	}
	if err := w.Finish(malformed, readErr); err != nil {
		t.Fatal(err)
	}
}

func TestFile(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	if err := os.WriteFile(src, []byte("some recording"), 0o644); err != nil {
		t.Fatal(err)
	}
	k, err := HashFiles("settings a", src)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, k.Name())
	writeFile(t, path, k, records(), 7, "unexpected EOF")
	f, err := Open(path, k)
	if err != nil {
		t.Fatal(err)
	}
	if !f.Mapped() {
		t.Error("not memory-mapped")
	}
	if f.Len() != len(records()) || f.Malformed != 7 || f.ReadErr != "unexpected EOF" {
		t.Fatalf("len %d malformed %d err %q", f.Len(), f.Malformed, f.ReadErr)
	}
	var r Record
	for i, want := range records() {
		_, _, err := DecodeRecord(f.Body[f.Offset(i):], &r, nil)
		if err != nil || !reflect.DeepEqual(norm(r), norm(want)) {
			t.Fatalf("record %d: %+v %v", i, r, err)
		}
	}
	f.Close()

	// Other settings, other data, another version: stale.
	k2 := k
	k2.Settings = "settings b"
	if _, err := Open(path, k2); !errors.Is(err, ErrStale) {
		t.Errorf("other settings: %v", err)
	}
	k3, _ := HashFiles("settings a", src, src)
	if _, err := Open(path, k3); !errors.Is(err, ErrStale) {
		t.Errorf("other data: %v", err)
	}
	good, _ := os.ReadFile(path)
	bad := bytes.Clone(good)
	bad[8]++
	os.WriteFile(path, bad, 0o644)
	if _, err := Open(path, k); !errors.Is(err, ErrStale) {
		t.Errorf("other version: %v", err)
	}
	// Cut anywhere, or a byte flipped anywhere: corrupt (or stale, where the flip hits
	// the key), never trusted.
	for cut := 0; cut < len(good); cut++ {
		os.WriteFile(path, good[:cut], 0o644)
		if _, err := Open(path, k); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("cut at %d of %d: %v", cut, len(good), err)
		}
	}
	for at := 0; at < len(good); at++ {
		bad := bytes.Clone(good)
		bad[at] ^= 0x01
		os.WriteFile(path, bad, 0o644)
		if _, err := Open(path, k); !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrStale) {
			t.Fatalf("byte %d flipped: %v", at, err)
		}
	}
	if _, err := Open(filepath.Join(dir, "none"), k); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("no file: %v", err)
	}
}

// FuzzDecodeRecord feeds arbitrary bytes to the record decoder: it must return an error
// or a record, never panic, and never read levels that the bytes cannot hold.
func FuzzDecodeRecord(f *testing.F) {
	for _, r := range records() {
		f.Add(AppendRecord(nil, &r))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var r Record
		n, lv, err := DecodeRecord(b, &r, nil)
		if err == nil && (n <= 0 || n > len(b)) {
			t.Fatalf("decoded %d of %d bytes", n, len(b))
		}
		if len(lv) > len(b) {
			t.Fatalf("%d levels from %d bytes", len(lv), len(b))
		}
	})
}

// TestLargeFileReleased writes a file larger than keepResident, whose check and
// replay release pages as they go, and wants every record back as written, also after
// Release of what was read, read again, and a flipped byte deep in it still found.
func TestLargeFileReleased(t *testing.T) {
	base := records()
	lv := make([]orderbook.Level, 200) // big records: a few thousand make the file
	for i := range lv {
		lv[i] = orderbook.Level{Price: 6_000_000_000_000 - int64(i)*1_000_000 - int64(i*i), Qty: int64(i*7919) + 1}
	}
	base = append(base, Record{Local: 1, Event: md.Event{Kind: md.Snapshot, Applied: 1, Status: md.Valid, Bids: lv, Asks: lv[:150]}})
	var recs []Record
	for size := 0; size <= keepResident+keepResident/4; size += 1500 { // about 1500 bytes a round
		for _, r := range base {
			r.Local += int64(len(recs))
			recs = append(recs, r)
		}
	}
	path := filepath.Join(t.TempDir(), "large.ntev")
	k := Key{Size: 1, Settings: "large"}
	writeFile(t, path, k, recs, 0, "")
	if st, err := os.Stat(path); err != nil || st.Size() <= keepResident {
		t.Fatalf("file of %v bytes (%v), want more than %d", st.Size(), err, keepResident)
	}
	f, err := Open(path, k)
	if err != nil {
		t.Fatal(err)
	}
	read := func() {
		t.Helper()
		var got Record
		var lv []orderbook.Level
		pos := 0
		for i := range recs {
			if i%5_000 == 0 && pos > 0 {
				f.Release(0, pos) // everything read so far, as a replay does
			}
			n, l, err := DecodeRecord(f.Body[pos:], &got, lv)
			if err != nil {
				t.Fatalf("record %d: %v", i, err)
			}
			lv = l
			if got.Local != recs[i].Local || got.Event.Kind != recs[i].Event.Kind || i%997 == 0 && !reflect.DeepEqual(norm(got), norm(recs[i])) {
				t.Fatalf("record %d:\n got %+v\nwant %+v", i, norm(got), recs[i])
			}
			if f.Offset(i) != pos {
				t.Fatalf("record %d at %d, index says %d", i, pos, f.Offset(i))
			}
			pos += n
		}
		if pos != len(f.Body) {
			t.Fatalf("%d bytes of records, body %d", pos, len(f.Body))
		}
	}
	read()
	f.Release(0, len(f.Body))
	read() // the released pages come back from the file
	f.Close()

	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)/2] ^= 1
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(path, k); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("a flipped byte in a large file: %v, want ErrCorrupt", err)
	}
}

// uvarintAsBinary checks the decoder's uvarint and varint at the start of b against
// encoding/binary's: the same value and length, or both an error.
func uvarintAsBinary(t *testing.T, b []byte) {
	t.Helper()
	want, n := binary.Uvarint(b)
	d := decoder{b: b}
	got := d.uvarint()
	if n <= 0 {
		if !d.bad {
			t.Fatalf("% x: uvarint %d, encoding/binary's error (%d)", b, got, n)
		}
	} else if d.bad || got != want || d.i != n {
		t.Fatalf("% x: uvarint %d of %d bytes (bad %v), encoding/binary's %d of %d", b, got, d.i, d.bad, want, n)
	}
	wantS, nS := binary.Varint(b)
	d = decoder{b: b}
	if gotS := d.varint(); nS > 0 && (d.bad || gotS != wantS || d.i != nS) || nS <= 0 && !d.bad {
		t.Fatalf("% x: varint %d of %d bytes (bad %v), encoding/binary's %d of %d", b, gotS, d.i, d.bad, wantS, nS)
	}
}

// TestUvarintAsBinary wants the decoder's varints (read 8 bytes at a time where it
// can) to be encoding/binary's, at every length, with any bytes after them and any
// number of bytes left, and malformed ones refused.
func TestUvarintAsBinary(t *testing.T) {
	var vals []uint64
	for k := 0; k < 64; k++ {
		v := uint64(1) << k
		vals = append(vals, v-1, v, v+1, v|v>>1|v>>3)
	}
	vals = append(vals, ^uint64(0), ^uint64(0)>>1, 0x0123456789abcdef)
	tails := [][]byte{nil, {0}, {0xff}, {0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80}, {1, 2, 3, 4, 5, 6, 7, 8, 9}}
	for _, v := range vals {
		enc := binary.AppendUvarint(nil, v)
		for _, tail := range tails {
			for cut := 0; cut <= len(tail); cut++ {
				uvarintAsBinary(t, append(bytes.Clone(enc), tail[:cut]...))
			}
		}
		for cut := 0; cut < len(enc); cut++ { // cut short
			uvarintAsBinary(t, append(bytes.Clone(enc[:cut]), 0x80))
			uvarintAsBinary(t, enc[:cut])
		}
	}
	// Too long, overflowing, and continuation bytes to the end.
	for _, b := range [][]byte{
		{0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01},
		{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02},
		{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
		{0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00},
	} {
		uvarintAsBinary(t, b)
	}
}

// FuzzUvarint holds the decoder's varints to encoding/binary's on any bytes.
func FuzzUvarint(f *testing.F) {
	for _, v := range []uint64{0, 127, 128, 1 << 20, 1<<56 - 1, 1 << 56, ^uint64(0)} {
		f.Add(binary.AppendUvarint(nil, v))
		f.Add(append(binary.AppendUvarint(nil, v), 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff))
	}
	f.Fuzz(func(t *testing.T, b []byte) { uvarintAsBinary(t, b) })
}

// BenchmarkDecodeRecord decodes a depth record of 40 levels, prices a few ticks apart
// and quantities of 3 to 4 bytes, as the recordings' are.
func BenchmarkDecodeRecord(b *testing.B) {
	lv := make([]orderbook.Level, 40)
	for i := range lv {
		lv[i] = orderbook.Level{Price: 6_000_000_000_000 - int64(i*i%7+1)*1_000_000*int64(i), Qty: int64(i*7919%5000+1) * 10_000}
	}
	r := Record{Local: 1723161253937085768, E: 1723161253936000000, HasE: true, Event: md.Event{Kind: md.Depth, Applied: 1, Status: md.Valid, Bids: lv[:20], Asks: lv[20:]}}
	enc := AppendRecord(nil, &r)
	enc = append(enc, make([]byte, 64)...) // as in a file: more records after it
	var got Record
	out := make([]orderbook.Level, 0, 64)
	start := cpuTime() // a loaded machine's waits do not count
	for b.Loop() {
		if _, l, err := DecodeRecord(enc, &got, out); err != nil || len(l) != 40 {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(cpuTime()-start)/float64(b.N)/40, "cpu-ns/level")
}

// cpuTime returns the process's CPU time, user and system, in ns.
func cpuTime() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
