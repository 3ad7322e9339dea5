#!/usr/bin/python3
"""bench/startup.py - time from spawning `haven serve` until GET /readyz answers 200.

Spawns the server WARMUP + RUNS times, each on a fresh free loopback port,
polls /readyz in a tight loop (0.5 ms between refused connects), records
spawn-to-200 in ms, then stops the server with SIGTERM (SIGKILL after a grace
period, which counts as a failure). Warm-up starts (e.g. the first start after
`haven demo`, which may migrate) are reported but not in the median.

Prints one JSON object on stdout:
  {"samples_ms": [...], "median_ms": M, "warmup_ms": [...], "stop_ms": [...]}
Exits non-zero on any failure, with the server's log tail on stderr.
"""
import argparse
import http.client
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import time

HOST = "127.0.0.1"  # loopback only


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def ready(port):
    """True once GET /readyz answers 200; False while refused or not yet ready."""
    conn = http.client.HTTPConnection(HOST, port, timeout=2)
    try:
        conn.request("GET", "/readyz")
        return conn.getresponse().status == 200
    except (ConnectionError, OSError, http.client.HTTPException):
        return False
    finally:
        conn.close()


def fail(msg, log):
    print(f"startup.py: {msg}", file=sys.stderr)
    try:
        with open(log, "rb") as f:
            tail = f.read()[-4000:].decode("utf-8", "replace")
        print(f"--- tail of {log} ---\n{tail}", file=sys.stderr)
    except OSError:
        pass
    sys.exit(1)


def one_start(args):
    port = free_port()
    cmd = [args.bin, "serve", "--data", args.data, "--listen", f"{HOST}:{port}"]
    if args.config:
        cmd += ["--config", args.config]
    with open(args.log, "ab") as log:
        log.write(f"\n### startup.py: {' '.join(cmd)}\n".encode())
        log.flush()
        t0 = time.monotonic()
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=log)
    try:
        deadline = t0 + args.timeout
        while True:
            if ready(port):
                ready_ms = (time.monotonic() - t0) * 1000
                break
            if proc.poll() is not None:
                fail(f"server exited with {proc.returncode} before /readyz answered 200", args.log)
            if time.monotonic() > deadline:
                fail(f"/readyz not 200 within {args.timeout}s", args.log)
            time.sleep(0.0005)
        t1 = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=args.stop_timeout)
        except subprocess.TimeoutExpired:
            fail(f"server ignored SIGTERM for {args.stop_timeout}s", args.log)
        stop_ms = (time.monotonic() - t1) * 1000
        return ready_ms, stop_ms, proc.returncode
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bin", required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--config")
    ap.add_argument("--log", required=True, help="server stdout/stderr are appended here")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--timeout", type=float, default=30.0, help="max seconds to become ready")
    ap.add_argument("--stop-timeout", type=float, default=10.0)
    args = ap.parse_args()
    # On SIGTERM/SIGINT unwind, so one_start's finally stops the server it spawned.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    signal.signal(signal.SIGINT, lambda *_: sys.exit(130))
    if not os.access(args.bin, os.X_OK):
        fail(f"not executable: {args.bin}", args.log)

    warm, samples, stops, codes = [], [], [], []
    for i in range(args.warmup + args.runs):
        ready_ms, stop_ms, code = one_start(args)
        (warm if i < args.warmup else samples).append(round(ready_ms, 2))
        stops.append(round(stop_ms, 2))
        codes.append(code)
    print(json.dumps({
        "samples_ms": samples,
        "median_ms": round(statistics.median(samples), 2),
        "warmup_ms": warm,
        "stop_ms": stops,
        "exit_codes_after_sigterm": codes,
    }))


if __name__ == "__main__":
    main()
