#!/usr/bin/env bash
# `kyoyu serve` (TAXII 2.1) against OASIS medallion on the same collections, in one run.
#   1. bash shared/peers/setup.sh: the peers venv (medallion 3.0.0, taxii2-client 2.3.0) and wrk;
#   2. builds kyoyu (release); for each N in BENCH_SIZES: a fresh data dir, `kyoyu serve` on
#      127.0.0.1:BENCH_KYOYU_PORT (checked with `ss`: bound to 127.0.0.1 only), an org, a token,
#      a community (= collection) with the org as member, then:
#        load  N indicators from shared/peers/gen_stix.py make_indicators(N) (the peer's own
#              generator and seed), POSTed in envelopes of 1,000 (taxii_bench.py load);
#        page  through everything with taxii2-client as_pages(per_request=100), count == N, and
#              again with a lean keep-alive loop, with the server's CPU seconds for each pass;
#        wrk   -t1 -cC -dBENCH_WRK_SECONDS --timeout 10s --latency on GET objects/?limit=100
#              for C in BENCH_CONNS -> req/s, p50, p99 (bounded by `timeout`);
#        RSS   the server's VmHWM/VmRSS after the load, after paging, after wrk;
#      then stops the server;
#   3. runs the peer, shared/peers/bench_taxii_serve.py, twice with its env knobs so it covers
#      the same sizes in bounded time, plus bench/peer_wrk.py for medallion at 1,000 objects
#      with 64 connections (one bounded wrk run, no drain: see that file);
#   4. prints both sets of `metric value unit` lines and the ratios, with targets met/not met.
# Everything listens on 127.0.0.1 only; every wait is bounded; servers are killed on exit.
# Env: BENCH_SIZES ("100 1000 100000"), BENCH_CONNS ("1 2 64"), BENCH_WRK_SECONDS (15),
#      BENCH_KYOYU_PORT (18480), TAXII_PORT (5055, medallion's), BENCH_PEER (1; 0 skips step 3),
#      BENCH_PEER_BIG_TIMEOUT (60: seconds medallion gets for the first page of 100,000),
#      BENCH_KEEP (0; 1 keeps the work dir with the server logs), BENCH_DIR (/tmp),
#      PEERS_DIR (../shared/peers from the repository root), PEERS_VENV (/tmp/peers-venv),
#      CARGO_TARGET_DIR (passed to cargo; the binary is taken from there),
#      BENCH_RATE_LIMIT (1000000000: the server's requests per token and minute — high, so the
#      counting runs without refusing the one token wrk uses),
#      BENCH_PERF (0; 1 records the server with `perf record` during each wrk run and prints the
#      top of the flat profile; with BENCH_KEEP=1 the perf data stays in the work dir),
#      BENCH_DATABASE (a postgres:// URL: kyoyu runs on PostgreSQL, a fresh schema per size,
#      instead of a fresh SQLite data directory).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../../.." && pwd)
PEERS_DIR=${PEERS_DIR:-$REPO/../shared/peers}
PEERS_DIR=$(cd "$PEERS_DIR" && pwd)
VENV=${PEERS_VENV:-/tmp/peers-venv}
PY=$VENV/bin/python
SIZES=${BENCH_SIZES:-100 1000 100000}
CONNS=${BENCH_CONNS:-1 2 64}
SECS=${BENCH_WRK_SECONDS:-15}
PORT=${BENCH_KYOYU_PORT:-18480}
PEER_PORT=${TAXII_PORT:-5055}
RUN_PEER=${BENCH_PEER:-1}
PEER_BIG_TIMEOUT=${BENCH_PEER_BIG_TIMEOUT:-60}
TARGET_DIR=${CARGO_TARGET_DIR:-$REPO/target}
TAXII='application/taxii+json;version=2.1'
export PEERS_DIR PYTHONDONTWRITEBYTECODE=1

WORK=$(mktemp -d "${BENCH_DIR:-/tmp}/kyoyu-taxii-bench.XXXXXX")
RESULTS=$WORK/results.txt
: >"$RESULTS"
SERVER_PID=

stop_server() {
  local pid=$SERVER_PID
  SERVER_PID=
  [ -n "$pid" ] || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

# A medallion left behind by an interrupted peer script (it runs in its own session): the one
# listening on the peer's port whose command line says medallion, by its pid.
stop_stray_medallion() {
  local pid
  for pid in $(ss -Hltnp "sport = :$PEER_PORT" 2>/dev/null | grep -o 'pid=[0-9]*' | cut -d= -f2 | sort -u); do
    if tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q medallion; then
      kill -TERM "$pid" 2>/dev/null || true
    fi
  done
}

cleanup() {
  stop_server
  stop_stray_medallion
  if [ "${BENCH_KEEP:-0}" = 1 ]; then echo "# kept $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Prints and records; `#` lines are context.
say() { printf '%s\n' "$*" | tee -a "$RESULTS"; }
run_and_record() { "$@" 2>&1 | tee -a "$RESULTS"; }

port_free() {
  [ -z "$(ss -Hltn "sport = :$1")" ] || { echo "port $1 is in use; set BENCH_KYOYU_PORT / TAXII_PORT" >&2; exit 1; }
}

# Every listening socket on the port is 127.0.0.1:PORT, or abort.
check_loopback_only() {
  local addrs
  addrs=$(ss -Hltn "sport = :$1" | awk '{print $4}' | sort -u | tr '\n' ' ')
  say "# kyoyu listening on: $addrs"
  if [ -z "$addrs" ] || [ -n "$(printf '%s\n' $addrs | grep -v "^127\.0\.0\.1:$1\$" || true)" ]; then
    echo "kyoyu is not bound to 127.0.0.1 only: $addrs" >&2
    exit 1
  fi
}

mib() { # FIELD PID -> MiB from /proc/PID/status
  awk -v f="$1:" '$1 == f { printf "%.1f", $2 / 1024 }' "/proc/$2/status"
}

cpu_s() { # PID -> utime+stime seconds
  awk -v hz="$(getconf CLK_TCK)" '{ sub(/.*\) /, ""); printf "%.2f", ($12 + $13) / hz }' "/proc/$1/stat"
}

# curl with a bound; loopback only.
api() { curl -sS --max-time 30 "$@"; }

# wrk on the first page; prints wrk's output as context and the metric lines.
wrk_kyoyu() { # N CONNS URL TOKEN
  local n=$1 c=$2 url=$3 token=$4 out cpu0 cpu1
  cpu0=$(cpu_s "$SERVER_PID")
  local perf_pid=
  if [ "${BENCH_PERF:-0}" = 1 ]; then
    # A profile of the server during this run (flat: where its CPU goes, function by function).
    perf record -q -F 499 -p "$SERVER_PID" -o "$WORK/perf-n$n-c$c.data" -- sleep "$SECS" 2>/dev/null &
    perf_pid=$!
  fi
  out=$(timeout --kill-after=5 $((SECS + 60)) wrk -t1 -c"$c" -d"${SECS}s" --timeout 10s --latency \
          -H "Authorization: Bearer $token" -H "Accept: $TAXII" "$url" 2>&1) || true
  cpu1=$(cpu_s "$SERVER_PID")
  if [ -n "$perf_pid" ]; then
    wait "$perf_pid" || true
    perf report -q --no-children --sort dso,symbol -i "$WORK/perf-n$n-c$c.data" 2>/dev/null | head -40 | sed -e "s/  */ /g" -e "s/^/#   perf /" | tee -a "$RESULTS"
  fi
  printf '%s\n' "$out" | sed 's/^/#   /' | tee -a "$RESULTS"
  printf '%s\n' "$out" | awk -v tag="kyoyu_wrk_n${n}_c${c}" -v cpu="$(awk -v a="$cpu0" -v b="$cpu1" 'BEGIN{print b-a}')" -v secs="$SECS" '
    function ms(t,  v) {
      v = t + 0
      if (t ~ /us$/) return v / 1000
      if (t ~ /ms$/) return v
      if (t ~ /m$/) return v * 60000
      if (t ~ /s$/) return v * 1000
      return v
    }
    /Requests\/sec:/ { rps = $2 }
    / requests in / { reqs = $1 }
    $1 == "50%" { p50 = ms($2) }
    $1 == "99%" { p99 = ms($2) }
    /Non-2xx or 3xx responses:/ { non2xx = $NF }
    /Socket errors:/ { sockerr = $0; sub(/.*Socket errors: */, "", sockerr) }
    END {
      printf "%s_requests_per_s %s req/s\n", tag, rps
      printf "%s_requests_completed %d requests\n", tag, reqs
      if (reqs > 0) {
        printf "%s_p50_latency %.4g ms\n", tag, p50
        printf "%s_p99_latency %.4g ms\n", tag, p99
      } else printf "# %s: 0 requests completed in %d s\n", tag, secs
      printf "%s_non_2xx %d responses\n", tag, non2xx
      if (sockerr != "") printf "# %s socket errors: %s\n", tag, sockerr
      printf "%s_server_cpu_percent %.0f %%\n", tag, 100 * cpu / secs
    }' | tee -a "$RESULTS"
}

bench_kyoyu() { # N
  local n=$1 data log token victim community url base status
  data=$WORK/data-$n
  log=$WORK/serve-$n.log
  port_free "$PORT"
  local store=(--data "$data")
  if [ -n "${BENCH_DATABASE:-}" ]; then
    local schema=kyoyu_bench_$n
    psql "$BENCH_DATABASE" -qAtc "SET client_min_messages = warning; DROP SCHEMA IF EXISTS $schema CASCADE; CREATE SCHEMA $schema" >/dev/null
    store=(--database "$BENCH_DATABASE?options=-csearch_path%3D$schema")
    mkdir -p "$data"
  fi
  KYOYU_KEY_FILE=$WORK/key-$n KYOYU_METRICS_LISTEN=off KYOYU_RATE_LIMIT_PER_MINUTE=${BENCH_RATE_LIMIT:-1000000000} "$KYOYU" serve --listen "127.0.0.1:$PORT" "${store[@]}" >/dev/null 2>"$log" &
  SERVER_PID=$!
  for _ in $(seq 600); do
    grep -q '^kyoyu: listening on' "$log" && break
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$log" >&2; exit 1; }
    sleep 0.1
  done
  grep -q '^kyoyu: listening on' "$log" || { echo "kyoyu serve did not listen within 60 s" >&2; cat "$log" >&2; exit 1; }
  check_loopback_only "$PORT"
  base=http://127.0.0.1:$PORT
  token=$(grep -m1 -oE '^[[:space:]]+kyoyu_[0-9A-Za-z_]+' "$log" | tr -d '[:space:]')
  [ -n "$token" ] || { echo "no first token in the server's banner" >&2; exit 1; }
  timeout 60 "$KYOYU" admin org create bench-victim --kind victim "${store[@]}" 2>/dev/null
  victim=$(timeout 60 "$KYOYU" admin token create --org bench-victim --role responder "${store[@]}")
  community=$(api -X POST "$base/api/communities" -H "Authorization: Bearer $token" \
      -H 'Content-Type: application/json' \
      -d '{"title": "bench", "kind": "A", "max_tlp": "amber"}' |
    "$PY" -c 'import json,sys; print(json.load(sys.stdin)["id"])')
  status=$(api -o /dev/null -w '%{http_code}' -X POST "$base/api/communities/$community/members" \
      -H "Authorization: Bearer $token" -H 'Content-Type: application/json' -d '{"org": "bench-victim"}')
  [ "$status" = 204 ] || { echo "adding the member: HTTP $status" >&2; exit 1; }
  say "# n=$n: collection $community, reader = member org bench-victim (responder token)"

  run_and_record timeout 900 "$PY" "$HERE/taxii_bench.py" load "$base" "$victim" "$community" "$n"
  say "kyoyu_rss_hwm_after_load_n$n $(mib VmHWM "$SERVER_PID") MiB"
  run_and_record timeout 600 "$PY" "$HERE/taxii_bench.py" page "$base" "$victim" "$community" "$n" "$SERVER_PID"
  say "kyoyu_rss_hwm_after_paging_n$n $(mib VmHWM "$SERVER_PID") MiB"

  url="$base/taxii2/kyoyu/collections/$community/objects/?limit=100"
  # The page wrk asks for is a full one, from the first object.
  local got
  got=$(api -H "Authorization: Bearer $victim" -H "Accept: $TAXII" "$url" | grep -o '"type": *"indicator"' | wc -l)
  [ "$got" -eq $((n < 100 ? n : 100)) ] || { echo "first page has $got objects" >&2; exit 1; }
  for c in $CONNS; do
    wrk_kyoyu "$n" "$c" "$url" "$victim"
  done
  say "kyoyu_rss_hwm_n$n $(mib VmHWM "$SERVER_PID") MiB"
  say "kyoyu_rss_now_n$n $(mib VmRSS "$SERVER_PID") MiB"
  say "kyoyu_threads_n$n $(awk '$1 == "Threads:" {print $2}' "/proc/$SERVER_PID/status") threads"
  if [ -z "${BENCH_DATABASE:-}" ]; then
    say "kyoyu_db_size_n$n $(du -sk "$data" | awk '{printf "%.1f", $1 / 1024}') MiB"
  fi
  stop_server
}

# 1. the peers' tools
bash "$PEERS_DIR/setup.sh" >&2
command -v wrk >/dev/null || { echo "wrk is missing" >&2; exit 1; }

# 2. kyoyu
cd "$REPO"
cargo build -q --release -p kyoyu
KYOYU=$TARGET_DIR/release/kyoyu
say "# $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores, $(uname -m), kyoyu $(git -C "$REPO" rev-parse --short HEAD)$(git -C "$REPO" diff --quiet HEAD -- crates || echo '+dirty'), wrk -t1 -d${SECS}s, sizes: $SIZES, connections: $CONNS"
for n in $SIZES; do
  bench_kyoyu "$n"
done

# 3. the peer
if [ "$RUN_PEER" = 1 ]; then
  port_free "$PEER_PORT"
  conns_csv=$(echo "$CONNS" | tr ' ' ',')
  # A: first page at 100 and 1,000; B: page through 1,000; C: wrk at 100 objects with every
  # connection count; D: 100,000 objects, one first page bounded by BENCH_PEER_BIG_TIMEOUT.
  TAXII_PORT=$PEER_PORT TAXII_LADDER=100,1000 TAXII_PAGE_N=1000 TAXII_WRK_N=100 \
    TAXII_WRK_CONNS=$conns_csv TAXII_WRK_SECONDS=$SECS TAXII_BIG_N=100000 \
    TAXII_BIG_TIMEOUT=$PEER_BIG_TIMEOUT \
    run_and_record timeout --kill-after=10 900 "$PY" "$PEERS_DIR/bench_taxii_serve.py"
  stop_stray_medallion
  # B: page through 100; C: wrk at 1,000 objects with 1 and 2 connections (the script waits
  # for medallion to drain after each run: ~4 s per abandoned request).
  TAXII_PORT=$PEER_PORT TAXII_LADDER= TAXII_PAGE_N=100 TAXII_WRK_N=1000 \
    TAXII_WRK_CONNS=1,2 TAXII_WRK_SECONDS=$SECS TAXII_BIG_N=0 \
    run_and_record timeout --kill-after=10 600 "$PY" "$PEERS_DIR/bench_taxii_serve.py"
  stop_stray_medallion
  # 1,000 objects with 64 connections: one bounded wrk run, the server killed right after.
  TAXII_PORT=$PEER_PORT run_and_record timeout --kill-after=10 300 "$PY" "$HERE/peer_wrk.py" 1000 64 "$SECS"
  stop_stray_medallion
fi

# 4. ratios and targets
echo "# ---- ratios (kyoyu / medallion, same machine, same run) and targets ----"
awk -v conns="$CONNS" '
  /^[a-z]/ { v[$1] = $2; seen[$1] = 1 }
  function has(k) { return (k in seen) }
  function verdict(ok) { return ok ? "met" : "NOT met" }
  END {
    nc = split(conns, cs, " ")
    for (i = 1; i <= nc; i++) {
      c = cs[i]
      for (nn = 1; nn <= 2; nn++) {
        n = (nn == 1) ? 100 : 1000
        k = "kyoyu_wrk_n" n "_c" c "_requests_per_s"
        p = "medallion_wrk_n" n "_c" c
        if (!has(k) || !has(p "_requests_per_s")) continue
        name = "req_per_s_ratio_n" n "_c" c
        if (v[p "_requests_completed"] > 0) {
          r = v[k] / v[p "_requests_per_s"]
          printf "%s %.0f x", name, r
          if (n == 100) printf "  (target >= 100x: %s)", verdict(r >= 100)
          printf "\n"
        } else if (has("medallion_first_page_latency_n" n)) {
          # medallion answers from one Python process (GIL): one core, one request at a time
          # at best, so its rate cannot exceed 1 / (one request alone), at any concurrency.
          r = v[k] * v["medallion_first_page_latency_n" n]
          printf "%s >= %.0f x  (medallion: 0 requests completed in the run; bound = kyoyu req/s x medallion one-request latency %.2f s, i.e. medallion <= %.3g req/s)", name, r, v["medallion_first_page_latency_n" n], 1 / v["medallion_first_page_latency_n" n]
          if (n == 100) printf "  (target >= 100x: %s)", verdict(r >= 100)
          printf "\n"
        } else printf "%s n/a  (medallion: 0 requests completed)\n", name
      }
    }
    for (nn = 1; nn <= 2; nn++) {
      n = (nn == 1) ? 100 : 1000
      if (has("kyoyu_page_all_n" n "_seconds") && has("medallion_page_all_n" n "_seconds"))
        printf "page_all_ratio_n%d %.0f x  (taxii2-client, per_request=100; kyoyu %.3g s, medallion %.3g s)\n", n,
          v["medallion_page_all_n" n "_seconds"] / v["kyoyu_page_all_n" n "_seconds"],
          v["kyoyu_page_all_n" n "_seconds"], v["medallion_page_all_n" n "_seconds"]
    }
    if (has("kyoyu_page_all_n100000_seconds")) {
      s = v["kyoyu_page_all_n100000_seconds"]
      printf "kyoyu_page_all_n100000 %.3g s  (target < 2 s: %s)", s, verdict(s < 2)
      if (has("kyoyu_page_all_raw_n100000_seconds"))
        printf "  [lean keep-alive client: %.3g s, server CPU %.3g s; again: %.3g s (target < 2 s: %s), server CPU %.3g s]", v["kyoyu_page_all_raw_n100000_seconds"], v["kyoyu_page_all_raw_n100000_server_cpu_seconds"], v["kyoyu_page_all_raw_again_n100000_seconds"], verdict(v["kyoyu_page_all_raw_again_n100000_seconds"] < 2), v["kyoyu_page_all_raw_again_n100000_server_cpu_seconds"]
      printf "\n"
    }
    if (has("kyoyu_wrk_n100000_c1_p50_latency"))
      printf "kyoyu_first_page_n100000 p50 %.3g ms (wrk, 1 connection)\n", v["kyoyu_wrk_n100000_c1_p50_latency"]
    if (has("medallion_first_page_latency_n100000"))
      printf "medallion_first_page_n100000 %.3g s\n", v["medallion_first_page_latency_n100000"]
    else if (has("medallion_first_page_latency_n100000_lower_bound"))
      printf "medallion_first_page_n100000 > %.0f s (no first page within the bound; all 1,000 pages: not attempted)\n", v["medallion_first_page_latency_n100000_lower_bound"]
    if (has("kyoyu_wrk_n100000_c64_p99_latency")) {
      p = v["kyoyu_wrk_n100000_c64_p99_latency"]
      printf "kyoyu_wrk_n100000_c64_p99 %.3g ms  (target < 10 ms: %s; %.0f req/s, p50 %.3g ms)\n", p, verdict(p < 10),
        v["kyoyu_wrk_n100000_c64_requests_per_s"], v["kyoyu_wrk_n100000_c64_p50_latency"]
    }
    if (has("kyoyu_rss_hwm_n100") && has("kyoyu_rss_hwm_n100000")) {
      a = v["kyoyu_rss_hwm_n100"]; b = v["kyoyu_rss_hwm_n100000"]
      printf "kyoyu_rss_peak n=100 %.1f MiB, n=1,000 %.1f MiB, n=100,000 %.1f MiB: x%.2f for x1000 objects  (memory bounded: %s)\n",
        a, v["kyoyu_rss_hwm_n1000"], b, b / a, verdict(b / a < 2)
    }
    if (has("medallion_rss_n100000") && has("kyoyu_rss_hwm_n100000"))
      printf "rss_n100000 kyoyu peak %.1f MiB vs medallion %.1f MiB right after start-up (kyoyu / medallion = %.2f)\n",
        v["kyoyu_rss_hwm_n100000"], v["medallion_rss_n100000"], v["kyoyu_rss_hwm_n100000"] / v["medallion_rss_n100000"]
  }' "$RESULTS"
