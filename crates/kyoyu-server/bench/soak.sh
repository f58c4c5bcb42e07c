#!/usr/bin/env bash
# A soak of `kyoyu serve` under mixed TAXII/REST load (bench/soak.lua: pages of objects and of
# the manifest, whoami, POSTs of new indicators that are submissions with their jobs), on the
# embedded SQLite store or on PostgreSQL, for SOAK_SECONDS in slices of SOAK_SLICE seconds.
# Each slice prints one line: elapsed s, requests/s, p50 and p99 ms, non-2xx, the servers' RSS
# (MiB, summed) and their CPU %; at the end the RSS drift (last slice
# against the first after warm-up) and the throughput's spread. With SOAK_SERVERS=2 (PostgreSQL
# only) two servers share the database and the load (one wrk each, half the connections), for
# the ratio of two processes to one.
#   Env: SOAK_SECONDS (600), SOAK_SLICE (30), SOAK_CONNS (16), SOAK_SERVERS (1),
#        SOAK_PRELOAD (10000 objects before the load), BENCH_DATABASE (postgres://…; default
#        the embedded store), SOAK_PORT (18580), SOAK_OUT (a TSV of the slices), PEERS_DIR,
#        PEERS_VENV, CARGO_TARGET_DIR, SOAK_ONLY_POSTS (1: every request a POST — the
#        writer's ceiling), SOAK_NO_POSTS (1: reads only, the store does not grow). With BENCH_DATABASE the slice lines also carry PostgreSQL's CPU %.
# Loopback only; every wait is bounded; the servers are killed on exit.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../../.." && pwd)
PEERS_DIR=${PEERS_DIR:-$REPO/../shared/peers}
PEERS_DIR=$(cd "$PEERS_DIR" && pwd)
VENV=${PEERS_VENV:-/tmp/peers-venv}
PY=$VENV/bin/python
SECONDS_TOTAL=${SOAK_SECONDS:-600}
SLICE=${SOAK_SLICE:-30}
CONNS=${SOAK_CONNS:-16}
SERVERS=${SOAK_SERVERS:-1}
PRELOAD=${SOAK_PRELOAD:-10000}
PORT=${SOAK_PORT:-18580}
TARGET_DIR=${CARGO_TARGET_DIR:-$REPO/target}
export PEERS_DIR PYTHONDONTWRITEBYTECODE=1
[ "$SERVERS" = 1 ] || [ -n "${BENCH_DATABASE:-}" ] || { echo "SOAK_SERVERS=2 needs BENCH_DATABASE" >&2; exit 1; }

WORK=$(mktemp -d /tmp/kyoyu-soak.XXXXXX)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  sleep 1
  for pid in "${PIDS[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

bash "$PEERS_DIR/setup.sh" >&2
cd "$REPO"
cargo build -q --release -p kyoyu
KYOYU=$TARGET_DIR/release/kyoyu

store=(--data "$WORK/data")
backend=sqlite
if [ -n "${BENCH_DATABASE:-}" ]; then
  schema=kyoyu_soak
  psql "$BENCH_DATABASE" -qAtc "SET client_min_messages = warning; DROP SCHEMA IF EXISTS $schema CASCADE; CREATE SCHEMA $schema" >/dev/null
  store=(--database "$BENCH_DATABASE?options=-csearch_path%3D$schema")
  backend=postgresql
fi

start_server() { # INDEX
  local port=$((PORT + $1)) log=$WORK/serve-$1.log
  KYOYU_KEY_FILE=$WORK/key KYOYU_METRICS_LISTEN=off KYOYU_RATE_LIMIT_PER_MINUTE=1000000000 \
    "$KYOYU" serve --listen "127.0.0.1:$port" "${store[@]}" >/dev/null 2>"$log" &
  PIDS+=($!)
  for _ in $(seq 600); do
    grep -q '^kyoyu: listening on' "$log" && return 0
    sleep 0.1
  done
  echo "kyoyu serve did not listen within 60 s" >&2; cat "$log" >&2; exit 1
}
for i in $(seq 0 $((SERVERS - 1))); do start_server "$i"; done
base=http://127.0.0.1:$PORT
token=$(grep -m1 -oE '^[[:space:]]+kyoyu_[0-9A-Za-z_]+' "$WORK/serve-0.log" | tr -d '[:space:]')
timeout 60 "$KYOYU" admin org create soak-member --kind member "${store[@]}" 2>/dev/null
member=$(timeout 60 "$KYOYU" admin token create --org soak-member --role member "${store[@]}")
collection=$(curl -sS --max-time 30 -X POST "$base/api/communities" -H "Authorization: Bearer $token" \
    -H 'Content-Type: application/json' -d '{"title": "soak", "kind": "A", "max_tlp": "amber"}' |
  "$PY" -c 'import json,sys; print(json.load(sys.stdin)["id"])')
curl -sS --max-time 30 -o /dev/null -X POST "$base/api/communities/$collection/members" \
  -H "Authorization: Bearer $token" -H 'Content-Type: application/json' -d '{"org": "soak-member"}'
[ "$PRELOAD" -gt 0 ] && timeout 900 "$PY" "$HERE/taxii_bench.py" load "$base" "$member" "$collection" "$PRELOAD" >/dev/null

rss_mib() { local sum=0 pid; for pid in "${PIDS[@]}"; do sum=$((sum + $(awk '$1 == "VmRSS:" {print $2}' "/proc/$pid/status"))); done; echo $((sum / 1024)); }
ticks_of() { local sum=0 pid; for pid in "$@"; do sum=$((sum + $(awk '{ sub(/.*\) /, ""); print $12 + $13 }' "/proc/$pid/stat" 2>/dev/null || echo 0))); done; echo "$sum"; }
cpu_ticks() { ticks_of "${PIDS[@]}"; }
# Every PostgreSQL process of the machine (the server and its backends): the database's CPU.
pg_ticks() { ticks_of $(pgrep -x postgres || true); }

OUT=${SOAK_OUT:-$WORK/soak.tsv}
printf 'elapsed_s\treq_per_s\tp50_ms\tp99_ms\tnon_2xx\trss_mib\tcpu_percent\tdb_cpu_percent\n' >"$OUT"
echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ) kyoyu $(git -C "$REPO" rev-parse --short HEAD) soak on $backend: $SERVERS server(s), $CONNS connections, ${SECONDS_TOTAL}s in ${SLICE}s slices, $PRELOAD objects preloaded, $(nproc) cores"
hz=$(getconf CLK_TCK)
elapsed=0
slice=0
while [ "$elapsed" -lt "$SECONDS_TOTAL" ]; do
  slice=$((slice + 1))
  t0=$(cpu_ticks)
  d0=$(pg_ticks)
  outs=()
  wpids=()
  for i in $(seq 0 $((SERVERS - 1))); do
    out=$WORK/wrk-$slice-$i.txt
    outs+=("$out")
    SOAK_TOKEN=$member SOAK_COLLECTION=$collection SOAK_SEED=$((slice * 16 + i)) SOAK_ONLY_POSTS=${SOAK_ONLY_POSTS:-0} SOAK_NO_POSTS=${SOAK_NO_POSTS:-0} \
      timeout --kill-after=5 $((SLICE + 30)) wrk -t1 -c$((CONNS / SERVERS)) -d"${SLICE}s" --timeout 10s --latency \
      -s "$HERE/soak.lua" "http://127.0.0.1:$((PORT + i))" >"$out" 2>&1 &
    wpids+=($!)
  done
  wait "${wpids[@]}" || true
  t1=$(cpu_ticks)
  d1=$(pg_ticks)
  elapsed=$((elapsed + SLICE))
  db=0
  [ "$backend" = postgresql ] && db=$(( (d1 - d0) * 100 / hz / SLICE ))
  awk -v e="$elapsed" -v rss="$(rss_mib)" -v cpu="$(( (t1 - t0) * 100 / hz / SLICE ))" -v db="$db" '
    function ms(t,  v) { v = t + 0; if (t ~ /us$/) return v / 1000; if (t ~ /ms$/) return v; if (t ~ /s$/) return v * 1000; return v }
    /Requests\/sec:/ { rps += $2 }
    $1 == "50%" { p50 = (ms($2) > p50) ? ms($2) : p50 }
    $1 == "99%" { p99 = (ms($2) > p99) ? ms($2) : p99 }
    /Non-2xx or 3xx responses:/ { non += $NF }
    END { printf "%d\t%.0f\t%.3g\t%.3g\t%d\t%d\t%d\t%d\n", e, rps, p50, p99, non, rss, cpu, db }' "${outs[@]}" | tee -a "$OUT"
done
"$PY" - "$OUT" <<'PY'
import sys
rows = [line.rstrip("\n").split("\t") for line in open(sys.argv[1])][1:]
rps = [float(r[1]) for r in rows]
rss = [float(r[5]) for r in rows]
p99 = [float(r[3]) for r in rows]
warm = 1 if len(rows) > 2 else 0
print("soak_throughput_mean %.0f req/s" % (sum(rps) / len(rps)))
print("soak_throughput_min %.0f req/s" % min(rps))
print("soak_p99_max %.3g ms" % max(p99))
print("soak_p99_median %.3g ms" % sorted(p99)[len(p99) // 2])
print("soak_rss_first %.0f MiB" % rss[warm])
print("soak_rss_last %.0f MiB" % rss[-1])
print("soak_rss_drift %+.1f %%" % (100 * (rss[-1] - rss[warm]) / rss[warm]))
print("soak_rss_max %.0f MiB" % max(rss))
print("soak_non_2xx %d" % sum(int(r[4]) for r in rows))
cpu = [float(r[6]) for r in rows]
db = [float(r[7]) for r in rows]
mean = sum(rps) / len(rps)
print("soak_server_cpu_ms_per_request %.3f ms" % (10 * sum(cpu) / len(cpu) / mean))
if any(db):
    print("soak_db_cpu_ms_per_request %.3f ms" % (10 * sum(db) / len(db) / mean))
PY
# The job queue at the end: how many submission jobs are still waiting (the worker keeping up
# with the POSTs or not) and how many rows the queue holds.
if [ "$backend" = postgresql ]; then
  queue=$(psql "$BENCH_DATABASE" -qAtF ' ' -c "SELECT state, COUNT(*) FROM $schema.jobs GROUP BY state ORDER BY state")
else
  queue=$("$PY" -c 'import sqlite3, sys; c = sqlite3.connect("file:" + sys.argv[1] + "?mode=ro", uri=True); [print(s, n) for s, n in c.execute("SELECT state, COUNT(*) FROM jobs GROUP BY state ORDER BY state")]' "$WORK/data/kyoyu.db")
fi
printf '%s\n' "$queue" | awk 'NF == 2 { printf "soak_jobs_%s %d jobs\n", $1, $2 }'
