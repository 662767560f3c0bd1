"""One Pilot kit for the screen and snapshot tests: wait for the app to settle, wait for a condition, type, read."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from textual import events
from textual.app import App
from textual.dom import DOMNode
from textual.keys import _character_to_key, key_to_character
from textual.notifications import Notification
from textual.pilot import Pilot
from textual.screen import ModalScreen
from textual.widgets import Input, TextArea
from textual.worker import Worker, WorkerCancelled

from screens.customer_screen import CustomerScreen
from screens.modals.confirm import ConfirmModal
from screens.ordered_keys import OrderedKeysApp

WORKERS_TIMEOUT = 20.0
"""Seconds a test waits for the app's workers (one that never ends fails the test)."""


def awaited(app: App[Any]) -> list[Worker[Any]]:
    """The workers a test waits for: all of them, or under a modal only the modal's own (the workers of the
    screens beneath it wait for its answer)."""
    top = app.screen
    if not isinstance(top, ModalScreen):
        return list(app.workers)
    return [w for w in app.workers if isinstance(w.node, DOMNode) and top in w.node.ancestors_with_self]


async def settle(pilot: Pilot, *, rounds: int = 3) -> None:
    """Let the workers finish and their messages land (a few rounds: a worker's message may start another)."""
    for _ in range(rounds):
        for _ in range(100):
            try:
                await asyncio.wait_for(asyncio.gather(*(w.wait() for w in awaited(pilot.app))),
                                       timeout=WORKERS_TIMEOUT)
                break
            except WorkerCancelled:  # replaced by a newer one of its group, or its screen closed: wait for the rest
                await asyncio.sleep(0)
        await pilot.pause()


async def open_customer(pilot: Pilot, key: str) -> CustomerScreen:
    """Settle the app, open customer `key`'s screen on top and settle again; the screen."""
    await settle(pilot)
    pilot.app.push_screen(CustomerScreen(key))
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, CustomerScreen)
    return screen


async def until(pilot: Pilot, check: Callable[[], bool], what: str = "condition", *, seconds: float = 15.0) -> None:
    """Pause until `check()` holds; fail naming `what` if it does not within `seconds` (a time, not a number of
    pauses: a pause is a few milliseconds when the app is idle, and what is awaited may come from a timer, such as
    the list's look for Twilio's deliveries every 3 s)."""
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what} ({seconds:g} s)")
        await pilot.pause(0.01)


async def still(pilot: Pilot) -> None:
    """Settled, cursors not blinking, and the screen drawn the same twice in a row (for snapshots: a text area's
    height follows its wrapped text, which is known only after a first layout)."""
    await settle(pilot)
    for widget in pilot.app.screen.query("Input, TextArea"):
        assert isinstance(widget, Input | TextArea)
        widget.cursor_blink = False
    previous = None
    for _ in range(50):
        await pilot.pause(0.05)
        shot = pilot.app.export_screenshot()
        if shot == previous:
            return
        previous = shot


async def answer(pilot: Pilot, yes: bool) -> str:
    """Wait for the confirmation modal, answer it, and return its text."""
    await until(pilot, lambda: isinstance(pilot.app.screen, ConfirmModal), "the confirmation")
    modal = pilot.app.screen
    assert isinstance(modal, ConfirmModal)
    text = f"{modal._title}\n{modal._message}"
    await pilot.press("y" if yes else "n")
    await pilot.pause()
    return text


async def type_into(pilot: Pilot, name: str, text: str) -> None:
    """Focus widget #name, clear it, and type `text` key by key."""
    widget = pilot.app.screen.query_one(f"#{name}")
    widget.focus()
    if isinstance(widget, Input):
        widget.value = ""
    elif isinstance(widget, TextArea):
        widget.clear()
    await pilot.press(*text)


async def burst(pilot: Pilot, *keys: str) -> None:
    """Send keys all at once, as a terminal delivers type-ahead or a CRM's auto-type (`pilot.press` waits for the
    app to be idle after each key, which hides what a burst does), then settle."""
    for key in keys:
        name = _character_to_key(key) if len(key) == 1 and not key.isalnum() else key
        pilot.app.post_message(events.Key(name, key if len(key) == 1 else key_to_character(name)))
    await keys_handled(pilot)


async def keys_handled(pilot: Pilot) -> None:
    """Settle until every key and paste sent has been handled (they go one at a time), then settle once more."""
    app = pilot.app
    await settle(pilot)
    for _ in range(1000):
        if not isinstance(app, OrderedKeysApp) or not app.keys_pending:
            break
        await pilot.pause(0.01)
    await settle(pilot)


async def paste(pilot: Pilot, text: str) -> None:
    """Paste `text` as a terminal does (bracketed paste), then settle."""
    pilot.app.post_message(events.Paste(text))
    await keys_handled(pilot)


async def put(pilot: Pilot, name: str, text: str) -> None:
    """Set widget #name's text at once (as a paste would), for long texts."""
    widget = pilot.app.screen.query_one(f"#{name}")
    widget.focus()
    if isinstance(widget, TextArea):
        widget.load_text(text)
    else:
        assert isinstance(widget, Input)
        widget.value = text
    await pilot.pause()


def toasts(app: App[Any]) -> list[Notification]:
    return list(app._notifications)  # the one place that reads Textual's private list


def text_of(app: App[Any], selector: str) -> str:
    return str(app.screen.query_one(selector).render())


async def slowly(pilot: Pilot, *keys: str) -> None:
    """Send keys one at a time, the app settled after each (the pace at which every key sees the last one's end):
    a burst of the same keys must end the same way."""
    for key in keys:
        await burst(pilot, key)
