"""Hostile bytes and a hostile server, for the tests of every door text comes in by.

- `CORPUS`: over 100 strings that would drive or fool a terminal (CSI, OSC 0/8/52, DCS, APC, C1, bidi controls,
  zero-width and tag characters, soft hyphen, fillers, combining floods, line separators, NUL/BEL/BS/CR).
- `raw_unsafe(text)`: the unsafe characters found raw in text (none may reach an output, the store or a log).
- `hostile_proxy(upstream, answer)`: a server on 127.0.0.1 in front of the served sandbox; `answer(method, path,
  authorization, forward)` returns (status, content type, body bytes) — forward first to let the call happen.
"""

from __future__ import annotations

import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

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

    class Handler(BaseHTTPRequestHandler):
        def _any(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None

            def forward() -> tuple[int, str, bytes]:
                request = urllib.request.Request(upstream + self.path, data=body, method=self.command,
                                                 headers={k: v for k, v in self.headers.items() if k != "Host"})
                try:
                    with urllib.request.urlopen(request, timeout=30) as response:
                        return response.status, response.headers.get("Content-Type", ""), response.read()
                except urllib.error.HTTPError as error:
                    return error.code, error.headers.get("Content-Type", ""), error.read()

            status, kind, data = answer(self.command, self.path, self.headers.get("Authorization", ""), forward)
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_DELETE = _any

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
