package htmlreport

import (
	"bytes"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
)

// TestWriteCompare sets two synthetic runs side by side: one column per run, the
// shared charts, the same bytes twice; fewer than two runs is an error.
func TestWriteCompare(t *testing.T) {
	a, b := sampleReport(60), sampleReport(90)
	b.Result.PnL = decimal.RequireFromString("7.5")
	b.Settings.Latency = "constant entry 20ms, response 20ms"
	runs := []Run{{Name: "fast <a>", Report: a}, {Name: "slow", Report: b}}
	var x, y bytes.Buffer
	if err := WriteCompare(&x, runs, Options{}); err != nil {
		t.Fatal(err)
	}
	if err := WriteCompare(&y, runs, Options{}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(x.Bytes(), y.Bytes()) {
		t.Fatal("not deterministic")
	}
	doc := x.String()
	sections := checkHTML(t, doc)
	for _, id := range []string{"compare-pnl", "compare-position"} {
		if !sections[id].svg {
			t.Errorf("section %q has no chart: %v", id, sections)
		}
	}
	for _, want := range []string{"<th>fast &lt;a&gt;</th><th>slow</th>", "<td>-1.25</td><td>7.5</td>", "constant entry 20ms, response 20ms", "round trips (win rate)"} {
		if !strings.Contains(doc, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if err := WriteCompare(&x, runs[:1], Options{}); err == nil {
		t.Error("one run: no error")
	}
}
