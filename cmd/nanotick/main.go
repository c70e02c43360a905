// Command nanotick is the command-line face of the engine: it evaluates and vets strategy
// scripts, inspects recordings, validates configs, and (later) runs and backtests strategies.
//
// Each subcommand lives in its own file and has the signature
//
//	func(args []string, stdout, stderr io.Writer) int
//
// returning the process exit status, so that tests can drive it without a subprocess.
package main

import (
	"fmt"
	"io"
	"os"
	"sort"
)

// command is one subcommand of nanotick.
type command struct {
	run   func(args []string, stdout, stderr io.Writer) int
	usage string
}

// commands lists every subcommand; it is built explicitly here rather than by init
// registration so that the whole surface of the binary can be read in one place.
func commands() map[string]command {
	return map[string]command{
		"run":      {runRun, "run [--config FILE] [--duration D]   trade live; with no config, the example market maker against a local exchange"},
		"eval":     {runEval, "eval FILE.js             run a script's top level, printing what console.log prints"},
		"vet":      {runVet, "vet FILE.js              compile a script, print every error and per-tick allocation warnings"},
		"inspect":  {runInspect, "inspect FILE...          summarize recordings: streams, counts, book sync, latency"},
		"book":     {runBook, "book FILE... [--depth N] [--format csv|jsonl]   print the book after every depth event"},
		"config":   {runConfig, "config check FILE        validate a configuration file"},
		"sim":      {runSim, "sim [flags]              serve the local exchange on 127.0.0.1 (market data and order entry)"},
		"record":   {runRecord, "record [flags]           record a venue's feed to files in the recorded format"},
		"sweep":    {runSweep, "sweep run|merge ...      run a parameter grid of backtests (sharded), or merge shard results"},
		"report":   {runReport, "report html|compare REPORT.json...   render saved backtest reports as HTML, or compare several side by side"},
		"export":   {runExport, "export [--format parquet|csv] FILE...   write a report's fills, orders and equity, or recordings' book tops and trades, as tables"},
		"parity":   {runParity, "parity SESSION           backtest a recorded live session (run --record-session) and report where it diverges"},
		"backtest": {runBacktest, "backtest [--config FILE] [flags]   replay recordings through a strategy against a simulated exchange"},
	}
}

func main() {
	tuneGC(os.Args[1:])
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	cmds := commands()
	if len(args) == 2 && args[0] == "help" { // "nanotick help COMMAND" is "nanotick COMMAND --help"
		if c, ok := cmds[args[1]]; ok {
			return c.run([]string{"--help"}, stdout, stderr)
		}
	}
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stderr, cmds)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	c, ok := cmds[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "nanotick: unknown command %q\n\n", args[0])
		usage(stderr, cmds)
		return 2
	}
	return c.run(args[1:], stdout, stderr)
}

func usage(w io.Writer, cmds map[string]command) {
	fmt.Fprintln(w, "usage: nanotick COMMAND [ARGS]")
	fmt.Fprintln(w)
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %s\n", cmds[n].usage)
	}
	fmt.Fprintln(w, "\nnanotick COMMAND --help (or nanotick help COMMAND) prints a command's full help, with examples.")
}
