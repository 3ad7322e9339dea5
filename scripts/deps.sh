#!/usr/bin/env bash
# scripts/deps.sh MODE - install what haven needs for MODE, quietly and idempotently.
#
#   run    build and serve haven (make run, make build)
#   test   run's + unit/api/browser test tools (make test, .ci/run)
#   bench  run's + load tools and a reference server (make bench)
#
# Prints nothing when everything is already there. Otherwise names what it
# installs on one line; apt-get's and npm's output go to a log that is shown
# only when they fail. Works from any cwd, run or sourced (sourced, it runs in a
# subshell so the caller's options and cwd are left alone).

haven_deps() (
    set -euo pipefail

    local mode=${1:-}
    case "$mode" in
    run | test | bench) ;;
    *)
        echo "usage: scripts/deps.sh run|test|bench" >&2
        return 2
        ;;
    esac

    cd "$(dirname "${BASH_SOURCE[0]}")/.."

    # Debian packages. libcmocka-dev is in run's list too: CMakeLists.txt
    # requires cmocka at configure time, so a plain build needs it.
    local -a run_pkgs=(build-essential cmake pkg-config libmicrohttpd-dev libjansson-dev
        libsodium-dev libinih-dev libsqlite3-dev libpq-dev libgnutls28-dev libcurl4-openssl-dev
        sqlite3 ca-certificates libcmocka-dev tzdata libical-dev libxlsxwriter-dev libcsv-dev)
    local -a test_pkgs=(libcmocka-dev chromium postgresql python3-aiosmtpd openssl)
    # bench/http.sh also uses curl and Debian's python3; bench/sse.mjs node.
    local -a bench_pkgs=(wrk nginx-light hyperfine curl python3)

    local -a want=("${run_pkgs[@]}")
    case "$mode" in
    test) want+=("${test_pkgs[@]}") ;;
    bench) want+=("${bench_pkgs[@]}") ;;
    esac

    # Node and npm: only where npm is going to be used. Node may live outside
    # Debian's packages (e.g. a nodesource build), so ask the shell, not dpkg.
    local need_npm=0
    if [[ $mode == test ]]; then
        need_npm=1
    elif [[ $mode == bench ]] && ! command -v node >/dev/null 2>&1; then
        want+=(nodejs)
    elif [[ -f package.json ]] && grep -q '"dependencies"[[:space:]]*:' package.json; then
        # Hook: runtime front-end dependencies would be needed to run too.
        need_npm=1
    fi
    if ((need_npm)); then
        if ! command -v node >/dev/null 2>&1; then
            want+=(nodejs npm)
        elif ! command -v npm >/dev/null 2>&1; then
            want+=(npm)
        fi
    fi

    local -a missing=()
    local p
    for p in "${want[@]}"; do
        [[ " ${missing[*]-} " == *" $p "* ]] && continue
        if [[ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)" != "install ok installed" ]]; then
            missing+=("$p")
        fi
    done

    local -a sudo=()
    if ((EUID != 0)); then
        command -v sudo >/dev/null 2>&1 && sudo=(sudo)
    fi

    local log
    if ((${#missing[@]})); then
        echo "deps.sh ($mode): installing ${missing[*]}"
        log=$(mktemp -t haven-deps-apt.XXXXXX)
        if ! { "${sudo[@]}" apt-get update -qq &&
            "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
                --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
            echo "deps.sh: apt-get failed; its output ($log):" >&2
            cat "$log" >&2
            return 1
        fi
        rm -f "$log"
    fi

    if ((need_npm)) && [[ -f package.json ]]; then
        local major
        major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
        if ((major < 20)); then
            echo "deps.sh: warning: node $(node --version 2>/dev/null || echo '?') is older than package.json's engines (>=20)" >&2
        fi
        if [[ ! -d node_modules ]] || [[ package-lock.json -nt node_modules/.package-lock.json ]]; then
            echo "deps.sh ($mode): npm ci"
            log=$(mktemp -t haven-deps-npm.XXXXXX)
            if ! PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error >"$log" 2>&1; then
                echo "deps.sh: npm ci failed; its output ($log):" >&2
                cat "$log" >&2
                return 1
            fi
            rm -f "$log"
        fi
        # Front-end libraries are served from web/vendor (not committed):
        # copied from node_modules whenever npm has installed a newer one.
        local src dst
        for src in node_modules/chart.js/dist/chart.umd.min.js node_modules/chart.js/LICENSE.md \
                   node_modules/leaflet/dist/leaflet.js node_modules/leaflet/dist/leaflet.css \
                   node_modules/leaflet/dist/images/marker-icon.png \
                   node_modules/leaflet/dist/images/marker-icon-2x.png \
                   node_modules/leaflet/dist/images/marker-shadow.png \
                   node_modules/leaflet/dist/images/layers.png \
                   node_modules/leaflet/dist/images/layers-2x.png node_modules/leaflet/LICENSE; do
            [[ -f $src ]] || continue
            dst=${src#node_modules/}
            dst=web/vendor/${dst/\/dist\//\/}
            if [[ ! -f $dst || $src -nt $dst ]]; then
                mkdir -p "${dst%/*}"
                cp -p "$src" "$dst"
            fi
        done
    fi
)

if [[ "${BASH_SOURCE[0]}" != "$0" ]]; then
    # sourced
    haven_deps "$@"
else
    set -euo pipefail
    haven_deps "$@"
fi
