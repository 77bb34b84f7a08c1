#!/usr/bin/env bash
# Resident memory and page latency of a release `feder serve` under hostile load on loopback.
#
# Starts a blog (SQLite in a temporary directory, one post), then runs scripts/bench_hostile.py:
# per run, a page prober alone (baseline), the prober while 100 clients flood POST /admin/login
# with random names, and the prober while 4 clients stream unsigned inbox POSTs naming
# https://mastodon.social/users/x. Prints every run and the medians of page p99 and peak RSS.
# Targets: RSS <= 100 MB, page p99 <= 20 ms.
#
#   scripts/bench-hostile.sh                  # 3 runs x 10 s per phase
#   RUNS=5 DURATION=20 scripts/bench-hostile.sh
#   FEDER_BIN=target/debug/feder RUNS=1 DURATION=3 scripts/bench-hostile.sh   # no build
#
# Needs python3 (standard library only). Only 127.0.0.1 is addressed; nothing reaches the
# internet (the inbox POSTs are refused before any key is fetched). The server is stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${RUNS:-3}
DURATION=${DURATION:-10}

if [ -n "${FEDER_BIN:-}" ]; then
  feder=$FEDER_BIN # e.g. to try the script against a debug build
else
  echo "Building feder (release)..." >&2
  cargo build --release --quiet --bin feder >&2
  feder=$PWD/target/release/feder
fi

work=$(mktemp -d)
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export FEDER_LISTEN="127.0.0.1:$port" FEDER_DOMAIN="localhost:$port"
export FEDER_DATABASE_URL="sqlite://$work/blog.db" RUST_LOG=warn
printf '[blog]\ntitle = "Bench"\n' >"$work/config.toml"
printf -- '---\ntitle: Hello world\nslug: hello-world\n---\nFirst paragraph.\n' >"$work/post.md"
"$feder" --config "$work/config.toml" post publish "$work/post.md" >/dev/null

"$feder" --config "$work/config.toml" serve >"$work/server.out" 2>"$work/server.err" &
server_pid=$!
for _ in $(seq 1 120); do
  curl -sf "http://127.0.0.1:$port/posts/hello-world" >/dev/null 2>&1 && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.err" >&2; exit 1; }
  sleep 0.5
done
rss=$(awk '/^VmRSS:/ { printf "%.1f", $2 / 1024 }' "/proc/$server_pid/status")
printf '\nfeder serve (%s) on %s (%s cores, load %s); idle RSS %s MiB; %s runs x %s s per phase\n\n' \
  "$feder" "$(uname -sr)" "$(nproc)" "$(cut -d' ' -f1-3 /proc/loadavg)" "$rss" "$RUNS" "$DURATION"
python3 scripts/bench_hostile.py --port "$port" --pid "$server_pid" \
  --blog "http://localhost:$port/" --duration "$DURATION" --runs "$RUNS"
