#!/usr/bin/env bash
# kyoyu-stix against the OASIS Python peers on the peer workload, in one run.
#   1. generates the 100,000-object bundle with shared/peers/gen_stix.py (same seed, same JSON
#      text as shared/peers/bench_stix_parse.py), cached in $BENCH_DIR;
#   2. runs examples/stixbench.rs (release): parse, serialize, validate, patterns;
#   3. runs bench/peer_stix.py with stix2 3.0.2, stix2-validator 3.2.0, stix2-patterns 2.1.2
#      (the pins of shared/peers/setup.sh, in its venv /tmp/peers-venv);
#   4. prints both sets of `metric value unit` lines and the ratios.
# Env: STIX_N (100000), VALIDATOR_N (10000), BENCH_DIR (/tmp/kyoyu-stix-bench),
#      PEERS_DIR (../shared/peers from the repository root), PEERS_VENV (/tmp/peers-venv),
#      CARGO_TARGET_DIR (passed to cargo).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../../.." && pwd)
PEERS_DIR=${PEERS_DIR:-$REPO/../shared/peers}
VENV=${PEERS_VENV:-/tmp/peers-venv}
N=${STIX_N:-100000}
BENCH_DIR=${BENCH_DIR:-/tmp/kyoyu-stix-bench}
mkdir -p "$BENCH_DIR"
BUNDLE="$BENCH_DIR/bundle-$N.json"

if ! "$VENV/bin/python" - <<'PY' >/dev/null 2>&1
from importlib.metadata import version as v
assert (v("stix2"), v("stix2-validator"), v("stix2-patterns")) == ("3.0.2", "3.2.0", "2.1.2")
PY
then
  [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q "stix2==3.0.2" "stix2-validator==3.2.0" "stix2-patterns==2.1.2"
fi

if [ ! -s "$BUNDLE" ]; then
  "$VENV/bin/python" - "$PEERS_DIR" "$N" "$BUNDLE" <<'PY'
import json, sys
sys.path.insert(0, sys.argv[1])
import gen_stix
objs = gen_stix.make_objects(int(sys.argv[2]))
with open(sys.argv[3], "w") as f:
    f.write(json.dumps(gen_stix.make_bundle(objs)))
PY
fi
echo "# data: $BUNDLE ($(stat -c %s "$BUNDLE") bytes), $(nproc) cores, $(uname -m)"

cd "$REPO"
cargo build -q --release -p kyoyu-stix --example stixbench
OURS=$(cargo run -q --release -p kyoyu-stix --example stixbench -- "$BUNDLE")
echo "$OURS"
PEER=$("$VENV/bin/python" "$HERE/peer_stix.py" "$BUNDLE")
echo "$PEER"

printf '%s\n%s\n' "$OURS" "$PEER" | awk '
  !/^#/ { v[$1] = $2 }
  END {
    r("parse_ratio_vs_stix2", "kyoyu_parse_objects_per_s", "stix2_parse_objects_per_s", 300)
    r("parse_streaming_ratio_vs_stix2", "kyoyu_parse_streaming_objects_per_s", "stix2_parse_objects_per_s", 300)
    r("parse_from_file_reader_ratio_vs_stix2", "kyoyu_stream_parse_file_objects_per_s", "stix2_parse_objects_per_s", 0)
    r("serialize_ratio_vs_stix2", "kyoyu_serialize_objects_per_s", "stix2_serialize_objects_per_s", 0)
    r("validate_ratio_vs_stix2_validator", "kyoyu_validate_objects_per_s", "stix2_validator_objects_per_s", 1000)
    r("patterns_ratio_vs_stix2_patterns", "kyoyu_patterns_validate_per_s", "stix2_patterns_validate_per_s", 0)
  }
  function r(name, a, b, target) {
    if (v[b] > 0) {
      printf "%s %.1f x", name, v[a] / v[b]
      if (target > 0) printf "  (target >= %d: %s)", target, (v[a] / v[b] >= target ? "met" : "NOT met")
      printf "\n"
    }
  }'
