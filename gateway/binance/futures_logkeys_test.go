package binance

import (
	"bufio"
	"bytes"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/nanotick/nanotick/orderbook"
	"github.com/nanotick/nanotick/risk"
)

// lockedLog is a zerolog writer the test reads while the gateway's goroutines write.
type lockedLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *lockedLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *lockedLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// duplicateKey returns a top-level key that occurs twice in the JSON object line, or "".
func duplicateKey(t *testing.T, line string) string {
	t.Helper()
	d := json.NewDecoder(strings.NewReader(line))
	if tok, err := d.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("log line is not a JSON object: %q", line)
	}
	seen := map[string]bool{}
	for d.More() {
		tok, err := d.Token()
		if err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		k := tok.(string)
		if seen[k] {
			return k
		}
		seen[k] = true
		var v json.RawMessage
		if err := d.Decode(&v); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
	}
	return ""
}

// TestFuturesLogKeysUnique: the gateway's logger carries "venue": "binance-usdm", so a
// log line must not add a second "venue" (the funding payment's line did, with the
// venue's amount: a JSON reader keeps one of the two). Every line logged over a funding
// payment has each key once.
func TestFuturesLogKeysUnique(t *testing.T) {
	ex := startUSDMExchange(t, time.Second)
	logs := &lockedLog{}
	g, _, err := startFuturesGateway(t, ex, func(c *FuturesConfig) { c.Logger = zerolog.New(logs) })
	if err != nil {
		t.Fatal(err)
	}
	s := &syncSink{}
	_, ask := touch(t, ex)
	o := risk.Order{ID: 1, Side: orderbook.Bid, Price: ask + 5000, Qty: 3, IOC: true}
	if err := g.Place(&o, time.Now().UnixNano()); err != nil {
		t.Fatal(err)
	}
	drainFut(t, g, s, "a funding payment logged", func() bool { return strings.Contains(logs.String(), `"funding payment"`) })
	sc := bufio.NewScanner(strings.NewReader(logs.String()))
	for sc.Scan() {
		if k := duplicateKey(t, sc.Text()); k != "" {
			t.Errorf("key %q twice in %s", k, sc.Text())
		}
	}
}
