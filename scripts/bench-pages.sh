#!/usr/bin/env bash
# Page throughput and latency on loopback with wrk, against a release build.
#
# Starts examples/bench_pages.rs (a blog whose post has 50 comments, and bare axum handlers in
# the same process as baselines), then runs wrk RUNS times per target and prints the
# medians of requests/s and of the 99th-percentile latency, the post page's share of the
# bare handler's rate, and a table of each figure with its target, met or missed. One target
# reads the post page while a like storm blows (STORM_RATE signed Likes and Undos per second
# into the inbox, each changing the post's counts). Targets: post page p99 <= 5 ms, and
# <= 10 ms during the storm, at 64 connections; >= 15k req/s; at least half the bare rate.
#
#   scripts/bench-pages.sh                 # 5 runs x 10 s per target, 64 connections
#   RUNS=3 DURATION=5s STORM_RATE=100 scripts/bench-pages.sh
#   FEDER_BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench scripts/bench-pages.sh
#
# Needs wrk (Debian: apt-get install -y wrk). Only 127.0.0.1/localhost is ever addressed, and
# every wrk run is bounded by DURATION; the server is stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${RUNS:-5}
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-2}
STORM_RATE=${STORM_RATE:-100}

command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }

echo "Building the benchmark server (release)..." >&2
cargo build --release --example bench_pages >&2
binary=target/release/examples/bench_pages
[ -x "$binary" ] || { echo "no benchmark binary found" >&2; exit 1; }

work=$(mktemp -d)
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

"$binary" >"$work/server.out" 2>"$work/server.err" &
server_pid=$!
for _ in $(seq 1 120); do
  grep -q READY "$work/server.out" 2>/dev/null && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.err" >&2; exit 1; }
  sleep 0.5
done
grep -q READY "$work/server.out" || { echo "server did not start" >&2; exit 1; }
blog=$(sed -n 's/^BLOG //p' "$work/server.out")
post=$(sed -n 's/^POST //p' "$work/server.out")
bare=$(sed -n 's/^BARE //p' "$work/server.out")
bare_page=$(sed -n 's/^BARE_PAGE //p' "$work/server.out")
storm=$(sed -n 's/^STORM //p' "$work/server.out")
storm_name="post page, $STORM_RATE likes/s"

# name|url|extra wrk arguments|likes per second meanwhile
targets=(
  "post page (HTML, 50 comments)|$post|-H 'Accept: text/html'|0"
  "$storm_name|$post|-H 'Accept: text/html'|$STORM_RATE"
  "post page, gzip|$post|-H 'Accept: text/html' -H 'Accept-Encoding: gzip'|0"
  "home page (HTML)|$blog|-H 'Accept: text/html'|0"
  "Article JSON|$post|-H 'Accept: application/activity+json'|0"
  "bare axum handler|$bare||0"
  "bare axum, post page's bytes|$bare_page||0"
)

# wrk's latency with its unit (us, ms, s) in milliseconds.
to_ms() {
  awk -v v="$1" 'BEGIN {
    if (v ~ /us$/) { sub(/us$/, "", v); printf "%.3f", v / 1000 }
    else if (v ~ /ms$/) { sub(/ms$/, "", v); printf "%.3f", v }
    else if (v ~ /s$/) { sub(/s$/, "", v); printf "%.3f", v * 1000 }
    else { printf "%s", v } }'
}
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

printf '\nwrk -t%s -c%s -d%s --latency, %s runs each, on %s (%s cores)\n\n' \
  "$THREADS" "$CONNECTIONS" "$DURATION" "$RUNS" "$(uname -sr)" "$(nproc)"
printf '%-32s %12s %10s   %s\n' "target" "req/s" "p99 ms" "(each run: req/s / p99 ms)"
declare -A rate p99
for target in "${targets[@]}"; do
  IFS='|' read -r name url extra likes <<<"$target"
  curl -fsS -X POST "$storm/$likes" >/dev/null
  eval "wrk -t1 -c8 -d2s $extra '$url'" >/dev/null # warm-up: fills the page cache
  rates="" p99s="" runs=""
  for _ in $(seq 1 "$RUNS"); do
    out=$(eval "wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency $extra '$url'")
    if grep -q "Non-2xx" <<<"$out"; then echo "$name: error answers:" >&2; echo "$out" >&2; exit 1; fi
    r=$(awk '/^Requests\/sec:/ { print $2 }' <<<"$out")
    l=$(to_ms "$(awk '$1 == "99%" { print $2 }' <<<"$out")")
    rates="$rates $r" p99s="$p99s $l" runs="$runs ${r%.*}/$l"
  done
  curl -fsS -X POST "$storm/0" >/dev/null
  rate[$name]=$(median <<<"$rates")
  p99[$name]=$(median <<<"$p99s")
  printf '%-32s %12.0f %10.2f  %s\n' "$name" "${rate[$name]}" "${p99[$name]}" "$runs"
done

post_rate=${rate["post page (HTML, 50 comments)"]}
gzip_rate=${rate["post page, gzip"]}
same_bytes=${rate["bare axum, post page's bytes"]}
post_p99=${p99["post page (HTML, 50 comments)"]}
storm_p99=${p99["$storm_name"]}
bare_rate=${rate["bare axum handler"]}
ratio=$(awk -v p="$post_rate" -v b="$bare_rate" 'BEGIN { printf "%.2f", p / b }')
verdict() { if awk "BEGIN { exit !($1) }"; then echo "met"; else echo "MISSED"; fi; }
kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true
server_pid=""
grep -h "^changes to the whole site\|^storm:" "$work/server.err" || true
printf '\npost page / bare handler: %s (gzip, as browsers ask: %s; post page / axum serving the same bytes: %s)\n' \
  "$ratio" "$(awk -v p="$gzip_rate" -v b="$bare_rate" 'BEGIN { printf "%.2f", p / b }')" \
  "$(awk -v p="$post_rate" -v b="$same_bytes" 'BEGIN { printf "%.2f", p / b }')"
printf '\n| figure (medians of %s runs; load average %s) | value | target | |\n|---|---:|---|---|\n' \
  "$RUNS" "$(cut -d' ' -f1-3 /proc/loadavg)"
row() { printf '| %s | %s | %s | %s |\n' "$1" "$2" "$3" "$(verdict "$4")"; }
row "post page p99" "$post_p99 ms" "<= 5 ms" "$post_p99 <= 5"
row "post page p99, $STORM_RATE likes/s" "$storm_p99 ms" "<= 10 ms" "$storm_p99 <= 10"
row "post page rate" "$(printf '%.0f' "$post_rate") req/s" ">= 15000 req/s" "$post_rate >= 15000"
row "post page / bare handler" "$ratio" ">= 0.5" "$ratio >= 0.5"
