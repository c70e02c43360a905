package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

// bybitReport is what the Bybit tests read of a run's JSON summary.
type bybitReport struct {
	Instruments []struct {
		Name     string
		Fills    uint64
		Volume   decimal.Decimal
		Position decimal.Decimal
		PnL      decimal.Decimal `json:"pnl"`
		Funding  decimal.Decimal `json:"funding"`
	} `json:"instruments"`
	Result struct {
		Funding decimal.Decimal `json:"funding"`
	} `json:"result"`
	Funding struct {
		Source   string `json:"source"`
		Payments uint64 `json:"payments"`
		Total    decimal.Decimal
		Events   []struct {
			Instrument string
			Position   decimal.Decimal
			Amount     decimal.Decimal
		} `json:"events"`
	} `json:"funding"`
}

func readBybitReport(t *testing.T, file string) bybitReport {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var r bybitReport
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	return r
}

// TestRunBybitSim is examples/bybit_sim.toml: one strategy makes markets on Bybit spot
// BTCUSDT and the BTCUSDT perpetual against the local exchange's Bybit v5 front end,
// one public connection per category and one gateway (trade API plus private streams)
// per instrument. Both get fills; the JSON summary lists both; the engine's position in
// each equals the exchange's (spot balances, the perpetual's position). The local
// exchange funds the perpetual every 5 s: the run lasts until the gateway has received
// a payment, and the JSON's funding section lists each one, per instrument and in the
// total, as it lists USD-M's.
func TestRunBybitSim(t *testing.T) {
	s := runMulti(t, "../../examples/bybit_sim.toml", nil, func(s *session) bool {
		return s.tally.fills[0].Load() > 0 && s.tally.fills[1].Load() > 0 &&
			len(s.bybitPerps) == 1 && len(s.bybitPerps[0].gw.Fundings()) > 0
	})
	file := filepath.Join(t.TempDir(), "s.json")
	if err := s.writeRunJSON(file, time.Now()); err != nil {
		t.Fatal(err)
	}
	r := readBybitReport(t, file)
	if len(r.Instruments) != 2 || r.Instruments[0].Name != "bybit-spot:BTCUSDT" || r.Instruments[1].Name != "bybit-linear:BTCUSDT" {
		t.Fatalf("instruments %+v", r.Instruments)
	}
	for _, in := range r.Instruments {
		if in.Fills == 0 || !in.Volume.IsPositive() {
			t.Errorf("%s: %d fills, volume %s", in.Name, in.Fills, in.Volume)
		}
	}
	view, ok := s.ex.Account(simAPIKey)
	if !ok {
		t.Fatal("no account at the exchange")
	}
	if got, want := r.Instruments[0].Position, view.Position["BTCUSDT"]; !got.Equal(want) {
		t.Errorf("spot: engine position %s, exchange position %s", got, want)
	}
	if got, want := r.Instruments[1].Position, s.ex.BybitLinearPosition(simAPIKey, "BTCUSDT"); !got.Equal(want) {
		t.Errorf("perpetual: engine position %s, exchange position %s", got, want)
	}
	paid := s.bybitPerps[0].gw.Fundings()
	if len(paid) == 0 {
		t.Fatal("no Bybit funding payment within the run's deadline")
	}
	var want decimal.Decimal
	for _, f := range paid {
		want = want.Add(f.Fee.Neg())
	}
	fr := r.Funding
	if fr.Payments != uint64(len(paid)) || len(fr.Events) != len(paid) || !fr.Total.Equal(want) ||
		!r.Result.Funding.Equal(want) || !r.Instruments[1].Funding.Equal(want) || !r.Instruments[0].Funding.IsZero() {
		t.Errorf("funding in the JSON %+v, result %s, instruments %s %s; the gateway received %d payments, %s",
			fr, r.Result.Funding, r.Instruments[0].Funding, r.Instruments[1].Funding, len(paid), want)
	}
	for _, e := range fr.Events {
		if e.Instrument != "bybit-linear:BTCUSDT" || e.Position.IsZero() || e.Amount.IsZero() {
			t.Errorf("funding event %+v", e)
		}
	}
	if !strings.Contains(fr.Source, "Bybit") {
		t.Errorf("funding source %q", fr.Source)
	}
	mds := s.live.MarketData()
	if len(mds) != 2 || mds[0].Name() != "bybit-spot" || mds[1].Name() != "bybit-linear" {
		t.Fatalf("market-data connections %d, want one per category", len(mds))
	}
	for _, md := range mds {
		if c := md.Counters(); c.Frames == 0 || c.Malformed != 0 {
			t.Errorf("%s: counters %+v", md.Name(), c)
		}
	}
}

// TestRunBybitSimCommand runs examples/bybit_sim.toml as the command line does, briefly:
// it exits 0, its JSON summary has both instruments, and its summary prints both
// positions.
func TestRunBybitSimCommand(t *testing.T) {
	file := filepath.Join(t.TempDir(), "s.json")
	var out, errOut bytes.Buffer
	if code := runRun([]string{"--config", "../../examples/bybit_sim.toml", "--duration", "3s", "--quiet", "--json", file}, &out, &errOut); code != 0 {
		t.Fatalf("exit %d\nstdout %s\nstderr %s", code, out.String(), errOut.String())
	}
	if r := readBybitReport(t, file); len(r.Instruments) != 2 {
		t.Errorf("instruments %+v", r.Instruments)
	}
	for _, want := range []string{"position  bybit-spot:BTCUSDT", "position  bybit-linear:BTCUSDT"} {
		if !bytes.Contains(out.Bytes(), []byte(want)) {
			t.Errorf("summary lacks %q:\n%s", want, out.String())
		}
	}
}
