package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/nanotick/nanotick/internal/testdata"
)

// btReport is the part of the JSON report these tests read.
type btReport struct {
	Strategy string `json:"strategy"`
	Settings struct {
		Latency        string  `json:"latency"`
		MakerFeeBps    float64 `json:"maker_fee_bps"`
		TakerFeeBps    float64 `json:"taker_fee_bps"`
		QueueModel     string  `json:"queue_model"`
		QueuePower     float64 `json:"queue_power"`
		PartialFills   bool    `json:"partial_fills"`
		InitialBalance string  `json:"initial_balance"`
		EquityInterval string  `json:"equity_interval"`
	} `json:"settings"`
	Result struct {
		FinalEquity string `json:"final_equity"`
		Volume      string `json:"volume"`
		Fees        string `json:"fees"`
	} `json:"result"`
	Orders struct {
		Sent  uint64 `json:"sent"`
		Fills uint64 `json:"fills"`
	} `json:"orders"`
	Events struct {
		Frames uint64 `json:"frames"`
	} `json:"events"`
}

func runBT(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var o, e bytes.Buffer
	code = runBacktest(args, &o, &e)
	return code, o.String(), e.String()
}

func readReport(t *testing.T, path string) (btReport, []byte) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var r btReport
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatalf("report is not JSON: %v", err)
	}
	return r, b
}

func TestBacktestDefaults(t *testing.T) {
	data := testdata.SharedData(t, spotFile)
	out := filepath.Join(t.TempDir(), "r.json")
	code, stdout, stderr := runBT(t, "--data", data, "--json", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"PnL", "max drawdown", "sharpe", "fills", "maker", "rejections", "events/s"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("summary lacks %q:\n%s", want, stdout)
		}
	}
	r, _ := readReport(t, out)
	if r.Strategy != "market_maker" || r.Events.Frames != 41249 || r.Orders.Sent == 0 {
		t.Errorf("report: strategy %q, %d frames, %d orders sent", r.Strategy, r.Events.Frames, r.Orders.Sent)
	}
	s := r.Settings
	if s.QueueModel != "risk_averse" || !s.PartialFills || s.InitialBalance != "10000" || s.EquityInterval != "1s" || s.Latency != "constant entry 0s, response 0s" {
		t.Errorf("default settings: %+v", s)
	}
}

func TestBacktestFlags(t *testing.T) {
	data := testdata.SharedData(t, spotFile)
	out := filepath.Join(t.TempDir(), "r.json")
	code, _, stderr := runBT(t, "--data", data, "--json", out,
		"--strategy", "marketmaker", "--param", "size=0.002", "--order-latency", "5ms", "--response-latency", "7ms",
		"--maker-fee-bps", "-0.5", "--taker-fee-bps", "4.5", "--queue-model", "power_law", "--queue-power", "3",
		"--partial-fills=false", "--initial-balance", "2500", "--equity-interval", "10s")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	r, _ := readReport(t, out)
	s := r.Settings
	if s.Latency != "constant entry 5ms, response 7ms" || s.MakerFeeBps != -0.5 || s.TakerFeeBps != 4.5 ||
		s.QueueModel != "power_law" || s.QueuePower != 3 || s.PartialFills || s.InitialBalance != "2500" || s.EquityInterval != "10s" {
		t.Errorf("settings did not follow the flags: %+v", s)
	}
	// Every quote was 0.002: the volume is a multiple of it, and not zero.
	if r.Orders.Fills == 0 {
		t.Fatal("no fills")
	}
	if vol := decimal.RequireFromString(r.Result.Volume); !vol.Mod(decimal.RequireFromString("0.002")).IsZero() {
		t.Errorf("volume %s is not a multiple of the 0.002 size", vol)
	}
	if r.Result.Fees == "0" {
		t.Error("fees set but none charged")
	}
}

// TestBacktestDeterministic runs the default strategy (the JavaScript market maker) twice
// on the real spot file: the JSON and HTML reports must be byte-identical.
func TestBacktestDeterministic(t *testing.T) {
	data := testdata.SharedData(t, spotFile)
	dir := t.TempDir()
	var jsons, pages [2][]byte
	for i := range jsons {
		out, page := filepath.Join(dir, "r.json"), filepath.Join(dir, "r.html")
		if code, _, stderr := runBT(t, "--data", data, "--json", out, "--html", page, "--order-latency", "3ms", "--response-latency", "3ms", "--queue-model", "power_law"); code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		_, jsons[i] = readReport(t, out)
		var err error
		if pages[i], err = os.ReadFile(page); err != nil {
			t.Fatal(err)
		}
	}
	if !bytes.Equal(jsons[0], jsons[1]) {
		t.Error("two identical runs wrote different JSON")
	}
	if !bytes.Equal(pages[0], pages[1]) {
		t.Error("two identical runs wrote different HTML")
	}
	if !bytes.Contains(pages[0], []byte("<svg")) {
		t.Error("the HTML report has no chart")
	}
}

func TestBacktestJSONToStdout(t *testing.T) {
	data := testdata.SharedData(t, spotFile)
	code, stdout, stderr := runBT(t, "--data", data, "--json", "-")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var r btReport
	if err := json.Unmarshal([]byte(stdout), &r); err != nil {
		t.Fatalf("stdout is not the JSON report: %v", err)
	}
	if !strings.Contains(stderr, "PnL") {
		t.Errorf("summary not on stderr: %q", stderr)
	}
}

const btConfig = `
[[instrument]]
symbol = "BTCUSDT"
venue = "binance-spot"
tick_size = "0.01"
lot_size = "0.00001"
max_qty = "9000"
min_notional = "5"

[[strategy]]
name = "mm"
language = "go"
go_name = "marketmaker"
instrument = "BTCUSDT"

[strategy.params]
halfSpreadBps = 2
size = 0.003

[risk]
max_order_qty = "0.01"
max_order_notional = "1000"
price_band_bps = 50
max_position = "0.05"
max_open_orders = 6
order_rate = 20
order_burst = 40
duplicate_window = "100ms"
max_daily_loss = "200"
max_drawdown = "300"

[backtest]
data = ["DATA"]
order_latency = "2ms"
response_latency = "4ms"
maker_fee_bps = 1
taker_fee_bps = 5
queue_model = "power_law"
queue_power = 1.5
partial_fills = false
initial_balance = "5000"
equity_interval = "5s"
`

func writeConfig(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "bt.toml")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestBacktestConfig(t *testing.T) {
	data := testdata.SharedData(t, spotFile)
	abs, err := filepath.Abs(data)
	if err != nil {
		t.Fatal(err)
	}
	cfg := writeConfig(t, strings.Replace(btConfig, "DATA", filepath.ToSlash(abs), 1))
	out := filepath.Join(t.TempDir(), "r.json")
	code, _, stderr := runBT(t, "--config", cfg, "--json", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	r, _ := readReport(t, out)
	s := r.Settings
	if r.Strategy != "mm" || s.Latency != "constant entry 2ms, response 4ms" || s.MakerFeeBps != 1 || s.TakerFeeBps != 5 ||
		s.QueueModel != "power_law" || s.QueuePower != 1.5 || s.PartialFills || s.InitialBalance != "5000" || s.EquityInterval != "5s" {
		t.Errorf("report does not follow the config: strategy %q, %+v", r.Strategy, s)
	}
	// A flag overrides the file.
	code, _, stderr = runBT(t, "--config", cfg, "--json", out, "--maker-fee-bps", "-1", "--queue-model", "risk_averse")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	r, _ = readReport(t, out)
	if r.Settings.MakerFeeBps != -1 || r.Settings.QueueModel != "risk_averse" || r.Settings.TakerFeeBps != 5 {
		t.Errorf("flags did not override the file: %+v", r.Settings)
	}
}

// TestBacktestScriptMatchesGo backtests the JavaScript market maker from a config and the
// Go one by name, with the same parameters: the two are the same strategy, so every
// figure of the report but the strategy's name must agree.
func TestBacktestScriptMatchesGo(t *testing.T) {
	data := testdata.SharedData(t, spotFile)
	dir := t.TempDir()
	script, err := filepath.Abs("../../examples/strategies/market_maker.js")
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Replace(btConfig, "language = \"go\"\ngo_name = \"marketmaker\"", "file = \""+script+"\"", 1)
	text = strings.Replace(text, "DATA", data, 1)
	cfg := filepath.Join(dir, "bt.toml")
	if err := os.WriteFile(cfg, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	jsOut, goOut := filepath.Join(dir, "js.json"), filepath.Join(dir, "go.json")
	if code, _, stderr := runBT(t, "--config", cfg, "--json", jsOut); code != 0 {
		t.Fatalf("script backtest: exit %d: %s", code, stderr)
	}
	goText := strings.Replace(btConfig, "DATA", data, 1)
	goCfg := filepath.Join(dir, "go.toml")
	if err := os.WriteFile(goCfg, []byte(goText), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := runBT(t, "--config", goCfg, "--json", goOut); code != 0 {
		t.Fatalf("go backtest: exit %d: %s", code, stderr)
	}
	js, jsBytes := readReport(t, jsOut)
	_, goBytes := readReport(t, goOut)
	if js.Orders.Sent == 0 {
		t.Fatalf("the script strategy sent no orders: %s", jsBytes)
	}
	if !bytes.Equal(jsBytes, goBytes) {
		// The only difference allowed is none: both configs name the strategy "mm".
		t.Errorf("reports differ:\n js %s\n go %s", jsBytes, goBytes)
	}

}

func TestBacktestUsageErrors(t *testing.T) {
	data := testdata.SharedData(t, spotFile)
	for _, tt := range []struct {
		args []string
		code int
		msg  string
	}{
		{nil, 2, "no recordings"},
		{[]string{"--data", data, "--strategy", "nosuch"}, 2, "unknown strategy"},
		{[]string{"--data", data, "--param", "size"}, 2, "want name=number"},
		{[]string{"--data", data, "--param", "size=big"}, 2, "want name=number"},
		{[]string{"--data", data, "--queue-model", "fifo"}, 2, "unknown queue model"},
		{[]string{"--data", data, "--initial-balance", "-5"}, 2, "positive"},
		{[]string{"--data", data, "--latency-file", filepath.Join(t.TempDir(), "none.txt")}, 2, "latency file"},
		{[]string{"--data", data, "stray"}, 2, "unexpected argument"},
		{[]string{"--data", filepath.Join(t.TempDir(), "missing.gz")}, 1, "missing.gz"},
		{[]string{"--data", data, "--param", "nosuchparam=1"}, 1, "nosuchparam"},
	} {
		code, _, stderr := runBT(t, tt.args...)
		if code != tt.code || !strings.Contains(stderr, tt.msg) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", tt.args, code, stderr, tt.code, tt.msg)
		}
	}
}

func TestBacktestLatencyFile(t *testing.T) {
	data := testdata.SharedData(t, spotFile)
	lat := filepath.Join(t.TempDir(), "lat.txt")
	if err := os.WriteFile(lat, []byte("# entry response\n3ms 4ms\n9ms, 2ms\n500us\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "r.json")
	code, _, stderr := runBT(t, "--data", data, "--latency-file", lat, "--seed", "9", "--json", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	r, _ := readReport(t, out)
	if !strings.HasPrefix(r.Settings.Latency, "distribution of 3 samples") {
		t.Errorf("latency %q", r.Settings.Latency)
	}
}

func TestBacktestStartStateHalted(t *testing.T) {
	data := testdata.SharedData(t, spotFile)
	abs, err := filepath.Abs(data)
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Replace(btConfig, "DATA", filepath.ToSlash(abs), 1)
	text = strings.Replace(text, "max_drawdown = \"300\"\n", "max_drawdown = \"300\"\nstart_state = \"halted\"\n", 1)
	out := filepath.Join(t.TempDir(), "r.json")
	code, _, stderr := runBT(t, "--config", writeConfig(t, text), "--json", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	r, b := readReport(t, out)
	if r.Orders.Sent != 0 || !strings.Contains(string(b), `"reason": "halted"`) {
		t.Errorf("a halted start sent %d orders; report:\n%.600s", r.Orders.Sent, b)
	}
}
