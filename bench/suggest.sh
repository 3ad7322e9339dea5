#!/usr/bin/env bash
# bench/suggest.sh - suggestions at intake with a million known youth
# (issue #7, docs/linkage.md "In haven"): target under 100 ms.
#
#   1. `haven demo --scale BENCH_REFERRALS` (default 1,200,000 referrals:
#      about a million youth with encrypted names, as the outcomes bench);
#   2. `haven serve` on it, timing the youth index's warm-up (decrypting
#      every youth, indexing, estimating the model: the "youth index ready"
#      log line);
#   3. bench/suggest.mjs: BENCH_QUERIES (1000) synthetic intake youth from
#      `haven link --generate` (nicknames, typos, swapped dates), posted one
#      at a time as the hotline's API token: p50, p95, p99, slowest.
# Builds nothing: HAVEN_BIN should be a Release build. Writes
# bench/results/suggest-latest.txt.
#
# Env: HAVEN_BIN (build/haven), BENCH_REFERRALS (1200000), BENCH_SEED (42),
#      BENCH_QUERIES (1000), BENCH_DATA (reuse a data directory made before),
#      BENCH_KEEP=1 (keep the data directory)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
HAVEN_BIN=${HAVEN_BIN:-build/haven}
N=${BENCH_REFERRALS:-1200000}
SEED=${BENCH_SEED:-42}
Q=${BENCH_QUERIES:-1000}
tmp=$(mktemp -d /var/tmp/haven-suggest.XXXXXX)
pid=
cleanup() {
    if [[ -n $pid ]]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
    if [[ -z ${BENCH_KEEP:-} ]]; then rm -rf "$tmp"; else echo "suggest bench: kept $tmp" >&2; fi
}
trap cleanup EXIT
mkdir -p bench/results
out=bench/results/suggest-latest.txt
: >"$out"
say() { echo "$*" | tee -a "$out"; }

data=${BENCH_DATA:-$tmp/data}
if [[ -z ${BENCH_DATA:-} ]]; then
    t0=$(date +%s)
    HAVEN_PASSWORD_COST=min "$HAVEN_BIN" demo --data "$data" --scale "$N" --seed "$SEED" >"$tmp/demo.log" 2>&1
    say "demo --scale $N: $(( $(date +%s) - t0 )) s"
fi
youth=$(sqlite3 "$data/haven.db" 'SELECT COUNT(*) FROM youth')
token=$("$HAVEN_BIN" user token hotline --name "suggest bench $$" --data "$data")
"$HAVEN_BIN" link --generate "$Q" --profile hard --seed "$((SEED + 1))" --output "$tmp/queries.csv"

"$HAVEN_BIN" serve --data "$data" --listen 127.0.0.1:0 2>"$tmp/serve.log" &
pid=$!
for _ in $(seq 1 600); do
    grep -q '"msg":"listening"' "$tmp/serve.log" && break
    sleep 0.1
done
url="http://$(grep -o '"addr":"[^"]*"' "$tmp/serve.log" | head -n 1 | cut -d'"' -f4)"
res=$(node bench/suggest.mjs "$url" "$token" "$tmp/queries.csv")
ready=$(grep '"youth index ready"' "$tmp/serve.log" | head -n 1)
rss=$(awk '/VmHWM/ { printf "%.0f", $2 / 1024 }' "/proc/$pid/status")
say "suggest bench: $youth youth known, $(nproc) cores, haven $("$HAVEN_BIN" version | cut -d' ' -f2)"
say "index warm-up: $(echo "$ready" | grep -o '"ms":[0-9]*' | cut -d: -f2) ms ($(echo "$ready" | grep -o '"records":[0-9]*' | cut -d: -f2) records), server peak memory ${rss} MB"
say "suggestions: $(echo "$res" | head -n 1)"
say "$(echo "$res" | tail -n 1)"
