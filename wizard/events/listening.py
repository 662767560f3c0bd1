"""Listening for Twilio: the receiver on an aiohttp application (the `receive` command's own, or `serve`'s), and
in the sandbox the notifier that sends it what the sandbox's reviews decide."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
from pathlib import Path

import httpx
from aiohttp import web

from wizard.errors import OperatorError
from wizard.events.receiver import Receiver, receiver_for, signing_token
from wizard.sandbox.callbacks import DeliveryFaults, Notifier, Outgoing
from wizard.session.runtime import Runtime
from wizard.session.startup import Mode, SetupError
from wizard.visible import visible

log = logging.getLogger("wizard.events")

NOTIFIER = web.AppKey("a2p-notifier", asyncio.Task)
TICK = 1.0
"""Seconds between two looks at the sandbox's statuses (real time)."""


def notifier_for(rt: Runtime, post: httpx.AsyncClient) -> Notifier | None:
    """The sandbox's notifier (None in live mode: Twilio itself sends)."""
    if rt.sandbox is None:
        return None
    spec = rt.settings.sandbox_delivery_faults
    try:
        faults = DeliveryFaults.parse(spec) if spec else None
    except ValueError as error:
        raise SetupError(f"A2P_SANDBOX_DELIVERY_FAULTS: {error}.") from None

    async def send(o: Outgoing) -> int:
        try:
            return (await post.post(o.url, headers=o.headers, content=o.body)).status_code
        except httpx.HTTPError as error:
            log.info("sandbox delivery to %s failed: %s", o.url, error)
            return 0

    return Notifier(rt.sandbox, rt.settings.callback_url, signing_token(rt), send, faults)


def mount(app: web.Application, rt: Runtime) -> Receiver:
    """Route the receiver of `rt`'s callback URL on `app`; in the sandbox, tick its notifier while `app` runs.
    `rt` is closed when `app` is cleaned up."""
    receiver = receiver_for(rt)
    receiver.add_to(app)

    async def notify(app: web.Application) -> None:
        async with httpx.AsyncClient(timeout=10) as client:
            notifier = notifier_for(rt, client)
            while notifier is not None:
                try:
                    await notifier.tick()
                except (OperatorError, OSError) as error:
                    log.warning("sandbox notifier: %s", error)
                await asyncio.sleep(TICK)

    async def start(app: web.Application) -> None:
        app[NOTIFIER] = asyncio.create_task(notify(app))

    async def stop(app: web.Application) -> None:
        task = app[NOTIFIER]
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await rt.aclose()

    app.on_startup.append(start)
    app.on_cleanup.append(stop)
    return receiver


def mount_if_configured(app: web.Application, *, home: str | Path | None, mode: Mode | None,
                        store_url: str | None) -> str | None:
    """`serve`'s receiver when a callback URL is configured: the line to print (None: none configured)."""
    rt = Runtime.open(home=home, mode=mode, store_url=store_url)
    if not rt.settings.callback_url:
        rt.startup.close()
        return None
    try:
        receiver = mount(app, rt)
    except SetupError:
        rt.startup.close()
        raise
    return f"Receiving Twilio's callbacks for {rt.settings.callback_url} on the path {receiver.path}"


def receive(*, host: str, port: int, home: str | None, mode: Mode | None, store_url: str | None) -> int:
    """The `receive` command: listen for Twilio's callbacks until stopped (1 when it cannot start)."""
    try:
        rt = Runtime.open(home=home, mode=mode, store_url=store_url)
    except OperatorError as error:
        print(f"a2p-wizard: {visible(error, lines=True)}", file=sys.stderr)
        return 1
    app = web.Application()
    try:
        receiver = mount(app, rt)
    except SetupError as error:
        rt.startup.close()
        print(f"a2p-wizard: {visible(error, lines=True)}", file=sys.stderr)
        return 1
    print(f"Receiving Twilio's callbacks for {visible(rt.settings.callback_url or '')} on "
          f"http://{host}:{port}{receiver.path} (ctrl+c stops)", flush=True)
    try:
        web.run_app(app, host=host, port=port, print=None)
    except OSError as error:
        print(f"a2p-wizard: cannot listen on {visible(host)}:{port}: {visible(error.strerror or error)}",
              file=sys.stderr)
        return 1
    return 0
