"""Snapshots of the Customer screen with a frozen clock and fixed sandbox data (SIDs are minted from a counter).

Each app builds its customer in `on_mount` (engine calls are async, and snap_compare runs its own loop), then
pushes the Customer screen; `pilotkit.still` waits until it is settled and drawn the same twice.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from textual.app import App
from textual.pilot import Pilot

from screens.customer_screen import CustomerScreen
from tests.support import factories as f
from tests.support.env import Clock
from tests.support.flow import drive
from tests.support.pilot import still
from wizard.desk import Desk
from wizard.session.runtime import Runtime

Setup = Callable[[Runtime], Awaitable[str | None]]


class SnapApp(App[None]):
    """Builds one customer, then shows it on the Customer screen."""

    def __init__(self, runtime: Runtime, setup: Setup) -> None:
        super().__init__()
        self.runtime = runtime
        self.desk, self.startup = Desk(runtime), runtime.startup
        self._setup = setup

    async def on_mount(self) -> None:
        self.animation_level = "none"
        await self.push_screen(CustomerScreen(await self._setup(self.runtime)))

    async def on_unmount(self) -> None:
        await self.runtime.aclose()


@pytest.fixture
def rt(isolated: Path, clock: Clock) -> Iterator[Runtime]:
    runtime = Runtime.open(home=isolated, mode="sandbox", now=clock)
    yield runtime
    runtime.store.close()




async def new_customer(rt: Runtime) -> None:
    return None


async def profile_submitted(rt: Runtime) -> str:
    c = Desk(rt).create(f.profile())
    await rt.engine.advance(c.key)
    return c.key


async def waiting_for_yes(rt: Runtime) -> str:
    c = Desk(rt).create(f.profile(), f.bundle())
    await rt.engine.advance(c.key)
    assert rt.sandbox is not None
    rt.sandbox.advance_clock(timedelta(minutes=6))
    await rt.engine.advance(c.key)
    rt.sandbox.advance_clock(timedelta(hours=6, minutes=29, seconds=15))
    return c.key


async def campaign_to_fill(rt: Runtime) -> str:
    c = Desk(rt).create(f.profile(), f.bundle(),
                         f.campaign(opt_out_message="You're unsubscribed from Zoë's Dog Walking texts.",
                                    opt_out_keywords=["STOP", "END"]))
    await rt.engine.advance(c.key)
    return c.key


async def brand_failed(rt: Runtime) -> str:
    c = Desk(rt).create(f.profile(), f.bundle(brand_name="Zoë Fail Lefèvre"))
    await rt.engine.advance(c.key)
    assert rt.sandbox is not None
    rt.sandbox.advance_clock(timedelta(minutes=6))
    await rt.engine.advance(c.key)
    return c.key


async def done(rt: Runtime) -> str:
    c = Desk(rt).create(f.profile(), f.bundle(), f.campaign())
    await drive(rt, c.key)
    return c.key


def test_step_1_form_with_errors_at_80x24(snap_compare, rt):
    async def run_before(pilot: Pilot) -> None:
        await still(pilot)
        await pilot.press(*"Zoë", "tab", "tab", *"zoe@", "tab", *"555")
        await pilot.press("ctrl+s")
        await still(pilot)

    assert snap_compare(SnapApp(rt, new_customer), terminal_size=(80, 24), run_before=run_before)


def test_step_2_form_with_defaults_from_step_1(snap_compare, rt):
    assert snap_compare(SnapApp(rt, profile_submitted), terminal_size=(120, 36), run_before=still)


def test_step_2_at_80x24(snap_compare, rt):
    assert snap_compare(SnapApp(rt, profile_submitted), terminal_size=(80, 24), run_before=still)


def test_a_failed_brand_at_60x20(snap_compare, rt):
    assert snap_compare(SnapApp(rt, brand_failed), terminal_size=(60, 20), run_before=still)


def test_otp_panel_with_countdown(snap_compare, rt):
    assert snap_compare(SnapApp(rt, waiting_for_yes), terminal_size=(120, 40), run_before=still)


def test_otp_panel_at_80x24(snap_compare, rt):
    assert snap_compare(SnapApp(rt, waiting_for_yes), terminal_size=(80, 24), run_before=still)


def test_campaign_form(snap_compare, rt):
    async def run_before(pilot: Pilot) -> None:
        await still(pilot)
        await pilot.press("4")  # focus is on the stepper of a step-3 customer
        await still(pilot)

    assert snap_compare(SnapApp(rt, campaign_to_fill), terminal_size=(120, 50), run_before=run_before)


def test_campaign_form_at_80x24(snap_compare, rt):
    async def run_before(pilot: Pilot) -> None:
        await still(pilot)
        await pilot.press("4")
        await still(pilot)

    assert snap_compare(SnapApp(rt, campaign_to_fill), terminal_size=(80, 24), run_before=run_before)


def test_customer_with_a_failed_brand(snap_compare, rt):
    assert snap_compare(SnapApp(rt, brand_failed), terminal_size=(120, 40), run_before=still)


def test_customer_done(snap_compare, rt):
    assert snap_compare(SnapApp(rt, done), terminal_size=(120, 40), run_before=still)
