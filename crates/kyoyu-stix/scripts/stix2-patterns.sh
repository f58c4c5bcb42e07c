#!/usr/bin/env bash
# Runs the OASIS stix2-patterns 2.1.2 validator on a JSONL pattern corpus (one JSON string per
# line) and prints one JSON verdict per line (after a version line). Creates the virtualenv on
# first use, so the corpus test works on a fresh machine with Python 3 and access to PyPI.
# Usage: stix2-patterns.sh CORPUS.jsonl      Env: STIX_PY_VENV (default /tmp/kyoyu-venv)
set -euo pipefail
VENV=${STIX_PY_VENV:-/tmp/kyoyu-venv}
PY=${PYTHON:-python3}
HERE=$(cd "$(dirname "$0")" && pwd)
if ! "$VENV/bin/python" -c 'import importlib.metadata as m; assert m.version("stix2-patterns") == "2.1.2"' >/dev/null 2>&1; then
  # A lock keeps parallel test runs from building the venv twice.
  exec 9>"$VENV.lock"
  flock 9
  if ! "$VENV/bin/python" -c 'import importlib.metadata as m; assert m.version("stix2-patterns") == "2.1.2"' >/dev/null 2>&1; then
    [ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV" >&2
    "$VENV/bin/pip" install -q --disable-pip-version-check "stix2-patterns==2.1.2" >&2
  fi
fi
exec "$VENV/bin/python" "$HERE/pattern_verdicts.py" "$1"
