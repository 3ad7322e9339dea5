#!/usr/bin/env bash
# bench/linkage.sh - record linkage (issue #7) at a million records.
#
#   1. `haven link --generate N --profile hard` and `--profile easy`
#      (synthetic records with their truth, docs/linkage.md);
#   2. `haven link FILE --truth person` on each, BENCH_RUNS times for the
#      hard file (the median run is reported): precision, recall, F1, seconds
#      and peak memory (/usr/bin/time -v), and the same for the exact-match
#      baseline (`--exact`);
#   3. one record against all: a thousand records (the last of as many
#      persons with two or more) taken out of the hard file, the rest
#      indexed, then each matched alone (`--queries`): median, p95, slowest;
#   4. pairs scored per second: haven's scoring stage against DuckDB scoring
#      the same candidate pairs in SQL (bench/linkage_duckdb.mjs, the npm
#      package @duckdb/node-api), both on BENCH_THREADS threads.
# Targets: hard 1M under 20 s with F1 >= 0.95; one record under 50 ms;
# haven >= 2x DuckDB's pairs per second. Builds nothing: HAVEN_BIN should
# be a Release build. Writes bench/results/linkage-latest.txt.
#
# Env: HAVEN_BIN (build/haven), BENCH_RECORDS (1000000), BENCH_SEED (42),
#      BENCH_RUNS (3), BENCH_THREADS (2), BENCH_KEEP=1 (keep the files)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
HAVEN_BIN=${HAVEN_BIN:-build/haven}
N=${BENCH_RECORDS:-1000000}
SEED=${BENCH_SEED:-42}
RUNS=${BENCH_RUNS:-3}
THREADS=${BENCH_THREADS:-2}
tmp=$(mktemp -d /var/tmp/haven-linkage.XXXXXX)
cleanup() {
    if [[ -z ${BENCH_KEEP:-} ]]; then rm -rf "$tmp"; else echo "linkage bench: kept $tmp" >&2; fi
}
trap cleanup EXIT
mkdir -p bench/results
out=bench/results/linkage-latest.txt
: >"$out"
say() { echo "$*" | tee -a "$out"; }

# `haven link` under /usr/bin/time -v: the report on stdout into $1.report,
# seconds and peak memory appended as "wall S" and "rss MB" lines.
timed() {
    local name=$1
    shift
    /usr/bin/time -v "$HAVEN_BIN" link "$@" >"$name.report" 2>"$name.time"
    awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, t, ":"); s = 0;
                  for (i = 1; i <= n; i++) s = s * 60 + t[i]; printf "wall %.2f\n", s }
                /Maximum resident set size/ { printf "rss %.0f\n", $2 / 1024 }' \
        "$name.time" >>"$name.report"
}
field() { # field NAME REPORT: precision|recall|F1|wall|rss
    case $1 in
    wall | rss) awk -v k="$1" '$1 == k { print $2 }' "$2" ;;
    *) grep -oE "$1 [0-9.]+" "$2" | head -n 1 | awk '{ print $2 }' ;;
    esac
}

say "linkage bench: $N records, seed $SEED, $THREADS threads, $(nproc) cores, haven $("$HAVEN_BIN" version | cut -d' ' -f2)"
for profile in hard easy; do
    t0=$(date +%s%3N)
    "$HAVEN_BIN" link --generate "$N" --profile "$profile" --seed "$SEED" --output "$tmp/$profile.csv"
    t1=$(date +%s%3N)
    say "generate $profile: $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", (b - a) / 1000 }') s, $(du -m "$tmp/$profile.csv" | cut -f1) MB"
done

say ""
say "| profile | method | precision | recall | F1 | seconds | peak MB |"
say "|---|---|---|---|---|---|---|"
walls=()
for r in $(seq 1 "$RUNS"); do
    timed "$tmp/hard-$r" "$tmp/hard.csv" --truth person --threads "$THREADS" \
        --pairs "$tmp/hard-pairs.csv" --persons "$tmp/hard-persons.csv"
    walls+=("$(field wall "$tmp/hard-$r.report") $r")
done
median_run=$(printf '%s\n' "${walls[@]}" | sort -n | awk -v m=$(((RUNS + 1) / 2)) 'NR == m { print $2 }')
rep=$tmp/hard-$median_run.report
say "| hard | haven (median of $RUNS) | $(field precision "$rep") | $(field recall "$rep") | $(field F1 "$rep") | $(field wall "$rep") | $(field rss "$rep") |"
timed "$tmp/hard-exact" "$tmp/hard.csv" --truth person --exact --persons "$tmp/x.csv"
say "| hard | exact match | $(field precision "$tmp/hard-exact.report") | $(field recall "$tmp/hard-exact.report") | $(field F1 "$tmp/hard-exact.report") | $(field wall "$tmp/hard-exact.report") | $(field rss "$tmp/hard-exact.report") |"
timed "$tmp/easy" "$tmp/easy.csv" --truth person --threads "$THREADS" --pairs "$tmp/e-pairs.csv" \
    --persons "$tmp/e-persons.csv"
say "| easy | haven | $(field precision "$tmp/easy.report") | $(field recall "$tmp/easy.report") | $(field F1 "$tmp/easy.report") | $(field wall "$tmp/easy.report") | $(field rss "$tmp/easy.report") |"
timed "$tmp/easy-exact" "$tmp/easy.csv" --truth person --exact --persons "$tmp/x.csv"
say "| easy | exact match | $(field precision "$tmp/easy-exact.report") | $(field recall "$tmp/easy-exact.report") | $(field F1 "$tmp/easy-exact.report") | $(field wall "$tmp/easy-exact.report") | $(field rss "$tmp/easy-exact.report") |"
say ""
say "haven's stages (hard, median run): $(grep -E '^  read ' "$rep" | sed 's/^  //')"

# one record against all: the last record of 1,000 persons with several
awk -F, -v known="$tmp/known.csv" -v queries="$tmp/queries.csv" '
    NR == FNR { if (FNR > 1) { c[$2]++; last[$2] = FNR } next }
    FNR == 1 { print > known; print > queries; multi = 0; for (p in c) if (c[p] > 1) multi++;
               stride = int(multi / 1000); if (stride < 1) stride = 1; next }
    c[$2] > 1 && last[$2] == FNR && q < 1000 && (++k % stride) == 0 { print > queries; q++; next }
    { print > known }' "$tmp/hard.csv" "$tmp/hard.csv"
"$HAVEN_BIN" link "$tmp/known.csv" --truth person --threads "$THREADS" --queries "$tmp/queries.csv" \
    --pairs "$tmp/k-pairs.csv" --persons "$tmp/k-persons.csv" >"$tmp/known.report"
say ""
say "one record against all: $(grep -A3 '^One record against all' "$tmp/known.report" | tail -n +2 | sed 's/^  //' | tr '\n' ' ')"

# pairs per second, haven against DuckDB on the same candidate pairs
"$HAVEN_BIN" link "$tmp/hard.csv" --threads "$THREADS" --candidates "$tmp/cand.csv" \
    --pairs "$tmp/c-pairs.csv" --persons "$tmp/c-persons.csv" >"$tmp/cand.report"
haven_rate=$(grep -oE 'scoring [0-9.]+ s \([0-9,]+ pairs/s\)' "$tmp/cand.report" | grep -oE '\([0-9,]+' | tr -d '(,')
# DuckDB is the reference, not a part of haven: installed for the bench
# only, into bench/node_modules (npm ci cannot take its per-platform
# optional packages from a lock file).
if [[ ! -d bench/node_modules/@duckdb/node-api ]]; then
    say "installing @duckdb/node-api 1.5.6-r.1 into bench/node_modules"
    npm install --prefix bench --no-save --no-audit --no-fund --loglevel=error @duckdb/node-api@1.5.6-r.1 >&2
fi
duck=$(BENCH_THREADS=$THREADS node bench/linkage_duckdb.mjs "$tmp/hard.csv" "$tmp/cand.csv" "$haven_rate")
say ""
say "pairs scored per second (same $(echo "$duck" | grep -oE '"pairs":[0-9]+' | cut -d: -f2) candidate pairs, $THREADS threads): haven $haven_rate, DuckDB $(echo "$duck" | grep -oE '"duckdb_pairs_per_s":[0-9]+' | cut -d: -f2) ($(echo "$duck" | grep -oE '"duckdb":"[^"]+"' | cut -d'"' -f4)); haven / DuckDB = $(echo "$duck" | grep -oE '"ratio":[0-9.]+' | cut -d: -f2)"
say "duckdb: $duck"
