"""Serve a Sandbox over real HTTP on loopback only (for live-mode tests against A2P_TWILIO_BASE_URL).

The sandbox's FaultPlan applies as in its transport: 429 and 5xx answered without performing the request, a
`lost` answer performed and then the connection closed without a response, a `slow` one delayed."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from wizard.sandbox.fake import Sandbox, route
from wizard.sandbox.request import error_body

LOOPBACK = "127.0.0.1"
MAX_BODY = 1024 * 1024
"""The largest request body read (a form post of the flow's is a few kB); a larger one is refused unread."""


class _Handler(BaseHTTPRequestHandler):
    sandbox: Sandbox
    server: ThreadingHTTPServer
    protocol_version = "HTTP/1.1"

    def _serve(self) -> None:
        declared = self.headers.get("Content-Length") or "0"
        readable = re.fullmatch(r"[0-9]{1,18}", declared) is not None  # not "-1", "²" or 5,000 digits
        if not readable or int(declared) > MAX_BODY:  # never read unbounded, never wait for the end of the stream
            self.close_connection = True
            status, why = (413, f"larger than {MAX_BODY:,} bytes") if readable else (400, "unreadable")
            reply(self, status, {"Content-Type": "application/json"},
                  json.dumps(error_body(status, 20001, f"The request body's Content-Length is {why}")).encode())
            return
        body = self.rfile.read(int(declared))
        port = self.server.server_port
        draw = self.sandbox.fault_injector.draw() if route(self.path.partition("?")[0]) else None
        if draw is not None and draw.slow:
            time.sleep(self.sandbox.faults.slow_seconds)
        if draw is not None and draw.fault in ("429", "5xx"):
            status, headers = draw.status, {"Content-Type": "application/json"}
            if status == 429 and self.sandbox.faults.retry_after is not None:
                headers["Retry-After"] = f"{self.sandbox.faults.retry_after:g}"
            content = json.dumps(error_body(status, 20429 if status == 429 else 20500, "Injected fault")).encode()
        else:
            status, headers, content = self.sandbox.handle(
                self.command, f"http://{LOOPBACK}:{port}{self.path}", dict(self.headers.items()), body
            )
        if draw is not None and draw.fault == "lost":  # performed; the answer never arrives
            self.close_connection = True
            return
        reply(self, status, headers, content)

    do_GET = do_POST = do_DELETE = _serve

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the sandbox server writes no access log."""


def reply(handler: BaseHTTPRequestHandler, status: int, headers: Mapping[str, str], content: bytes) -> None:
    """Send `handler`'s answer: its status, its headers and Content-Length, and its body."""
    handler.send_response(status)
    for name, value in headers.items():
        handler.send_header(name, value)
    handler.send_header("Content-Length", str(len(content)))
    handler.end_headers()
    handler.wfile.write(content)


def serve(sandbox: Sandbox, host: str = LOOPBACK, port: int = 0) -> tuple[ThreadingHTTPServer, str]:
    """Start a daemon-threaded server; returns it (call shutdown() and server_close()) and its base URL."""
    if host != LOOPBACK:
        raise ValueError(f"The sandbox server binds {LOOPBACK} only, not {host!r}")
    handler = type("SandboxHandler", (_Handler,), {"sandbox": sandbox})
    server = ThreadingHTTPServer((LOOPBACK, port), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="sandbox-server", daemon=True).start()
    return server, f"http://{LOOPBACK}:{server.server_address[1]}"
