#!/usr/bin/env bash
# Installs axe-core (npm, pinned in package-lock.json) into tests/a11y/node_modules for
# tests/accessibility.rs, which injects axe.min.js into every page in headless Chromium.
# Idempotent: skipped when node_modules matches package-lock.json. Needs npm (any Node).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
stamp="$HERE/node_modules/.feder-lock-sha256"
want="$(sha256sum "$HERE/package-lock.json" | cut -d' ' -f1)"

if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
  echo "a11y/setup.sh: node_modules matches package-lock.json" >&2
else
  command -v npm >/dev/null || { echo "a11y/setup.sh: npm not found (apt-get install npm)" >&2; exit 1; }
  (cd "$HERE" && npm ci --no-audit --no-fund --loglevel=error >&2)
  echo "$want" > "$stamp"
fi
version="$(sed -n 's/^  "version": "\(.*\)",$/\1/p' "$HERE/node_modules/axe-core/package.json")"
[[ "$version" == "4.14.1" ]] || { echo "a11y/setup.sh: expected axe-core 4.14.1, found '$version'" >&2; exit 1; }
echo "a11y/setup.sh: ready: axe-core $version" >&2
