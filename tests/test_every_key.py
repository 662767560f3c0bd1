"""No key crashes any screen: every printable ASCII key, some non-ASCII letters and the usual control and
function keys, pressed on every screen and modal, leave the app running with no unexpected error.

A key that opens another screen, closes this one or moves the focus is followed by a fresh start at the same
place, so every key is pressed where it is meant to be. `q` on the list and ctrl+q quit the app: only they may end it.
"""

from __future__ import annotations

import string
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from textual.pilot import Pilot

from screens.app import WizardApp
from screens.customer_screen import CustomerScreen
from screens.modals.confirm import ConfirmModal
from screens.widgets.stepper import Stepper
from tests.support import factories as f
from tests.support.flow import advanced_to_otp, drive, two_verified
from tests.support.pilot import settle, toasts
from wizard.desk import Desk
from wizard.session.runtime import Runtime

pytestmark = pytest.mark.slow

PRINTABLE = [*string.printable[:95]]
"""Every printable ASCII character (digits, letters, punctuation, space)."""
UNICODE = ["é", "ñ", "Ł", "ễ", "ß", "й", "中", "€"]
CONTROL = ["tab", "shift+tab", "enter", "escape", "backspace", "delete", "insert", "up", "down", "left", "right",
           "home", "end", "pageup", "pagedown", *(f"f{n}" for n in range(1, 13)),
           *(f"ctrl+{c}" for c in string.ascii_lowercase if c != "q"), "ctrl+delete", "ctrl+up", "ctrl+left",
           "shift+up", "shift+right", "alt+x"]
KEYS = [*PRINTABLE, *UNICODE, *CONTROL, "ctrl+q"]
QUITS = {"ctrl+q"}
SIZE = (80, 24)

Enter = Callable[[WizardApp, Pilot], Awaitable[None]]


@dataclass
class Place:
    """Where the keys are pressed: how to make the data once and how to get there in a started app."""

    name: str
    data: Callable[[Runtime], Awaitable[str | None]]
    enter: Callable[[WizardApp, Pilot, str | None], Awaitable[None]]
    quits: frozenset[str] = frozenset()
    again: bool = False
    """Make the data again before each start (a key may have used it up, as offboarding does)."""


async def nothing(runtime: Runtime) -> None:
    return None


async def unwelcomed(runtime: Runtime) -> None:
    """Nothing, and the welcome not answered yet (it is offered once per data folder)."""
    runtime.locations.welcomed.unlink(missing_ok=True)


async def examples(runtime: Runtime) -> None:
    await Desk(runtime).load_examples()


async def saved_steps(runtime: Runtime) -> str:
    """A customer with every step's inputs saved, nothing sent yet."""
    return Desk(runtime).create(f.profile(), f.bundle(), f.campaign()).key


async def at_otp(runtime: Runtime) -> str:
    return await advanced_to_otp(runtime)


async def verified(runtime: Runtime) -> str:
    """A customer whose campaign is verified, what offboarding deletes (onboarded again if a key offboarded it)."""
    if not (keys := Desk(runtime).keys()):
        return (await two_verified(runtime))[0]
    if Desk(runtime).customer(keys[0]).state.offboarded_at:
        assert runtime.engine.summary(await drive(runtime, keys[0])).done
    return keys[0]


async def the_list(app: WizardApp, pilot: Pilot, key: str | None) -> None:
    await settle(pilot)
    if isinstance(app.screen, ConfirmModal):  # the welcome, on an empty list
        await pilot.press("n")
        await settle(pilot)


def after_list(*keys: str) -> Callable[[WizardApp, Pilot, str | None], Awaitable[None]]:
    async def enter(app: WizardApp, pilot: Pilot, key: str | None) -> None:
        await the_list(app, pilot, key)
        await pilot.press(*keys)
        await settle(pilot)

    return enter


def customer(step: int | None, *keys: str) -> Callable[[WizardApp, Pilot, str | None], Awaitable[None]]:
    async def enter(app: WizardApp, pilot: Pilot, key: str | None) -> None:
        await settle(pilot)
        app.push_screen(CustomerScreen(key))
        await settle(pilot)
        if step is not None:
            app.screen.query_one(Stepper).focus()
            await pilot.press(str(step))
            await settle(pilot)
        if keys:
            await pilot.press(*keys)
            await pilot.pause()

    return enter


PLACES = [
    Place("welcome", unwelcomed, lambda app, pilot, key: settle(pilot), again=True),
    Place("empty list", nothing, the_list, frozenset({"q"})),
    Place("full list", examples, the_list, frozenset({"q"})),
    Place("filter", examples, after_list("slash")),
    Place("help", examples, after_list("question_mark")),
    Place("settings", examples, after_list("f2")),
    Place("palette", examples, after_list("ctrl+p")),
    Place("new customer", nothing, customer(None)),
    *(Place(f"step {n}", saved_steps, customer(n)) for n in (1, 2, 3, 4)),
    Place("OTP panel", at_otp, customer(3)),
    Place("offboard dialog", verified, customer(None, "x"), again=True),
]


def where(app: WizardApp) -> tuple[Any, ...]:
    """The screen, the step and the focused widget: a key that changes them leads to a fresh start."""
    screen, focused = app.screen, app.focused
    return type(screen), len(app.screen_stack), getattr(screen, "step", None), focused and focused.id


@pytest.mark.parametrize("place", PLACES, ids=[p.name for p in PLACES])
async def test_no_key_crashes_the_screen(runtime: Runtime, place: Place) -> None:
    key = None if place.again else await place.data(runtime)
    left = list(KEYS)
    while left:
        if place.again:
            key = await place.data(runtime)
        app = WizardApp(Desk(runtime))
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await place.enter(app, pilot, key)
            home = where(app)
            while left:
                pressed = left.pop(0)
                await pilot.press(pressed)
                await pilot.pause()  # not settle: a worker may be waiting on a modal this key opened
                if not app.is_running:
                    assert pressed in QUITS | place.quits and app.return_code == 0, (
                        f"{place.name}: {pressed!r} ended the app")
                    break
                unexpected = [n.message for n in toasts(app) if "unexpected" in (n.title or "")]
                assert not unexpected, f"{place.name}: {pressed!r}: {unexpected}"
                if where(app) != home:
                    break
