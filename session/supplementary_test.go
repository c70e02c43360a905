package session_test

import (
	"strings"
	"testing"

	"github.com/nanotick/nanotick/instrument"
	"github.com/nanotick/nanotick/internal/enginetest"
	"github.com/nanotick/nanotick/session"
)

// bookless is a label that carries no book (session.Supplementary): Binance USD-M's
// /market connection beside its /public one.
type bookless struct{ label }

func (bookless) Supplementary() bool { return true }

// TestSupplementaryConnection: a connection carrying no book may share an instrument
// with the connection that owns it; two owners of one instrument are still refused,
// and so is an instrument only a supplementary connection carries.
func TestSupplementaryConnection(t *testing.T) {
	for _, tc := range []struct {
		name string
		mds  []session.MarketData
		err  string
	}{
		{"public owns, market supplements", []session.MarketData{
			label{"binance-spot", []instrument.Index{0}}, label{"binance-usdm", []instrument.Index{1}},
			bookless{label{"binance-usdm/market", []instrument.Index{1}}}}, ""},
		{"two owners", []session.MarketData{
			label{"binance-spot", []instrument.Index{0}}, label{"binance-usdm", []instrument.Index{1}},
			label{"binance-usdm/market", []instrument.Index{1}}}, "on two connections"},
		{"supplementary only", []session.MarketData{
			label{"binance-spot", []instrument.Index{0}}, bookless{label{"binance-usdm/market", []instrument.Index{1}}}},
			"on no market-data connection"},
	} {
		e, _ := enginetest.NewEngineWith(t, enginetest.PairConfig(), &perpLead{})
		_, err := session.New(session.Config{Engine: e, MarketData: tc.mds})
		if tc.err == "" && err != nil || tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("%s: got %v, want %q", tc.name, err, tc.err)
		}
	}
}
