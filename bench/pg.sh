#!/usr/bin/env bash
# bench/pg.sh - haven's durable intake on PostgreSQL against pgbench's
# simple-update on the same server, in the same run (issue #8).
#
# A throwaway PostgreSQL 15 (scripts/pg.sh) with fsync turned back on (the
# test clusters run without it): `pgbench -i` then `pgbench -b simple-update`
# TPS; then haven's intake (POST /api/v1/referrals, as bench/intake.sh) with
# one haven server, then with two haven servers on the same database, each
# driven by its own wrk. Prints the rates and intake / pgbench TPS (target
# at least 0.3).
#
# Env: HAVEN_BIN (build/haven), BENCH_PORT (18133; the second server +1),
#      BENCH_CONNS (16, split between the servers), BENCH_DURATION (10s),
#      BENCH_PGBENCH_SCALE (10), BENCH_PG_FSYNC (on)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
BIN=${HAVEN_BIN:-build/haven}
PORT=${BENCH_PORT:-18133}
CONNS=${BENCH_CONNS:-16}
DURATION=${BENCH_DURATION:-10s}
SCALE=${BENCH_PGBENCH_SCALE:-10}
secs=${DURATION%s}
tmp=$(mktemp -d /var/tmp/haven-pg.XXXXXX)
pgdir=$(mktemp -d /var/tmp/haven-pgdb.XXXXXX)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
    scripts/pg.sh stop "$pgdir" >/dev/null 2>&1 || true
    [[ -n ${BENCH_KEEP:-} ]] || rm -rf "$tmp"
}
trap cleanup EXIT

base=$(scripts/pg.sh start "$pgdir" | tail -1)
url_of() { echo "${base%/*}/$1"; }
# the test cluster runs with fsync off: restart it with fsync on (the option
# is on its command line, so ALTER SYSTEM would not win)
pgport=${base##*:}
pgport=${pgport%%/*}
pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
as_pg() { if [[ $(id -u) == 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }
as_pg "$pgbin/pg_ctl" -D "$pgdir/db" -w -t 60 -l "$pgdir/server.log" restart -o \
    "-c listen_addresses=127.0.0.1 -p $pgport -k $pgdir -c max_connections=300 -c shared_buffers=128MB -c fsync=${BENCH_PG_FSYNC:-on}" >/dev/null
psql "$base" -qc "CREATE DATABASE pgb" -c "CREATE DATABASE haven"
fsync=$(psql "$base" -qAtc "SHOW fsync")

# pgbench: the same number of client connections as haven's wrk
pgbench -i -q -s "$SCALE" "$(url_of pgb)" >/dev/null 2>&1
pgb=$(pgbench -b simple-update -c "$CONNS" -j 2 -T "$secs" -n "$(url_of pgb)" 2>/dev/null)
tps=$(awk '/^tps = / {print $3}' <<<"$pgb")

export HAVEN_DATABASE_URL=$(url_of haven)
HAVEN_PASSWORD_COST=min "$BIN" demo --data "$tmp/data" >/dev/null 2>&1

serve() { # PORT: starts a server, waits for it
    "$BIN" serve --data "$tmp/data" --listen "127.0.0.1:$1" 2>"$tmp/log.$1" &
    pids+=($!)
    for _ in $(seq 200); do curl -sf "http://127.0.0.1:$1/readyz" >/dev/null && return 0; sleep 0.05; done
    echo "haven on port $1 did not start" >&2
    tail -5 "$tmp/log.$1" >&2
    return 1
}
login() { # PORT: sets COOKIE and CSRF for the hotline user on that server
    local body
    body=$(curl -s -D "$tmp/h.$1" -H 'Content-Type: application/json' \
        -d '{"username":"hotline","password":"haven-demo-2026"}' "http://127.0.0.1:$1/api/v1/session")
    CSRF=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["csrf_token"])' "$body")
    COOKIE=$(grep -i '^set-cookie:' "$tmp/h.$1" | head -1 | sed 's/^[Ss]et-[Cc]ookie: //; s/;.*//')
}
drive() { # PORT CONNS OUT: wrk against one server
    login "$1"
    HAVEN_CSRF=$CSRF HAVEN_COOKIE=$COOKIE wrk -t1 -c"$2" -d"$DURATION" -s bench/intake.lua \
        --latency "http://127.0.0.1:$1/api/v1/referrals" >"$3"
}
# answered 2xx per second (a 409 or 503 is no intake)
rps_of() {
    awk '/ requests in / {n = $1; t = $4 + 0} /Non-2xx/ {bad = $5} END {printf "%.1f", (n - bad) / t}' "$1"
}
p99_of() { awk '$1 == "99%" {print $2}' "$1"; }
non2xx_of() { awk '/Non-2xx/ {bad = $5} END {print bad + 0}' "$1"; }

serve "$PORT"
drive "$PORT" "$CONNS" "$tmp/one"
one=$(rps_of "$tmp/one")

serve $((PORT + 1))
half=$((CONNS / 2))
drive "$PORT" "$half" "$tmp/two.a" &
wa=$!
drive $((PORT + 1)) "$half" "$tmp/two.b" &
wb=$!
wait "$wa" "$wb"
two=$(python3 -c "import sys; print('%.1f' % (float(sys.argv[1]) + float(sys.argv[2])))" \
    "$(rps_of "$tmp/two.a")" "$(rps_of "$tmp/two.b")")
made=$(psql "$HAVEN_DATABASE_URL" -qAtc "SELECT COUNT(*) FROM referral")

ratio() { python3 -c "import sys; print('%.2f' % (float(sys.argv[1]) / float(sys.argv[2])))" "$1" "$2"; }
echo "==================== haven on PostgreSQL bench ===================="
echo "PostgreSQL $(psql "$base" -qAtc 'SHOW server_version'), fsync ${fsync}, synchronous_commit on"
echo "pgbench -b simple-update               ${tps} TPS  (scale ${SCALE}, -c ${CONNS} -j 2 -T ${secs})"
echo "haven durable intake, one server       ${one} req/s  p99 $(p99_of "$tmp/one")  non-2xx $(non2xx_of "$tmp/one")"
echo "haven durable intake, two servers      ${two} req/s  (${half} connections each; p99 $(p99_of "$tmp/two.a") / $(p99_of "$tmp/two.b"); non-2xx $(non2xx_of "$tmp/two.a") / $(non2xx_of "$tmp/two.b"))"
echo "  referrals in the database            ${made}"
echo "ratio intake / pgbench TPS             $(ratio "$one" "$tps") one server, $(ratio "$two" "$tps") two (target >= 0.3)"
echo "two servers / one                      $(ratio "$two" "$one")"
echo "==================================================================="
