package recording

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// FuzzReader reads arbitrary bytes as a recording and checks that the
// reader never panics nor loops, and that what it returns is exactly what a
// simple reference reading of the same bytes gives: every whole line as a
// record or a malformed-line error, in order, then io.EOF or one final error
// naming the line after the last whole one.
func FuzzReader(f *testing.F) {
	seeds := [][]byte{
		nil,
		[]byte("\n"),
		[]byte("1 a\n"),
		[]byte("1 a\n2 b"),
		[]byte("1723161253937085768 {\"stream\":\"btcusdt@trade\",\"data\":{}}\n"),
		[]byte("x y\n12345\n\n-9223372036854775808 z\n9223372036854775808 z\n+1 a\n"),
		[]byte("1 a\r\n2  b \n"),
		{0x1f},
		{0x1f, 0x8b},
	}
	seeds = append(seeds, gzipBytes(f, []byte("1 a\n2 b\n3 c\n")))
	gz := gzipBytes(f, []byte("1 {\"a\":1}\nbad\n3 {\"c\":3}\n4 partial"))
	seeds = append(seeds, gz, gz[:len(gz)/2], gz[:len(gz)-3], append(bytes.Clone(gz), gz...), append(bytes.Clone(gz), "junk"...))
	for _, s := range seeds {
		f.Add(s)
	}
	dir := f.TempDir()
	n := 0
	f.Fuzz(func(t *testing.T, data []byte) {
		n++
		path := filepath.Join(dir, strconv.Itoa(n))
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		defer os.Remove(path)
		r, err := Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()

		var got []string
		for calls := 0; ; calls++ {
			if calls > 1_000_000 {
				t.Fatal("Next does not end")
			}
			rec, err := r.Next()
			if err == nil {
				got = append(got, fmt.Sprintf("%d record %d %q", rec.Line, rec.Local, rec.Frame))
				continue
			}
			var e *Error
			if errors.Is(err, ErrMalformed) {
				if !errors.As(err, &e) || e.File != path {
					t.Fatalf("malformed-line error %v is not an *Error naming the file", err)
				}
				got = append(got, fmt.Sprintf("%d malformed", e.Line))
				continue
			}
			switch {
			case err == io.EOF:
				got = append(got, "EOF")
			case errors.As(err, &e) && e.File == path:
				got = append(got, fmt.Sprintf("%d final", e.Line))
			default:
				t.Fatalf("final error %v is not io.EOF nor an *Error naming the file", err)
			}
			if _, again := r.Next(); again != err {
				t.Fatalf("Next after the final error %v returned %v", err, again)
			}
			break
		}

		text, gzErr := data, error(nil)
		if len(data) > 0 && data[0] == 0x1f {
			text, gzErr = gunzip(data)
		}
		if len(text) > MaxLineSize {
			return // the reference does not model over-long lines
		}
		want := reference(text, gzErr != nil)
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("reader gave\n%.1000q\nreference gives\n%.1000q", got, want)
		}
	})
}

// reference reads text, the decompressed content of a recording, the
// obvious way. broken tells that the decompression failed after text.
func reference(text []byte, broken bool) []string {
	lines := bytes.Split(text, []byte("\n"))
	partial := lines[len(lines)-1]
	var out []string
	for i, line := range lines[:len(lines)-1] {
		ts, frame, ok := bytes.Cut(line, []byte(" "))
		local, err := strconv.ParseInt(string(ts), 10, 64)
		if !ok || err != nil || ts[0] == '+' {
			out = append(out, fmt.Sprintf("%d malformed", i+1))
			continue
		}
		out = append(out, fmt.Sprintf("%d record %d %q", i+1, local, frame))
	}
	if broken || len(partial) > 0 {
		return append(out, fmt.Sprintf("%d final", len(lines)))
	}
	return append(out, "EOF")
}
