#!/usr/bin/env bash
# MISP load/dump benchmark: kyoyu-misp against PyMISP on the same bytes, in the same run.
# The event comes from the peer benchmark's own generator (shared/peers/bench_misp_parse.py,
# imported, same seed), written once to a file both tools read.
# Usage: crates/kyoyu-misp/bench/run.sh     Env: MISP_N (100000), RUNS (5), PEERS (../shared/peers)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
peers=${PEERS:-$(cd "$repo/../shared/peers" && pwd)}
export MISP_N=${MISP_N:-100000}
runs=${RUNS:-5}
data=${BENCH_DIR:-/tmp/kyoyu-misp-bench}
mkdir -p "$data"

bash "$peers/setup.sh" >&2
py=/tmp/peers-venv/bin/python

"$py" - "$peers" "$data/event.json" <<'PY'
import json, os, sys
sys.path.insert(0, sys.argv[1])
import bench_misp_parse as peer
text = json.dumps(peer.make_event(peer.N))
open(sys.argv[2], "w").write(text)
print("# generated event: %d attributes, %.1f MB JSON (bench_misp_parse.make_event, seed %d)"
      % (peer.N, len(text) / 1e6, peer.SEED), flush=True)
PY

echo "# PyMISP"
pymisp_out=$("$py" - "$data/event.json" <<'PY'
import sys, time, json
from importlib.metadata import version
from pymisp import MISPEvent
text = open(sys.argv[1]).read()
print("# pymisp %s, python %s" % (version("pymisp"), sys.version.split()[0]))
ev = MISPEvent()
t = time.perf_counter(); ev.load(text); load = time.perf_counter() - t
n = len(ev.attributes)
t = time.perf_counter(); out = ev.to_json(); dump = time.perf_counter() - t
assert len(json.loads(out)["Attribute"]) == n
print("pymisp_load_seconds %.6f s" % load)
print("pymisp_load_attributes_per_s %.0f attributes/s" % (n / load))
print("pymisp_dump_seconds %.6f s" % dump)
print("pymisp_dump_attributes_per_s %.0f attributes/s" % (n / dump))
PY
)
echo "$pymisp_out"

echo "# kyoyu-misp (release)"
cd "$repo"
CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-/tmp/target-misp} cargo build -q --release -p kyoyu-misp --example mispbench
kyoyu_out=$("${CARGO_TARGET_DIR:-/tmp/target-misp}/release/examples/mispbench" "$data/event.json" "$runs")
echo "$kyoyu_out"

rate() { echo "$1" | awk -v m="$2" '$1 == m { print $2 }'; }
awk -v kl="$(rate "$kyoyu_out" kyoyu_misp_load_attributes_per_s)" -v pl="$(rate "$pymisp_out" pymisp_load_attributes_per_s)" \
    -v kd="$(rate "$kyoyu_out" kyoyu_misp_dump_attributes_per_s)" -v pd="$(rate "$pymisp_out" pymisp_dump_attributes_per_s)" \
    'BEGIN { printf "ratio_load_kyoyu_over_pymisp %.1f x (target >= 50)\nratio_dump_kyoyu_over_pymisp %.1f x\n", kl / pl, kd / pd }'
