#!/usr/bin/env bash
# bench/intake.sh - durable intake (POST /api/v1/referrals, synchronous=FULL)
# under concurrent clients, against a plain C loop of single-row durable
# SQLite inserts of about the same size on the same disk, in the same run.
# Prints requests/s, p50/p99 and the ratio to the loop.
#
# Env: HAVEN_BIN (build/haven), BENCH_PORT (18123), BENCH_CONNS (16),
#      BENCH_DURATION (10s), BENCH_LOOP_ROWS (2000), BENCH_RATE (200),
#      BENCH_FULL=1 (ask for the whole case back instead of return=minimal)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
BIN=${HAVEN_BIN:-build/haven}
PORT=${BENCH_PORT:-18123}
CONNS=${BENCH_CONNS:-16}
DURATION=${BENCH_DURATION:-10s}
ROWS=${BENCH_LOOP_ROWS:-2000}
tmp=$(mktemp -d /var/tmp/haven-intake.XXXXXX)
pid=
cleanup() {
    [[ -n $pid ]] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT

gcc -O2 -o "$tmp/loop" bench/sqlite_loop.c -lsqlite3
HAVEN_PASSWORD_COST=min "$BIN" demo --data "$tmp/data" >/dev/null 2>&1
"$BIN" serve --data "$tmp/data" --listen "127.0.0.1:$PORT" 2>"$tmp/log" &
pid=$!
for _ in $(seq 200); do curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null && break; sleep 0.05; done
login=$(curl -s -D "$tmp/h" -H 'Content-Type: application/json' \
    -d '{"username":"hotline","password":"haven-demo-2026"}' "http://127.0.0.1:$PORT/api/v1/session")
export HAVEN_CSRF=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["csrf_token"])' "$login")
export HAVEN_COOKIE=$(grep -i '^set-cookie:' "$tmp/h" | head -1 | sed 's/^[Ss]et-[Cc]ookie: //; s/;.*//')

# the body haven stores per intake is about 2 KB (referral, youth, clocks, audit, timeline)
# the loop's rate swings with the disk from minute to minute: run it before
# and after haven and take the mean
loop1=$("$tmp/loop" "$tmp/loop1.db" "$ROWS" 2048 | awk '{print $2}')
out=$(wrk -t2 -c"$CONNS" -d"$DURATION" -s bench/intake.lua --latency \
    "http://127.0.0.1:$PORT/api/v1/referrals")
rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
non2xx=$(awk '/Non-2xx/ {print $5}' <<<"$out")
# then at a fixed 200 intakes/s: latency when the rate is what a county sees
# on its worst day many times over, not the most the server can take
RATE=${BENCH_RATE:-200}
fixed=$(WRK_TARGET_RPS=$RATE WRK_THREADS=2 WRK_CONNS=8 wrk -t2 -c8 -d"$DURATION" \
    -s bench/intake.lua "http://127.0.0.1:$PORT/api/v1/referrals" | sed -n 's/^FIXED_RATE //p')
loop2=$("$tmp/loop" "$tmp/loop2.db" "$ROWS" 2048 | awk '{print $2}')
loop=$(python3 -c "import sys; print('%.1f' % ((float(sys.argv[1]) + float(sys.argv[2])) / 2))" "$loop1" "$loop2")
made=$(sqlite3 "$tmp/data/haven.db" "SELECT COUNT(*) FROM referral")
metrics=$(curl -s "http://127.0.0.1:$PORT/metrics")
txs=$(awk '$1 == "haven_database_transactions_total" {print $2}' <<<"$metrics")
commits=$(awk '$1 == "haven_database_commits_total" {print $2}' <<<"$metrics")
echo "==================== haven intake bench ===================="
echo "C loop of durable single-row inserts   ${loop} rows/s (${ROWS} rows of 2 KB; ${loop1} before, ${loop2} after)"
echo "haven durable intake                   ${rps} req/s  (wrk -t2 -c${CONNS} -d${DURATION})"
echo "  latency                              p50 ${p50}  p99 ${p99}  non-2xx ${non2xx:-0}"
echo "  referrals in the database            ${made}"
echo "  group commit                         ${txs} transactions in ${commits} COMMITs"
python3 - "$fixed" "$RATE" <<'PY'
import json, sys
f = json.loads(sys.argv[1])
print("at a fixed %s intakes/s                 %.1f req/s  p50 %s ms  p99 %s ms  max %s ms  non-2xx %d"
      % (sys.argv[2], f["actual_rps"], f["p50_ms"], f["p99_ms"], f["max_ms"], f["non2xx"]))
PY
python3 -c "import sys; print('ratio to the loop                      %.2f' % (float(sys.argv[1]) / float(sys.argv[2])))" "$rps" "$loop"
echo "============================================================"
