#!/usr/bin/env bash
# bench/clocks.sh - one million pending clocks: haven's memory, and how late
# each clock fires.
#
# Makes the demo data, adds BENCH_CLOCKS running clocks straight into the
# database (the demo cases own them; every one has a distinct subject), of
# which BENCH_DUE come due during the run, one every 1000/BENCH_RATE ms from
# 5 s after the server starts, and the rest from one to ninety days out.
# Then it starts haven (the clock thread fires what is due: a warning to the
# owner, its timeline entry and its audit record), waits until the last one
# should have fired plus 3 s, and reads from the database when each fired
# (warned_at) against when it was due to (warn_at). Prints the lateness
# (p50, p99, max), how many fired, and haven's resident memory (peak and now).
#
# Env: HAVEN_BIN (build/haven), BENCH_PORT (18125), BENCH_CLOCKS (1000000),
#      BENCH_DUE (20000), BENCH_RATE (1000 per second)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
BIN=${HAVEN_BIN:-build/haven}
PORT=${BENCH_PORT:-18125}
CLOCKS=${BENCH_CLOCKS:-1000000}
DUE=${BENCH_DUE:-20000}
RATE=${BENCH_RATE:-1000}
tmp=$(mktemp -d /var/tmp/haven-clocks.XXXXXX)
pid=
cleanup() {
    [[ -n $pid ]] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT

HAVEN_PASSWORD_COST=min "$BIN" demo --data "$tmp/data" >/dev/null 2>&1
db="$tmp/data/haven.db"
# the owner: the demo's on-call responder; the cases: the demo's
owner=$(sqlite3 "$db" "SELECT id FROM app_user WHERE username = 'responder'")
agency=$(sqlite3 "$db" "SELECT agency_id FROM app_user WHERE username = 'responder'")
now=$(date +%s%3N)
sqlite3 "$db" <<SQL

BEGIN;
CREATE TEMP TABLE refs AS SELECT id, ROW_NUMBER() OVER (ORDER BY id) - 1 AS k FROM referral;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $CLOCKS)
INSERT INTO deadline (referral_id, kind, subject_id, owner_user_id, owner_agency_id, started_at,
                      due_at, warn_at, state, next_fire_at)
SELECT (SELECT id FROM refs WHERE k = i % (SELECT COUNT(*) FROM refs)), 'bed_stay', 1000000 + i,
       $owner, $agency, $now,
       $now + 86400000 + (i * 7776000000 / $CLOCKS) + 3600000,
       $now + 86400000 + (i * 7776000000 / $CLOCKS),
       'running',
       $now + 86400000 + (i * 7776000000 / $CLOCKS)
FROM n;
COMMIT;
SQL
pending=$(sqlite3 "$db" "SELECT COUNT(*) FROM deadline WHERE next_fire_at IS NOT NULL")
first=$(sqlite3 "$db" "SELECT MIN(id) FROM deadline WHERE subject_id > 1000000")
# the ones that come due during the run, spaced evenly from 5 s after start
start=$(( $(date +%s%3N) + 5000 ))
sqlite3 "$db" "UPDATE deadline SET warn_at = $start + (id - $first) * 1000 / $RATE,
    next_fire_at = $start + (id - $first) * 1000 / $RATE,
    due_at = $start + (id - $first) * 1000 / $RATE + 3600000
    WHERE id >= $first AND id < $first + $DUE"
"$BIN" serve --data "$tmp/data" --listen "127.0.0.1:$PORT" 2>"$tmp/log" &
pid=$!
for _ in $(seq 200); do curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null && break; sleep 0.05; done
last=$(( start + DUE * 1000 / RATE ))
sleep $(( (last - $(date +%s%3N)) / 1000 + 3 ))
peak=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")
rss=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
kill "$pid"; wait "$pid" 2>/dev/null || true; pid=
read -r fired p50 p99 max <<<"$(sqlite3 -separator ' ' "$db" "
    WITH late AS (SELECT warned_at - warn_at AS ms, ROW_NUMBER() OVER (ORDER BY warned_at - warn_at)
                  AS k, COUNT(*) OVER () AS n FROM deadline
                  WHERE id >= $first AND id < $first + $DUE AND warned_at IS NOT NULL)
    SELECT MAX(n), (SELECT ms FROM late WHERE k = CAST(n * 0.5 AS INT) + 1),
           (SELECT ms FROM late WHERE k = MIN(n, CAST(n * 0.99 AS INT) + 1)), MAX(ms) FROM late")"
early=$(sqlite3 "$db" "SELECT COUNT(*) FROM deadline WHERE id >= $first + $DUE AND warned_at IS NOT NULL")
echo "==================== haven clocks bench ===================="
echo "pending clocks at start                ${pending}"
echo "came due during the run                ${DUE} (${RATE}/s); fired ${fired:-0}; fired early ${early}"
echo "lateness (fired - due)                 p50 ${p50:-?} ms  p99 ${p99:-?} ms  max ${max:-?} ms"
echo "haven resident memory                  peak $((peak / 1024)) MB, at the end $((rss / 1024)) MB"
echo "============================================================"
