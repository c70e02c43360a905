package recording

import (
	"bytes"
	"errors"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nanotick/nanotick/internal/testdata"
)

type record struct {
	local int64
	frame string
}

func TestWriterRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	recs := []record{
		{0, ""},
		{math.MaxInt64, "{}"},
		{math.MinInt64, "a b  c "},
		{-1, "\r"},
		{1723161253937085768, strings.Repeat("long ", 40_000)}, // longer than every buffer
	}
	for range 5000 {
		frame := make([]byte, r.IntN(300))
		for i := range frame {
			frame[i] = byte(r.IntN(256))
			if frame[i] == '\n' {
				frame[i] = ' '
			}
		}
		recs = append(recs, record{r.Int64(), string(frame)})
	}

	var buf bytes.Buffer
	w := NewWriter(&buf)
	for i, rec := range recs {
		if err := w.Write(rec.local, []byte(rec.frame)); err != nil {
			t.Fatalf("Write %d: %v", i, err)
		}
		if i == 100 {
			if err := w.Flush(); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if buf.Len() < 2 || buf.Bytes()[0] != 0x1f || buf.Bytes()[1] != 0x8b {
		t.Fatal("Writer output is not gzip")
	}

	rd, err := Open(writeFile(t, "rt.gz", buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	for i, want := range recs {
		got, err := rd.Next()
		if err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
		if got.Local != want.local || string(got.Frame) != want.frame || got.Line != i+1 {
			t.Fatalf("record %d = %d %.40q at line %d, want %d %.40q", i, got.Local, got.Frame, got.Line, want.local, want.frame)
		}
	}
	if _, err := rd.Next(); err != io.EOF {
		t.Fatalf("after the last record: %v, want io.EOF", err)
	}
}

// TestWriterRealFile rewrites the spot recording and checks that the result
// decompresses to the same text.
func TestWriterRealFile(t *testing.T) {
	path := testdata.SharedData(t, spotFile)
	orig, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want, err := gunzip(orig)
	if err != nil {
		t.Fatal(err)
	}
	rd, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	var buf bytes.Buffer
	w := NewWriter(&buf)
	for {
		rec, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Write(rec.Local, rec.Frame); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	got, err := gunzip(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("rewritten recording differs: %d bytes, want %d", len(got), len(want))
	}
}

func TestWriterRefusesNewline(t *testing.T) {
	var buf bytes.Buffer
	w := NewWriter(&buf)
	if err := w.Write(1, []byte("a")); err != nil {
		t.Fatal(err)
	}
	if err := w.Write(2, []byte("b\nc")); !errors.Is(err, ErrNewline) {
		t.Fatalf("Write of a frame with a newline = %v, want ErrNewline", err)
	}
	if err := w.Write(3, []byte("d")); err != nil {
		t.Fatalf("Write after a refused frame: %v", err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	got, err := gunzip(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != "1 a\n3 d\n" {
		t.Errorf("wrote %q, want the two good records", got)
	}
}

// failWriter fails every write after the first n bytes.
type failWriter struct{ n int }

var errDisk = errors.New("disk full")

func (f *failWriter) Write(p []byte) (int, error) {
	if len(p) > f.n {
		n := f.n
		f.n = 0
		return n, errDisk
	}
	f.n -= len(p)
	return len(p), nil
}

func TestWriterErrors(t *testing.T) {
	w := NewWriter(&failWriter{n: 10})
	var err error
	for i := 0; err == nil && i < 1_000_000; i++ {
		err = w.Write(int64(i), []byte("a frame that fills the buffer soon enough"))
	}
	if err == nil {
		err = w.Flush()
	}
	if !errors.Is(err, errDisk) || !strings.HasPrefix(err.Error(), "recording: ") {
		t.Fatalf("error = %v, want a recording error wrapping the writer's", err)
	}
	if err2 := w.Write(1, []byte("x")); !errors.Is(err2, errDisk) {
		t.Errorf("Write after a failure = %v, want the same error", err2)
	}
	if err2 := w.Close(); !errors.Is(err2, errDisk) {
		t.Errorf("Close after a failure = %v, want the same error", err2)
	}

	w = NewWriter(io.Discard)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Errorf("second Close = %v, want nil", err)
	}
	if err := w.Write(1, nil); !errors.Is(err, ErrWriterClosed) {
		t.Errorf("Write after Close = %v, want ErrWriterClosed", err)
	}
	if err := w.Flush(); !errors.Is(err, ErrWriterClosed) {
		t.Errorf("Flush after Close = %v, want ErrWriterClosed", err)
	}
}

func TestWriterZeroAllocs(t *testing.T) {
	w := NewWriter(io.Discard)
	frame := []byte(`{"stream":"btcusdt@trade","data":{"e":"trade","p":"61837.64000000"}}`)
	allocs := testing.AllocsPerRun(10_000, func() {
		if err := w.Write(1723161253937085768, frame); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("Write allocated %v times per record, want 0", allocs)
	}
}

// TestWriterFlushVisible checks that Flush makes the records so far readable
// from the file while the stream is still open: the file is then a gzip cut
// short, and the reader gives every record and a truncation error.
func TestWriterFlushVisible(t *testing.T) {
	path := filepath.Join(t.TempDir(), "live.gz")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w := NewWriter(f)
	for i := range 3 {
		if err := w.Write(int64(i), []byte("x")); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	r, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	steps := readAll(t, r)
	if len(steps) != 4 || steps[2].local != 2 || !strings.HasSuffix(steps[3].err, ":4: truncated gzip stream: unexpected EOF") {
		t.Errorf("reading a flushed, open recording: %v", steps)
	}
}
