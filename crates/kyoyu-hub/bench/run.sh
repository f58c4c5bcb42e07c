#!/usr/bin/env bash
# The hub's correlation against the SQL baseline, in one run (issue 9's bench; a script, not a
# timed test).
#   1. builds kyoyu and the incremental bench (release);
#   2. generates the workloads with the peer's own generator, shared/peers/gen_campaigns.py
#      (the default: 10,000 submissions, seed 20261201; plus HUB_BENCH_EXTRA "seed:events:campaigns"
#      triples), unless the folder exists;
#   3. for the default workload (and every extra one with HUB_BENCH_BASELINE_ALL=1): the SQL
#      baseline, shared/peers/run_campaigns.sh (SQLite pair table, capped pairs, components,
#      scored);
#   4. for every workload: `kyoyu hub correlate DIR -o found-kyoyu.json --timings`, scored with
#      shared/peers/score_campaigns.py;
#   5. with HUB_BENCH_INCREMENTAL=1: a 200,000-submission workload (10 M indicators) and
#      examples/hub_incremental: rebuild, p50/p99/max of one add, index RSS;
#   6. prints `metric value unit` lines, the ratio to the baseline and the targets met / not met.
# Env: HUB_BENCH_DIR (/tmp/peers-data), PEERS_DIR (../shared/peers from the repository root),
#      HUB_BENCH_EXTRA ("7:30000:50 99:5000:30"), HUB_BENCH_INCREMENTAL (0),
#      HUB_BENCH_BASELINE_ALL (0), CARGO_TARGET_DIR (the binaries are taken from there).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../../.." && pwd)
PEERS_DIR=$(cd "${PEERS_DIR:-$REPO/../shared/peers}" && pwd)
DATA=${HUB_BENCH_DIR:-/tmp/peers-data}
EXTRA=${HUB_BENCH_EXTRA:-7:30000:50 99:5000:30}
TARGET=${CARGO_TARGET_DIR:-$REPO/target}
export PYTHONDONTWRITEBYTECODE=1
mkdir -p "$DATA"

(cd "$REPO" && cargo build --release -q -p kyoyu -p kyoyu-hub --example hub_incremental)
KYOYU=$TARGET/release/kyoyu

gen() { # dir seed events campaigns
  if [ ! -f "$1/truth.json" ]; then
    HUB_SEED=$2 CORR_EVENTS=$3 HUB_CAMPAIGNS=$4 python3 "$PEERS_DIR/gen_campaigns.py" "$1"
  fi
}

met() { # name value op target
  if python3 -c "import sys; v,t=float('$2'),float('$4'); sys.exit(0 if ($3) else 1)" 2>/dev/null; then
    echo "# target $1: $2 (target $5) met"
  else
    echo "# target $1: $2 (target $5) NOT met"
  fi
}

run_kyoyu() { # dir label
  local dir=$1 label=$2 out
  out=$("$KYOYU" hub correlate "$dir" -o "$dir/found-kyoyu.json" --timings 2>&1 >/dev/null)
  echo "$out" | sed -n 's/^# /# kyoyu '"$label"': /p'
  echo "$out" | grep '^hub_correlate' | sed "s/^hub_correlate_\([a-z_]*\)_ms \(.*\)/hub_${label}_\1_ms \2 ms/"
  python3 "$PEERS_DIR/score_campaigns.py" "$dir" "$dir/found-kyoyu.json" | sed "s/^/hub_${label}_/"
}

DEFAULT=$DATA/campaigns-20261201
gen "$DEFAULT" 20261201 10000 50
echo "# baseline: shared/peers/run_campaigns.sh on $DEFAULT"
BASE=$(bash "$PEERS_DIR/run_campaigns.sh" "$DEFAULT")
echo "$BASE" | sed 's/^\([a-z]\)/sqlite_default_\1/'
KY=$(run_kyoyu "$DEFAULT" default)
echo "$KY"
pairs=$(echo "$BASE" | awk '$1=="campaigns_sqlite_pairs_seconds"{print $2}')
total=$(echo "$KY" | awk '$1=="hub_default_total_ms"{print $2/1000}')
ratio=$(python3 -c "print('%.1f' % ($pairs / $total))")
echo "hub_default_speedup_vs_sqlite_pairs $ratio x"
met "time vs the SQLite pair table" "$ratio" "v>=t" 50 ">= 50 x"

for triple in $EXTRA; do
  IFS=: read -r seed events campaigns <<<"$triple"
  dir=$DATA/campaigns-$seed-$events-$campaigns
  gen "$dir" "$seed" "$events" "$campaigns"
  label=s${seed}_${events}
  if [ "${HUB_BENCH_BASELINE_ALL:-0}" = 1 ]; then
    bash "$PEERS_DIR/run_campaigns.sh" "$dir" | sed "s/^\([a-z]\)/sqlite_${label}_\1/"
  fi
  run_kyoyu "$dir" "$label"
done

for f in "$DEFAULT" $(for t in $EXTRA; do IFS=: read -r s e c <<<"$t"; echo "$DATA/campaigns-$s-$e-$c"; done); do
  scores=$(python3 "$PEERS_DIR/score_campaigns.py" "$f" "$f/found-kyoyu.json")
  r=$(echo "$scores" | awk '$1=="campaign_recall"{print $2}')
  p=$(echo "$scores" | awk '$1=="precision"{print $2}')
  l=$(echo "$scores" | awk '$1=="largest_share"{print $2}')
  met "recall $(basename "$f")" "$r" "v>=t" 0.95 ">= 0.95"
  met "precision $(basename "$f")" "$p" "v>=t" 0.95 ">= 0.95"
  met "largest cluster $(basename "$f")" "$l" "v<=t" 0.01 "<= 1 % of submissions"
done

if [ "${HUB_BENCH_INCREMENTAL:-0}" = 1 ]; then
  BIG=$DATA/campaigns-20261201-200000-50
  gen "$BIG" 20261201 200000 50
  INC=$("$TARGET/release/examples/hub_incremental" "$BIG" 1000)
  echo "$INC"
  met "incremental p99" "$(echo "$INC" | awk '$1=="hub_incremental_p99_ms"{print $2}')" "v<t" 5 "< 5 ms"
  met "index RSS at 10 M" "$(echo "$INC" | awk '$1=="hub_index_rss_mib"{print $2}')" "v<=t" 1536 "<= 1.5 GiB"
  met "rebuild" "$(echo "$INC" | awk '$1=="hub_rebuild_seconds"{print $2}')" "v<t" 120 "< 2 minutes"
fi
