#!/usr/bin/env bash
# scripts/pg.sh start|stop|url [DIR] - a throwaway PostgreSQL 15 for the tests.
#
#   start  installs PostgreSQL from Debian when missing (deps.sh test), makes
#          a cluster in DIR (default: a new temp dir) owned by the postgres
#          user, starts it on a free loopback port with its socket in DIR, and
#          prints its URL (postgresql://postgres@127.0.0.1:PORT/postgres),
#          also written to DIR/url. Trust authentication, loopback only.
#   stop   stops the server in DIR and removes DIR.
#   url    prints the URL of the server running in DIR.
#
# The tests' launchers (tests/lib/api.mjs, tests/lib/haven.mjs) create one
# fresh database per haven server on it when HAVEN_TEST_DB=postgres, finding
# the URL in HAVEN_TEST_PG_URL or in $HAVEN_TEST_PG_DIR/url. Run as root
# (initdb refuses root: it runs as postgres through runuser) or as postgres.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

cmd=${1:-}
dir=${2:-}
bin=/usr/lib/postgresql/15/bin

as_pg() {
    if ((EUID == 0)); then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

case "$cmd" in
start)
    if [[ ! -x $bin/initdb ]]; then
        scripts/deps.sh test >&2
    fi
    if [[ -z $dir ]]; then
        dir=$(mktemp -d -t haven-pg.XXXXXX)
    fi
    if [[ -f $dir/url ]] && as_pg "$bin/pg_ctl" -D "$dir/db" status >/dev/null 2>&1; then
        cat "$dir/url"
        exit 0
    fi
    mkdir -p "$dir"
    ((EUID == 0)) && chown postgres: "$dir"
    chmod 700 "$dir"
    if [[ ! -f $dir/db/PG_VERSION ]]; then
        as_pg "$bin/initdb" -D "$dir/db" -U postgres -A trust -E UTF8 --locale=C.UTF-8 -N \
            >"$dir/initdb.log" 2>&1 || {
            cat "$dir/initdb.log" >&2
            exit 1
        }
    fi
    # a free port: a random one nobody answers on (postgres fails to start,
    # and says so, in the unlikely case it is taken meanwhile)
    local_port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
    port=$((20000 + RANDOM % 40000))
    while ! local_port_free "$port"; do port=$((20000 + RANDOM % 40000)); done
    # fsync off: a throwaway cluster on a shared machine. haven still waits for
    # each COMMIT (synchronous_commit on); only the disk flush is skipped.
    as_pg "$bin/pg_ctl" -D "$dir/db" -l "$dir/server.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c max_connections=300 -c shared_buffers=64MB -c fsync=off -c full_page_writes=off" \
        start >/dev/null || {
        tail -n 20 "$dir/server.log" >&2
        exit 1
    }
    url="postgresql://postgres@127.0.0.1:$port/postgres"
    echo "$url" | as_pg tee "$dir/url" >/dev/null
    echo "$url"
    ;;
stop)
    [[ -n $dir ]] || { echo "usage: scripts/pg.sh stop DIR" >&2; exit 2; }
    if [[ -d $dir/db ]]; then
        as_pg "$bin/pg_ctl" -D "$dir/db" -m fast -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
    ;;
url)
    [[ -n $dir && -f $dir/url ]] || { echo "pg.sh: no server in '$dir'" >&2; exit 1; }
    cat "$dir/url"
    ;;
*)
    echo "usage: scripts/pg.sh start|stop|url [DIR]" >&2
    exit 2
    ;;
esac
