package detect

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/nanotick/nanotick/feeds/recording"
	"github.com/nanotick/nanotick/internal/testdata"
)

// probes is what the three probes say of one file, errors as text.
type probes struct {
	binance       Result
	binanceErr    string
	kraken        KrakenResult
	krakenOK      bool
	krakenErr     string
	bybit         BybitResult
	bybitOK       bool
	bybitErr      string
	first         recording.Record
	firstErr      string
	firstFrameLen int
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// onePerFile asks each probe over a recording.Reader of its own, as File, Kraken and
// Bybit did before Head.
func onePerFile(t *testing.T, path string) probes {
	t.Helper()
	var p probes
	open := func() *recording.Reader {
		r, err := recording.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { r.Close() })
		return r
	}
	var err error
	p.binance, err = probe(open(), 0)
	p.binanceErr = errText(err)
	p.kraken, p.krakenOK, err = krakenProbe(path, open())
	p.krakenErr = errText(err)
	p.bybit, p.bybitOK, err = bybitProbe(path, open())
	p.bybitErr = errText(err)
	p.first, err = open().Next()
	p.firstErr = errText(err)
	p.firstFrameLen = len(p.first.Frame)
	p.first.Frame = nil
	return p
}

// oneHead asks the probes of one Head, in the given order.
func oneHead(t *testing.T, h *Head, order string) probes {
	t.Helper()
	var p probes
	var err error
	for _, c := range order {
		switch c {
		case 'B':
			p.binance, err = h.Binance(0)
			p.binanceErr = errText(err)
		case 'K':
			p.kraken, p.krakenOK, err = h.Kraken()
			p.krakenErr = errText(err)
		case 'Y':
			p.bybit, p.bybitOK, err = h.Bybit()
			p.bybitErr = errText(err)
		case 'F':
			p.first, err = h.First()
			p.firstErr = errText(err)
			p.firstFrameLen = len(p.first.Frame)
			p.first.Frame = nil
		}
	}
	return p
}

func writePlain(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "rec.txt")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestHeadAnswersAsEachProbe wants a Head's probes to say what each probe over a file
// of its own says, whatever their order and however little the Head may keep, and,
// within its budget, the file opened once for all of them.
func TestHeadAnswersAsEachProbe(t *testing.T) {
	krakenInstrument := `1 {"channel":"instrument","type":"snapshot","data":{"assets":[],"pairs":[{"symbol":"BTC/USD","base":"BTC","quote":"USD","status":"online","qty_precision":8,"qty_increment":0.00000001,"price_precision":1,"price_increment":0.1,"cost_precision":5,"cost_min":"0.5","qty_min":0.0001}]}}`
	krakenBook := `2 {"channel":"book","type":"snapshot","data":[{"symbol":"BTC/USD","bids":[{"price":60000.1,"qty":1.5}],"asks":[{"price":60000.2,"qty":0.5}],"checksum":1}]}`
	bybitBook := `1 {"topic":"orderbook.50.BTCUSDT","type":"snapshot","ts":1,"data":{"s":"BTCUSDT","b":[["60000.10","0.001"]],"a":[["60000.20","0.002"]],"u":1,"seq":1},"cts":1}`
	bybitTicker := `2 {"topic":"tickers.BTCUSDT","type":"snapshot","data":{"symbol":"BTCUSDT","markPrice":"60000.0","fundingRate":"0.0001"},"cs":1,"ts":1}`
	spotDepth := `1 {"stream":"ethusdt@depth@100ms","data":{"e":"depthUpdate","E":1,"s":"ETHUSDT","U":1,"u":2,"b":[["2500.12","1.5000"]],"a":[]}}`
	snapshot := `2 {"lastUpdateId":1,"bids":[["2500.123","1.50000"]],"asks":[]}`
	trade := `3 {"stream":"ethusdt@trade","data":{"e":"trade","E":1,"s":"ETHUSDT","t":1,"p":"2500.00","q":"0.001","T":1,"m":true}}`
	files := map[string]string{
		"spot":           writeRecording(t, "junk line", spotDepth, trade, snapshot),
		"trades only":    writeRecording(t, trade, trade, trade),
		"kraken":         writeRecording(t, krakenInstrument, "bad", krakenBook),
		"kraken no pair": writeRecording(t, krakenBook),
		"bybit linear":   writeRecording(t, bybitBook, bybitTicker),
		"bybit spot":     writeRecording(t, bybitBook),
		"empty":          writeRecording(t),
		"malformed only": writeRecording(t, "a", "b", "c"),
		"truncated":      writePlain(t, spotDepth+"\n"+trade),
		"not gzip":       writePlain(t, "\x1fnot gzip\n"),
	}
	for _, name := range []string{"binance-spot-btcusdt-20240808.gz", "binance-usdm-btcusdt-20240808.gz"} {
		files[name] = testdata.SharedData(t, name)
	}
	for name, path := range files {
		want := onePerFile(t, path)
		for _, order := range []string{"FBKY", "KYBF", "YBFK", "BBKKYYFF"} {
			for _, budget := range []int{headBudget, 200, 0} {
				t.Run(fmt.Sprintf("%s/%s/budget %d", name, order, budget), func(t *testing.T) {
					h, err := OpenHead(path)
					if err != nil {
						t.Fatal(err)
					}
					defer h.Close()
					h.budget = budget
					got := oneHead(t, h, order)
					if !reflect.DeepEqual(got, want) {
						t.Errorf("a Head says\n%+v\neach probe on its own says\n%+v", got, want)
					}
					if budget == headBudget && h.opens != 1 {
						t.Errorf("the file was opened %d times, want once for every probe", h.opens)
					}
				})
			}
		}
	}
}

// TestOpenHeadMissing wants a missing file to fail at OpenHead, as File does.
func TestOpenHeadMissing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "missing.gz")
	_, err := OpenHead(path)
	_, ferr := File(path, 0)
	if err == nil || errText(err) != errText(ferr) {
		t.Errorf("OpenHead: %v; File: %v", err, ferr)
	}
}

// readAll reads every record and error to the end as text, and the malformed count.
func readAll(t *testing.T, next func() (recording.Record, error), malformed func() int) string {
	t.Helper()
	var b []byte
	for n := 0; ; n++ {
		if n > 200000 {
			t.Fatal("no end")
		}
		rec, err := next()
		if err != nil {
			b = fmt.Appendf(b, "error %v\n", err)
			if errors.Is(err, recording.ErrMalformed) {
				continue
			}
			break
		}
		b = fmt.Appendf(b, "%s:%d %d %s\n", rec.File, rec.Line, rec.Local, rec.Frame)
	}
	return fmt.Sprintf("%s%d malformed\n", b, malformed())
}

// TestHeadRecordsReadAsTheFile wants a Head handed over after its probes
// (Head.Records) to read exactly what a recording.Reader of the file reads, and the
// same malformed count, or to refuse when it did not keep every record it read.
func TestHeadRecordsReadAsTheFile(t *testing.T) {
	bad := `x {"stream":"btcusdt@trade"}`
	files := map[string]string{
		"malformed lines": writeRecording(t, "junk", `1 {"stream":"btcusdt@depth@100ms","data":{"e":"depthUpdate","U":1,"u":2,"b":[["1.0","1"]],"a":[]}}`, bad, `2 {"lastUpdateId":1,"bids":[],"asks":[]}`, bad, `3 {"stream":"btcusdt@trade"}`),
		"empty":           writeRecording(t),
		"truncated":       writePlain(t, "1 {}\n2 {}"),
		"spot":            testdata.SharedData(t, "binance-spot-btcusdt-20240808.gz"),
	}
	for name, path := range files {
		r, err := recording.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		want := readAll(t, r.Next, r.Malformed)
		r.Close()
		for _, budget := range []int{headBudget, 200} {
			t.Run(fmt.Sprintf("%s/budget %d", name, budget), func(t *testing.T) {
				h, err := OpenHead(path)
				if err != nil {
					t.Fatal(err)
				}
				defer h.Close()
				h.budget = budget
				oneHead(t, h, "FKYB")
				hr, ok := h.Records()
				if !ok {
					if len(h.items) == h.pos {
						t.Fatal("a Head that kept every record it read refused to hand over")
					}
					return
				}
				defer hr.Close()
				if got := readAll(t, hr.Next, hr.Malformed); got != want {
					t.Errorf("handed over, the head reads\n%.2000s\nthe file reads\n%.2000s", got, want)
				}
				if _, ok := h.Records(); ok {
					t.Error("a Head handed over twice")
				}
			})
		}
	}
}
