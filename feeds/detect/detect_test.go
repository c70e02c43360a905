package detect

import (
	"compress/gzip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nanotick/nanotick/feeds/binance"
	"github.com/nanotick/nanotick/fixed"
	"github.com/nanotick/nanotick/internal/testdata"
)

// writeRecording writes lines as a gzip recording and returns its path.
func writeRecording(t *testing.T, lines ...string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "rec.gz")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := gzip.NewWriter(f)
	for _, l := range lines {
		zw.Write([]byte(l + "\n"))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestFileShared(t *testing.T) {
	for _, tc := range []struct {
		file   string
		name   string
		ps, qs fixed.Scale
	}{
		{"binance-spot-btcusdt-20240808.gz", "binance-spot:BTCUSDT", 8, 8},
		{"binance-usdm-btcusdt-20240808.gz", "binance-usdm:BTCUSDT", 2, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := File(testdata.SharedData(t, tc.file), 0)
			if err != nil {
				t.Fatal(err)
			}
			if res.Name() != tc.name || res.Instrument.PriceScale != tc.ps || res.Instrument.QtyScale != tc.qs || res.Guessed {
				t.Errorf("got %s %d/%d guessed %v (%s), want %s %d/%d", res.Name(), res.Instrument.PriceScale, res.Instrument.QtyScale, res.Guessed, res.How, tc.name, tc.ps, tc.qs)
			}
		})
	}
}

func TestFileSynthetic(t *testing.T) {
	spotDepth := `1 {"stream":"ethusdt@depth@100ms","data":{"e":"depthUpdate","E":1,"s":"ETHUSDT","U":1,"u":2,"b":[["2500.12","1.5000"]],"a":[]}}`
	usdmDepth := `1 {"stream":"solusdt@depth@0ms","data":{"e":"depthUpdate","E":1,"T":1,"s":"SOLUSDT","U":1,"u":2,"pu":0,"b":[["150.125","3"]],"a":[]}}`
	trade := `2 {"stream":"btcusdt@trade","data":{"e":"trade","E":1,"s":"BTCUSDT","t":1,"p":"60000.00","q":"0.001","T":1,"m":true}}`
	for _, tc := range []struct {
		name    string
		lines   []string
		venue   binance.Venue
		want    string
		ps, qs  fixed.Scale
		guessed bool
	}{
		{"spot depth", []string{"junk line", spotDepth}, 0, "binance-spot:ETHUSDT", 2, 4, false},
		{"usdm depth", []string{usdmDepth}, 0, "binance-usdm:SOLUSDT", 3, 0, false},
		{"trades only", []string{trade}, 0, "binance-spot:BTCUSDT", 8, 8, true},
		{"venue imposed", []string{trade}, binance.USDM, "binance-usdm:BTCUSDT", 2, 3, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := File(writeRecording(t, tc.lines...), tc.venue)
			if err != nil {
				t.Fatal(err)
			}
			if res.Name() != tc.want || res.Instrument.PriceScale != tc.ps || res.Instrument.QtyScale != tc.qs || res.Guessed != tc.guessed {
				t.Errorf("got %s %d/%d guessed %v (%s), want %s %d/%d guessed %v", res.Name(), res.Instrument.PriceScale, res.Instrument.QtyScale, res.Guessed, res.How, tc.want, tc.ps, tc.qs, tc.guessed)
			}
		})
	}
}

func TestFileErrors(t *testing.T) {
	if _, err := File(filepath.Join(t.TempDir(), "missing.gz"), 0); err == nil || !strings.Contains(err.Error(), "missing.gz") {
		t.Errorf("missing file: %v", err)
	}
	if _, err := ParseVenue("kraken"); err == nil {
		t.Error("ParseVenue accepted kraken")
	}
}
