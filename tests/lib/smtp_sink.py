#!/usr/bin/python3
"""
smtp_sink.py - a real SMTP server on loopback that keeps every message it is
handed, for the black-box tests and benchmarks of haven's email notifications
(driven from Node by tests/lib/receivers.mjs: startSmtp()).

    python3 smtp_sink.py --port 0 --out FILE [--host 127.0.0.1] [--watch-stdin]

--port 0 picks a free port. When the server accepts connections it prints one
line "listening PORT" on stdout. Each message accepted (DATA answered 250) is
appended to FILE as one JSON line, flushed at once:

    {"at": ms since the epoch (float), "mail_from": "...", "rcpt_tos": [...],
     "message_id": "<...>" | null, "subject": "..." | null,
     "idempotency_key": X-Haven-Idempotency-Key | null,
     "text": the text/plain part | null, "html": the text/html part | null
     (both decoded, line ends as "\n"),
     "headers": {lowercased name: first value}, "size": bytes of DATA}

Exits 0 on SIGTERM or SIGINT, and with --watch-stdin also when its standard
input closes (so the sink never outlives a Node parent that died).

Needs only the standard library and aiosmtpd (Debian: python3-aiosmtpd).
"""

import argparse
import email
import email.policy
import json
import signal
import socket
import sys
import threading
import time

from aiosmtpd.controller import Controller


def part_content(msg, subtype):
    """The decoded text of MSG's text/SUBTYPE body part, or None."""
    part = msg.get_body(preferencelist=(subtype,))
    if part is None or part.get_content_type() != f"text/{subtype}":
        return None
    try:
        text = part.get_content()
    except Exception:  # a malformed part: keep what can be kept
        payload = part.get_payload(decode=True) or b""
        text = payload.decode(part.get_content_charset() or "utf-8", "replace")
    return text.replace("\r\n", "\n")


def header(msg, name):
    """MSG's header NAME as a decoded string, or None."""
    try:
        value = msg[name]
    except Exception:
        return None
    return None if value is None else str(value)


class Sink:
    """aiosmtpd handler: one JSON line per message in OUT."""

    def __init__(self, out):
        self.out = out
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        headers = {}
        for name in msg.keys():
            key = name.lower()
            if key not in headers:
                headers[key] = header(msg, name)
        rec = {
            "at": time.time() * 1000.0,
            "mail_from": envelope.mail_from,
            "rcpt_tos": list(envelope.rcpt_tos),
            "message_id": header(msg, "Message-ID"),
            "subject": header(msg, "Subject"),
            "idempotency_key": header(msg, "X-Haven-Idempotency-Key"),
            "text": part_content(msg, "plain"),
            "html": part_content(msg, "html"),
            "headers": headers,
            "size": len(raw),
        }
        line = json.dumps(rec, ensure_ascii=False) + "\n"
        with self.lock:
            self.out.write(line)
            self.out.flush()
        return "250 OK: queued"


class SinkController(Controller):
    """Controller serving on an already bound socket, so port 0 works."""

    def __init__(self, handler, sock, **kwargs):
        self._sock = sock
        host, port = sock.getsockname()[:2]
        super().__init__(handler, hostname=host, port=port, **kwargs)

    def _create_server(self):
        return self.loop.create_server(self._factory_invoker, sock=self._sock, ssl=self.ssl_context)


def main():
    ap = argparse.ArgumentParser(description="SMTP sink: one JSON line per message")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0, help="0 picks a free port")
    ap.add_argument("--out", required=True, help="file the JSON lines are appended to")
    ap.add_argument("--watch-stdin", action="store_true", help="exit when stdin closes")
    args = ap.parse_args()

    sock = socket.socket(socket.AF_INET6 if ":" in args.host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((args.host, args.port))
    port = sock.getsockname()[1]

    out = open(args.out, "a", encoding="utf-8")
    controller = SinkController(
        Sink(out), sock,
        server_hostname="haven-smtp-sink",
        data_size_limit=64 * 1024 * 1024,
        enable_SMTPUTF8=True,
    )
    controller.start()

    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    if args.watch_stdin:
        def watch():
            try:
                while sys.stdin.buffer.read(4096):
                    pass
            except Exception:
                pass
            done.set()
        threading.Thread(target=watch, daemon=True).start()

    print(f"listening {port}", flush=True)
    while not done.wait(3600):
        pass
    controller.stop(no_assert=True)
    out.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
