#!/usr/bin/env bash
# bench/http.sh - haven's HTTP figures in one run, on loopback only.
#
# Measures, against a throw-away demo database in a temp dir:
#   startup    spawn -> GET /readyz 200, median of BENCH_STARTS starts (after a
#              warm-up start that may migrate), each stopped with SIGTERM
#   memory     VmRSS and PSS of the serving process after login and a few
#              requests, before load (and again after load)
#   throughput wrk on GET /healthz and authenticated GET /api/v1/me, and on
#              nginx serving a static file of the same size as the /api/v1/me
#              body; median of BENCH_WRK_RUNS runs each (interleaved), ratios
#   latency    p50/p99/p99.9 on authenticated /api/v1/me at a fixed
#              BENCH_RATE requests/s (bench/fixed-rate.lua)
# and prints a summary, also written as JSON to bench/results/http-latest.json.
#
# Builds nothing: uses $HAVEN_BIN, else build/haven. Needs wrk, nginx, curl,
# python3 (scripts/deps.sh bench installs them).
#
# Env knobs (defaults):
#   HAVEN_BIN            build/haven
#   HAVEN_DEMO_USER      hotline
#   HAVEN_DEMO_PASSWORD  haven-demo-2026
#   BENCH_STARTS=5  BENCH_WRK_RUNS=3  BENCH_WRK_THREADS=2  BENCH_WRK_CONNS=32
#   BENCH_WRK_DURATION=5s  BENCH_RATE=1000  BENCH_RATE_THREADS=2
#   BENCH_RATE_CONNS=10  BENCH_RATE_DURATION=15s
#   BENCH_ONLY_NGINX=1   skip haven: nginx throughput + fixed-rate run only
#                        (body size BENCH_BODY_BYTES, default 600) - checks the
#                        harness itself
#   BENCH_RESULTS        bench/results/http-latest.json
#   BENCH_KEEP_TMP=1     keep the temp dir (logs) for inspection
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)

HOST=127.0.0.1 # loopback only: never change to another address
HAVEN_BIN=${HAVEN_BIN:-$root/build/haven}
DEMO_USER=${HAVEN_DEMO_USER:-hotline}
DEMO_PASSWORD=${HAVEN_DEMO_PASSWORD:-haven-demo-2026}
STARTS=${BENCH_STARTS:-5}
THR_RUNS=${BENCH_WRK_RUNS:-3}
THR_THREADS=${BENCH_WRK_THREADS:-2}
THR_CONNS=${BENCH_WRK_CONNS:-32}
THR_DURATION=${BENCH_WRK_DURATION:-5s}
RATE=${BENCH_RATE:-1000}
RATE_THREADS=${BENCH_RATE_THREADS:-2}
RATE_CONNS=${BENCH_RATE_CONNS:-10}
RATE_DURATION=${BENCH_RATE_DURATION:-15s}
ONLY_NGINX=${BENCH_ONLY_NGINX:-0}
BODY_BYTES=${BENCH_BODY_BYTES:-600}
RESULTS=${BENCH_RESULTS:-$here/results/http-latest.json}

PY=/usr/bin/python3
[[ -x $PY ]] || PY=$(command -v python3)
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

die() {
    echo "bench/http.sh: $*" >&2
    exit 1
}
log() { echo "bench: $*" >&2; }

for tool in wrk curl "$NGINX" "$PY"; do
    command -v "$tool" >/dev/null 2>&1 || die "missing $tool (run scripts/deps.sh bench)"
done
[[ $ONLY_NGINX == 1 || -x $HAVEN_BIN ]] || die "no haven binary at $HAVEN_BIN (build first, or set HAVEN_BIN)"
for n in STARTS THR_RUNS THR_THREADS THR_CONNS RATE RATE_THREADS RATE_CONNS BODY_BYTES; do
    [[ ${!n} =~ ^[1-9][0-9]*$ ]] || die "$n must be a positive integer (got '${!n}')"
done

# ---------------------------------------------------------------- cleanup
tmp=$(mktemp -d -t haven-bench.XXXXXX)
haven_pid=
nginx_pid=
child_pid=

# stop_pid PID NAME: SIGTERM, wait up to 10 s, then SIGKILL it and its children.
stop_pid() {
    local pid=$1 name=$2 i
    [[ -n $pid ]] || return 0
    kill -0 "$pid" 2>/dev/null || {
        wait "$pid" 2>/dev/null || true
        return 0
    }
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 100; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
        log "$name ($pid) ignored SIGTERM for 10 s: killing"
        local kids
        kids=$(pgrep -P "$pid" 2>/dev/null || true)
        # shellcheck disable=SC2086 # $kids: a list of pids
        kill -KILL "$pid" $kids 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
}

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    stop_pid "$child_pid" "load/measure child"
    stop_pid "$haven_pid" haven
    stop_pid "$nginx_pid" nginx
    if [[ ${BENCH_KEEP_TMP:-0} == 1 || $rc -ne 0 ]]; then
        if ((rc != 0)) && [[ -f $tmp/haven.log ]]; then
            echo "--- tail of haven log ---" >&2
            tail -n 30 "$tmp/haven.log" >&2 || true
        fi
        [[ ${BENCH_KEEP_TMP:-0} == 1 ]] && log "kept $tmp"
    fi
    [[ ${BENCH_KEEP_TMP:-0} == 1 ]] || rm -rf -- "$tmp"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------- helpers
# run_child CMD...: run CMD in the background and wait for it, so that a
# SIGTERM to this script is acted on at once (cleanup stops the child).
run_child() {
    local rc=0
    "$@" &
    child_pid=$!
    wait "$child_pid" || rc=$?
    child_pid=
    return "$rc"
}

free_port() {
    "$PY" -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# wait_http URL PID NAME: poll until URL answers 200 (at most 30 s).
wait_http() {
    local url=$1 pid=$2 name=$3 i
    for ((i = 0; i < 600; i++)); do
        if [[ $(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$url" || true) == 200 ]]; then
            return 0
        fi
        kill -0 "$pid" 2>/dev/null || die "$name exited before $url answered 200"
        sleep 0.05
    done
    die "$name: $url not 200 within 30 s"
}

# median of the numbers given as arguments
median() {
    printf '%s\n' "$@" | sort -g | awk '{v[NR] = $1} END {
        if (NR == 0) { print "null"; exit }
        if (NR % 2) printf "%.2f\n", v[(NR + 1) / 2];
        else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0 && a != "null") printf "%.3f\n", a / b; else print "null" }'; }
kb_to_mb() { awk -v k="$1" 'BEGIN { if (k == "" || k == "null") print "null"; else printf "%.1f\n", k / 1024 }'; }

# mem_kb PID -> "RSS_KB PSS_KB" (PSS "null" without smaps_rollup)
mem_kb() {
    local pid=$1 rss pss
    rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status")
    pss=$(awk '/^Pss:/ {print $2; exit}' "/proc/$pid/smaps_rollup" 2>/dev/null || true)
    echo "${rss:-null} ${pss:-null}"
}

# run_wrk TAG URL [wrk args...]: one throughput run; sets WRK_RPS and adds
# non-2xx / socket-error counts to the tag's totals. (Not for use in $(...).)
declare -A non2xx=() sockerr=()
wrk_seq=0
WRK_RPS=
run_wrk() {
    local tag=$1 url=$2
    shift 2
    wrk_seq=$((wrk_seq + 1))
    local out="$tmp/wrk-$wrk_seq-$tag.txt"
    run_child timeout 120 wrk -t"$THR_THREADS" -c"$THR_CONNS" -d"$THR_DURATION" "$@" "$url" >"$out" 2>&1 ||
        die "wrk failed on $url: $(tail -n 5 "$out")"
    local bad se
    WRK_RPS=$(awk '/^Requests\/sec:/ {print $2}' "$out")
    bad=$(awk '/Non-2xx or 3xx responses:/ {print $NF}' "$out")
    se=$(awk '/Socket errors:/ {gsub(",", ""); print $4 + $6 + $8 + $10}' "$out")
    non2xx[$tag]=$((${non2xx[$tag]:-0} + ${bad:-0}))
    sockerr[$tag]=$((${sockerr[$tag]:-0} + ${se:-0}))
    [[ -n $WRK_RPS ]] || die "no Requests/sec in wrk output for $url: $(tail -n 5 "$out")"
}

# ---------------------------------------------------------------- haven
startup_json=null
rss_idle_kb=null pss_idle_kb=null rss_load_kb=null pss_load_kb=null
body_bytes=$BODY_BYTES
cookie=
haven_port=

if [[ $ONLY_NGINX != 1 ]]; then
    data="$tmp/data"
    mkdir -m 700 "$data"
    log "haven demo --data $data"
    "$HAVEN_BIN" demo --data "$data" >"$tmp/demo.log" 2>&1 || die "haven demo failed: $(tail -n 20 "$tmp/demo.log")"

    log "startup: 1 warm-up + $STARTS measured starts"
    run_child timeout 300 "$PY" "$here/startup.py" --bin "$HAVEN_BIN" --data "$data" \
        --log "$tmp/haven.log" --runs "$STARTS" --warmup 1 >"$tmp/startup.json" ||
        die "startup measurement failed"
    startup_json=$(cat "$tmp/startup.json")

    haven_port=$(free_port)
    base="http://$HOST:$haven_port"
    log "serving on $base"
    "$HAVEN_BIN" serve --data "$data" --listen "$HOST:$haven_port" </dev/null >>"$tmp/haven.log" 2>&1 &
    haven_pid=$!
    wait_http "$base/readyz" "$haven_pid" haven

    # log in as the demo hotline worker (no second factor)
    login_body=$("$PY" -c 'import json, sys; print(json.dumps({"username": sys.argv[1], "password": sys.argv[2]}))' \
        "$DEMO_USER" "$DEMO_PASSWORD")
    code=$(curl -s -o "$tmp/login.json" -w '%{http_code}' --max-time 10 -c "$tmp/jar" \
        -H 'Content-Type: application/json' --data-binary "$login_body" "$base/api/v1/session" || true)
    [[ $code == 2?? ]] || die "login as $DEMO_USER: HTTP $code: $(head -c 500 "$tmp/login.json" 2>/dev/null)"
    # Netscape jar: domain flag path secure expiry name value (HttpOnly lines start #HttpOnly_)
    cookie=$(awk -F'\t' 'NF >= 7 && $6 == "haven_session" {v = $7} END {print v}' "$tmp/jar")
    [[ -n $cookie ]] || die "login answered $code but set no haven_session cookie"

    # a few requests, as a client would, then the idle footprint
    for ((i = 0; i < 5; i++)); do
        curl -s -o /dev/null --max-time 5 "$base/healthz" || true
        code=$(curl -s -o "$tmp/me.json" -w '%{http_code}' --max-time 5 \
            -H "Cookie: haven_session=$cookie" "$base/api/v1/me" || true)
        [[ $code == 200 ]] || die "GET /api/v1/me with the session cookie: HTTP $code: $(head -c 500 "$tmp/me.json")"
    done
    body_bytes=$(stat -c %s "$tmp/me.json")
    ((body_bytes > 0)) || die "/api/v1/me answered an empty body"
    sleep 1
    read -r rss_idle_kb pss_idle_kb < <(mem_kb "$haven_pid")
    log "idle: VmRSS ${rss_idle_kb} kB, Pss ${pss_idle_kb} kB; /api/v1/me body $body_bytes bytes"
fi

# ---------------------------------------------------------------- nginx
ngx="$tmp/nginx"
mkdir -p "$ngx/www" "$ngx/temp"
if [[ $ONLY_NGINX == 1 ]]; then
    head -c "$body_bytes" /dev/zero | tr '\0' 'x' >"$ngx/www/me.json"
else
    cp "$tmp/me.json" "$ngx/www/me.json"
fi
# workers run unprivileged: let them reach the docroot (the data dir stays 0700)
chmod 711 "$tmp"
chmod 755 "$ngx" "$ngx/www"
chmod 644 "$ngx/www/me.json"
nginx_port=$(free_port)
cat >"$ngx/nginx.conf" <<EOF
daemon off;
master_process on;
worker_processes auto;
pid $ngx/nginx.pid;
error_log $ngx/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    types { application/json json; }
    default_type application/octet-stream;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    client_body_temp_path $ngx/temp/body;
    proxy_temp_path $ngx/temp/proxy;
    fastcgi_temp_path $ngx/temp/fastcgi;
    server {
        listen $HOST:$nginx_port;
        root $ngx/www;
        location / { }
    }
}
EOF
"$NGINX" -p "$ngx/" -c "$ngx/nginx.conf" -e "$ngx/error.log" </dev/null >"$ngx/stdout.log" 2>&1 &
nginx_pid=$!
nginx_url="http://$HOST:$nginx_port/me.json"
wait_http "$nginx_url" "$nginx_pid" nginx
got=$(curl -s -o /dev/null -w '%{size_download}' --max-time 5 "$nginx_url")
[[ $got == "$body_bytes" ]] || die "nginx served $got bytes, expected $body_bytes"
log "nginx reference on $nginx_url ($body_bytes bytes)"

# ---------------------------------------------------------------- throughput
rps_nginx=() rps_healthz=() rps_me=()
log "throughput: wrk -t$THR_THREADS -c$THR_CONNS -d$THR_DURATION, $THR_RUNS runs each"
for ((r = 1; r <= THR_RUNS; r++)); do
    run_wrk nginx "$nginx_url"
    rps_nginx+=("$WRK_RPS")
    if [[ $ONLY_NGINX != 1 ]]; then
        run_wrk healthz "$base/healthz"
        rps_healthz+=("$WRK_RPS")
        run_wrk me "$base/api/v1/me" -H "Cookie: haven_session=$cookie"
        rps_me+=("$WRK_RPS")
    fi
    log "  run $r: nginx ${rps_nginx[-1]}${rps_healthz:+  healthz ${rps_healthz[-1]}  me ${rps_me[-1]}}"
done
med_nginx=$(median "${rps_nginx[@]}")
med_healthz=null med_me=null
if [[ $ONLY_NGINX != 1 ]]; then
    med_healthz=$(median "${rps_healthz[@]}")
    med_me=$(median "${rps_me[@]}")
fi
ratio_me=$(ratio "$med_me" "$med_nginx")
ratio_healthz=$(ratio "$med_healthz" "$med_nginx")

# ---------------------------------------------------------------- fixed rate
if [[ $ONLY_NGINX == 1 ]]; then
    rate_url=$nginx_url rate_target=nginx
    rate_hdr=()
else
    rate_url="$base/api/v1/me" rate_target=haven_me
    rate_hdr=(-H "Cookie: haven_session=$cookie")
fi
log "latency: $RATE req/s on $rate_target for $RATE_DURATION (-t$RATE_THREADS -c$RATE_CONNS)"
run_child env WRK_TARGET_RPS="$RATE" WRK_THREADS="$RATE_THREADS" WRK_CONNS="$RATE_CONNS" \
    timeout 300 wrk -t"$RATE_THREADS" -c"$RATE_CONNS" -d"$RATE_DURATION" --latency \
    -s "$here/fixed-rate.lua" "${rate_hdr[@]}" "$rate_url" >"$tmp/wrk-rate.txt" 2>&1 ||
    die "fixed-rate wrk failed: $(tail -n 5 "$tmp/wrk-rate.txt")"
rate_json=$(sed -n 's/^FIXED_RATE //p' "$tmp/wrk-rate.txt" | tail -n 1)
[[ -n $rate_json ]] || die "no FIXED_RATE line from wrk: $(tail -n 5 "$tmp/wrk-rate.txt")"

if [[ $ONLY_NGINX != 1 ]]; then
    read -r rss_load_kb pss_load_kb < <(mem_kb "$haven_pid")
fi

# ---------------------------------------------------------------- report
mkdir -p "$(dirname "$RESULTS")"
export startup_json rate_json
"$PY" - "$RESULTS" <<EOF
import json, os, sys, time
def num(s):
    return None if s in ("", "null") else float(s)
r = {
    "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    "only_nginx": "$ONLY_NGINX" == "1",
    "haven_bin": None if "$ONLY_NGINX" == "1" else os.path.realpath("$HAVEN_BIN"),
    "startup": json.loads(os.environ["startup_json"]),
    "memory_mb": {
        "idle_rss": num("$(kb_to_mb "$rss_idle_kb")"), "idle_pss": num("$(kb_to_mb "$pss_idle_kb")"),
        "after_load_rss": num("$(kb_to_mb "$rss_load_kb")"), "after_load_pss": num("$(kb_to_mb "$pss_load_kb")"),
    },
    "body_bytes": $body_bytes,
    "throughput": {
        "wrk": "-t$THR_THREADS -c$THR_CONNS -d$THR_DURATION", "runs": $THR_RUNS,
        "nginx_rps": [float(x) for x in "${rps_nginx[*]}".split()],
        "haven_healthz_rps": [float(x) for x in "${rps_healthz[*]-}".split()],
        "haven_me_rps": [float(x) for x in "${rps_me[*]-}".split()],
        "median_nginx_rps": num("$med_nginx"),
        "median_haven_healthz_rps": num("$med_healthz"),
        "median_haven_me_rps": num("$med_me"),
        "ratio_haven_me_to_nginx": num("$ratio_me"),
        "ratio_haven_healthz_to_nginx": num("$ratio_healthz"),
        "non2xx": {"nginx": ${non2xx[nginx]:-0}, "healthz": ${non2xx[healthz]:-0}, "me": ${non2xx[me]:-0}},
        "socket_errors": {"nginx": ${sockerr[nginx]:-0}, "healthz": ${sockerr[healthz]:-0}, "me": ${sockerr[me]:-0}},
    },
    "fixed_rate": dict(json.loads(os.environ["rate_json"]), target="$rate_target",
                       wrk="-t$RATE_THREADS -c$RATE_CONNS -d$RATE_DURATION"),
}
with open(sys.argv[1], "w") as f:
    json.dump(r, f, indent=2)
    f.write("\n")

def f(v, unit=""):
    return "n/a" if v is None else f"{v:g}{unit}"
st, m, t, fr = r["startup"], r["memory_mb"], r["throughput"], r["fixed_rate"]
print()
print("==================== haven HTTP bench ====================")
if not r["only_nginx"]:
    print(f"start-to-ready     median {f(st['median_ms'], ' ms')}  (samples {st['samples_ms']}, warm-up {st['warmup_ms']})")
    print(f"idle memory        VmRSS {f(m['idle_rss'], ' MB')}  PSS {f(m['idle_pss'], ' MB')}"
          f"   (after load: VmRSS {f(m['after_load_rss'], ' MB')}  PSS {f(m['after_load_pss'], ' MB')})")
print(f"throughput         wrk {t['wrk']}, median of {t['runs']}; body {r['body_bytes']} bytes")
print(f"  nginx static     {f(t['median_nginx_rps'], ' req/s')}")
if not r["only_nginx"]:
    print(f"  haven /healthz   {f(t['median_haven_healthz_rps'], ' req/s')}   ratio to nginx {f(t['ratio_haven_healthz_to_nginx'])}")
    print(f"  haven /api/v1/me {f(t['median_haven_me_rps'], ' req/s')}   ratio to nginx {f(t['ratio_haven_me_to_nginx'])}")
bad = {k: v for k, v in t["non2xx"].items() if v}
if bad:
    print(f"  WARNING: non-2xx responses during load: {bad}")
bad = {k: v for k, v in t["socket_errors"].items() if v}
if bad:
    print(f"  WARNING: socket errors during load: {bad}")
print(f"fixed rate         {fr['target']} at {fr['target_rps']} req/s ({fr['wrk']}): achieved {fr['actual_rps']} req/s")
print(f"  latency          p50 {fr['p50_ms']} ms  p99 {fr['p99_ms']} ms  p99.9 {fr['p999_ms']} ms  max {fr['max_ms']} ms")
if fr["non2xx"] or fr["socket_errors"]:
    print(f"  WARNING: non-2xx {fr['non2xx']}, socket errors {fr['socket_errors']}")
print(f"results            {sys.argv[1]}")
print("==========================================================")
EOF
