#!/usr/bin/env bash
# bench/directory.sh - the directory's search on 250,000 services.
#
# 1. Generates BENCH_SERVICES (default 250,000) synthetic HSDS services
#    (`haven directory generate`, seed BENCH_SEED, in parts of 25,000 so no
#    file is larger than ~40 MB) into a fresh demo database and times the
#    imports (`haven directory import`, all or nothing per part).
# 2. Times the engine directly: `haven directory search-bench` (the index
#    build, then p50/p95/p99 for words + radius 5 + open now around six ZIP
#    codes, common and rare words without a place, filters only; and per
#    text the engine against the raw FTS5 query on the same database in the
#    same run: `... MATCH ? ORDER BY rank LIMIT 20` and every match
#    unranked, with the ratios).
# 3. The same mix over HTTP (bench/directory.mjs), with /healthz as the
#    floor of a request.
# Targets (issue 6): p99 < 10 ms for words + radius + open now; the engine
# at most 2x the raw FTS5 query for the same words.
# Builds nothing: HAVEN_BIN should be a Release build.
#
# Env: HAVEN_BIN (build/haven), BENCH_SERVICES (250000), BENCH_SEED (7),
#      BENCH_DATA (a data directory made before: skips the generation),
#      BENCH_ROUNDS (5), BENCH_KEEP=1 (keep the temporary directory)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export HAVEN_BIN=${HAVEN_BIN:-build/haven}
N=${BENCH_SERVICES:-250000}
SEED=${BENCH_SEED:-7}
ROUNDS=${BENCH_ROUNDS:-5}
PART=25000
tmp=
cleanup() {
    if [[ -n $tmp && -z ${BENCH_KEEP:-} ]]; then rm -rf "$tmp"; fi
}
trap cleanup EXIT
mkdir -p bench/results

if [[ -n ${BENCH_DATA:-} ]]; then
    data=$BENCH_DATA
else
    tmp=$(mktemp -d /var/tmp/haven-directory.XXXXXX)
    data=$tmp/data
    HAVEN_PASSWORD_COST=min "$HAVEN_BIN" demo --data "$data" >/dev/null 2>&1
    echo "directory bench: $N services (seed $SEED) into $data" >&2
    total_ms=0
    for ((first = 0; first < N; first += PART)); do
        n=$((N - first < PART ? N - first : PART))
        "$HAVEN_BIN" directory generate "$n" --seed "$SEED" --first "$first" --syz 12 \
            --out "$tmp/part.json"
        t0=$(date +%s%3N)
        "$HAVEN_BIN" directory import "$tmp/part.json" --data "$data" >/dev/null
        t1=$(date +%s%3N)
        total_ms=$((total_ms + t1 - t0))
        echo "  imported $((first + n)) services, $(((t1 - t0) / 1000)) s for this part" >&2
    done
    rm -f "$tmp/part.json"
    db_mb=$(du -cm "$data"/haven.db* | tail -n 1 | cut -f1)
    echo "import: $N services in $((total_ms / 1000)) s ($((N * 1000 / (total_ms + 1))) a second); database $db_mb MB" |
        tee bench/results/directory-latest.txt
fi

echo "== the engine (haven directory search-bench) ==" | tee -a bench/results/directory-latest.txt
"$HAVEN_BIN" directory search-bench --rounds "$ROUNDS" --data "$data" 2>/dev/null |
    tee -a bench/results/directory-latest.txt
echo "== over HTTP (bench/directory.mjs) ==" | tee -a bench/results/directory-latest.txt
BENCH_ROUNDS=$ROUNDS node bench/directory.mjs "$data" | tee -a bench/results/directory-latest.txt
