#!/usr/bin/env bash
# bench.sh: run the nanotick vs gopher-lua benchmarks and print a markdown table of medians.
#
#   vm/bench.sh            # 5 runs of each benchmark (-count 5)
#   vm/bench.sh 10         # 10 runs
#
# It runs
#   go test ./vm -run '^$' -bench '^Benchmark(FibIter|NestedLoop|Sort|FibRec|OnTick)$' -benchmem -count N
# (only the five workloads of bench_test.go, not the VM's internal benchmarks), summarizes the
# runs with benchstat (golang.org/x/perf/cmd/benchstat, fetched through the module proxy by
# `go run`), and falls back to computing medians with awk if benchstat cannot be run.
#
# Environment: BENCH_RAW=FILE summarizes an earlier run's output instead of running the
# benchmarks; NO_BENCHSTAT=1 skips benchstat and uses the awk medians.
set -euo pipefail

count="${1:-5}"
root="$(cd "$(dirname "$0")/.." && pwd)"
raw="$(mktemp)"
norm="$(mktemp)"
trap 'rm -f "$raw" "$norm"' EXIT

cd "$root"
if [ -n "${BENCH_RAW:-}" ]; then
	cp "$BENCH_RAW" "$raw"
	count="$(grep -c '^BenchmarkOnTick/nanotick' "$raw" || true)"
else
	echo "running benchmarks (-count $count); raw output follows" >&2
	go test ./vm -run '^$' -bench '^Benchmark(FibIter|NestedLoop|Sort|FibRec|OnTick)$' \
		-benchmem -count "$count" | tee "$raw" >&2
fi

# Normalize to lines "Workload engine metric value" with time in ns.
summarizer=""
if [ -z "${NO_BENCHSTAT:-}" ] && csv="$(cd /tmp && go run golang.org/x/perf/cmd/benchstat@latest -format csv "$raw" 2>/dev/null)"; then
	summarizer="benchstat (median)"
	(cd /tmp && go run golang.org/x/perf/cmd/benchstat@latest "$raw") >&2 || true
	printf '%s\n' "$csv" | awk -F, '
		$1 == "" && $2 ~ /\/op$/ { metric = $2; next }
		$1 ~ /\// && metric != "" {
			name = $1; sub(/-[0-9]+$/, "", name)
			split(name, p, "/")
			v = $2
			if (metric == "sec/op") { metric_out = "ns/op"; v = v * 1e9 } else metric_out = metric
			print p[1], p[2], metric_out, v
		}' >"$norm"
fi
if [ ! -s "$norm" ]; then
	summarizer="awk (median)"
	awk '
		/^Benchmark/ {
			name = $1; sub(/^Benchmark/, "", name); sub(/-[0-9]+$/, "", name)
			for (i = 3; i < NF; i += 2) {
				key = name SUBSEP $(i + 1)
				n[key]++; vals[key, n[key]] = $i
			}
		}
		END {
			for (key in n) {
				split(key, kp, SUBSEP)
				c = n[key]
				for (i = 1; i <= c; i++) a[i] = vals[key, i] + 0
				for (i = 2; i <= c; i++) { x = a[i]; j = i - 1; while (j >= 1 && a[j] > x) { a[j + 1] = a[j]; j-- } a[j + 1] = x }
				med = (c % 2) ? a[(c + 1) / 2] : (a[c / 2] + a[c / 2 + 1]) / 2
				split(kp[1], p, "/")
				print p[1], p[2], kp[2], med
			}
		}' "$raw" >"$norm"
fi

cpu="$(awk -F': ' '/^cpu:/ { print $2; exit }' "$raw")"
echo
echo "Measured $(date -u '+%Y-%m-%d %H:%M UTC') on $(nproc) cores (${cpu:-unknown cpu}), $(go version | awk '{print $3, $4}'), -count $count, summarized by $summarizer."
echo
awk '
	function human(ns) {
		if (ns >= 1e6) return sprintf("%.2f ms", ns / 1e6)
		if (ns >= 1e3) return sprintf("%.2f µs", ns / 1e3)
		return sprintf("%.1f ns", ns)
	}
	{ v[$1, $2, $3] = $4; seen[$1] = 1 }
	END {
		order = "FibIter NestedLoop Sort FibRec OnTick"
		split(order, w, " ")
		desc["FibIter"] = "iterative fib(30) x 10,000"
		desc["NestedLoop"] = "nested loop 1000 x 1000"
		desc["Sort"] = "fill 10,000 floats + sort with comparator"
		desc["FibRec"] = "recursive fib(30)"
		desc["OnTick"] = "onTick (two EMAs, crossover), per call"
		target["FibIter"] = "3.8 ms"; target["NestedLoop"] = "5.8 ms"; target["Sort"] = "8.2 ms"
		target["FibRec"] = "46 ms"; target["OnTick"] = "75 ns"
		print "| workload | nanotick | gopher-lua | speedup vs gopher-lua | nanotick B/op | nanotick allocs/op | target (C Lua 5.4, reference figure from another run) |"
		print "|---|---:|---:|---:|---:|---:|---:|"
		for (i = 1; i <= 5; i++) {
			k = w[i]
			if (!(k in seen)) continue
			nt = v[k, "nanotick", "ns/op"]; gl = v[k, "gopherlua", "ns/op"]
			sp = (nt > 0 && gl > 0) ? sprintf("%.2fx", gl / nt) : "n/a"
			printf "| %s: %s | %s | %s | %s | %d | %d | %s |\n", k, desc[k], human(nt), human(gl), sp, v[k, "nanotick", "B/op"], v[k, "nanotick", "allocs/op"], target[k]
		}
	}' "$norm"
