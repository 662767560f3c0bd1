"""Hostile bytes and a hostile server, for the tests of every door text comes in by.

- `CORPUS`: over 100 strings that would drive or fool a terminal (CSI, OSC 0/8/52, DCS, APC, C1, bidi controls,
  zero-width and tag characters, soft hyphen, fillers, combining floods, line separators, NUL/BEL/BS/CR).
- `raw_unsafe(text)`: the unsafe characters found raw in text (none may reach an output, the store or a log).
- `hostile_proxy(upstream, answer)`: a server on 127.0.0.1 in front of the served sandbox; `answer(method, path,
  authorization, forward)` returns (status, content type, body bytes) — forward first to let the call happen.
- `HostileServer(upstream, rules)`: the same server with rules per path (echo the Authorization header, wrong
  types, an item that is no object, HTML, huge, a slow trickle, a foreign or looping next page, endless pages of
  big items); it records
  every request it gets, so a second one with no upstream tells whether anything was sent to it.
"""

from __future__ import annotations

import json
import re
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from wizard.visible import UNSAFE

ESC, BEL, ST = "\x1b", "\x07", "\x1b\\"

_SEQUENCES = [
    f"{ESC}[31mred{ESC}[0m", f"{ESC}[2J{ESC}[H", f"{ESC}[?1049h", f"{ESC}[6n", f"{ESC}[1;1H{ESC}[K",
    f"{ESC}]0;pwned title{BEL}", f"{ESC}]2;title{ST}", f"{ESC}]8;;https://evil.example/{ST}click{ESC}]8;;{ST}",
    f"{ESC}]52;c;ZWNobyBwd25lZA=={BEL}", f"{ESC}]52;p;?{BEL}", f"{ESC}P+q544e{ST}", f"{ESC}P$q\"p{ST}",
    f"{ESC}_apc payload{ST}", f"{ESC}^pm{ST}", f"{ESC}X sos{ST}", f"{ESC}c", f"{ESC}7{ESC}8", f"{ESC}#8",
    "\x9b31m", "\x9d0;c1 title\x9c", "\x90dcs\x9c", "\x9f apc\x9c", "\x85next line", "\x8dreverse index",
    "\x00nul", "bell\x07", "back\x08space", "carriage\rreturn", "form\x0cfeed", "vertical\x0btab", "del\x7f",
    "\x1a sub", "\x18 can",
]
_INVISIBLE = [
    "\u200b", "\u200c", "\u200d", "\u200e", "\u200f", "\u202a", "\u202b", "\u202c", "\u202d", "\u202e",
    "\u2066", "\u2067", "\u2068", "\u2069", "\u061c", "\u2060", "\u2061", "\u2062", "\u2063", "\u2064",
    "\ufeff", "\u00ad", "\u180e", "\ufff9", "\ufffa", "\ufffb", "\u2028", "\u2029", "\u206a", "\u206f",
    "\U000e0001", "\U000e0041\U000e0042", "\U000e007f", "\u3164", "\u115f", "\u1160", "\uffa0",
    "\u0600", "\u06dd", "\u070f", "\U0001d173", "\U000110bd",
]
CORPUS: list[str] = (
    [f"Zo{s}ë" for s in _SEQUENCES]
    + [f"Bob{c}Smith" for c in _INVISIBLE]
    + ["admin\u202egnp.exe", "\u202eevil\u202c", "paypa\u200bl", "\U000e0049\U000e0047\U000e004e\U000e004f",
       "\u3164\u3164", "Z" + "\u0301" * 50, "a" + "\u0489" * 20, "e" + "\u0300\u0301\u0302\u0303\u0304\u0305",
       f"{ESC}[31m" * 30, "\x1b" * 5, f"{ESC}]8;;file:///etc/passwd{BEL}x{ESC}]8;;{BEL}", "\x9b2J\x9bH",
       "\u2066\u202e123\u2069", f"{ESC}[8m hidden {ESC}[28m", f"{ESC}[5;31;47m", "\u034f" * 6, "\u2800\u200b",
       f"ok{ESC}]0;{'x' * 200}{BEL}", "\u200d" * 10]
    + [f"{s}{c}" for s, c in zip(_SEQUENCES[:12], _INVISIBLE[:12], strict=True)]
)
"""Hostile strings: every one holds at least one character that must never reach a terminal raw."""

FLOODS = ("\u034f" * 5, "\u0301" * 5, "\u0489" * 5, "\u0300\u0301\u0302\u0303\u0304")
assert len(CORPUS) >= 100 and all(UNSAFE.search(s) or any(f in s for f in FLOODS) for s in CORPUS)


def raw_unsafe(text: str) -> list[str]:
    """The unsafe characters in `text`, as U+XXXX (an empty list: safe to print)."""
    return sorted({f"U+{ord(m[0]):04X}" for m in UNSAFE.finditer(text)} - {"U+000A", "U+0009"})


Answer = Callable[[str, str, str, Callable[[], tuple[int, str, bytes]]], tuple[int, str, bytes]]


@contextmanager
def hostile_proxy(upstream: str, answer: Answer) -> Iterator[str]:
    """A server on 127.0.0.1 that answers as `answer` says (forwarding to `upstream` when asked); its base URL."""

    def rule(request: Asked) -> Reply:
        status, kind, data = answer(request.method, request.path, request.authorization,
                                    lambda: (lambda r: (r.status, r.kind, r.data))(request.forward()))
        return Reply(status, kind, data)

    with HostileServer(upstream, [(".", rule)]) as server:
        yield server.url


# -- the hostile server: one server, rules per path --------------------------------------------------------------


@dataclass
class Reply:
    """What the server answers: a status, a content type and a body (bytes, or chunks streamed as they come,
    `pause` seconds apart, without a Content-Length: the body ends when the server closes)."""

    status: int = 200
    kind: str = "application/json"
    data: bytes = b""
    chunks: Iterable[bytes] | None = None
    pause: float = 0.0

    def json(self) -> Any:
        return json.loads(self.data)

    def with_json(self, body: Any) -> Reply:
        return Reply(self.status, self.kind, json.dumps(body).encode())


@dataclass
class Asked:
    """One request the server received, and a way to get the upstream's answer to it."""

    method: str
    path: str
    authorization: str
    forward: Callable[[], Reply]


Rule = Callable[[Asked], Reply]


class HostileServer:
    """One HTTP server on 127.0.0.1 with rules per path, in front of `upstream` (a served sandbox) or alone.

    `rules` are (regex on the path with its query, rule) tried in order; a request no rule matches is forwarded
    (its answer's upstream links rewritten to this server). Every request is recorded in `requests` as
    (method, path, Authorization header). Ready-made rules: `echo`, `setting`, `bad_item`, `html`, `huge`,
    `trickle`, `next_page`, `endless_pages`.
    """

    def __init__(self, upstream: str | None = None, rules: list[tuple[str, Rule]] | None = None) -> None:
        self.upstream = upstream
        self.rules = [(re.compile(pattern), rule) for pattern, rule in rules or []]
        self.requests: list[tuple[str, str, str]] = []
        self.url = ""

    def add(self, pattern: str, rule: Rule) -> None:
        """Answer requests whose path (with its query) matches `pattern` by `rule`, before any earlier rule."""
        self.rules.insert(0, (re.compile(pattern), rule))

    def __enter__(self) -> HostileServer:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def _any(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                owner.requests.append((self.command, self.path, self.headers.get("Authorization", "")))
                asked = Asked(self.command, self.path, self.headers.get("Authorization", ""),
                              lambda: owner._forward(self.command, self.path, dict(self.headers.items()), body))
                rule = next((r for pattern, r in owner.rules if pattern.search(self.path)), None)
                reply = rule(asked) if rule else asked.forward()
                self.send_response(reply.status)
                self.send_header("Content-Type", reply.kind)
                if reply.chunks is None:
                    self.send_header("Content-Length", str(len(reply.data)))
                self.end_headers()
                try:
                    if reply.chunks is None:
                        self.wfile.write(reply.data)
                    for chunk in reply.chunks or ():
                        self.wfile.write(chunk)
                        self.wfile.flush()
                        if reply.pause:
                            time.sleep(reply.pause)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client stopped reading: what the bounds are for

            do_GET = do_POST = do_DELETE = _any

            def log_message(self, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _forward(self, method: str, path: str, headers: dict[str, str], body: bytes | None) -> Reply:
        if self.upstream is None:
            return Reply(404, "application/json", b'{"code": 20404, "message": "Not found", "status": 404}')
        request = urllib.request.Request(self.upstream + path, data=body, method=method,
                                         headers={k: v for k, v in headers.items() if k != "Host"})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                status, kind, data = response.status, response.headers.get("Content-Type", ""), response.read()
        except urllib.error.HTTPError as error:
            status, kind, data = error.code, error.headers.get("Content-Type", ""), error.read()
        return Reply(status, kind, data.replace(self.upstream.encode(), self.url.encode()))


def echo(field: str, *, items: str | None = None, **also: Any) -> Rule:
    """The upstream's answer with `field` (of each item of the list `items`) set to the Authorization header
    (and the fields `also` to their values)."""
    def rule(asked: Asked) -> Reply:
        return setting(field, f"you sent Authorization: {asked.authorization}", items=items, **also)(asked)
    return rule


def setting(field: str, value: Any, *, items: str | None = None, **also: Any) -> Rule:
    """The upstream's answer with `field` set to `value` (in each item of the list `items`): wrong types."""
    def rule(asked: Asked) -> Reply:
        reply = asked.forward()
        if not 200 <= reply.status < 300:
            return reply
        body = reply.json()
        for target in (body[items] if items else [body]):
            target.update({field: value, **also})
        return reply.with_json(body)
    return rule


def bad_item(items: str, value: Any = "not an object") -> Rule:
    """The upstream's list answer with one more item that is `value` (not an object)."""
    def rule(asked: Asked) -> Reply:
        reply = asked.forward()
        body = reply.json()
        body[items].append(value)
        return reply.with_json(body)
    return rule


def html(status: int = 200) -> Rule:
    return lambda asked: Reply(status, "text/html", b"<html><body>Welcome to the portal</body></html>")


def huge(size: int, *, chunk: int = 1 << 20) -> Rule:
    """A 2xx JSON answer of `size` bytes, generated chunk by chunk as it is sent (never held whole)."""
    def chunks() -> Iterator[bytes]:
        yield b'{"sid": "' + b"x" * (chunk - 9)
        for _ in range(size // chunk - 1):
            yield b"x" * chunk
    return lambda asked: Reply(200, "application/json", chunks=chunks())


def trickle(every: float = 1.0, *, forever: int = 10**6) -> Rule:
    """A 2xx answer sent one byte every `every` seconds, for ever (well within each per-read timeout)."""
    def chunks() -> Iterator[bytes]:
        yield b'{"sid'
        for _ in range(forever):
            yield b" "
    return lambda asked: Reply(200, "application/json", chunks=chunks(), pause=every)


def next_page(link: Callable[[Asked], str]) -> Rule:
    """The upstream's list answer whose next page is `link(asked)` (v1 `meta.next_page_url` or 2010
    `next_page_uri`): another server's address, or the same page again."""
    def rule(asked: Asked) -> Reply:
        reply = asked.forward()
        body = reply.json()
        if isinstance(body.get("meta"), dict):
            body["meta"]["next_page_url"] = link(asked)
        else:
            body["next_page_uri"] = link(asked)
        return reply.with_json(body)
    return rule


def endless_pages(url: str, items: str, item: Callable[[int, int], Any], count: int = 1000) -> Rule:
    """A list answer that never ends: each page `count` items `item(page, i)` (each page within the body cap) and
    a next page on `url`, the server's own address, never the same twice."""
    pages = iter(range(10**9))

    def rule(asked: Asked) -> Reply:
        page = next(pages)
        return Reply().with_json({items: [item(page, i) for i in range(count)],
                                  "meta": {"next_page_url": f"{url}{asked.path.partition('?')[0]}?PageToken={page}"}})
    return rule
