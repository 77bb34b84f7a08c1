#!/usr/bin/env bash
# Delivery and ingest benchmarks (issue: delivery that keeps up). Builds release binaries,
# starts the benchmark receiver on loopback, and runs each scenario RUNS times (default 3),
# printing every run as a JSON line and the medians, next to `openssl speed rsa2048` measured
# in the same run. Everything listens on 127.0.0.1 only and every run is bounded in time.
#
#   scripts/bench-delivery.sh            # all scenarios
#   RUNS=5 FOLLOWERS=10000 scripts/bench-delivery.sh
#   PG=postgres://postgres@127.0.0.1:5432/test scripts/bench-delivery.sh   # adds 2 nodes on PostgreSQL
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-3}
FOLLOWERS=${FOLLOWERS:-10000}
FIRST_PORT=${FIRST_PORT:-21000}
PORTS=${PORTS:-100}
OUT=$(mktemp -d)

cargo build --release --quiet --bin feder --example bench_receiver --example bench_fanout --example bench_ingest

target/release/examples/bench_receiver --first-port "$FIRST_PORT" --ports "$PORTS" > "$OUT/receiver.log" 2>&1 &
RECEIVER=$!
trap 'kill $RECEIVER 2>/dev/null || true; rm -rf "$OUT"' EXIT
for _ in $(seq 50); do grep -q ready "$OUT/receiver.log" 2>/dev/null && break; sleep 0.1; done

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
field() { python3 -c "import json,sys; print(json.loads(sys.stdin.read())['$1'])"; }

openssl_sign=$(openssl speed -seconds 3 rsa2048 2>/dev/null | awk '/^rsa 2048/ {print $(NF-1)}')
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo); openssl speed rsa2048: $openssl_sign signs/s (one core)"

run_fanout() { # label, args...
  local label=$1; shift
  : > "$OUT/$label"
  for i in $(seq "$RUNS"); do
    timeout 900 target/release/examples/bench_fanout --receiver-first-port "$FIRST_PORT" --receiver-ports "$PORTS" "$@" | tee -a "$OUT/$label"
  done
  local rate rss peak
  rate=$(while read -r l; do echo "$l" | field deliveries_per_second; done < "$OUT/$label" | median)
  rss=$(while read -r l; do echo "$l" | field rss_idle_mib; done < "$OUT/$label" | median)
  peak=$(while read -r l; do echo "$l" | field rss_peak_mib; done < "$OUT/$label" | median)
  python3 -c "print(f'$label: median {float($rate):.0f} deliveries/s = {float($rate)/float($openssl_sign)*100:.0f}% of one core of openssl signing ({float($rate)/(float($openssl_sign)*$(nproc))*100:.0f}% of the machine); RSS idle {float($rss):.1f} MiB, peak {float($peak):.1f} MiB')"
}

run_fanout "fanout-distinct" --followers "$FOLLOWERS" --shared 0
run_fanout "fanout-shared" --followers "$FOLLOWERS" --shared 100
if [ -n "${PG:-}" ]; then
  run_fanout "fanout-2nodes-postgres" --followers "$FOLLOWERS" --shared 0 --nodes 2 --database "$PG"
fi

: > "$OUT/ingest"
for i in $(seq "$RUNS"); do
  timeout 600 target/release/examples/bench_ingest --requests "${REQUESTS:-20000}" --connections 64 | tee -a "$OUT/ingest"
done
rate=$(while read -r l; do echo "$l" | field accepted_per_second; done < "$OUT/ingest" | median)
p99=$(while read -r l; do echo "$l" | field p99_ms; done < "$OUT/ingest" | median)
lost=$(while read -r l; do echo "$l" | field lost; done < "$OUT/ingest" | sort -n | tail -1)
echo "ingest: median $rate accepted+stored/s, p99 $p99 ms, most lost in a run: $lost"
