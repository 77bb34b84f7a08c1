#!/usr/bin/env bash
# Delivery and ingest benchmarks (issue: delivery that keeps up). Builds release binaries,
# starts the benchmark receiver on loopback, and runs each scenario RUNS times (default 3),
# printing every run as a JSON line, then a table of the medians: each figure, its target, met
# or missed, signing next to `openssl speed rsa2048` measured in the same run, and the CPU one
# delivery costs the sender and the receiver (the rate on otherwise idle cores). Everything
# listens on 127.0.0.1 only and every run is bounded in time.
#
#   scripts/bench-delivery.sh            # all scenarios
#   RUNS=5 FOLLOWERS=10000 scripts/bench-delivery.sh
#   ONLY="shared ingest" scripts/bench-delivery.sh   # some of: distinct shared ingest
#   PG=postgres://postgres@127.0.0.1:5432/test scripts/bench-delivery.sh   # adds 2 nodes and ingest on PostgreSQL
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-3}
FOLLOWERS=${FOLLOWERS:-10000}
FIRST_PORT=${FIRST_PORT:-21000}
PORTS=${PORTS:-100}
ONLY=${ONLY:-distinct shared ingest}
OUT=$(mktemp -d)

cargo build --release --quiet --bin feder --example bench_receiver --example bench_fanout --example bench_ingest

target/release/examples/bench_receiver --first-port "$FIRST_PORT" --ports "$PORTS" > "$OUT/receiver.log" 2>&1 &
RECEIVER=$!
trap 'kill $RECEIVER 2>/dev/null || true; rm -rf "$OUT"' EXIT
for _ in $(seq 50); do grep -q ready "$OUT/receiver.log" 2>/dev/null && break; sleep 0.1; done

openssl_sign=$(openssl speed -seconds 3 rsa2048 2>/dev/null | awk '/^rsa 2048/ {print $(NF-1)}')
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo); openssl speed rsa2048: $openssl_sign signs/s (one core)"

run_fanout() { # label, args...
  local label=$1; shift
  : > "$OUT/fanout-$label"
  for i in $(seq "$RUNS"); do
    timeout 900 target/release/examples/bench_fanout --receiver-first-port "$FIRST_PORT" --receiver-ports "$PORTS" "$@" | tee -a "$OUT/fanout-$label"
  done
}

run_ingest() { # label, args...
  local label=$1; shift
  : > "$OUT/ingest-$label"
  for i in $(seq "$RUNS"); do
    timeout 600 target/release/examples/bench_ingest --requests "${REQUESTS:-20000}" --connections 64 "$@" | tee -a "$OUT/ingest-$label"
  done
}

wanted() { [[ " $ONLY " == *" $1 "* ]]; }
if wanted distinct; then run_fanout distinct --followers "$FOLLOWERS" --shared 0; fi
if wanted shared; then run_fanout shared --followers "$FOLLOWERS" --shared 100; fi
if wanted ingest; then run_ingest sqlite; fi
if [ -n "${PG:-}" ]; then
  if wanted distinct; then run_fanout 2nodes-postgres --followers "$FOLLOWERS" --shared 0 --nodes 2 --database "$PG"; fi
  if wanted ingest; then run_ingest postgres --database "$PG"; fi
fi

# Medians, and the table: each figure, its target, met or missed.
python3 - "$OUT" "$openssl_sign" "$(nproc)" "$RUNS" "$(cut -d' ' -f1-3 /proc/loadavg)" <<'PY'
import json, os, statistics, sys
out, openssl, cores, runs, load = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
def runs_of(name):
    path = os.path.join(out, name)
    if not os.path.exists(path):
        return []
    return [json.loads(l) for l in open(path) if l.strip()]
def med(rows, key):
    return statistics.median(r[key] for r in rows)
rows = []
def row(figure, value, target, met):
    rows.append(f"| {figure} | {value} | {target} | {'met' if met else 'MISSED'} |")
limit = openssl * cores
for label in ("distinct", "2nodes-postgres"):
    r = runs_of(f"fanout-{label}")
    if not r:
        continue
    rate = med(r, "deliveries_per_second")
    lost = max(x["deliveries"] - x["received_distinct"] for x in r)
    where = "10,000 distinct inboxes" if label == "distinct" else "distinct inboxes, 2 nodes on PostgreSQL"
    row(f"fan-out, {where}", f"{rate:,.0f} signed deliveries/s = {rate / limit:.0%} of {cores} cores of openssl signing; {lost} lost",
        ">= 50 % of the signing limit", rate >= limit / 2 and lost <= 0)
    # What one delivery costs in CPU, the sender's and the verifying receiver's (both on this
    # machine): the rate the cores would give if nothing else ran, whatever the load now.
    if "feder_cpu_us_per_delivery" in r[0]:
        feder, receiver = med(r, "feder_cpu_us_per_delivery"), med(r, "receiver_cpu_us_per_delivery")
        idle_rate = cores * 1e6 / (feder + receiver)
        row(f"CPU per delivery, {where}", f"feder {feder:,.0f} us, receiver {receiver:,.0f} us: {idle_rate:,.0f}/s = {idle_rate / limit:.0%} of the limit on {cores} otherwise idle cores",
            ">= 50 % of the signing limit", idle_rate >= limit / 2)
r = runs_of("fanout-shared")
if r:
    seconds = med(r, "total_seconds")
    row("fan-out, 10,000 followers on 100 shared inboxes", f"{seconds:.2f} s ({med(r, 'enqueue_seconds'):.2f} s of it the CLI queueing)", "<= 0.5 s", seconds <= 0.5)
r = runs_of("fanout-distinct")
if r:
    idle, peak = med(r, "rss_idle_mib"), med(r, "rss_peak_mib")
    row("`feder serve` RSS idle", f"{idle:.1f} MiB", "<= 15 MiB", idle <= 15)
    row("`feder serve` RSS peak, 10,000-inbox fan-out", f"{peak:.1f} MiB", "<= 100 MiB", peak <= 100)
sqlite_rate = None
for label in ("sqlite", "postgres"):
    r = runs_of(f"ingest-{label}")
    if not r:
        continue
    rate, p99 = med(r, "accepted_per_second"), med(r, "p99_ms")
    lost = max(x["lost"] for x in r)
    row(f"ingest, signed replies, 64 connections ({label})", f"{rate:,.0f}/s, p50 {med(r, 'p50_ms'):.0f} ms, p99 {p99:.0f} ms; {lost} lost",
        ">= 3,000/s, p99 <= 30 ms", rate >= 3000 and p99 <= 30 and lost <= 0)
    if label == "sqlite":
        sqlite_rate = rate
    elif sqlite_rate:
        row("ingest, PostgreSQL / SQLite", f"{rate / sqlite_rate:.2f}", ">= 1", rate >= sqlite_rate)
print(f"\n| figure (medians of {runs} runs; openssl speed rsa2048 {openssl:,.0f} signs/s per core in this run; load average {load}) | value | target | |")
print("|---|---|---|---|")
print("\n".join(rows))
PY
