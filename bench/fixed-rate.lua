-- bench/fixed-rate.lua - hold wrk at a fixed request rate and report latency.
--
-- wrk has no rate option; this script paces requests with delay(). Each
-- thread owns an equal share of the target rate and hands out send slots on
-- an absolute schedule (t0, t0 + 1/r, t0 + 2/r, ...) to whichever of its
-- connections asks next, so rounding to wrk's 1 ms timer does not accumulate
-- and a slow response is caught up on afterwards (up to the connection count).
-- Without LuaJIT's ffi (no monotonic clock), it falls back to a fixed
-- per-connection delay of connections/rate.
--
-- Configured from the environment (set by bench/http.sh):
--   WRK_TARGET_RPS  total requests/s wanted   (default 1000)
--   WRK_THREADS     the -t value given to wrk (default 2)
--   WRK_CONNS       the -c value given to wrk (default 10)
--
-- done() prints one line:  FIXED_RATE {json}
-- with target_rps, actual_rps, p50_ms, p90_ms, p99_ms, p999_ms, max_ms,
-- requests, non2xx (status errors) and socket errors.

local target   = tonumber(os.getenv("WRK_TARGET_RPS") or "") or 1000
local nthreads = tonumber(os.getenv("WRK_THREADS") or "") or 2
local nconns   = tonumber(os.getenv("WRK_CONNS") or "") or 10

local now_ms = nil
do
    local ok, ffi = pcall(require, "ffi")
    if ok and ffi then
        local ok2 = pcall(ffi.cdef, [[
            typedef struct { long tv_sec; long tv_nsec; } haven_bench_timespec;
            int clock_gettime(int clk_id, haven_bench_timespec *tp);
        ]])
        if ok2 then
            local ts = ffi.new("haven_bench_timespec")
            now_ms = function()
                ffi.C.clock_gettime(1, ts) -- CLOCK_MONOTONIC
                return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
            end
        end
    end
end

local interval_ms = 1000 * nthreads / target          -- between sends in one thread
local fixed_ms    = math.floor(1000 * nconns / target + 0.5)
local next_slot   = nil

function delay()
    if not now_ms then
        return fixed_ms
    end
    local t = now_ms()
    if not next_slot then
        next_slot = t
    end
    local d = next_slot - t
    next_slot = next_slot + interval_ms
    if d <= 0 then
        return 0
    end
    return math.floor(d + 0.5)
end

local function ms(us)
    return string.format("%.3f", us / 1000)
end

function done(summary, latency, requests)
    local secs = summary.duration / 1e6
    local e = summary.errors
    io.write(string.format(
        'FIXED_RATE {"target_rps":%d,"actual_rps":%.1f,"p50_ms":%s,"p90_ms":%s,"p99_ms":%s,' ..
        '"p999_ms":%s,"max_ms":%s,"requests":%d,"non2xx":%d,"socket_errors":%d,"paced":"%s"}\n',
        target, summary.requests / secs,
        ms(latency:percentile(50)), ms(latency:percentile(90)), ms(latency:percentile(99)),
        ms(latency:percentile(99.9)), ms(latency.max),
        summary.requests, e.status, e.connect + e.read + e.write + e.timeout,
        now_ms and "schedule" or "fixed-delay"))
end
