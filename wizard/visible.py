"""The one sanitiser for text that reaches a terminal, a log or an export (light: standard library only).

Control characters (C0, DEL, C1), bidi controls, invisible format characters (Unicode Cf: zero-width, tag
characters, soft hyphen…), line/paragraph separators and Hangul fillers are shown as `\\uXXXX` escapes, so a
value can neither drive the terminal (CSI, OSC, DCS sequences) nor hide or reorder what the operator reads.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import re
from collections.abc import Iterable
from functools import partial
from typing import Any

__all__ = ["cut", "hidden", "json_text", "redact", "visible", "visible_all"]

FILLERS = "\u115f\u1160\u3164\uffa0"
"""Hangul fillers: letters by category, blank on screen."""
COMBINING_RUN = 4
"""More combining marks than this in a row is a flood (no real name needs that many)."""


UNSAFE_CLASS = (
    "\\x00-\\x1f\\x7f-\\x9f\\xad\\u0600-\\u0605\\u061c\\u06dd\\u070f\\u0890-\\u0891\\u08e2\\u115f-\\u1160\\u180e"
    "\\u200b-\\u200f\\u2028-\\u202e\\u2060-\\u2064\\u2066-\\u206f\\u3164\\ufeff\\uffa0\\ufff9-\\ufffb\\U000110bd"
    "\\U000110cd\\U00013430-\\U00013438\\U0001bca0-\\U0001bca3\\U0001d173-\\U0001d17a\\U000e0001\\U000e0020-\\U000e007f"
)
"""A regex class of every code point of categories Cc, Cf, Zl and Zp (Unicode 15), plus the Hangul fillers."""
UNSAFE = re.compile(f"[{UNSAFE_CLASS}]")
"""One character that must never reach a terminal raw."""
UNSAFE_IN_LINES = re.compile(f"(?![\\n\\t])[{UNSAFE_CLASS}]")
"""The same, except newline and tab (text the app lays out in lines)."""
_MARKS = "\u0300-\u036f\u0483-\u0489\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"
_COMBINING_FLOOD = re.compile(f"[{_MARKS}]{{{COMBINING_RUN + 1},}}")


def _escape(match: re.Match[str]) -> str:
    code = ord(match[0])
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def hidden(text: str) -> str | None:
    """The first character of `text` that `visible` would escape (as U+XXXX), or None."""
    found = UNSAFE.search(text)
    return None if found is None else f"U+{ord(found[0]):04X}"


def visible(text: object, *, lines: bool = False) -> str:
    """`text` as a string safe to print: unsafe characters escaped, combining floods cut to a few marks.

    With `lines`, newlines and tabs are kept (for text laid out in lines by the app itself).
    """
    text = str(text)
    text = (UNSAFE_IN_LINES if lines else UNSAFE).sub(_escape, text)
    return _COMBINING_FLOOD.sub(lambda m: m[0][:COMBINING_RUN] + "…", text)


def visible_all(value: Any) -> Any:
    """`value` with every string inside it (lists, tuples, dicts, dataclass fields) made visible, lines kept."""
    if isinstance(value, str):
        return visible(value, lines=True)
    if isinstance(value, list | tuple):
        return type(value)(visible_all(v) for v in value)
    if isinstance(value, dict):
        return {k: visible_all(v) for k, v in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.replace(value, **{f.name: visible_all(getattr(value, f.name))
                                             for f in dataclasses.fields(value) if f.init})
    return value


def cut(text: object, limit: int = 60) -> str:
    """A value quoted for a message: made visible, and at most `limit` characters plus "…"."""
    text = str(text)
    return visible(text[:limit]) + ("…" if len(text) > limit else "")


def json_text(value: Any, **options: Any) -> str:
    """`json.dumps` with readable non-ASCII letters but every unsafe character as a JSON `\\u` escape."""
    dumped = json.dumps(value, ensure_ascii=False, **options)
    return UNSAFE_IN_LINES.sub(lambda m: json.dumps(m[0])[1:-1], dumped)  # json.dumps escapes C0 in strings


_BASE64 = re.compile(r"[A-Za-z0-9+/]{8,}={0,2}")


def _redact_encoded(secret: str, match: re.Match[str]) -> str:
    return "[redacted]" if secret in _unbase64(match[0]) else match[0]


def redact(text: str, secrets: Iterable[str]) -> str:
    """`text` with every one of `secrets` (a request's credentials: its Authorization value, `user:password`, the
    password) and any base64 run holding one as `[redacted]`; other text, "Basic …" or "Bearer …" too, is kept."""
    for secret in filter(None, secrets):
        text = text.replace(secret, "[redacted]")
        text = _BASE64.sub(partial(_redact_encoded, secret), text)
    return text


def _unbase64(text: str) -> str:
    try:
        return base64.b64decode(text + "=" * (-len(text) % 4), validate=True).decode("utf-8", "replace")
    except ValueError:
        return ""
