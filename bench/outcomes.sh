#!/usr/bin/env bash
# bench/outcomes.sh - the outcomes dashboard on a million referrals.
#
# Times `haven demo --scale BENCH_REFERRALS` (default 1,000,000: ten years
# of synthetic history, about twelve million timeline entries) into a
# temporary directory and prints its seconds, rows and database size; then
# bench/outcomes.mjs compares, for the same filters in the same run, the
# dashboard (GET /api/v1/outcomes, p50/p95/p99 over 240 requests and 24
# filters) with the same figures computed by plain GROUP BY queries in the
# sqlite3 shell (bench/outcomes.sql). Targets: p95 < 200 ms; SQL / haven
# >= 10x. Builds nothing: HAVEN_BIN should be a Release build.
#
# Env: HAVEN_BIN (build/haven), BENCH_REFERRALS (1000000), BENCH_SEED (7),
#      BENCH_DATA (a data directory made before: skips the generation and
#      keeps the directory), BENCH_FILTERS (24), BENCH_REQUESTS (240),
#      BENCH_KEEP=1 (keep the temporary directory)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export HAVEN_BIN=${HAVEN_BIN:-build/haven}
N=${BENCH_REFERRALS:-1000000}
SEED=${BENCH_SEED:-7}
tmp=
cleanup() {
    if [[ -n $tmp && -z ${BENCH_KEEP:-} ]]; then rm -rf "$tmp"; fi
}
trap cleanup EXIT
mkdir -p bench/results

if [[ -n ${BENCH_DATA:-} ]]; then
    data=$BENCH_DATA
    gen=null
else
    tmp=$(mktemp -d /var/tmp/haven-outcomes.XXXXXX)
    data=$tmp/data
    echo "outcomes bench: haven demo --scale $N --seed $SEED into $data" >&2
    t0=$(date +%s%3N)
    HAVEN_PASSWORD_COST=min "$HAVEN_BIN" demo --data "$data" --scale "$N" --seed "$SEED" \
        >/dev/null 2>"$data.log" || { cat "$data.log" >&2; exit 1; }
    t1=$(date +%s%3N)
    grep '^demo --scale' "$data.log" >&2
    secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", (b - a) / 1000 }')
    line=$(grep -E '^demo --scale: [0-9]+ referrals' "$data.log" | tail -n 1 | sed 's/^demo --scale: //')
    db_mb=$(du -cm "$data"/haven.db* | tail -n 1 | cut -f1)
    rows=$(sqlite3 "$data/haven.db" "SELECT (SELECT COUNT(*) FROM referral) || ' referrals, ' ||
        (SELECT COUNT(*) FROM youth) || ' youth, ' || (SELECT COUNT(*) FROM case_event) ||
        ' timeline entries, ' || (SELECT COUNT(*) FROM deadline) || ' clocks, ' ||
        (SELECT COUNT(*) FROM arrest) || ' arrests, ' || (SELECT COUNT(*) FROM referral_fact) ||
        ' rollup rows'")
    gen=$(printf '{"referrals": %s, "seed": %s, "seconds": %s, "line": "%s", "db_mb": %s, "rows": "%s"}' \
        "$N" "$SEED" "$secs" "$line" "$db_mb" "$rows")
    echo "outcomes bench: generated in $secs s; $db_mb MB; $rows" >&2
fi

BENCH_GEN=$gen node bench/outcomes.mjs "$data" | tee bench/results/outcomes-latest.txt
