"""Serve a Sandbox over real HTTP on loopback only (for live-mode tests against A2P_TWILIO_BASE_URL)."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from wizard.sandbox.fake import Sandbox

LOOPBACK = "127.0.0.1"


class _Handler(BaseHTTPRequestHandler):
    sandbox: Sandbox
    server: ThreadingHTTPServer
    protocol_version = "HTTP/1.1"

    def _serve(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        port = self.server.server_port
        status, headers, content = self.sandbox.handle(
            self.command, f"http://{LOOPBACK}:{port}{self.path}", dict(self.headers.items()), body
        )
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        self.wfile.write(content)

    do_GET = do_POST = do_DELETE = _serve

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the sandbox server writes no access log."""


def serve(sandbox: Sandbox, host: str = LOOPBACK, port: int = 0) -> tuple[ThreadingHTTPServer, str]:
    """Start a daemon-threaded server; returns it (call shutdown() and server_close()) and its base URL."""
    if host != LOOPBACK:
        raise ValueError(f"The sandbox server binds {LOOPBACK} only, not {host!r}")
    handler = type("SandboxHandler", (_Handler,), {"sandbox": sandbox})
    server = ThreadingHTTPServer((LOOPBACK, port), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="sandbox-server", daemon=True).start()
    return server, f"http://{LOOPBACK}:{server.server_address[1]}"
