package backtest_test

import (
	"bytes"
	"testing"

	"github.com/nanotick/nanotick/backtest"
	"github.com/nanotick/nanotick/backtest/htmlreport"
)

// TestReportHTMLMatchesReference renders the HTML page of every ReportCase's report,
// built by the replay and by the builders before session 10, and wants the same bytes.
func TestReportHTMLMatchesReference(t *testing.T) {
	for _, c := range backtest.ReportCases() {
		t.Run(c.Name, func(t *testing.T) {
			rep, ref, err := backtest.ReportAndReference(c.Config(t))
			if err != nil {
				t.Fatal(err)
			}
			var a, b bytes.Buffer
			if err := htmlreport.Write(&a, rep); err != nil {
				t.Fatal(err)
			}
			if err := htmlreport.Write(&b, ref); err != nil {
				t.Fatal(err)
			}
			if a.Len() == 0 || !bytes.Equal(a.Bytes(), b.Bytes()) {
				t.Errorf("the HTML page differs from the reference builders' (%d and %d bytes)", a.Len(), b.Len())
			}
		})
	}
}
