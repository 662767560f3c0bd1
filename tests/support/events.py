"""Deliveries as Twilio sends them (signed status callbacks and Event Streams CloudEvents), for the events tests."""

from __future__ import annotations

import json
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode, urlsplit

from aiohttp import web

from wizard.events import listening
from wizard.session.runtime import Runtime
from wizard.twilio import signature
from wizard.twilio.facts import SANDBOX_PASSWORD

URL = "https://a2p.example.com/twilio/events"
TOKEN = SANDBOX_PASSWORD
"""The sandbox's signing secret (the runtime's sandbox password)."""


def path_qs(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def callback(sid: str, status: str, *, token: str = TOKEN, url: str = URL, **extra: str
             ) -> tuple[str, dict[str, str], bytes]:
    """A signed Trust Hub status callback: (path and query, headers, body)."""
    params = {"AccountSid": "AC" + "0" * 32, "Sid": sid, "Status": status, **extra}
    return path_qs(url), {"Content-Type": "application/x-www-form-urlencoded",
                          "X-Twilio-Signature": signature.sign(token, url, params.items())}, urlencode(params).encode()


def event(ident: str, kind: str, data: dict[str, Any], *, time: str | None = None) -> dict[str, Any]:
    """One CloudEvent as Event Streams sends it (type: the part after com.twilio.messaging.compliance.)."""
    doc: dict[str, Any] = {"specversion": "1.0", "type": f"com.twilio.messaging.compliance.{kind}",
                           "source": "AB" + "0" * 26, "id": ident, "data": data}
    if time:
        doc["time"] = time
    return doc


def stream(events: list[dict[str, Any]] | dict[str, Any], *, token: str = TOKEN, url: str = URL
           ) -> tuple[str, dict[str, str], bytes]:
    """A signed Event Streams delivery: (path and query, headers, body)."""
    body = json.dumps(events).encode()
    signed = signature.with_body_hash(url, body)
    return path_qs(signed), {"Content-Type": "application/json",
                             "X-Twilio-Signature": signature.sign(token, signed)}, body


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@asynccontextmanager
async def receiving(rt: Runtime, port: int) -> AsyncIterator[Runtime]:
    """`rt`'s receiver and (in the sandbox) its notifier, listening on 127.0.0.1:`port` as `receive` does; `rt` is
    closed at the end."""
    app = web.Application()
    listening.mount(app, rt)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield rt
    finally:
        await runner.cleanup()


async def brand_pending(rt: Runtime, key: str) -> None:
    """Advance a customer through reviews a minute apart until its brand is registered (PENDING)."""
    for _ in range(8):
        await rt.engine.advance(key)
        if rt.engine.load(key).state.sids.get("brand"):
            assert rt.engine.load(key).state.statuses["brand"] == "PENDING"
            return
        rt.sandbox.advance_clock(timedelta(minutes=2))
    raise AssertionError("no brand")
