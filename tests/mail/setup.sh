#!/usr/bin/env bash
# Installs the SMTP server tests/mail.rs starts on loopback: aiosmtpd (PyPI, pinned in
# requirements.txt) in a venv of its own, tests/mail/.venv. Idempotent: skipped when the venv
# matches requirements.txt. Needs python3 with venv and the PyPI registry.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VENV="$HERE/.venv"
REQUIREMENTS="$HERE/requirements.txt"
stamp="$VENV/.feder-requirements-sha256"
want="$(sha256sum "$REQUIREMENTS" | cut -d' ' -f1)"

if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" && -x "$VENV/bin/python" ]]; then
  echo "mail/setup.sh: aiosmtpd venv matches requirements.txt" >&2
else
  command -v python3 >/dev/null || { echo "mail/setup.sh: python3 not found" >&2; exit 1; }
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-input -r "$REQUIREMENTS" >&2
  echo "$want" > "$stamp"
fi
"$VENV/bin/python" -c 'import importlib.metadata as m, aiosmtpd.handlers; assert m.version("aiosmtpd") == "1.4.6"' \
  || { echo "mail/setup.sh: the venv does not have aiosmtpd 1.4.6" >&2; exit 1; }
echo "mail/setup.sh: ready: aiosmtpd 1.4.6" >&2
