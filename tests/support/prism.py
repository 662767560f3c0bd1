"""Stoplight Prism mocks of Twilio's three specs on loopback, and a path router in front of them.

Prism (https://github.com/stoplightio/prism) validates every request against the spec — 422 for a bad
parameter, 401 without Basic auth, 415 for a non-form body, 404 for an unknown path — and answers with the
spec's static examples (docs/twilio-api.md, appendix A). One `prism mock` process serves each spec,
from a temporary copy with the array `encoding` patch of tests/support/oas.py. The router gives the app one base URL
(A2P_TWILIO_BASE_URL): the three hosts' paths do not collide, so each request goes to the mock whose spec
has its path. Prism is installed by .ci/run into .ci/prism (or set A2P_PRISM to a `prism` executable).
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx

from tests.support import oas
from wizard.sandbox.request import error_body
from wizard.sandbox.server import reply

PRISM_VERSION = "5.14.2"
ROOT = Path(__file__).resolve().parents[2]
INSTALLED = ROOT / ".ci" / "prism" / "node_modules" / ".bin" / "prism"
LOOPBACK = "127.0.0.1"
START_TIMEOUT = 60.0


def executable() -> Path | None:
    """The Prism CLI: $A2P_PRISM, else the copy .ci/run installs, else `prism` on PATH."""
    for candidate in (os.environ.get("A2P_PRISM"), INSTALLED, shutil.which("prism")):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return Path(candidate)
    return None


def missing_reason() -> str | None:
    """Why the Prism tests cannot run here (None when they can)."""
    if shutil.which("node") is None:
        return "Node.js is not installed (Prism needs node >= 18.20.1)"
    if executable() is None:
        return (f"Stoplight Prism is not installed: run `npm install --prefix .ci/prism "
                f"@stoplight/prism-cli@{PRISM_VERSION}` (what .ci/run does) or set A2P_PRISM")
    return None


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


def die_with_parent() -> Callable[[], None] | None:
    """Linux: have a child (each mock, a served app) get SIGTERM should the test process die without stopping it
    (PR_SET_PDEATHSIG).
    libc is resolved here, before the fork; the child only makes the one system call."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    return lambda: prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG


def free_port() -> int:
    """A loopback port free at the moment of asking."""
    with socket.socket() as s:
        s.bind((LOOPBACK, 0))
        return s.getsockname()[1]


@dataclass
class Mock:
    host: str
    spec_file: Path
    log_file: Path
    port: int
    process: subprocess.Popen[bytes]

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    def log(self) -> str:
        return self.log_file.read_text(errors="replace") if self.log_file.exists() else ""


class Mocks:
    """Three Prism processes (trusthub, messaging, api); always stopped on exit, whatever happened."""

    def __init__(self, workdir: Path, prism: Path | None = None) -> None:
        self.workdir = workdir
        self.prism = prism or executable()
        self.mocks: dict[str, Mock] = {}
        self.patched: dict[str, list[str]] = {}

    def __enter__(self) -> Mocks:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        if self.prism is None:
            raise RuntimeError(missing_reason() or "Prism not found")
        self.workdir.mkdir(parents=True, exist_ok=True)
        for host in oas.SPEC_FILES:
            patched, self.patched[host] = oas.patch_array_encoding(oas.raw(host))
            spec_file = self.workdir / f"{host}.patched.json"
            spec_file.write_text(json.dumps(patched))
            log_file = self.workdir / f"prism-{host}.log"
            port = free_port()
            with log_file.open("wb") as log:
                process = subprocess.Popen(
                    [str(self.prism), "mock", "-h", LOOPBACK, "-p", str(port), str(spec_file)],
                    stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
                    preexec_fn=die_with_parent(),
                )
            self.mocks[host] = Mock(host, spec_file, log_file, port, process)
        deadline = time.monotonic() + START_TIMEOUT
        for mock in self.mocks.values():
            while "Prism is listening" not in mock.log():
                if mock.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"Prism did not start for {mock.host} (exit {mock.process.poll()}):\n"
                                       + mock.log()[-3000:])
                time.sleep(0.1)

    def stop(self) -> None:
        for mock in self.mocks.values():
            if mock.process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(mock.process.pid, signal.SIGTERM)
                try:
                    mock.process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(mock.process.pid, signal.SIGKILL)
                    mock.process.wait(timeout=10)


@dataclass
class Seen:
    method: str
    path: str
    status: int
    body: bytes
    prefer: str | None


@dataclass
class Router:
    """A loopback HTTP server sending each request to the Prism mock of the spec that has its path.

    `prefer` adds a `Prefer` header (e.g. `example=updateToInReview`) to requests whose
    "METHOD path" fully matches a pattern: Prism then answers with that named example.
    """

    mocks: Mocks
    prefer: list[tuple[str, str]] = field(default_factory=list)
    seen: list[Seen] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._http = httpx.Client(timeout=30.0)
        self._lock = threading.Lock()
        router = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _forward(self) -> None:
                router._handle(self)

            do_GET = do_POST = do_DELETE = _forward

            def log_message(self, format: str, *args: object) -> None:
                """Quiet."""

        self._server = ThreadingHTTPServer((LOOPBACK, 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="prism-router", daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self._server.server_address[1]}"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._http.close()

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        body = handler.rfile.read(int(handler.headers.get("Content-Length") or 0))
        path = handler.path.split("?", 1)[0]
        headers = {k: v for k, v in handler.headers.items()
                   if k.lower() not in ("host", "content-length", "connection", "accept-encoding")}
        prefer = next((value for pattern, value in self.prefer
                       if re.fullmatch(pattern, f"{handler.command} {path}")), None)
        if prefer:
            headers["Prefer"] = prefer
        try:
            host = oas.host_for_path(path)
        except LookupError:
            status, out_headers = 404, {"Content-Type": "application/json"}
            content = json.dumps(error_body(404, 20404, f"No Twilio spec has {path}")).encode()
        else:
            response = self._http.request(handler.command, self.mocks.mocks[host].url + handler.path,
                                          headers=headers, content=body)
            status, content = response.status_code, response.content
            out_headers = {k: v for k, v in response.headers.items()
                           if k.lower() not in ("content-length", "transfer-encoding", "connection",
                                                "content-encoding")}
        with self._lock:
            self.seen.append(Seen(handler.command, handler.path, status, content, prefer))
        reply(handler, status, out_headers, content)

    def refusals(self, since: int = 0) -> list[Seen]:
        """Requests Prism (or the router) answered 4xx, from index `since` on."""
        return [s for s in self.seen[since:] if 400 <= s.status < 500]
