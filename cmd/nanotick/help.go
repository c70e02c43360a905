package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// cmdHelp is a subcommand's full help, printed by "nanotick COMMAND --help" and
// "nanotick help COMMAND": its usage with the positional arguments, what it does, its
// flags (from the FlagSet, if it has one) and examples to copy.
type cmdHelp struct {
	usage    string // "usage: nanotick ..." line(s)
	about    string // what the command does, and its positional arguments
	examples string // one command a line, each with a comment line before it
}

// helps holds every subcommand's help that its own file does not already spell out in a
// usage constant. Kept together so that the help reads as one manual.
var helps = map[string]cmdHelp{
	"run": {
		usage: "usage: nanotick run [--config FILE] [--duration D] [flags]",
		about: `Trades live. With no --config it starts the local exchange in this process and trades the
builtin market maker against it over loopback websockets: no network, no keys. With
--config it runs the config's strategy on its venue (a "sim" venue is the local exchange).
It runs until interrupted (Ctrl-C) or for --duration, then prints a summary.

No positional arguments.`,
		examples: `# the main job: the example market maker against the local exchange, for 30 seconds
nanotick run --duration 30s
# a configured strategy, with /metrics and the kill switch on 127.0.0.1:6060
nanotick run --config examples/nanotick.toml --admin 127.0.0.1:6060`,
	},
	"eval": {
		usage: "usage: nanotick eval FILE.js",
		about: `Compiles the script FILE.js and runs its top level, printing what console.log prints,
as Node would. A strategy script's top level runs with the strategy API declared and
every param at its default; its callbacks are not called.

Arguments:
  FILE.js   the script to run`,
		examples: `nanotick eval examples/hello.js`,
	},
	"vet": {
		usage: "usage: nanotick vet FILE.js",
		about: `Compiles the strategy script FILE.js and prints every error as file:line:col: message,
then a warning at each place inside a function that allocates on every call (an
allocation costs latency on every tick). Exit status 1 if the script does not compile.

Arguments:
  FILE.js   the strategy script to check`,
		examples: `nanotick vet examples/strategies/market_maker.js`,
	},
	"inspect": {
		usage: "usage: nanotick inspect [--venue spot|usdm] FILE...",
		about: `Summarizes recordings: venue and symbol, streams and message counts, time span, book
sync counters, malformed lines and frames, receive times that go backwards, feed latency
and throughput. The files are read in the order given, as one stream.

Arguments:
  FILE...   recordings (gzip or plain text, one "<local ns> <frame>" line per record)`,
		examples: `nanotick inspect ../shared/data/binance-spot-btcusdt-20240808.gz
nanotick inspect --venue usdm ../shared/data/binance-usdm-btcusdt-20240808.gz`,
	},
	"book": {
		usage: "usage: nanotick book [--depth N] [--format csv|jsonl] [--venue spot|usdm] FILE...",
		about: `Replays recordings through the book and prints the top N levels after every applied
depth event, as CSV (a header line, then one line per event) or JSON lines.

Arguments:
  FILE...   recordings, read in the order given as one stream`,
		examples: `nanotick book --depth 3 ../shared/data/binance-spot-btcusdt-20240808.gz | head
nanotick book --format jsonl ../shared/data/binance-usdm-btcusdt-20240808.gz > book.jsonl`,
	},
	"config": {
		usage: "usage: nanotick config check FILE",
		about: `check validates a configuration file (TOML; the schema is documented in
examples/nanotick.toml) and prints "FILE: ok" with a summary of what would run, and any
warnings; or every error as file:line:col: message, one a line, with exit status 1.

Arguments:
  check     the only subcommand
  FILE      the configuration file`,
		examples: `nanotick config check examples/nanotick.toml
nanotick config check examples/backtest.toml`,
	},
	"record": {
		usage: "usage: nanotick record --out DIR [--symbol S] [--streams LIST] [flags]",
		about: `Records a venue's market data streams and REST depth snapshots to gzip files in the
recorded format ("<local ns> <frame>" lines) that backtest, inspect and book read. It
runs until SIGINT or SIGTERM, or for --duration, rotating files by size and age.

No positional arguments.`,
		examples: `# an hour of Binance Spot BTCUSDT
nanotick record --out recordings --duration 1h
# the local exchange's streams (start "nanotick sim" first and use the URLs it prints)
nanotick record --out /tmp/rec --url ws://127.0.0.1:PORT --rest http://127.0.0.1:PORT --duration 10s`,
	},
	"backtest": {
		examples: `# the Go market maker on the spot recording, with Binance's rules
nanotick backtest --data ../shared/data/binance-spot-btcusdt-20240808.gz
# a config's strategy, 5 ms each way, the report as JSON too
nanotick backtest --config examples/backtest.toml --order-latency 5ms --response-latency 5ms --json report.json
# a script of your own, with a parameter
nanotick backtest --data ../shared/data/binance-spot-btcusdt-20240808.gz --strategy my.js --param size=0.002`,
	},
}

// write prints h, then fs's flags if fs has any.
func (h cmdHelp) write(w io.Writer, fs *flag.FlagSet) {
	if h.usage != "" {
		fmt.Fprintln(w, h.usage)
	}
	if h.about != "" {
		fmt.Fprintf(w, "\n%s\n", h.about)
	}
	if fs != nil {
		n := 0
		fs.VisitAll(func(*flag.Flag) { n++ })
		if n > 0 {
			fmt.Fprintln(w, "\nflags:")
			fs.PrintDefaults()
		}
	}
	h.writeExamples(w)
}

// writeExamples prints h's examples, indented.
func (h cmdHelp) writeExamples(w io.Writer) {
	if h.examples == "" {
		return
	}
	fmt.Fprintln(w, "\nexamples:")
	for _, line := range strings.Split(h.examples, "\n") {
		fmt.Fprintf(w, "  %s\n", line)
	}
}

// setHelp makes fs print the command's full help when asked (-h, --help) or when its
// command line is wrong.
func setHelp(fs *flag.FlagSet, name string, w io.Writer) {
	fs.SetOutput(w)
	fs.Usage = func() { helps[name].write(w, fs) }
}

// asksHelp reports whether a command line without a FlagSet asks for help: its first
// argument is -h, -help or --help, or "help".
func asksHelp(args []string) bool {
	if len(args) == 0 {
		return false
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		return true
	}
	return false
}

// helpOr2 is the exit status of a command line that failed to parse: 0 if it asked for
// help (the FlagSet has printed it), 2 otherwise.
func helpOr2(err error) int {
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	return 2
}
