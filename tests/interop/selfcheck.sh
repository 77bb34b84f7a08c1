#!/usr/bin/env bash
# Checks the Fedify and bovine interop peers against each other (no Feder needed):
# follow both ways, Accept, post, reply, like, announce, undo, update, delete, 410
# for deleted notes, and 401 for forged or missing signatures.  Bounded in time; the
# driver stops both peers however it ends (they also exit when their stdin closes).
# Usage: tests/interop/selfcheck.sh   (SELFCHECK_TIMEOUT=seconds, default 180)
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
"$HERE/setup.sh"
exec timeout --kill-after=10 "${SELFCHECK_TIMEOUT:-180}" \
  "$HERE/.cache/venv/bin/python" "$HERE/selfcheck.py"
