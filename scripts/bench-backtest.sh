#!/usr/bin/env bash
# bench-backtest.sh: the performance table of docs/backtesting.md.
#
#   scripts/bench-backtest.sh [-n RUNS] [-o TABLE.md] [DATA_DIR]
#
# For each shared recording it times, in wall-clock milliseconds, `gzip -dc FILE`, a
# backtest reading the gz (the default strategy, the JavaScript market maker, and the Go
# market maker), a backtest replaying the event cache (`--cache DIR`, built once before
# the measures), and a 16-point sweep against the same 16 points run as 16 separate
# `nanotick backtest` processes; and, from the summary of a run from the cache (JavaScript),
# the replay's own wall time, without the process's start-up, the recording's probes and
# the cache's checks. Every measure runs
# RUNS times (default 5), alternated with the others (gzip, backtest, gzip, backtest,
# ...), so that a neighbour's burst on a shared machine falls on all of them alike; the
# table gives medians of wall time and of CPU time (user + system), the ratios to gzip
# -dc of the medians, and `uptime` before and after. On a loaded machine the wall-clock
# rows measure the neighbours as much as nanotick: read the load with them. DATA_DIR defaults to ../shared/data relative to the repository root.
set -euo pipefail

runs=5
table=""
while getopts "n:o:" opt; do
	case $opt in
	n) runs=$OPTARG ;;
	o) table=$OPTARG ;;
	*) echo "usage: $0 [-n RUNS] [-o TABLE.md] [DATA_DIR]" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
root=$(cd "$(dirname "$0")/.." && pwd)
data=${1:-$root/../shared/data}
spot=$data/binance-spot-btcusdt-20240808.gz
usdm=$data/binance-usdm-btcusdt-20240808.gz
for f in "$spot" "$usdm"; do
	[[ -r $f ]] || { echo "$0: $f: not readable (give the data directory)" >&2; exit 1; }
done
command -v gzip >/dev/null || { echo "$0: no gzip command" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
bin=$work/nanotick
# Built as the Dockerfile builds the binary it ships: static, without cgo. With cgo (the
# default where a C compiler is installed) only the net package's DNS resolver uses it,
# and every process pays for loading libc and for threads made through it: about 3 ms of
# each start (see docs/backtesting.md, "Start-up").
(cd "$root" && CGO_ENABLED=0 go build -o "$bin" ./cmd/nanotick)

# The USD-M perpetual's rules: tick 0.1, step 0.001, min notional 100 (so the market
# maker quotes 0.002 BTC).
cat >"$work/usdm.toml" <<'TOML'
[[instrument]]
symbol = "BTCUSDT"
venue = "binance-usdm"
tick_size = "0.1"
lot_size = "0.001"
max_qty = "1000"
min_notional = "100"
price_decimals = 2
qty_decimals = 3

[[strategy]]
name = "market_maker"
file = "builtin:market_maker"
instrument = "BTCUSDT"
[strategy.params]
size = 0.002

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

[backtest]
initial_balance = "10000"
TOML
cp "$work/usdm.toml" "$work/usdm-go.toml"
sed -i 's/^file = "builtin:market_maker"$/language = "go"\ngo_name = "marketmaker"/' "$work/usdm-go.toml"

# ms CMD...: runs CMD with its output discarded and prints its wall time and its CPU
# time (user + system, children included) in ms.
ms() {
	local TIMEFORMAT='%R %U %S'
	{ time "$@" >/dev/null 2>"$work/err"; } 2>"$work/t" || { echo "$0: failed: $*" >&2; cat "$work/err" >&2; exit 1; }
	awk '{ printf "%.1f %.1f\n", $1 * 1000, ($2 + $3) * 1000 }' "$work/t"
}

# replayms FILE: the replay's own wall time in ms, from the summary in FILE (its "speed"
# line: the time from the replay's first event to its report, without the process's
# start-up, the data's probes and the cache's checks before it).
replayms() {
	sed -n 's/.*events\/s (\(.*\) wall).*/\1/p' "$1" | awk '{
		v = $1
		if (v ~ /ms$/) { sub(/ms$/, "", v); print v }
		else if (v ~ /(µs|us)$/) { sub(/(µs|us)$/, "", v); print v / 1000 }
		else if (v ~ /s$/) { sub(/s$/, "", v); print v * 1000 }
	}'
}

# median COLUMN: the median of a column of numbers on stdin.
median() { awk -v c="$1" '{ print $c }' | sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.1f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

sixteen() { # sixteen FILE ARGS...: the 16 sweep points as 16 backtests
	local f=$1; shift
	for h in 1 1.5 2 3; do for s in 0.002 0.003 0.004 0.005; do
		"$bin" backtest --data "$f" "$@" --param halfSpreadBps=$h --param size=$s
	done; done
}
sweep16() {
	local f=$1; shift
	"$bin" sweep run --data "$f" "$@" --param halfSpreadBps=1,1.5,2,3 --param size=0.002,0.003,0.004,0.005
}

load_before=$(uptime)
out=$work/table.md
{
	echo "| recording | measure | gzip -dc | backtest from gz, JS (default) | x gzip | backtest from gz, Go | x gzip | from the cache, JS | x gzip | from the cache, Go | x gzip | 16 backtests | 16-point sweep | speed-up | cache JS, replay alone | x gzip |"
	echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
} >"$out"
for name in spot usdm; do
	if [[ $name == spot ]]; then
		f=$spot; js=(); gos=(--strategy marketmaker)
	else
		f=$usdm; js=(--config "$work/usdm.toml"); gos=(--config "$work/usdm-go.toml")
	fi
	: >"$work/gz"; : >"$work/js"; : >"$work/go"; : >"$work/cjs"; : >"$work/cgo"; : >"$work/b16"; : >"$work/s16"; : >"$work/rjs"
	ms "$bin" backtest --data "$f" "${js[@]}" --cache "$work/cache" >/dev/null # builds the cache
	for ((i = 0; i < runs; i++)); do
		ms gzip -dc "$f" >>"$work/gz"
		ms "$bin" backtest --data "$f" "${js[@]}" >>"$work/js"
		ms gzip -dc "$f" >>"$work/gz"
		ms "$bin" backtest --data "$f" "${gos[@]}" >>"$work/go"
		ms gzip -dc "$f" >>"$work/gz"
		ms "$bin" backtest --data "$f" "${js[@]}" --cache "$work/cache" >>"$work/cjs"
		"$bin" backtest --data "$f" "${js[@]}" --cache "$work/cache" >"$work/summary" 2>/dev/null
		replayms "$work/summary" >>"$work/rjs"
		ms gzip -dc "$f" >>"$work/gz"
		ms "$bin" backtest --data "$f" "${gos[@]}" --cache "$work/cache" >>"$work/cgo"
		ms sixteen "$f" "${js[@]}" >>"$work/b16"
		ms sweep16 "$f" "${js[@]}" >>"$work/s16"
	done
	for col in 1 2; do
		what=wall
		[[ $col == 2 ]] && what="CPU (user+sys)"
		gz=$(median $col <"$work/gz"); jsm=$(median $col <"$work/js"); gom=$(median $col <"$work/go")
		cjs=$(median $col <"$work/cjs"); cgo=$(median $col <"$work/cgo")
		b16=$(median $col <"$work/b16"); s16=$(median $col <"$work/s16")
		rjs=$(median 1 <"$work/rjs")
		awk -v n="$name" -v w="$what" -v gz="$gz" -v js="$jsm" -v go="$gom" -v cjs="$cjs" -v cgo="$cgo" -v b="$b16" -v s="$s16" -v r="$rjs" -v col="$col" 'BEGIN {
			rep = "- | - |"
			if (col == 1) rep = sprintf("%.1f ms | **%.2fx** |", r, r / gz)
			printf "| %s | %s | %.1f ms | %.1f ms | **%.2fx** | %.1f ms | **%.2fx** | %.1f ms | **%.2fx** | %.1f ms | **%.2fx** | %.0f ms | %.0f ms | **%.1fx** | %s\n",
				n, w, gz, js, js / gz, go, go / gz, cjs, cjs / gz, cgo, cgo / gz, b, s, b / s, rep }' >>"$out"
	done
done
{
	echo
	echo "Medians of $runs alternated runs, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores."
	echo "Load before: ${load_before#*load average: }; after: $(uptime | sed 's/.*load average: //')."
} >>"$out"
cat "$out"
[[ -z $table ]] || cp "$out" "$table"
