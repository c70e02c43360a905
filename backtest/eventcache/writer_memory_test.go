package eventcache

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/nanotick/nanotick/md"
)

// TestWriterMemoryFlat writes a cache file of a million records and checks that the
// writer holds none of them, nor their offsets, in memory: the live heap after the last
// Add is within a few MB of the one before the first. The writer used to keep the
// index in a slice, 8 bytes a record, so that building the cache of USD-M's day
// repeated 20 times (1.9 million records) peaked at 97 MB of RSS against 64 MB allowed.
// It also checks that the file reads back whole, its index where Open expects it, and
// that no temporary file is left beside it.
func TestWriterMemoryFlat(t *testing.T) {
	const n = 1 << 20
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	if err := os.WriteFile(src, []byte("a long recording"), 0o644); err != nil {
		t.Fatal(err)
	}
	k, err := HashFiles("settings", src)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, k.Name())
	w, err := Create(path, k)
	if err != nil {
		t.Fatal(err)
	}
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	rec := Record{Local: 1723161253937085768, Event: md.Event{Kind: md.None}}
	w.Add(&rec) // the writer's buffers, allocated on first use
	before := heap()
	for i := 1; i < n; i++ {
		rec.Local++
		w.Add(&rec)
	}
	after := heap()
	if grown := int64(after) - int64(before); grown > 2<<20 {
		t.Errorf("the writer's heap grew %d KiB over %d records, want it flat (at most 2 MiB)", grown>>10, n)
	}
	if err := w.Finish(0, ""); err != nil {
		t.Fatal(err)
	}
	f, err := Open(path, k)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if f.Len() != n {
		t.Fatalf("%d records read back, want %d", f.Len(), n)
	}
	var r Record
	for _, i := range []int{0, 1, n / 2, n - 1} {
		if _, _, err := DecodeRecord(f.Body[f.Offset(i):], &r, nil); err != nil || r.Local != 1723161253937085768+int64(i) {
			t.Fatalf("record %d: local %d, %v", i, r.Local, err)
		}
	}
	left, _ := filepath.Glob(filepath.Join(dir, "*.tmp*"))
	idx, _ := filepath.Glob(filepath.Join(dir, "*.idx*"))
	if len(left)+len(idx) > 0 {
		t.Errorf("temporary files left: %v %v", left, idx)
	}
}

// TestWriterAbortRemovesItsFiles checks that an aborted cache leaves nothing behind.
func TestWriterAbortRemovesItsFiles(t *testing.T) {
	dir := t.TempDir()
	w, err := Create(filepath.Join(dir, "x.ntev"), Key{Settings: "s"})
	if err != nil {
		t.Fatal(err)
	}
	w.Add(&Record{Local: 1})
	w.Abort()
	if m, _ := filepath.Glob(filepath.Join(dir, "*")); len(m) != 0 {
		t.Errorf("files left after Abort: %v", m)
	}
}

// TestCreateRemovesAbandonedBuilds checks that the temporary files of a build whose
// writer died (its files closed, never finished nor aborted: a killed process) are
// removed by the next build of the same cache, while those of a build still being
// written are kept. A killed build used to leave a file as large as the cache behind
// for good.
func TestCreateRemovesAbandonedBuilds(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "x.ntev")
	k := Key{Settings: "s"}
	dead, err := Create(path, k)
	if err != nil {
		t.Fatal(err)
	}
	dead.Add(&Record{Local: 1})
	dead.idxW.Flush()
	dead.tmp.Close() // the process dies: the system closes its files, and so drops its locks
	dead.idx.Close()
	left, _ := filepath.Glob(filepath.Join(dir, "x.ntev.*"))
	if len(left) != 2 {
		t.Fatalf("the dead build's files: %v", left)
	}
	live, err := Create(path, k)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range left {
		if _, err := os.Stat(f); err == nil {
			t.Errorf("%s: the dead build's file is still there", f)
		}
	}
	other, err := Create(path, k) // a concurrent build: the live one's files stay
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{live.tmp.Name(), live.idx.Name()} {
		if _, err := os.Stat(f); err != nil {
			t.Errorf("a live build's file was removed: %v", err)
		}
	}
	live.Add(&Record{Local: 1})
	other.Add(&Record{Local: 1})
	if err := live.Finish(0, ""); err != nil {
		t.Fatal(err)
	}
	if err := other.Finish(0, ""); err != nil {
		t.Fatal(err)
	}
	if m, _ := filepath.Glob(filepath.Join(dir, "*")); len(m) != 1 || m[0] != path {
		t.Errorf("files left: %v, want the cache alone", m)
	}
	if _, err := Open(path, k); err != nil {
		t.Errorf("the cache: %v", err)
	}
}
