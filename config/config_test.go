package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nanotick/nanotick/fixed"
	"github.com/nanotick/nanotick/risk"
	"github.com/shopspring/decimal"
)

// base is the smallest valid config. Cases edit it line by line, so its line numbers
// matter to the position assertions below.
const base = `[engine]
log_level = "info"

[[instrument]]
symbol = "BTCUSDT"
venue = "binance-spot"
tick_size = "0.01"
lot_size = "0.00001"
max_qty = "9000"

[[strategy]]
name = "mm"
file = "builtin:market_maker"
instrument = "BTCUSDT"

[risk]
max_order_qty = "0.01"
max_order_notional = "1000"
price_band_bps = 50
max_position = "0.05"
max_open_orders = 6
order_rate = 5
order_burst = 10
duplicate_window = "500ms"
max_daily_loss = "200"
max_drawdown = "300"
`

// edit returns base with the line starting with old replaced by repl (which may span
// several lines or be empty), or with repl appended when old is empty.
func edit(t *testing.T, old, repl string) string {
	t.Helper()
	if old == "" {
		return base + repl + "\n"
	}
	lines := strings.Split(base, "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, old) {
			lines[i] = repl
			return strings.Join(lines, "\n")
		}
	}
	t.Fatalf("base has no line starting with %q", old)
	return ""
}

func mustParse(t *testing.T, doc string) *Config {
	t.Helper()
	c, err := Parse("x.toml", []byte(doc))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return c
}

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func TestParseBaseDefaults(t *testing.T) {
	c := mustParse(t, base)
	if c.File != "x.toml" {
		t.Errorf("File = %q", c.File)
	}
	wantEngine := Engine{LogLevel: "info", LogFormat: "auto", TimerInterval: time.Second,
		InstructionBudget: 1_000_000, StaleBookAfter: 5 * time.Second}
	if c.Engine != wantEngine {
		t.Errorf("Engine = %+v, want %+v", c.Engine, wantEngine)
	}
	in := c.Instruments[0]
	if in.PriceDecimals != 8 || in.QtyDecimals != 8 {
		t.Errorf("binance-spot decimals = %d/%d, want 8/8", in.PriceDecimals, in.QtyDecimals)
	}
	if !in.MinQty.Equal(in.LotSize) || !in.MinNotional.IsZero() {
		t.Errorf("min_qty = %s, min_notional = %s; want lot_size and 0", in.MinQty, in.MinNotional)
	}
	s := c.Strategies[0]
	if s.Language != LanguageJS || s.Instrument != "BTCUSDT" || s.Venue != VenueBinanceSpot {
		t.Errorf("strategy = %+v", s)
	}
	if name, ok := s.Builtin(); !ok || name != "market_maker" {
		t.Errorf("Builtin() = %q, %v", name, ok)
	}
	r := c.Risk
	if r.StartState != StateActive || !r.MaxOrderQty.Equal(dec("0.01")) || !r.PriceBandBps.Equal(dec("50")) ||
		!r.OrdersPerSecond.Equal(dec("5")) || r.MaxOpenOrders != 6 || r.OrderBurst != 10 ||
		r.DuplicateWindow != 500*time.Millisecond || !r.MaxDrawdown.Equal(dec("300")) {
		t.Errorf("Risk = %+v", r)
	}
	wantLat := []float64{50, 90, 99, 99.9}
	if c.Latency.HistogramMax != time.Second || c.Latency.SlowTickThreshold != 0 ||
		len(c.Latency.ReportPercentiles) != 4 || c.Latency.ReportPercentiles[3] != wantLat[3] {
		t.Errorf("Latency = %+v", c.Latency)
	}
	if c.Admin != (Admin{Listen: "127.0.0.1:6060"}) {
		t.Errorf("Admin = %+v", c.Admin)
	}
	if c.Venues.Binance != nil || c.Backtest != nil || len(c.Warnings) != 0 {
		t.Errorf("Binance = %v, Backtest = %v, Warnings = %v; want none", c.Venues.Binance, c.Backtest, c.Warnings)
	}
}

func TestParseValues(t *testing.T) {
	tests := []struct {
		name      string
		old, repl string
		check     func(*Config) bool
	}{
		{"usdm price decimals default", `venue =`, "venue = \"binance-usdm\"\nqty_decimals = 5",
			func(c *Config) bool { return c.Instruments[0].PriceDecimals == 2 && c.Instruments[0].QtyDecimals == 5 }},
		{"explicit decimals", `max_qty =`, "max_qty = \"9000\"\nprice_decimals = 4\nqty_decimals = 6",
			func(c *Config) bool { return c.Instruments[0].PriceDecimals == 4 && c.Instruments[0].QtyDecimals == 6 }},
		{"fractional bps", `price_band_bps =`, `price_band_bps = 12.5`,
			func(c *Config) bool { return c.Risk.PriceBandBps.Equal(dec("12.5")) }},
		{"bps as decimal string", `price_band_bps =`, `price_band_bps = "0.25"`,
			func(c *Config) bool { return c.Risk.PriceBandBps.Equal(dec("0.25")) }},
		{"fractional order rate", `order_rate =`, `order_rate = 0.5`,
			func(c *Config) bool { return c.Risk.OrdersPerSecond.Equal(dec("0.5")) }},
		{"start state", ``, ``, func(c *Config) bool { return c.Risk.StartState == StateActive }},
		{"halted", `max_drawdown =`, "max_drawdown = \"300\"\nstart_state = \"halted\"",
			func(c *Config) bool { return c.Risk.StartState == StateHalted }},
		{"go strategy", `file =`, "language = \"go\"\ngo_name = \"twap\"",
			func(c *Config) bool { return c.Strategies[0].GoName == "twap" && c.Strategies[0].File == "" }},
		{"qualified instrument", `instrument =`, `instrument = "binance-spot:BTCUSDT"`,
			func(c *Config) bool { return c.Strategies[0].Venue == VenueBinanceSpot }},
		{"latency", ``, "[latency]\nhistogram_max = \"250ms\"\nslow_tick_threshold = \"2ms\"\nreport_percentiles = [50, 99.99]\nbusy_poll = true\nkeep_warm = false",
			func(c *Config) bool {
				l := c.Latency
				return l.HistogramMax == 250*time.Millisecond && l.SlowTickThreshold == 2*time.Millisecond &&
					len(l.ReportPercentiles) == 2 && l.ReportPercentiles[1] == 99.99 && l.BusyPoll && !l.KeepWarm
			}},
		{"engine", `log_level =`, "log_level = \"debug\"\nlog_format = \"json\"\ntimer_interval = \"250ms\"\ninstruction_budget = 5000\nstale_book_after = \"2s\"",
			func(c *Config) bool {
				return c.Engine == Engine{"debug", "json", 250 * time.Millisecond, 5000, 2 * time.Second}
			}},
		{"binance defaults", ``, "[venue.binance]",
			func(c *Config) bool {
				b := c.Venues.Binance
				return b != nil && b.APIKeyEnv == "BINANCE_API_KEY" && b.WSURL == DefaultBinanceWSURL && b.APISecretFile == ""
			}},
		{"admin", ``, "[admin]\nenabled = true\nlisten = \"localhost:7070\"",
			func(c *Config) bool {
				return c.Admin.Enabled && c.Admin.Listen == "localhost:7070" && len(c.Warnings) == 0
			}},
		{"duplicate window", `duplicate_window =`, "duplicate_window = \"1s\"\n",
			func(c *Config) bool { return c.Risk.DuplicateWindow == time.Second }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := base
			if tt.old != "" || tt.repl != "" {
				doc = edit(t, tt.old, tt.repl)
			}
			if c := mustParse(t, doc); !tt.check(c) {
				t.Errorf("unexpected config: %+v", c)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name      string
		old, repl string
		want      string // a substring of the joined error
	}{
		// engine
		{"log level", `log_level =`, `log_level = "verbose"`, `x.toml:2:1: engine.log_level: must be one of trace|debug|info|warn|error, got "verbose"`},
		{"log format", `log_level =`, `log_format = "xml"`, `x.toml:2:1: engine.log_format: must be one of auto|json|console`},
		{"timer interval type", `log_level =`, `timer_interval = 1`, `x.toml:2:1: engine.timer_interval: must be a duration string like "250ms", got integer 1`},
		{"timer interval syntax", `log_level =`, `timer_interval = "1 second"`, `engine.timer_interval: must be a duration like "250ms" or "1s", got "1 second"`},
		{"timer interval tiny", `log_level =`, `timer_interval = "10us"`, `engine.timer_interval: must be at least 1ms`},
		{"negative duration", `log_level =`, `stale_book_after = "-1s"`, `engine.stale_book_after: must not be negative, got "-1s"`},
		{"zero stale", `log_level =`, `stale_book_after = "0s"`, `engine.stale_book_after: must be positive`},
		{"instruction budget", `log_level =`, `instruction_budget = 0`, `x.toml:2:1: engine.instruction_budget: must be positive, got 0`},
		{"instruction budget type", `log_level =`, `instruction_budget = 1e6`, `engine.instruction_budget: must be an integer, got float 1e+06`},
		{"engine not a table", `[engine]`, `engine = 1`, `x.toml:1:1: engine: must be a table, got integer 1`},

		// instrument
		{"no instruments", `[[instrument]]`, `[nothing]`, `unknown key "nothing"`},
		{"instrument required", `[[instrument]]`, `[ignored]`, `x.toml: instrument: at least one [[instrument]] is required`},
		{"instrument as table", `[[instrument]]`, `[instrument]`, `x.toml:4:2: instrument: must be an array of tables: write [[instrument]], not [instrument]`},
		{"symbol missing", `symbol =`, ``, `x.toml:4:3: instrument[0].symbol: required`},
		{"symbol with space", `symbol =`, `symbol = "BTC USDT"`, `instrument[0].symbol: must be a symbol without spaces or ':', got "BTC USDT"`},
		{"symbol type", `symbol =`, `symbol = 1`, "x.toml:5:1: instrument[0].symbol: must be a string, got integer 1\n"},
		{"no cascade from a broken instrument", `symbol =`, `symbol = 1`, "got integer 1\n"},
		{"name type", `name =`, `name = 1`, "x.toml:12:1: strategy[0].name: must be a string, got integer 1\n"},
		{"symbol empty", `symbol =`, `symbol = ""`, `x.toml:5:1: instrument[0].symbol: must not be empty`},
		{"venue bad name", `venue =`, `venue = "Bitmex"`, `x.toml:6:1: instrument[0].venue: must be a venue with a connector (binance-spot, binance-usdm, bybit-spot, bybit-linear, kraken, sim) or the name of one known from its data (lower-case letters, digits and '-', such as okx-swap), got "Bitmex"`},
		{"venue without connector", `venue =`, `venue = "bitmex"`, `instrument[0].kind: required (spot, perpetual or inverse_perpetual: no connector tells it for venue bitmex)`},
		{"tick negative", `tick_size =`, `tick_size = "-0.01"`, `x.toml:7:1: instrument[0].tick_size: must be positive, got "-0.01"`},
		{"tick zero", `tick_size =`, `tick_size = "0"`, `instrument[0].tick_size: must be positive, got "0"`},
		{"tick float", `tick_size =`, `tick_size = 0.01`, `x.toml:7:1: instrument[0].tick_size: must be a quoted decimal string, not a float (TOML floats are binary and lose exactness): write tick_size = "0.01"`},
		{"lot integer", `lot_size =`, `lot_size = 1`, `instrument[0].lot_size: must be a quoted decimal string: write lot_size = "1"`},
		{"tick exponent", `tick_size =`, `tick_size = "1e-2"`, `instrument[0].tick_size: must be a decimal string like "0.01", got "1e-2"`},
		{"tick junk", `tick_size =`, `tick_size = "0.01 USDT"`, `got "0.01 USDT"`},
		{"tick too fine", `venue =`, "venue = \"binance-usdm\"\nprice_decimals = 1\nqty_decimals = 8", `x.toml:9:1: instrument[0].tick_size: 0.01 has more decimals than price_decimals = 1 holds; raise price_decimals`},
		{"lot too fine for usdm", `venue =`, `venue = "binance-usdm"`, `x.toml:8:1: instrument[0].lot_size: 0.00001 has more decimals than qty_decimals = 3 holds; raise qty_decimals`},
		{"decimals too big", `max_qty =`, "max_qty = \"9000\"\nprice_decimals = 19", `x.toml:10:1: instrument[0].price_decimals: must be between 0 and 18, got 19`},
		{"decimals negative", `max_qty =`, "max_qty = \"9000\"\nqty_decimals = -1", `instrument[0].qty_decimals: must be between 0 and 18, got -1`},
		{"decimals type", `max_qty =`, "max_qty = \"9000\"\nqty_decimals = \"8\"", `instrument[0].qty_decimals: must be an integer, got string "8"`},
		{"max qty overflow", `max_qty =`, `max_qty = "100000000000000"`, `instrument[0].max_qty: 100000000000000 is too large for a 64-bit integer at qty_decimals = 8`},
		{"max qty missing", `max_qty =`, ``, `instrument[0].max_qty: required`},
		{"max qty not lot multiple", `max_qty =`, `max_qty = "9000.000005"`, `instrument[0].max_qty: 9000.000005 is not a multiple of lot_size 0.00001`},
		{"min qty above max", `max_qty =`, "max_qty = \"1\"\nmin_qty = \"2\"", `instrument[0].max_qty: 1 is less than min_qty 2`},
		{"min notional negative", `max_qty =`, "max_qty = \"9000\"\nmin_notional = \"-5\"", `instrument[0].min_notional: must not be negative`},
		{"duplicate instrument", `[[strategy]]`, "[[instrument]]\nsymbol = \"BTCUSDT\"\nvenue = \"binance-spot\"\ntick_size = \"0.01\"\nlot_size = \"0.00001\"\nmax_qty = \"1\"\n[[strategy]]",
			`x.toml:12:1: instrument[1].symbol: instrument BTCUSDT on binance-spot is already declared at instrument[0]`},

		// strategy
		{"strategy required", `[[strategy]]`, `[ignored]`, `x.toml: strategy: at least one [[strategy]] is required`},
		{"name missing message", `name =`, ``, `x.toml:11:3: strategy[0].name: required`},
		{"file missing", `file =`, ``, `strategy[0].file: required (the strategy script)`},
		{"file not found", `file =`, `file = "nope.js"`, `x.toml:13:1: strategy[0].file: file "nope.js" not found (resolved to nope.js)`},
		{"file is a directory", `file =`, `file = "testdata"`, `strategy[0].file: "testdata" is not a regular file`},
		{"builtin without name", `file =`, `file = "builtin:"`, `strategy[0].file: builtin strategy name missing`},
		{"instrument undeclared", `instrument =`, `instrument = "ETHUSDT"`, `x.toml:14:1: strategy[0].instrument: "ETHUSDT" is not a declared [[instrument]]`},
		{"instrument typo", `instrument =`, `instrument = "BTCUSTD"`, `(did you mean "BTCUSDT"?)`},
		{"instrument wrong venue", `instrument =`, `instrument = "kraken:BTCUSDT"`, `"kraken:BTCUSDT" is not a declared [[instrument]]`},
		{"language", `file =`, "file = \"builtin:x\"\nlanguage = \"python\"", `strategy[0].language: must be one of js|go, got "python"`},
		{"go without go_name", `file =`, `language = "go"`, `strategy[0].go_name: required (the registered Go strategy)`},
		{"go with file", `name =`, "name = \"mm\"\nlanguage = \"go\"\ngo_name = \"x\"", `strategy[0].file: only applies to language = "js"`},
		{"js with go_name", `name =`, "name = \"mm\"\ngo_name = \"x\"", `strategy[0].go_name: only applies to language = "go"`},
		{"duplicate name", ``, "[[strategy]]\nname = \"mm\"\nfile = \"builtin:b\"\ninstrument = \"BTCUSDT\"", `x.toml:28:1: strategy[1].name: strategy "mm" is already declared at strategy[0]`},
		{"param array", `instrument =`, "instrument = \"BTCUSDT\"\nparams = { levels = [1, 2] }", `strategy[0].params.levels: must be a number, string or boolean, got array`},
		{"param date", `instrument =`, "instrument = \"BTCUSDT\"\n[strategy.params]\nstart = 2024-01-01", `x.toml:16:1: strategy[0].params.start: must be a number, string or boolean, got date/time`},
		{"param huge int", `instrument =`, "instrument = \"BTCUSDT\"\n[strategy.params]\nn = 9007199254740993", `strategy[0].params.n: integer 9007199254740993 is too large`},
		{"params not table", `instrument =`, "instrument = \"BTCUSDT\"\nparams = 3", `strategy[0].params: must be a table, got integer 3`},

		// risk
		{"risk missing", `[risk]`, `[ignored]`, `x.toml: risk: [risk] table is required`},
		{"max order qty negative", `max_order_qty =`, `max_order_qty = "-1"`, `x.toml:17:1: risk.max_order_qty: must be positive, got "-1"`},
		{"max order qty float", `max_order_qty =`, `max_order_qty = 0.01`, `risk.max_order_qty: must be a quoted decimal string, not a float`},
		{"max order qty too fine", `max_order_qty =`, `max_order_qty = "0.000000001"`, `risk.max_order_qty: 0.000000001 is not exact at instrument BTCUSDT's qty_decimals = 8`},
		{"notional too fine", `max_order_notional =`, `max_order_notional = "0.000000001"`, `risk.max_order_notional: 0.000000001 is not exact at instrument BTCUSDT's price_decimals = 8`},
		{"band too wide", `price_band_bps =`, `price_band_bps = 10000`, `risk.price_band_bps: must be below 10000`},
		{"band too fine", `price_band_bps =`, `price_band_bps = 0.125`, `risk.price_band_bps: must have at most 2 decimals, got 0.125`},
		{"band zero", `price_band_bps =`, `price_band_bps = 0`, `x.toml:19:1: risk.price_band_bps: must be positive, got 0`},
		{"band bool", `price_band_bps =`, `price_band_bps = true`, `risk.price_band_bps: must be a number, got boolean true`},
		{"max position zero", `max_position =`, `max_position = "0"`, `risk.max_position: must be positive, got "0"`},
		{"open orders zero", `max_open_orders =`, `max_open_orders = 0`, `x.toml:21:1: risk.max_open_orders: must be between 1 and 256, got 0`},
		{"open orders too many", `max_open_orders =`, `max_open_orders = 1000`, `risk.max_open_orders: must be between 1 and 256, got 1000`},
		{"open orders float", `max_open_orders =`, `max_open_orders = 6.0`, `risk.max_open_orders: must be an integer, got float 6`},
		{"order rate negative", `order_rate =`, `order_rate = -5`, `risk.order_rate: must be positive, got -5`},
		{"order rate too fine", `order_rate =`, `order_rate = 0.0001`, `risk.order_rate: must have at most 3 decimals`},
		{"order rate too high", `order_rate =`, `order_rate = 2000000`, `risk.order_rate: must be at most 1000000`},
		{"burst zero", `order_burst =`, `order_burst = 0`, `risk.order_burst: must be between 1 and 1000000, got 0`},
		{"duplicate window zero", `duplicate_window =`, `duplicate_window = "0s"`, `x.toml:24:1: risk.duplicate_window: must be positive`},
		{"duplicate window type", `duplicate_window =`, `duplicate_window = 500`, `risk.duplicate_window: must be a duration string like "250ms", got integer 500`},
		{"daily loss missing", `max_daily_loss =`, ``, `x.toml:16:2: risk.max_daily_loss: required (fail closed: there is no implicit unlimited)`},
		{"drawdown missing", `max_drawdown =`, ``, `risk.max_drawdown: required (fail closed`},
		{"start state", `max_drawdown =`, "max_drawdown = \"1\"\nstart_state = \"paused\"", `risk.start_state: must be one of active|reducing|halted, got "paused"`},

		// latency
		{"percentile range", ``, "[latency]\nreport_percentiles = [50, 101]", `x.toml:28:27: latency.report_percentiles[1]: must be in (0, 100], got 101`},
		{"percentile order", ``, "[latency]\nreport_percentiles = [99, 50]", `latency.report_percentiles[1]: percentiles must be strictly ascending, got 50 after 99`},
		{"busy poll type", ``, "[latency]\nbusy_poll = \"yes\"", `latency.busy_poll: must be true or false, got string "yes"`},
		{"percentile type", ``, "[latency]\nreport_percentiles = [\"p99\"]", `latency.report_percentiles[0]: must be a number, got string "p99"`},
		{"percentiles empty", ``, "[latency]\nreport_percentiles = []", `latency.report_percentiles: must list at least one percentile`},
		{"percentiles not array", ``, "[latency]\nreport_percentiles = 99", `latency.report_percentiles: must be an array, got integer 99`},
		{"histogram max zero", ``, "[latency]\nhistogram_max = \"0\"", `latency.histogram_max: must be positive`},

		// venue
		{"api key inline", ``, "[venue.binance]\napi_key = \"abc\"", `x.toml:28:1: venue.binance.api_key: secrets must not be in the config; set api_key_env or api_secret_file`},
		{"api secret inline", ``, "[venue.binance]\napi_secret = \"abc\"", `venue.binance.api_secret: secrets must not be in the config`},
		{"bad ws url", ``, "[venue.binance]\nws_url = \"https://x\"", `venue.binance.ws_url: must be a ws:// or wss:// URL with a host, got "https://x"`},
		{"bad rest url", ``, "[venue.binance]\nrest_url = \"api.binance.com\"", `venue.binance.rest_url: must be a http:// or https:// URL with a host`},
		{"bad env name", ``, "[venue.binance]\napi_key_env = \"$KEY\"", `venue.binance.api_key_env: must be an environment variable name`},
		{"unknown venue", ``, "[venue.bitmex]\nws_url = \"wss://x\"", `x.toml:27:8: unknown key "venue.bitmex"`},

		// backtest
		{"backtest balance missing", ``, "[backtest]\norder_latency = \"1ms\"", `x.toml:27:2: backtest.initial_balance: required`},
		{"backtest balance float", ``, "[backtest]\ninitial_balance = 1000.0", `backtest.initial_balance: must be a quoted decimal string, not a float`},
		{"backtest data missing", ``, "[backtest]\ninitial_balance = \"1\"\ndata = [\"nope.gz\"]", `x.toml:29:9: backtest.data[0]: file "nope.gz" not found`},
		{"backtest data type", ``, "[backtest]\ninitial_balance = \"1\"\ndata = \"a.gz\"", `backtest.data: must be an array, got string "a.gz"`},
		{"backtest latency conflict", ``, "[backtest]\ninitial_balance = \"1\"\norder_latency = \"1ms\"\nlatency_file = \"config_test.go\"", `backtest.latency_file: conflicts with order_latency/response_latency`},
		{"backtest latency file missing", ``, "[backtest]\ninitial_balance = \"1\"\nlatency_file = \"nope.csv\"", `backtest.latency_file: file "nope.csv" not found`},
		{"backtest queue model", ``, "[backtest]\ninitial_balance = \"1\"\nqueue_model = \"fifo\"", `backtest.queue_model: must be one of risk_averse|power_law, got "fifo"`},
		{"backtest queue power", ``, "[backtest]\ninitial_balance = \"1\"\nqueue_model = \"power_law\"\nqueue_power = 0", `backtest.queue_power: must be positive, got 0`},
		{"backtest negative taker", ``, "[backtest]\ninitial_balance = \"1\"\ntaker_fee_bps = -1", `backtest.taker_fee_bps: must not be negative`},
		{"backtest fee units", ``, "[backtest]\ninitial_balance = \"1\"\nmaker_fee_bps = 2000", `backtest.maker_fee_bps: 2000 bps is 10% or more`},
		{"backtest partial fills", ``, "[backtest]\ninitial_balance = \"1\"\npartial_fills = \"yes\"", `backtest.partial_fills: must be true or false, got string "yes"`},

		// admin
		{"admin listen", ``, "[admin]\nlisten = \"6060\"", `x.toml:28:1: admin.listen: must be host:port, got "6060"`},
		{"admin port", ``, "[admin]\nlisten = \"127.0.0.1:http\"", `admin.listen: port must be a number`},
		{"admin enabled", ``, "[admin]\nenabled = 1", `admin.enabled: must be true or false, got integer 1`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("x.toml", []byte(edit(t, tt.old, tt.repl)))
			if err == nil {
				t.Fatalf("Parse succeeded, want error containing %q", tt.want)
			}
			var list ErrorList
			if !errors.As(err, &list) {
				t.Fatalf("error is %T, want ErrorList", err)
			}
			if !strings.Contains(err.Error()+"\n", tt.want) {
				t.Errorf("error does not contain %q:\n%v", tt.want, err)
			}
		})
	}
}

func TestUnknownKeys(t *testing.T) {
	tests := []struct {
		name      string
		old, repl string
		want      string
	}{
		{"top level", `[engine]`, "colour = \"red\"\n[engine]", `x.toml:1:1: unknown key "colour"`},
		{"top level table", ``, "[engin]\nlog_level = \"info\"", `x.toml:27:2: unknown key "engin" (did you mean "engine"?)`},
		{"nested table", `log_level =`, `log_levle = "info"`, `x.toml:2:1: unknown key "engine.log_levle" (did you mean "log_level"?)`},
		{"risk typo", `max_position =`, `max_positon = "5"`, `x.toml:20:1: unknown key "risk.max_positon" (did you mean "max_position"?)`},
		{"array of tables", `max_qty =`, "max_qty = \"1\"\nticksize = \"0.01\"", `x.toml:10:1: unknown key "instrument[0].ticksize" (did you mean "tick_size"?)`},
		{"second array element", ``, "[[instrument]]\nsymbol = \"ETHUSDT\"\nvenue = \"sim\"\ntick_size = \"0.01\"\nlot_size = \"0.001\"\nmax_qty = \"1\"\nfoo = 1", `x.toml:33:1: unknown key "instrument[1].foo"`},
		{"strategy", `name =`, "name = \"mm\"\nparam = { a = 1 }", `x.toml:13:1: unknown key "strategy[0].param" (did you mean "params"?)`},
		{"dotted key", `log_level =`, `limits.x = 1`, `x.toml:2:1: unknown key "engine.limits"`},
		{"inline table", `[engine]`, "venue = { binance = { wsurl = \"wss://x\" } }\n[engine]", `x.toml:1:23: unknown key "venue.binance.wsurl" (did you mean "ws_url"?)`},
		{"far from anything", `log_level =`, `zzzzzzzzzzzz = 1`, `unknown key "engine.zzzzzzzzzzzz"` + "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("x.toml", []byte(edit(t, tt.old, tt.repl)))
			if err == nil {
				t.Fatal("Parse succeeded")
			}
			if got := err.Error() + "\n"; !strings.Contains(got, tt.want) {
				t.Errorf("error does not contain %q:\n%v", tt.want, err)
			}
		})
	}
	t.Run("params accept any key", func(t *testing.T) {
		c := mustParse(t, edit(t, `instrument =`, "instrument = \"BTCUSDT\"\n[strategy.params]\nanything_goes = 1\n\"quoted key\" = \"x\""))
		if len(c.Strategies[0].Params) != 2 {
			t.Errorf("params = %+v", c.Strategies[0].Params)
		}
	})
}

func TestAllErrorsReported(t *testing.T) {
	doc := edit(t, `max_order_qty =`, "max_order_qty = 1.5\nbogus = 1")
	doc = strings.Replace(doc, `log_level = "info"`, `log_level = "loud"`, 1)
	doc = strings.Replace(doc, `file = "builtin:market_maker"`, `file = "missing.js"`, 1)
	_, err := Parse("x.toml", []byte(doc))
	var list ErrorList
	if !errors.As(err, &list) {
		t.Fatalf("error = %v, want ErrorList", err)
	}
	want := []string{
		`x.toml:2:1: engine.log_level:`,
		`x.toml:13:1: strategy[0].file:`,
		`x.toml:17:1: risk.max_order_qty: must be a quoted decimal string, not a float`,
		`x.toml:18:1: unknown key "risk.bogus"`,
	}
	if len(list) != len(want) {
		t.Fatalf("got %d errors, want %d:\n%v", len(list), len(want), err)
	}
	for i, w := range want {
		if !strings.HasPrefix(list[i].Error(), w) {
			t.Errorf("error %d = %q, want prefix %q", i, list[i].Error(), w)
		}
	}
	if list[2].Key != "risk.max_order_qty" || list[2].Line != 17 || list[2].Col != 1 || list[2].File != "x.toml" {
		t.Errorf("error fields = %+v", *list[2])
	}
	var one *Error
	if !errors.As(err, &one) || one != list[0] {
		t.Errorf("errors.As(*Error) = %v, want the first error", one)
	}
}

func TestSyntaxErrors(t *testing.T) {
	tests := []struct {
		name, doc, want string
	}{
		{"unterminated string", "[engine]\nlog_level = \"info\n", "x.toml:2:"},
		{"duplicate key", "[engine]\nlog_level = \"info\"\nlog_level = \"warn\"\n", "x.toml:3:1: "},
		{"duplicate table", "[risk]\n[risk]\n", "x.toml:2:"},
		{"missing value", "[engine]\nlog_level =\n", "x.toml:2:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("x.toml", []byte(tt.doc))
			var list ErrorList
			if !errors.As(err, &list) || len(list) != 1 {
				t.Fatalf("error = %v, want one-element ErrorList", err)
			}
			if !strings.HasPrefix(err.Error(), tt.want) || strings.Contains(err.Error(), "toml: ") {
				t.Errorf("error = %q, want prefix %q and no \"toml: \"", err, tt.want)
			}
		})
	}
}

func TestTooLarge(t *testing.T) {
	doc := base + "# " + strings.Repeat("x", MaxFileSize) + "\n"
	_, err := Parse("x.toml", []byte(doc))
	if err == nil || !strings.HasPrefix(err.Error(), "x.toml: config is ") {
		t.Errorf("error = %v, want a size error", err)
	}
}

func TestParams(t *testing.T) {
	c := mustParse(t, edit(t, `instrument =`, `instrument = "BTCUSDT"
[strategy.params]
zeta = "z"
alpha = 1
mid = 0.5
flag = true
`))
	want := []Param{
		{Name: "alpha", Kind: ParamNumber, Number: 1},
		{Name: "flag", Kind: ParamBool, Bool: true},
		{Name: "mid", Kind: ParamNumber, Number: 0.5},
		{Name: "zeta", Kind: ParamString, String: "z"},
	}
	got := c.Strategies[0].Params
	if len(got) != len(want) {
		t.Fatalf("params = %+v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("param %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	if p, ok := c.Strategies[0].Param("mid"); !ok || p.Number != 0.5 {
		t.Errorf("Param(mid) = %+v, %v", p, ok)
	}
	if _, ok := c.Strategies[0].Param("nope"); ok {
		t.Error("Param(nope) found")
	}
}

// TestRelativePaths checks that files named by the config resolve against its directory,
// not the working directory.
func TestRelativePaths(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"strategies/mm.js", "data/a.gz", "data/b.gz", "lat.csv"} {
		writeFile(t, filepath.Join(dir, f), "", 0o644)
	}
	writeFile(t, filepath.Join(dir, "secret"), "s", 0o644)
	doc := edit(t, `file =`, `file = "strategies/mm.js"`) + `
[backtest]
data = ["data/a.gz", "data/b.gz"]
latency_file = "lat.csv"
maker_fee_bps = -0.5
initial_balance = "10000"

[venue.binance]
api_secret_file = "secret"
`
	path := filepath.Join(dir, "nanotick.toml")
	writeFile(t, path, doc, 0o644)
	c, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := c.Strategies[0].File, filepath.Join(dir, "strategies/mm.js"); got != want {
		t.Errorf("strategy file = %q, want %q", got, want)
	}
	b := c.Backtest
	if len(b.Data) != 2 || b.Data[1] != filepath.Join(dir, "data/b.gz") || b.LatencyFile != filepath.Join(dir, "lat.csv") {
		t.Errorf("backtest paths = %v, %q", b.Data, b.LatencyFile)
	}
	if b.MakerFeeBps != -0.5 || b.QueueModel != QueueRiskAverse || b.QueuePower != 2 || !b.PartialFills ||
		b.EquityInterval != time.Second || b.MaxTimeJump != DefaultMaxTimeJump || !b.InitialBalance.Equal(dec("10000")) {
		t.Errorf("backtest = %+v", b)
	}
	if c.Venues.Binance.APISecretFile != filepath.Join(dir, "secret") {
		t.Errorf("secret file = %q", c.Venues.Binance.APISecretFile)
	}
	if len(c.Warnings) != 1 || !strings.Contains(c.Warnings[0].String(), "readable by group or others") {
		t.Errorf("warnings = %v, want one about the secret file's mode", c.Warnings)
	}
}

func writeFile(t *testing.T, path, text string, mode os.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
}

func TestWarnings(t *testing.T) {
	tests := []struct {
		name, add, want string
	}{
		{"admin on all interfaces", "[admin]\nlisten = \":6060\"", `x.toml:29:1: warning: admin.listen: ":6060" is not a loopback address`},
		{"admin on public ip", "[admin]\nenabled = true\nlisten = \"10.0.0.1:6060\"", `admin.listen: "10.0.0.1:6060" is not a loopback address`},
		{"zero latency backtest", "[backtest]\ninitial_balance = \"1\"\ndata = []", `x.toml:28:2: warning: backtest: no order_latency`},
		{"no data", "[backtest]\ninitial_balance = \"1\"\norder_latency = \"1ms\"", `warning: backtest: no data files`},
		{"queue power unused", "[backtest]\ninitial_balance = \"1\"\norder_latency = \"1ms\"\ndata = []\nqueue_power = 3", `warning: backtest.queue_power: has no effect`},
		{"missing secret file", "[venue.binance]\napi_secret_file = \"/nonexistent/secret\"", `warning: venue.binance.api_secret_file: secret file "/nonexistent/secret" not found`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mustParse(t, base+"\n"+tt.add+"\n")
			var all []string
			for _, w := range c.Warnings {
				all = append(all, w.String())
			}
			if got := strings.Join(all, "\n"); !strings.Contains(got, tt.want) {
				t.Errorf("warnings %q do not contain %q", got, tt.want)
			}
		})
	}
}

func TestDefault(t *testing.T) {
	c := Default()
	if len(c.Instruments) != 1 || c.Instruments[0].Venue != VenueSim || c.Instruments[0].Symbol != "BTCUSDT" {
		t.Errorf("instruments = %+v", c.Instruments)
	}
	if name, ok := c.Strategies[0].Builtin(); !ok || name != "market_maker" {
		t.Errorf("strategy = %+v", c.Strategies[0])
	}
	if len(c.Warnings) != 0 || c.Admin.Enabled || c.Venues.Binance != nil {
		t.Errorf("default config is not quiet and local: %+v", c)
	}
	if c.Risk.MaxPosition.GreaterThan(dec("1")) || c.Risk.MaxDailyLoss.GreaterThan(dec("1000")) {
		t.Errorf("default risk limits are not conservative: %+v", c.Risk)
	}
	if string(DefaultTOML()) != string(defaultTOML) {
		t.Error("DefaultTOML differs from the embedded text")
	}
	// Default must be fresh each time: callers may modify their copy.
	c.Risk.MaxOpenOrders = 999
	if Default().Risk.MaxOpenOrders == 999 {
		t.Error("Default shares state between calls")
	}
}

// TestRiskMapping checks that a parsed config maps onto the risk layer without loss:
// the bounds config enforces are the ones risk.New enforces.
func TestRiskMapping(t *testing.T) {
	if maxOpenOrdersLimit != risk.MaxOpenOrdersLimit {
		t.Errorf("maxOpenOrdersLimit = %d, risk.MaxOpenOrdersLimit = %d", maxOpenOrdersLimit, risk.MaxOpenOrdersLimit)
	}
	for _, c := range []*Config{Default(), mustParse(t, base)} {
		in := c.Instruments[0]
		conv := func(s fixed.Scale, d decimal.Decimal) int64 {
			v, err := s.FromDecimal(d)
			if err != nil {
				t.Fatalf("%s at %d: %v", d, s, err)
			}
			return v
		}
		inst := risk.Instrument{
			PriceScale: in.PriceDecimals, QtyScale: in.QtyDecimals,
			Tick: conv(in.PriceDecimals, in.TickSize), Lot: conv(in.QtyDecimals, in.LotSize),
			MinQty: conv(in.QtyDecimals, in.MinQty), MaxQty: conv(in.QtyDecimals, in.MaxQty),
			MinNotional: conv(in.PriceDecimals, in.MinNotional),
		}
		r := c.Risk
		cfg := risk.Config{
			MaxOrderQty: r.MaxOrderQty, MaxOrderNotional: r.MaxOrderNotional, PriceBandBps: r.PriceBandBps,
			StaleAfter: c.Engine.StaleBookAfter, MaxPosition: r.MaxPosition, MaxOpenOrders: r.MaxOpenOrders,
			OrdersPerSecond: r.OrdersPerSecond, OrderBurst: r.OrderBurst, DuplicateWindow: r.DuplicateWindow,
			MaxDailyLoss: r.MaxDailyLoss, MaxDrawdown: r.MaxDrawdown,
		}
		if _, err := risk.New(cfg, inst); err != nil {
			t.Errorf("%s: risk.New: %v", c.File, err)
		}
	}
}

func TestSuggest(t *testing.T) {
	known := []string{"max_position", "max_open_orders", "max_order_qty", "tick_size"}
	tests := []struct{ key, want string }{
		{"max_positon", "max_position"},
		{"max_open_order", "max_open_orders"},
		{"ticksize", "tick_size"},
		{"TICK_SIZE", ""},
		{"colour", ""},
		{strings.Repeat("x", 100), ""},
	}
	for _, tt := range tests {
		if got := suggest(tt.key, known); got != tt.want {
			t.Errorf("suggest(%q) = %q, want %q", tt.key, got, tt.want)
		}
	}
}

// TestInlineAndDottedTables checks that the TOML spellings of a table other than a
// header are accepted alike.
func TestInlineAndDottedTables(t *testing.T) {
	doc := strings.Replace(base, "[engine]\nlog_level = \"info\"\n", "engine = { log_level = \"warn\", log_format = \"json\" }\nlatency.histogram_max = \"2s\"\n", 1)
	c := mustParse(t, doc)
	if c.Engine.LogLevel != "warn" || c.Engine.LogFormat != "json" || c.Latency.HistogramMax != 2*time.Second {
		t.Errorf("engine = %+v, latency = %+v", c.Engine, c.Latency)
	}
}
