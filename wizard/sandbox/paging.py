"""List pages in Twilio's two shapes: v1 (`meta` with absolute URLs) and 2010 (flat, relative URIs).

PageToken is `PA<sid>` (the items after that SID) or `PB<sid>` (the page before it) — opaque to clients,
like Twilio's. Page and PageSize default to 0 and 50; PageSize is 1–1000.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from wizard.sandbox.request import ApiError, Request

_PAGING = ("PageSize", "Page", "PageToken")
Render = Callable[[dict[str, Any]], dict[str, Any]]
"""Shapes one stored record as an answer's item."""


@dataclass(frozen=True)
class _Window:
    page: int
    size: int
    start: int
    items: list[dict[str, Any]]
    prev: str | None  # query string of the previous page, None on the first
    next: str | None
    first: str
    this: str


def v1_page(req: Request, items: list[dict[str, Any]], key: str, render: Render | None = None) -> dict[str, Any]:
    """The page of `items` the request asks for; `render`, when given, shapes only that page's items (a list of
    10,000 is not rendered whole for each of its pages)."""
    w = _window(req, items, render)

    def url(query: str | None) -> str | None:
        return query and f"{req.origin}{req.path}?{query}"

    return {
        key: w.items,
        "meta": {
            "page": w.page,
            "page_size": w.size,
            "first_page_url": url(w.first),
            "previous_page_url": url(w.prev),
            "next_page_url": url(w.next),
            "url": url(w.this),
            "key": key,
        },
    }


def v2010_page(req: Request, items: list[dict[str, Any]], key: str, render: Render | None = None) -> dict[str, Any]:
    """As `v1_page`, in the 2010 API's shape."""
    w = _window(req, items, render)

    def uri(query: str | None) -> str | None:
        return query and f"{req.path}?{query}"

    return {
        key: w.items,
        "first_page_uri": uri(w.first),
        "previous_page_uri": uri(w.prev),
        "next_page_uri": uri(w.next),
        "page": w.page,
        "page_size": w.size,
        "start": w.start,
        "end": w.start + max(len(w.items) - 1, 0),
        "uri": uri(w.this),
    }


def _window(req: Request, items: list[dict[str, Any]], render: Render | None) -> _Window:
    size = _int(req, "PageSize", 50, 1, 1000)
    page = _int(req, "Page", 0, 0, 10**9)
    token = (req.query.get("PageToken") or [""])[0]
    if token:
        sids = [item["sid"] for item in items]
        if token[:2] not in ("PA", "PB") or token[2:] not in sids:
            raise ApiError(400, 21481, f"Invalid PageToken {token!r}")
        at = sids.index(token[2:])
        start, end = (at + 1, at + 1 + size) if token[:2] == "PA" else (max(at - size, 0), at)
    else:
        start, end = page * size, page * size + size
    chunk = items[start:end]
    prev = nxt = None
    if start > 0 and page > 0:
        prev = _query(req, size, page - 1, "PB" + chunk[0]["sid"] if chunk else None)
    if chunk and end < len(items):
        nxt = _query(req, size, page + 1, "PA" + chunk[-1]["sid"])
    shown = [render(item) for item in chunk] if render else chunk
    return _Window(page, size, start, shown, prev, nxt, _query(req, size, 0, None), _query(req, size, page, token))


def _int(req: Request, name: str, default: int, low: int, high: int) -> int:
    raw = next(iter(req.query.get(name) or ()), None)
    if raw is None:
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise ApiError(
            400, 20001, f"Invalid value for {name}: {raw!r} is not an integer from {low} to {high}"
        )
    return int(raw)


def _query(req: Request, size: int, page: int, token: str | None) -> str:
    pairs = [(k, v) for k, values in req.query.items() if k not in _PAGING for v in values]
    pairs += [("PageSize", str(size)), ("Page", str(page))] + ([("PageToken", token)] if token else [])
    return urlencode(pairs)
