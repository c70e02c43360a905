package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/shopspring/decimal"

	"github.com/nanotick/nanotick/config"
)

// TestRunKrakenSim runs examples/kraken_sim.toml's session against the local exchange
// speaking Kraken v2 until it has fills (a bound of 60 s on a hang): the instrument table
// passed the instrument-channel check, the book was verified by its checksums, orders
// went out as add_order and fills came back on executions; the JSON summary names
// kraken:BTC/USD with its fills, and the engine's position is the exchange's.
func TestRunKrakenSim(t *testing.T) {
	s := runMulti(t, "../../examples/kraken_sim.toml", nil, func(s *session) bool { return s.tally.fills[0].Load() >= 2 })
	file := filepath.Join(t.TempDir(), "s.json")
	if err := s.writeRunJSON(file, time.Now()); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var r struct {
		Venue       string
		Symbol      string
		Instruments []struct {
			Name     string
			Fills    uint64
			Volume   decimal.Decimal
			Position decimal.Decimal
		} `json:"instruments"`
		Events struct {
			Malformed  uint64 `json:"malformed"`
			EngineGaps uint64 `json:"engine_gaps"`
		} `json:"events"`
		Orders struct {
			Sent uint64 `json:"sent"`
		} `json:"orders"`
	}
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	if r.Venue != "kraken" || len(r.Instruments) != 1 || r.Instruments[0].Name != "kraken:BTC/USD" {
		t.Fatalf("venue %q, instruments %+v", r.Venue, r.Instruments)
	}
	in := r.Instruments[0]
	if in.Fills < 2 || !in.Volume.IsPositive() || r.Orders.Sent == 0 || r.Events.Malformed != 0 {
		t.Fatalf("fills %d, volume %s, orders %d, malformed %d", in.Fills, in.Volume, r.Orders.Sent, r.Events.Malformed)
	}
	view, ok := s.ex.Account(simAPIKey)
	if !ok {
		t.Fatal("no account at the exchange")
	}
	if want := view.Position["BTCUSD"]; !in.Position.Equal(want) {
		t.Errorf("engine position %s, exchange position %s", in.Position, want)
	}
	md := s.live.MarketData()
	if len(md) != 1 || md[0].Name() != "kraken" {
		t.Fatalf("market data %v", md)
	}
	if c := md[0].Counters(); c.Frames == 0 || c.Malformed != 0 {
		t.Errorf("kraken feed counters %+v", c)
	}
}

// TestRunKrakenSimCommand runs the example as the command line does, briefly: exit 0,
// and the JSON summary is Kraken's.
func TestRunKrakenSimCommand(t *testing.T) {
	file := filepath.Join(t.TempDir(), "s.json")
	var out, errOut bytes.Buffer
	if code := runRun([]string{"--config", "../../examples/kraken_sim.toml", "--duration", "3s", "--quiet", "--json", file}, &out, &errOut); code != 0 {
		t.Fatalf("exit %d\nstdout %s\nstderr %s", code, out.String(), errOut.String())
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte(`"venue": "kraken"`)) && !bytes.Contains(b, []byte(`"venue":"kraken"`)) {
		t.Errorf("summary is not Kraken's: %.300s", b)
	}
}

// TestRunKrakenRefusesWrongRules: a table whose Kraken instrument differs from the
// instrument channel (a tick of 0.5 where Kraken says 0.1) refuses to start, naming the
// difference.
func TestRunKrakenRefusesWrongRules(t *testing.T) {
	data, err := os.ReadFile("../../examples/kraken_sim.toml")
	if err != nil {
		t.Fatal(err)
	}
	doc := strings.Replace(string(data), `tick_size = "0.1"`, `tick_size = "0.5"`, 1)
	dir := t.TempDir()
	file := filepath.Join(dir, "k.toml")
	if err := os.WriteFile(file, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := config.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	_, err = startSession(t.Context(), c, sessionOptions{seed: 1}, zerolog.Nop())
	if err == nil || !strings.Contains(err.Error(), "instrument kraken:BTC/USD: tick: configured 0.5, venue 0.1") || !strings.Contains(err.Error(), "refusing to trade") {
		t.Fatalf("start with a wrong tick: %v", err)
	}
}
