package htmlreport

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"golang.org/x/net/html"

	"github.com/nanotick/nanotick/backtest"
	"github.com/nanotick/nanotick/backtest/htmlreport/svgchart"
	"github.com/nanotick/nanotick/backtest/recorded"
	"github.com/nanotick/nanotick/examples/strategies/marketmaker"
	"github.com/nanotick/nanotick/internal/enginetest"
	"github.com/nanotick/nanotick/internal/testdata"
	"github.com/nanotick/nanotick/telemetry"
)

// sampleReport is a synthetic report of n seconds: equity, position and mid moving
// around, a fill every four seconds.
func sampleReport(n int) *backtest.Report {
	r := &backtest.Report{
		Strategy: "marketmaker", Symbol: "BTCUSDT", Venue: "binance-spot",
		Data:  []string{"a.gz"},
		Start: "2024-08-08T23:54:13Z", End: "2024-08-08T23:59:59Z", Duration: "5m46s",
		Result: backtest.Result{
			PnL: decimal.RequireFromString("-1.25"), ReturnPct: decimal.RequireFromString("-0.0125"),
			MaxDrawdown: decimal.RequireFromString("3.5"), MaxDrawdownPct: 0.035, Sharpe: -1.5,
		},
		Orders: backtest.Orders{
			Sent: 10, Fills: 4, MakerFills: 3, TakerFills: 1,
			VenueRejections: []backtest.ReasonCount{{Reason: backtest.RejectPostOnly, Count: 2}},
			RiskRejections:  []backtest.ReasonCount{{Reason: "rate <limit> & \"burst\"", Count: 1}},
			RiskRejected:    1,
		},
		Feed: backtest.Feed{LatencyMin: "0s", LatencyMean: "12ms", LatencyMax: "90ms"},
	}
	t0 := int64(1723161253_000_000_000)
	for i := range n {
		t := t0 + int64(i)*int64(time.Second)
		r.Equity = append(r.Equity, backtest.EquityPoint{
			Time:     t,
			Equity:   decimal.NewFromInt(10000).Add(decimal.NewFromInt(int64((i*7)%11 - 5)).Shift(-1)),
			Position: decimal.NewFromInt(int64(i % 5)).Shift(-3),
			Mid:      decimal.NewFromInt(int64(6180000 + (i*5)%13)).Shift(-2),
		})
		if i%4 == 1 {
			side := "sell"
			if i%8 == 1 {
				side = "buy"
			}
			r.Fills = append(r.Fills, backtest.FillRecord{Time: t, Side: side,
				Price: decimal.NewFromInt(int64(6180000 + (i*5)%13)).Shift(-2), Qty: decimal.RequireFromString("0.001"), Maker: true})
		}
	}
	return r
}

// withLatency adds a latency snapshot to r.
func withLatency(r *backtest.Report) *backtest.Report {
	lat := telemetry.NewLatency(time.Second)
	for i := range 1000 {
		lat.Record(telemetry.Strategy, int64(500+i*i%7919))
		lat.Record(telemetry.TickToOrder, int64(2000+i*3))
	}
	r.Timing = backtest.Timing{Wall: 1500 * time.Millisecond, EventsPerSecond: 27499.5, Latency: lat}
	return r
}

func TestWrite(t *testing.T) {
	tests := []struct {
		name      string
		rep       *backtest.Report
		opt       Options
		svgs      []string // section ids that must hold an <svg>
		notes     []string // section ids that must hold a note instead
		wantInDoc []string
	}{
		{
			name:      "report",
			rep:       sampleReport(50),
			svgs:      []string{"equity", "drawdown", "position", "price"},
			notes:     []string{"latency"},
			wantInDoc: []string{"post-only order would cross: 2", "Sharpe", "-1.25", "12ms", "wall-clock"},
		},
		{
			name:      "timing",
			rep:       withLatency(sampleReport(50)),
			opt:       Options{Timing: true, Title: "custom"},
			svgs:      []string{"equity", "drawdown", "position", "price", "latency-strategy", "latency-tick-to-order"},
			wantInDoc: []string{"custom", "Wall time", "1.5s", "27500", "Latency: strategy (1000 samples"},
		},
		{
			name:  "timing without latency",
			rep:   sampleReport(50),
			opt:   Options{Timing: true},
			notes: []string{"latency"},
		},
		{
			name:  "empty report",
			rep:   &backtest.Report{},
			notes: []string{"equity", "drawdown", "position", "price", "latency"},
		},
		{
			name:  "one sample",
			rep:   sampleReport(1),
			notes: []string{"equity", "drawdown", "position", "price"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var a, b bytes.Buffer
			if err := WriteWith(&a, tt.rep, tt.opt); err != nil {
				t.Fatal(err)
			}
			if err := WriteWith(&b, tt.rep, tt.opt); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(a.Bytes(), b.Bytes()) {
				t.Fatal("two writes of the same report differ")
			}
			doc := a.String()
			sections := checkHTML(t, doc)
			for _, id := range tt.svgs {
				if !sections[id].svg {
					t.Errorf("section %q: no <svg>", id)
				}
			}
			for _, id := range tt.notes {
				s, ok := sections[id]
				if !ok || s.svg || !s.note {
					t.Errorf("section %q: want a note and no chart, got %+v (present %v)", id, s, ok)
				}
			}
			for _, w := range tt.wantInDoc {
				if !strings.Contains(doc, html.EscapeString(w)) {
					t.Errorf("page lacks %q", w)
				}
			}
		})
	}
}

type section struct{ svg, note bool }

var urlRE = regexp.MustCompile(`(?i)(https?:|//[a-z0-9]|url\s*\()`)

// checkHTML parses doc, fails on any tokenizer error, unbalanced element, external
// reference or script, and returns what each <section> holds.
func checkHTML(t *testing.T, doc string) map[string]section {
	t.Helper()
	if m := urlRE.FindString(doc); m != "" {
		i := strings.Index(doc, m)
		t.Fatalf("page references %q: ...%s...", m, doc[max(0, i-60):min(len(doc), i+60)])
	}
	z := html.NewTokenizer(strings.NewReader(doc))
	var stack []string
	void := map[string]bool{"meta": true, "br": true, "img": true, "link": true, "hr": true, "input": true}
	sections := map[string]section{}
	cur := ""
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			if z.Err() != io.EOF {
				t.Fatalf("tokenizer: %v", z.Err())
			}
			if len(stack) != 0 {
				t.Fatalf("unclosed elements %v", stack)
			}
			if len(sections) == 0 {
				t.Fatal("no sections")
			}
			return sections
		case html.StartTagToken:
			tok := z.Token()
			switch tok.Data {
			case "script", "link", "img", "iframe", "object":
				t.Fatalf("page has a <%s>", tok.Data)
			case "section":
				for _, a := range tok.Attr {
					if a.Key == "id" {
						cur = a.Val
						sections[cur] = section{}
					}
				}
			case "svg":
				s := sections[cur]
				s.svg = true
				sections[cur] = s
			case "p":
				s := sections[cur]
				s.note = true
				sections[cur] = s
			}
			for _, a := range tok.Attr {
				if a.Key == "src" || a.Key == "href" || strings.HasSuffix(a.Key, ":href") {
					t.Fatalf("<%s %s=%q>", tok.Data, a.Key, a.Val)
				}
			}
			if !void[tok.Data] {
				stack = append(stack, tok.Data)
			}
		case html.EndTagToken:
			tok := z.Token()
			if len(stack) == 0 || stack[len(stack)-1] != tok.Data {
				t.Fatalf("</%s> closes %v", tok.Data, stack)
			}
			stack = stack[:len(stack)-1]
			if tok.Data == "section" {
				cur = ""
			}
		}
	}
}

func TestWriteNil(t *testing.T) {
	if err := Write(io.Discard, nil); err == nil {
		t.Fatal("nil report: want an error")
	}
}

// TestRealReport renders the report of a real backtest of the market maker over the
// spot recording.
func TestRealReport(t *testing.T) {
	path := testdata.SharedData(t, "binance-spot-btcusdt-20240808.gz")
	lat, err := backtest.ConstantLatency(5*time.Millisecond, 5*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	cfg := backtest.Config{
		Engine:   enginetest.SpotConfig(),
		Strategy: marketmaker.New(), StrategyName: "marketmaker", Data: []string{path}, Open: recorded.Open, Latency: lat, StageTiming: true,
		MakerFeeBps: -0.5, TakerFeeBps: 4.5,
		Queue: backtest.RiskAverse, PartialFills: true, InitialBalance: decimal.RequireFromString("10000"),
		OrderLog: true, // for the order-to-ack histogram
	}
	rep, err := backtest.Run(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var a, b, c bytes.Buffer
	if err := Write(&a, rep); err != nil {
		t.Fatal(err)
	}
	Write(&b, rep)
	if err := WriteWith(&c, rep, Options{Timing: true}); err != nil {
		t.Fatal(err)
	}
	if s := checkHTML(t, c.String()); !s["latency-tick-to-order"].svg {
		t.Errorf("no tick-to-order latency chart: %v", s)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Fatal("not deterministic")
	}
	sections := checkHTML(t, a.String())
	if !sections["equity"].svg || !sections["drawdown"].svg || !sections["position"].svg || !sections["price"].svg || !sections["pnl-split"].svg {
		t.Fatalf("sections %v", sections)
	}
	// The tearsheet: its tables, and its charts (markouts, latency histograms).
	for _, id := range []string{"fills", "tearsheet-binance-spot-btcusdt", "pnl-by-hour"} {
		if _, ok := sections[id]; !ok {
			t.Errorf("no section %q", id)
		}
	}
	doc := a.String()
	for _, want := range []string{"Round trips (flat to flat)", "PnL split", "order-to-trade",
		"an order at the touch", "order → ack", `id="markouts-binance-spot-btcusdt"`, `id="order-to-fill-binance-spot-btcusdt"`, "trade_through", rep.Result.PnL.String()} {
		if !strings.Contains(doc, html.EscapeString(want)) && !strings.Contains(doc, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	checkRealCharts(t, doc)
	if out := os.Getenv("HTMLREPORT_OUT"); out != "" {
		os.WriteFile(out, a.Bytes(), 0o644)
	}
	t.Logf("%d equity samples, %d bytes of HTML", len(rep.Equity), a.Len())
}

// TestFillCausesSection checks the page counts the fills by cause and lists each fill
// with its cause and queue estimates.
func TestFillCausesSection(t *testing.T) {
	r := sampleReport(20)
	causes := []string{"queue", "trade_through", "book_crossed", "taker", "queue"}
	for i := range r.Fills {
		r.Fills[i].Cause = causes[i%len(causes)]
		r.Fills[i].QueueAheadAtPlace = decimal.RequireFromString("1.25")
		r.Fills[i].QueueAheadAtFill = decimal.RequireFromString("0.5")
	}
	var b bytes.Buffer
	if err := Write(&b, r); err != nil {
		t.Fatal(err)
	}
	doc := b.String()
	checkHTML(t, doc)
	for _, want := range []string{
		"<tr><td>queue</td><td>2</td><td>0.002</td>",
		"<tr><td>trade_through</td><td>1</td><td>0.001</td>",
		"<tr><td>book_crossed</td><td>1</td>",
		"<tr><td>taker</td><td>1</td>",
		"<td>trade_through</td><td>1.25</td><td>0.5</td></tr>",
	} {
		if !strings.Contains(doc, want) {
			t.Errorf("page lacks %q", want)
		}
	}
}

// TestTimeChartsAligned checks that time charts with y-axis labels of very different
// widths get one time axis: the same range, and data areas at the same x.
func TestTimeChartsAligned(t *testing.T) {
	mk := func(scale float64) *svgchart.Chart {
		p := newPlot("t", "y")
		p.Width, p.Height = 567, 170
		p.Series = append(p.Series, &svgchart.Line{Points: []svgchart.XY{{X: 0, Y: 0}, {X: 30, Y: scale}}})
		return p
	}
	pend := []pending{
		{c: chart{ID: "narrow"}, p: mk(1), timeAxis: true},
		{c: chart{ID: "wide"}, p: mk(-123456789.5), timeAxis: true},
		{c: chart{ID: "other"}, p: mk(5), timeAxis: false},
	}
	own := make([][2]float64, len(pend))
	for i, pe := range pend {
		l, r, err := pe.p.Margins()
		if err != nil {
			t.Fatal(err)
		}
		own[i] = [2]float64{l, r}
	}
	if own[1][0] <= own[0][0] {
		t.Fatalf("margins %v: want the wide labels to need the wider left margin", own)
	}
	if err := alignTime(pend, 300); err != nil {
		t.Fatal(err)
	}
	var got [][2]float64
	for _, pe := range pend {
		l, r, err := pe.p.Margins()
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, [2]float64{l, r})
	}
	for _, pe := range pend[:2] {
		if pe.p.X.Min != 0 || pe.p.X.Max != 300 {
			t.Errorf("%s: axis [%v, %v], want [0, 300]", pe.c.ID, pe.p.X.Min, pe.p.X.Max)
		}
	}
	if got[0] != got[1] {
		t.Errorf("data areas at margins %v and %v: not aligned", got[0], got[1])
	}
	if got[0][0] != own[1][0] || got[2] != own[2] || pend[2].p.X.Min != 0 || pend[2].p.X.Max != 0 {
		t.Errorf("margins %v (own %v): want the narrow chart moved to the wide one's, the other chart untouched", got, own)
	}
	// The drawn SVGs: both time charts' axis lines start at the same x.
	var starts []string
	for _, pe := range pend[:2] {
		svg, err := pe.p.SVG()
		if err != nil {
			t.Fatal(err)
		}
		m := regexp.MustCompile(`<path d="M([0-9.]+) [0-9.]+H([0-9.]+)M`).FindStringSubmatch(svg)
		if m == nil {
			t.Fatalf("%s: no axis line in %s", pe.c.ID, svg)
		}
		starts = append(starts, m[1]+"-"+m[2])
	}
	if starts[0] != starts[1] {
		t.Errorf("x axes span %s and %s: not aligned", starts[0], starts[1])
	}
}

// checkRealCharts wants every chart of a real spot report drawn, each with its series
// in their colors: an SVG path stroked or filled in each.
func checkRealCharts(t *testing.T, doc string) {
	t.Helper()
	const (
		line = `fill="none" stroke="%s"`
		fill = `fill="%s"`
	)
	charts := []struct {
		id     string
		series []string // the markup each series draws
	}{
		{`section id="equity"`, []string{fmt.Sprintf(line, blue)}},
		{`section id="drawdown"`, []string{fmt.Sprintf(line, red)}},
		{`section id="position"`, []string{fmt.Sprintf(line, blue)}},
		{`section id="price"`, []string{fmt.Sprintf(line, grey), fmt.Sprintf(fill, green), fmt.Sprintf(fill, red), ">mid<", ">buy<", ">sell<"}},
		{`section id="pnl-split"`, []string{fmt.Sprintf(line, svgchart.Black), fmt.Sprintf(line, green), fmt.Sprintf(line, blue), fmt.Sprintf(line, red), ">spread capture<", ">inventory<", ">− fees<"}},
		{`h3 id="markouts-binance-spot-btcusdt"`, []string{fmt.Sprintf(line, green), fmt.Sprintf(line, red), ">all all ("}},
		{`h3 id="order-to-ack-binance-spot-btcusdt"`, []string{fmt.Sprintf(fill, blue) + ` stroke="#000"`}},
		{`h3 id="order-to-fill-binance-spot-btcusdt"`, []string{fmt.Sprintf(fill, blue) + ` stroke="#000"`}},
		{`section id="pnl-by-hour"`, []string{fmt.Sprintf(fill, blue) + ` stroke="#000"`, ">UTC hour<"}},
	}
	if n := strings.Count(doc, "<svg "); n != len(charts) {
		t.Errorf("%d charts on the page, want %d", n, len(charts))
	}
	for _, c := range charts {
		i := strings.Index(doc, "<"+c.id)
		if i < 0 {
			t.Errorf("no %s", c.id)
			continue
		}
		start := strings.Index(doc[i:], "<svg ")
		end := strings.Index(doc[i:], "</svg>")
		between := doc[i+1 : i+max(start, 1)]
		if start < 0 || end < start || strings.Contains(between, "<section") || (strings.HasPrefix(c.id, "h3") && strings.Contains(between, "<h3")) {
			t.Errorf("%s: no chart", c.id)
			continue
		}
		svg := doc[i+start : i+end]
		for _, s := range c.series {
			if !strings.Contains(svg, s) {
				t.Errorf("%s: the chart lacks %q", c.id, s)
			}
		}
	}
}
