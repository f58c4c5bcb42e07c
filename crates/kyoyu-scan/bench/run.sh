#!/usr/bin/env bash
# kyoyu-scan vs YARA-X on the peer workload (shared/peers/bench_scan.py: 1 GiB, 200 identifiers,
# `ascii wide nocase`), in the same run. Prints `metric value unit` lines.
# Env: PEERS_DIR (default: ../shared/peers next to the repository), SCAN_RUNS (3),
#      CARGO_TARGET_DIR (default /tmp/target-scan), plus bench_scan.py's SCAN_* variables.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
REPO="$(cd "$HERE/../../.." && pwd)"
PEERS_DIR="${PEERS_DIR:-$REPO/../shared/peers}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/tmp/target-scan}"
export PYTHONDONTWRITEBYTECODE=1
bash "$PEERS_DIR/setup.sh" >&2
(cd "$REPO" && cargo build --release -q -p kyoyu-scan --example scanbench)
exec /tmp/peers-venv/bin/python "$HERE/bench.py" \
  --peers "$PEERS_DIR" --binary "$CARGO_TARGET_DIR/release/examples/scanbench"
