package recording

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/nanotick/nanotick/internal/testdata"
)

const (
	spotFile  = "binance-spot-btcusdt-20240808.gz"
	spotLines = 41_249
	usdmFile  = "binance-usdm-btcusdt-20240808.gz"
	usdmLines = 93_954
)

// step is what one call to Next produced, for comparing whole readings.
type step struct {
	local int64
	frame string
	file  string
	line  int
	err   string // "" for a record
}

func (s step) String() string {
	if s.err != "" {
		return "error " + s.err
	}
	return fmt.Sprintf("%s:%d %d %.40q", filepath.Base(s.file), s.line, s.local, s.frame)
}

// readAll calls Next until a final error or io.EOF, continuing past
// malformed lines, and returns every step, the final error included (io.EOF
// as "EOF").
func readAll(t testing.TB, r *Reader) []step {
	t.Helper()
	var steps []step
	for i := 0; ; i++ {
		if i > 10_000_000 {
			t.Fatal("Next never ends")
		}
		rec, err := r.Next()
		if err != nil {
			steps = append(steps, step{err: err.Error()})
			if errors.Is(err, ErrMalformed) {
				continue
			}
			if again, err2 := r.Next(); err2 != err || again.Frame != nil {
				t.Fatalf("Next after final error %v = %v, %v; want the same error", err, again, err2)
			}
			return steps
		}
		steps = append(steps, step{rec.Local, string(rec.Frame), rec.File, rec.Line, ""})
	}
}

// writeFile writes data to a new file named name in a temporary directory.
func writeFile(t testing.TB, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func gzipBytes(t testing.TB, data []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// gunzip returns all that compress/gzip can decompress of data, and its
// error: the reference for what a damaged file still holds.
func gunzip(data []byte) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	return io.ReadAll(zr)
}

func TestRealFiles(t *testing.T) {
	tests := []struct {
		name  string
		lines int
	}{
		{spotFile, spotLines},
		{usdmFile, usdmLines},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := testdata.SharedData(t, tt.name)
			r, err := Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			n, snapshots := 0, 0
			var prevLocal int64
			for {
				rec, err := r.Next()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatalf("after %d records: %v", n, err)
				}
				n++
				if rec.Line != n || rec.File != path {
					t.Fatalf("record %d is at %s:%d", n, rec.File, rec.Line)
				}
				// The recording spans a few minutes of 2024-08-08.
				if rec.Local < 1723161200e9 || rec.Local > 1723161700e9 {
					t.Fatalf("line %d: local time %d outside the recording", n, rec.Local)
				}
				if rec.Local < prevLocal {
					t.Fatalf("line %d: local time goes back from %d to %d", n, prevLocal, rec.Local)
				}
				prevLocal = rec.Local
				if len(rec.Frame) < 2 || rec.Frame[0] != '{' || rec.Frame[len(rec.Frame)-1] != '}' {
					t.Fatalf("line %d: frame is not a JSON object: %.60q", n, rec.Frame)
				}
				if bytes.HasPrefix(rec.Frame, []byte(`{"lastUpdateId"`)) {
					snapshots++
				}
			}
			if n != tt.lines {
				t.Errorf("read %d records, want %d", n, tt.lines)
			}
			if snapshots != 1 {
				t.Errorf("read %d snapshots, want 1", snapshots)
			}
			if r.Malformed() != 0 {
				t.Errorf("Malformed() = %d, want 0", r.Malformed())
			}
		})
	}
}

// TestSeveralFiles reads the spot file, a plain text file and the spot file
// again as one recording.
func TestSeveralFiles(t *testing.T) {
	spot := testdata.SharedData(t, spotFile)
	plain := writeFile(t, "plain.txt", []byte("1 {\"a\":1}\n2 {\"b\":2}\n"))
	r, err := Open(spot, plain, spot)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	type pos struct {
		file string
		line int
	}
	var got []pos
	for {
		rec, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if n := len(got); n == 0 || got[n-1].file != rec.File {
			got = append(got, pos{rec.File, 0})
		}
		got[len(got)-1].line = rec.Line
	}
	want := []pos{{spot, spotLines}, {plain, 2}, {spot, spotLines}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("files read as %v, want %v", got, want)
	}
}

func TestZeroAllocs(t *testing.T) {
	r, err := Open(testdata.SharedData(t, spotFile))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	// Warm up past the REST snapshot (line 8), the longest line, so that
	// every buffer has reached its size.
	for range 100 {
		if _, err := r.Next(); err != nil {
			t.Fatal(err)
		}
	}
	var bytesRead int
	allocs := testing.AllocsPerRun(20_000, func() {
		rec, err := r.Next()
		if err != nil {
			t.Fatal(err)
		}
		bytesRead += len(rec.Frame)
	})
	if allocs != 0 {
		t.Errorf("Next allocated %v times per record, want 0", allocs)
	}
	if bytesRead == 0 {
		t.Error("read nothing")
	}
}

// TestTruncatedGzip cuts a real recording at many byte offsets and checks
// that the reader delivers every record that the damaged file still holds
// whole, then an error naming the file and the line that was cut.
func TestTruncatedGzip(t *testing.T) {
	orig, err := os.ReadFile(testdata.SharedData(t, spotFile))
	if err != nil {
		t.Fatal(err)
	}
	text, err := gunzip(orig)
	if err != nil {
		t.Fatal(err)
	}
	// Recompress the first 2000 lines, the snapshot among them, so that
	// each cut is quick to read.
	cut := 0
	for range 2000 {
		cut += bytes.IndexByte(text[cut:], '\n') + 1
	}
	text = text[:cut]
	full := gzipBytes(t, text)
	allLines := bytes.SplitAfter(text, []byte("\n"))

	var offsets []int
	for off := 1; off < len(full); off += len(full)/97 + 1 {
		offsets = append(offsets, off)
	}
	for off := max(len(full)-20, 1); off < len(full); off++ { // in and around the trailer
		offsets = append(offsets, off)
	}
	dir := t.TempDir()
	for _, off := range offsets {
		path := filepath.Join(dir, fmt.Sprintf("cut%d.gz", off))
		if err := os.WriteFile(path, full[:off], 0o644); err != nil {
			t.Fatal(err)
		}
		held, refErr := gunzip(full[:off])
		if refErr == nil {
			t.Fatalf("cut at %d: compress/gzip reads it without error", off)
		}
		whole := bytes.Count(held, []byte("\n"))

		r, err := Open(path)
		if err != nil {
			t.Fatal(err)
		}
		steps := readAll(t, r)
		r.Close()
		records, last := steps[:len(steps)-1], steps[len(steps)-1]
		if len(records) != whole {
			t.Fatalf("cut at %d: read %d records, want the %d whole ones", off, len(records), whole)
		}
		for i, s := range records {
			if want := strings.TrimSuffix(string(allLines[i]), "\n"); strconv.FormatInt(s.local, 10)+" "+s.frame != want {
				t.Fatalf("cut at %d: record %d = %v, want %.40q", off, i+1, s, want)
			}
		}
		wantErr := fmt.Sprintf("recording: %s:%d: truncated gzip stream: unexpected EOF", path, whole+1)
		if last.err != wantErr {
			t.Fatalf("cut at %d: final error %q, want %q", off, last.err, wantErr)
		}
	}
}

// TestTruncatedPlain cuts a plain text recording at every byte offset: a
// cut inside a line is an error, a cut at a line end cannot be told from a
// complete file.
func TestTruncatedPlain(t *testing.T) {
	text := []byte("1 {}\n22 {\"a\": 1}\n333 x y z\n4444 \n")
	for off := 1; off <= len(text); off++ {
		path := writeFile(t, "cut.txt", text[:off])
		r, err := Open(path)
		if err != nil {
			t.Fatal(err)
		}
		steps := readAll(t, r)
		whole := bytes.Count(text[:off], []byte("\n"))
		want := "EOF"
		if text[off-1] != '\n' {
			want = fmt.Sprintf("recording: %s:%d: %v", path, whole+1, ErrTruncated)
		}
		if len(steps) != whole+1 || steps[whole].err != want {
			t.Errorf("cut at %d: got %v, want %d records then %q", off, steps, whole, want)
		}
	}
}

func TestCorruptGzip(t *testing.T) {
	var text bytes.Buffer
	for i := range 5000 {
		fmt.Fprintf(&text, "%d {\"n\":%d,\"pad\":\"%s\"}\n", 1e18+i, i, strings.Repeat("x", i%50))
	}
	full := gzipBytes(t, text.Bytes())
	for _, off := range []int{20, len(full) / 3, len(full) / 2, len(full) - 12, len(full) - 6} {
		bad := bytes.Clone(full)
		bad[off] ^= 0x55
		path := writeFile(t, "bad.gz", bad)
		r, err := Open(path)
		if err != nil {
			t.Fatal(err)
		}
		steps := readAll(t, r)
		last := steps[len(steps)-1].err
		if !strings.HasPrefix(last, "recording: "+path+":") || !strings.Contains(last, "gzip stream") {
			t.Errorf("flipped byte %d: final error %q, want a gzip error naming the file", off, last)
		}
		// Flate delivers what it decoded before it noticed the damage, and
		// the checksum is only checked at the end: garbage may come first,
		// but the records before the damage must all be there.
		lines := strings.SplitAfter(text.String(), "\n")
		good := 0
		for good < len(steps)-1 && steps[good].line == good+1 &&
			strconv.FormatInt(steps[good].local, 10)+" "+steps[good].frame+"\n" == lines[good] {
			good++
		}
		held, _ := gunzip(bad)
		wantGood := commonLines(held, text.Bytes())
		if good != wantGood {
			t.Errorf("flipped byte %d of %d: %d good records before the error, compress/gzip decodes %d", off, len(full), good, wantGood)
		}
	}
}

// commonLines returns how many whole lines got and want have in common at
// their start.
func commonLines(got, want []byte) int {
	n := 0
	for {
		i := bytes.IndexByte(got, '\n')
		if i < 0 || !bytes.HasPrefix(want, got[:i+1]) {
			return n
		}
		got, want, n = got[i+1:], want[i+1:], n+1
	}
}

func TestMalformedLines(t *testing.T) {
	long := strings.Repeat("y", MaxLineSize)
	tests := []struct {
		name string
		text string
		want []string // per step: "line local frame" or the error
	}{
		{
			name: "good",
			text: "1 a\n-5 b c\n9223372036854775807 {}\n-9223372036854775808 \n",
			want: []string{"1 1 a", "2 -5 b c", "3 9223372036854775807 {}", "4 -9223372036854775808 ", "EOF"},
		},
		{
			name: "no space",
			text: "1 a\n12345\n3 c\n",
			want: []string{"1 1 a", "recording: F:2: malformed line: no space after the timestamp", "3 3 c", "EOF"},
		},
		{
			name: "empty line",
			text: "1 a\n\n3 c\n",
			want: []string{"1 1 a", "recording: F:2: malformed line: no space after the timestamp", "3 3 c", "EOF"},
		},
		{
			name: "bad timestamps",
			text: "x1 a\n 2 b\n+3 c\n1_0 d\n- e\n9223372036854775808 f\n-9223372036854775809 g\n99999999999999999999 h\n7 ok\n",
			want: []string{
				`recording: F:1: malformed line: timestamp "x1" is not a decimal integer of nanoseconds`,
				`recording: F:2: malformed line: timestamp "" is not a decimal integer of nanoseconds`,
				`recording: F:3: malformed line: timestamp "+3" is not a decimal integer of nanoseconds`,
				`recording: F:4: malformed line: timestamp "1_0" is not a decimal integer of nanoseconds`,
				`recording: F:5: malformed line: timestamp "-" is not a decimal integer of nanoseconds`,
				`recording: F:6: malformed line: timestamp "9223372036854775808" is not a decimal integer of nanoseconds`,
				`recording: F:7: malformed line: timestamp "-9223372036854775809" is not a decimal integer of nanoseconds`,
				`recording: F:8: malformed line: timestamp "99999999999999999999" is not a decimal integer of nanoseconds`,
				"9 7 ok", "EOF",
			},
		},
		{
			name: "line too long",
			text: "1 a\n2 " + long + "\n3 c\n",
			want: []string{"1 1 a", fmt.Sprintf("recording: F:2: malformed line: longer than %d bytes", MaxLineSize), "3 3 c", "EOF"},
		},
		{
			name: "long line within the limit",
			text: "1 " + long[:MaxLineSize-3] + "\n",
			want: []string{"1 1 " + long[:MaxLineSize-3], "EOF"},
		},
		{
			name: "file ends inside a line too long",
			text: "1 a\n2 " + long,
			want: []string{"1 1 a", "recording: F:2: " + ErrTruncated.Error()},
		},
		{
			name: "carriage return kept in the frame",
			text: "1 a\r\n",
			want: []string{"1 1 a\r", "EOF"},
		},
		{name: "empty file", text: "", want: []string{"EOF"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, compress := range []bool{false, true} {
				data := []byte(tt.text)
				if compress {
					data = gzipBytes(t, data)
				}
				path := writeFile(t, "F", data)
				r, err := Open(path)
				if err != nil {
					t.Fatal(err)
				}
				var got []string
				malformed := 0
				for _, s := range readAll(t, r) {
					if s.err != "" {
						if strings.Contains(s.err, "malformed") {
							malformed++
						}
						got = append(got, strings.ReplaceAll(s.err, path, "F"))
					} else {
						got = append(got, fmt.Sprintf("%d %d %s", s.line, s.local, s.frame))
					}
				}
				if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
					t.Errorf("gzip %v: got\n%.300s\nwant\n%.300s", compress, strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
				}
				if r.Malformed() != malformed {
					t.Errorf("gzip %v: Malformed() = %d, want %d", compress, r.Malformed(), malformed)
				}
			}
		})
	}
}

func TestErrorType(t *testing.T) {
	path := writeFile(t, "f.txt", []byte("1 a\nbad\n"))
	r, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	r.Next()
	_, err = r.Next()
	var e *Error
	if !errors.As(err, &e) || e.File != path || e.Line != 2 || !errors.Is(err, ErrMalformed) {
		t.Fatalf("error %#v, want *Error at %s:2 wrapping ErrMalformed", err, path)
	}
}

func TestOpenErrors(t *testing.T) {
	if _, err := Open(); err == nil {
		t.Error("Open() succeeded with no files")
	}
	missing := filepath.Join(t.TempDir(), "missing.gz")
	if _, err := Open(missing); !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), "missing.gz") {
		t.Errorf("Open(missing) error = %v, want one naming the file and wrapping ErrNotExist", err)
	}
	// A file that goes away after Open is an error when its turn comes.
	good := writeFile(t, "good.txt", []byte("1 a\n"))
	gone := writeFile(t, "gone.txt", []byte("2 b\n"))
	r, err := Open(good, gone)
	if err != nil {
		t.Fatal(err)
	}
	os.Remove(gone)
	steps := readAll(t, r)
	if len(steps) != 2 || !strings.HasPrefix(steps[1].err, "recording: "+gone+":1: open") {
		t.Errorf("got %v, want one record then an open error for %s", steps, gone)
	}
}

func TestClose(t *testing.T) {
	r, err := Open(writeFile(t, "f.txt", []byte("1 a\n2 b\n")))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Next(); err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Next(); err != ErrClosed {
		t.Errorf("Next after Close = %v, want ErrClosed", err)
	}
	if err := r.Close(); err != nil {
		t.Errorf("second Close = %v, want nil", err)
	}
}

func TestParseInt(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"0", 0, true},
		{"-0", 0, true},
		{"007", 7, true},
		{"1723161253937085768", 1723161253937085768, true},
		{"9223372036854775807", 1<<63 - 1, true},
		{"-9223372036854775808", -1 << 63, true},
		{"9223372036854775808", 0, false},
		{"18446744073709551616", 0, false},
		{"", 0, false},
		{"-", 0, false},
		{"+1", 0, false},
		{"1a", 0, false},
		{"1 ", 0, false},
	}
	for _, tt := range tests {
		got, ok := parseInt([]byte(tt.in))
		if got != tt.want || ok != tt.ok {
			t.Errorf("parseInt(%q) = %d, %v; want %d, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestProgress(t *testing.T) {
	path := testdata.SharedData(t, "binance-spot-btcusdt-20240808.gz")
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	r, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if done, total := r.Progress(); done != 0 || total != fi.Size() {
		t.Fatalf("before reading: %d of %d, want 0 of %d", done, total, fi.Size())
	}
	var mid int64
	for n := 0; ; n++ {
		_, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if n == 20000 {
			mid, _ = r.Progress()
		}
	}
	done, total := r.Progress()
	if mid <= 0 || mid >= total || done != total {
		t.Errorf("progress halfway %d, at the end %d, of %d", mid, done, total)
	}
}

// TestParseIntIsStrconv compares parseInt with strconv.ParseInt on edge cases around the
// eight-digit words and the 18-digit bound, and on random strings of digits and bytes
// next to them ('/', ':', '0'-1, '9'+1, high bytes).
func TestParseIntIsStrconv(t *testing.T) {
	cases := []string{"", "-", "--1", "12345678", "1234567/", "1234567:", "/2345678", ":2345678",
		"99999999", "00000000", "123456781234567812", "999999999999999999", "1000000000000000000",
		"9223372036854775807", "9223372036854775808", "-9223372036854775808", "-9223372036854775809",
		"99999999999999999999", "1234567\xb0", "\xb0" + "2345678", "12345678\x00", "1234567890123456789x"}
	alphabet := []byte("0123456789/:-\xb0\x00 a")
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 200000; i++ {
		n := rng.IntN(23)
		b := make([]byte, n)
		for j := range b {
			if rng.IntN(40) == 0 {
				b[j] = alphabet[10+rng.IntN(len(alphabet)-10)]
			} else {
				b[j] = alphabet[rng.IntN(10)]
			}
		}
		if n > 0 && rng.IntN(4) == 0 {
			b[0] = '-'
		}
		cases = append(cases, string(b))
	}
	for _, c := range cases {
		got, ok := parseInt([]byte(c))
		want, err := strconv.ParseInt(c, 10, 64)
		// strconv accepts a leading '+' and underscores only with base 0: neither here.
		wantOK := err == nil && (len(c) == 0 || c[0] != '+')
		if ok != wantOK || (ok && got != want) {
			t.Fatalf("parseInt(%q) = %d, %v; strconv.ParseInt = %d, %v", c, got, ok, want, err)
		}
	}
}
