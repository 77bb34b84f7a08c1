#!/usr/bin/env bash
# Signing cost of one delivery (RFC 9421 and draft-cavage), one core, next to
# `openssl speed rsa2048` measured in the same run; and the cost of verifying one, as the
# inbox does for every activity (2048-bit key, read before). PROFILE=dev measures the debug build
# (ring's RSA is assembly either way; the default is release).
#
#   scripts/bench-signing.sh            # 3 runs of 3000 signs per scheme
#   RUNS=5 SIGNS=5000 scripts/bench-signing.sh
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-3}
SIGNS=${SIGNS:-3000}
PROFILE=${PROFILE:-release}
if [ "$PROFILE" = release ]; then
  cargo build --release --quiet --example bench_signing
  BIN=target/release/examples/bench_signing
else
  cargo build --quiet --example bench_signing
  BIN=target/debug/examples/bench_signing
fi
openssl_sign=$(openssl speed -seconds 3 rsa2048 2>/dev/null | awk '/^rsa 2048/ {print $(NF-1)}')
echo "openssl speed rsa2048: $openssl_sign signs/s (one core)"
for _ in $(seq "$RUNS"); do "$BIN" "$SIGNS"; done | tee /dev/stderr | python3 -c '
import json, statistics, sys
runs = [json.loads(l) for l in sys.stdin if l.strip()]
openssl = float(sys.argv[1])
for scheme in ("draft-cavage", "rfc9421"):
    rates = [r["signs_per_second"] for r in runs if r["scheme"] == scheme and "signs" in r]
    m = statistics.median(rates)
    print(f"{scheme}: median {m:.0f} signs/s ({1e6/m:.0f} us each), {m/openssl:.0%} of openssl")
    rates = [r["verifies_per_second"] for r in runs if r["scheme"] == scheme and "verifies" in r]
    m = statistics.median(rates)
    print(f"{scheme}: median {m:.0f} verifies/s ({1e6/m:.1f} us each)")
' "$openssl_sign"
