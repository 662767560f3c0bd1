"""An httpx client for the Twilio operations of the flow: auth, encoding, paging, errors, retries, logging."""

from __future__ import annotations

import asyncio
import logging
import random
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

import httpx

from wizard.twilio.encoding import Value, encode_form
from wizard.twilio.facts import HOSTS
from wizard.twilio.failures import TwilioError
from wizard.twilio.operations import OPERATIONS, Operation
from wizard.visible import visible

log = logging.getLogger("wizard.twilio")

MAX_PAGE_SIZE = 1000
SID = re.compile(r"[A-Z]{2}[0-9a-fA-F]{32}")
"""A Twilio SID: two capitals and 32 hex digits."""


class TwilioClient:
    """Sends operations to Twilio's three hosts (or one base URL) with HTTP Basic auth.

    Reads (GET) are retried on timeouts, 5xx and 429 with jittered exponential back-off, honouring
    `Retry-After`. Anything else is retried only on 429, which Twilio guarantees was not processed;
    a create that timed out is left to the flow engine to reconcile.
    """

    def __init__(
        self,
        account_sid: str,
        auth: tuple[str, str],
        *,
        base_url: str | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 30.0,
        retries: int = 4,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.account_sid = account_sid
        self._base_url = base_url.rstrip("/") if base_url else None
        self._retries = retries
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._http = httpx.AsyncClient(
            auth=httpx.BasicAuth(*auth),
            transport=transport,
            timeout=timeout,
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
        """Yield every item of a list operation, following Twilio's next-page links (both styles)."""
        op = OPERATIONS[name]
        assert op.list_key, f"{name} is not a list operation"
        url: str | None = self.url(op, **path)
        query = {"PageSize": MAX_PAGE_SIZE, **(query or {})}
        while url:
            body = await self._send(op, url, None, query)
            for item in body.get(op.list_key, []):
                yield item
            url, query = self._next_page(url, body), None

    def _next_page(self, url: str, body: Mapping[str, Any]) -> str | None:
        if "meta" in body:
            return body["meta"].get("next_page_url") if isinstance(body["meta"], dict) else None
        relative = body.get("next_page_uri")
        if not relative:
            return None
        parts = urlsplit(url)
        return f"{parts.scheme}://{parts.netloc}{relative}"

    async def _send(
        self, op: Operation, url: str, params: Mapping[str, Value] | None, query: Mapping[str, Value] | None
    ) -> dict[str, Any]:
        attempt = 0
        while True:
            try:
                return await self._once(op, url, params, query)
            except TwilioError as error:
                retry = error.not_processed or (error.retryable and op.method == "GET")
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
            response = await self._http.send(request)
        except httpx.TransportError as exc:
            self._log(op, request, None, None, started)
            raise TwilioError.from_transport(exc) from exc
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


def _body(op: Operation, response: httpx.Response) -> dict[str, Any]:
    """A success answer's JSON object; a TwilioError (outcome unknown) when it is not one Twilio would send."""
    if not response.content:
        return {}
    try:
        body = response.json()
    except (ValueError, RecursionError):
        raise TwilioError.garbage(response, op.name, "not JSON") from None
    if not isinstance(body, dict):
        raise TwilioError.garbage(response, op.name, f"a JSON {type(body).__name__}, not an object")
    if op.creates and not isinstance(body.get("sid"), str):
        raise TwilioError.garbage(response, op.name, "no sid for what it created")
    if op.list_key and not isinstance(body.get(op.list_key, []), list):
        raise TwilioError.garbage(response, op.name, f"no list of {op.list_key}")
    if op.creates and not SID.fullmatch(body["sid"]):
        raise TwilioError.garbage(response, op.name, "a sid that is not a Twilio SID")
    return _visible_strings(body)


def _visible_strings(value: Any) -> Any:
    """Every string of an answer made visible before anything keeps or shows it (lines kept)."""
    if isinstance(value, str):
        return visible(value, lines=True)
    if isinstance(value, dict):
        return {_visible_strings(k): _visible_strings(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_visible_strings(v) for v in value]
    return value


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
