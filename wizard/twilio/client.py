"""An httpx client for the Twilio operations of the flow: auth, encoding, paging, bounds, errors, retries, logging.

Every answer is bounded (a total deadline per request, its body streamed up to a cap) and parsed at one door
(`wizard.twilio.answers`); next-page links are followed only on the first page's scheme, host and port.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

import httpx

from wizard.twilio.answers import NotUnderstood, parse
from wizard.twilio.encoding import Value, encode_form
from wizard.twilio.facts import HOSTS
from wizard.twilio.failures import TwilioError, credentials
from wizard.twilio.operations import OPERATIONS, Operation

log = logging.getLogger("wizard.twilio")

MAX_PAGE_SIZE = 1000
"""Items asked for a page; Twilio never sends more, so a page holding more is refused."""
MAX_PAGES = 200
"""A list is read to at most this many pages (200,000 items at 1,000 a page), then refused with a message."""
MAX_LIST_TEXT = 64 * 2**20
"""Characters of text a whole list's kept items may hold (at most about 200 an item in the sandbox's answers, so
MAX_PAGES full pages of 300 come to 60 MB): past it the list is refused, so pages that each fit the body cap
cannot add up without bound (measured before: 20 pages of 7 MB of text held 155 MB)."""
STALL = 30.0
"""Seconds one phase of a request (connecting, sending, each read) may wait: then the try ends as a timeout, and
a read is sent again; DEADLINE bounds the whole request, however its bytes trickle."""
DEADLINE = 60.0
"""Seconds one request may take, from connecting to the last byte of its answer (A2P_TWILIO_DEADLINE)."""
MAX_BODY = 8 * 1024 * 1024
"""Bytes of an answer read at most (A2P_TWILIO_MAX_BODY_MB); a larger one is refused, never held whole."""


class TwilioClient:
    """Sends operations to Twilio's three hosts (or one base URL) with HTTP Basic auth.

    Reads (GET) are retried on timeouts, 5xx and 429 with jittered exponential back-off, honouring
    `Retry-After` (not after a request ran out its total deadline). Anything else is retried only on 429, which
    Twilio guarantees was not processed; a create that timed out is left to the flow engine to reconcile.
    """

    def __init__(
        self,
        account_sid: str,
        auth: tuple[str, str],
        *,
        base_url: str | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        deadline: float = DEADLINE,
        max_body: int = MAX_BODY,
        retries: int = 4,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.account_sid = account_sid
        self._base_url = base_url.rstrip("/") if base_url else None
        self._retries = retries
        self._deadline = deadline
        self._max_body = max_body
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._http = httpx.AsyncClient(
            auth=httpx.BasicAuth(*auth),
            transport=transport,
            timeout=STALL,
            headers={"Accept": "application/json", "User-Agent": "a2p-wizard"},
        )

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> TwilioClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def url(self, op: Operation, **path: str) -> str:
        base = self._base_url or HOSTS[op.host]
        return base + op.render(account=self.account_sid, **path)

    async def call(
        self,
        name: str,
        params: Mapping[str, Value] | None = None,
        query: Mapping[str, Value] | None = None,
        /,
        **path: str,
    ) -> dict[str, Any]:
        """Send operation `name` and return its JSON body ({} for 204); raise TwilioError on failure."""
        op = OPERATIONS[name]
        return await self._send(op, self.url(op, **path), params, query)

    async def paginate(self, name: str, *, query: Mapping[str, Value] | None = None, **path: str
                       ) -> AsyncIterator[dict[str, Any]]:
        """Yield every item of a list operation, following Twilio's next-page links (both styles) on the first
        page's origin only; a link elsewhere, a page seen before, more than MAX_PAGES pages, a page of more than
        MAX_PAGE_SIZE items or more than MAX_LIST_TEXT characters in all is a TwilioError."""
        op = OPERATIONS[name]
        assert op.list_key, f"{name} is not a list operation"
        url: str | None = self.url(op, **path)
        seen: set[str] = set()
        text = 0
        query = {"PageSize": MAX_PAGE_SIZE, **(query or {})}
        while url:
            if len(seen) >= MAX_PAGES:
                raise _paging(op, f"has more than {MAX_PAGES} pages; stopped there")
            seen.add(url)
            body = await self._send(op, url, None, query)
            if len(body[op.list_key]) > MAX_PAGE_SIZE:
                raise _paging(op, f"sent a page of more than {MAX_PAGE_SIZE:,} items; stopped there")
            text += _text(body[op.list_key])
            if text > MAX_LIST_TEXT:
                raise _paging(op, f"holds more than {MAX_LIST_TEXT:,} characters of text; stopped there")
            for item in body[op.list_key]:
                yield item
            url, query = self._next_page(op, url, body), None
            if url in seen:
                raise _paging(op, "links back to a page already read; stopped there")

    def _next_page(self, op: Operation, url: str, body: Mapping[str, Any]) -> str | None:
        """The next page's URL, only on `url`'s scheme, host and port (the configured base URL's)."""
        meta = body.get("meta")
        if meta is not None:
            following = meta.get("next_page_url")
        else:
            relative = body.get("next_page_uri")
            parts = urlsplit(url)
            following = f"{parts.scheme}://{parts.netloc}{relative}" if relative else None
        if not following:
            return None
        if _origin(following) != _origin(url):
            raise _paging(op, "links its next page to another address; not followed (the credentials go only to "
                              f"{_origin(url)[0]}://{_origin(url)[1]}:{_origin(url)[2]})")
        return following

    async def _send(
        self, op: Operation, url: str, params: Mapping[str, Value] | None, query: Mapping[str, Value] | None
    ) -> dict[str, Any]:
        attempt = 0
        while True:
            try:
                return await self._once(op, url, params, query)
            except TwilioError as error:
                retry = error.not_processed or (error.retryable and op.method == "GET" and not error.overdue)
                if not retry or attempt >= self._retries:
                    raise
                await self._sleep(self._delay(attempt, error))
                attempt += 1

    def _delay(self, attempt: int, error: TwilioError) -> float:
        if error.retry_after is not None:
            return error.retry_after
        return min(30.0, 0.5 * 2**attempt) * (0.5 + self._rng.random())

    async def _once(
        self, op: Operation, url: str, params: Mapping[str, Value] | None, query: Mapping[str, Value] | None
    ) -> dict[str, Any]:
        started = time.perf_counter()
        request = self._http.build_request(
            op.method,
            url,
            params=tuple(encode_form(query)) if query else None,
            data=dict_pairs(encode_form(params)) if params is not None and op.method == "POST" else None,
        )
        if op.method == "POST" and params is None:
            request.headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            async with asyncio.timeout(self._deadline):
                response = await self._http.send(request, stream=True)
                try:
                    content = await _read(response, self._max_body)
                finally:
                    await response.aclose()
        except TimeoutError:
            self._log(op, request, None, None, started)
            raise TwilioError(status=0, code=None, overdue=True,
                              message=f"The request to Twilio took more than {self._deadline:g} s (the deadline) "
                                      "and was given up.") from None
        except httpx.TransportError as exc:
            self._log(op, request, None, None, started)
            raise TwilioError.from_transport(exc) from exc
        except _TooLarge:
            self._log(op, request, response.status_code, None, started)
            raise TwilioError(status=response.status_code, code=None,
                              message=f"Twilio's answer to {_words(op)} was larger than {self._max_body / 2**20:g} MB "
                                      "and was not read.") from None
        response = httpx.Response(response.status_code, headers=_plain(response.headers), content=content,
                                  request=request)
        if response.is_success:
            self._log(op, request, response.status_code, None, started)
            return _body(op, response)
        error = TwilioError.from_response(response)
        error.retry_after = _retry_after(response)
        self._log(op, request, response.status_code, error.code, started)
        raise error

    @staticmethod
    def _log(op: Operation, request: httpx.Request, status: int | None, code: int | None, started: float) -> None:
        log.info(
            "%s %s %s -> %s%s in %.0f ms", op.name, request.method, request.url.path,
            status if status is not None else "no response", f" code {code}" if code else "",
            (time.perf_counter() - started) * 1000,
        )


class _TooLarge(Exception):
    """An answer longer than the body cap."""


async def _read(response: httpx.Response, limit: int) -> bytes:
    """The answer's (decoded) body, streamed: _TooLarge as soon as it passes `limit` bytes."""
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _TooLarge
    chunks, size = [], 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > limit:
            raise _TooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def _plain(headers: httpx.Headers) -> httpx.Headers:
    """A read answer's headers without those of its encoding (the body kept is already decoded)."""
    return httpx.Headers([(k, v) for k, v in headers.multi_items()
                          if k.lower() not in ("content-encoding", "content-length", "transfer-encoding")])


def _text(value: Any) -> int:
    """Characters of text in a parsed answer's strings (keys included)."""
    if isinstance(value, str):
        return len(value)
    if isinstance(value, dict):
        return sum(len(k) + _text(v) for k, v in value.items())
    if isinstance(value, list):
        return sum(_text(v) for v in value)
    return 0


def _words(op: Operation) -> str:
    return op.name.replace("_", " ")


def _origin(url: str) -> tuple[str, str, int | None]:
    """A URL's scheme, host and port (the scheme's default when none is written)."""
    try:
        parts = urlsplit(url)
        port = parts.port or {"http": 80, "https": 443}.get(parts.scheme)
    except ValueError:
        return ("", "", None)
    return parts.scheme, (parts.hostname or "").lower(), port


def _paging(op: Operation, why: str) -> TwilioError:
    return TwilioError(status=0, code=None, message=f"Twilio's list for {_words(op)} {why}.")


def _body(op: Operation, response: httpx.Response) -> dict[str, Any]:
    """A success answer parsed at the door (answers.py); a TwilioError (outcome unknown) when it does not fit."""
    try:
        body = response.json() if response.content else {}
    except (ValueError, RecursionError):
        raise TwilioError.garbage(response, op.name, "not JSON") from None
    if not isinstance(body, dict):
        raise TwilioError.garbage(response, op.name, f"a JSON {type(body).__name__}, not an object")
    try:
        return parse(op, body, credentials(response.request))
    except NotUnderstood as why:
        raise TwilioError.garbage(response, op.name, str(why)) from None


def dict_pairs(pairs: list[tuple[str, str]]) -> dict[str, str | list[str]]:
    """httpx wants repeated keys as one key with a list value."""
    data: dict[str, str | list[str]] = {}
    for key, value in pairs:
        if key in data:
            existing = data[key]
            data[key] = [*existing, value] if isinstance(existing, list) else [existing, value]
        else:
            data[key] = value
    return data


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None
