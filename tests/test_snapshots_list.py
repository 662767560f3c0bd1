"""Snapshots of the app shell: the first-start offer, the list with customers at every step (wide and 80×24),
a filtered list, settings, and help. Frozen clock, fixed data, relative data folder, no animation or blink."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from screens.customer_list import FILTER_DELAY
from tests.support import pilot as pilotkit
from tests.support.snapshots import StillApp, fresh_sandbox

WIDE = (120, 40)


@pytest.fixture
def make_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[], StillApp]:
    return fresh_sandbox(tmp_path, monkeypatch)


async def settle(pilot: Pilot) -> None:
    await pilotkit.settle(pilot)
    for field in pilot.app.screen.query(Input):
        field.cursor_blink = False


async def with_examples(pilot: Pilot) -> None:
    """Accept the first-start offer and wait for the examples to load."""
    await settle(pilot)
    await pilot.press("y")
    await settle(pilot)
    pilot.app.clear_notifications()
    await pilot.pause()


def test_first_start_offer(snap_compare, make_app) -> None:
    assert snap_compare(make_app(), terminal_size=WIDE, run_before=settle)


def test_list_with_every_stage(snap_compare, make_app) -> None:
    assert snap_compare(make_app(), terminal_size=WIDE, run_before=with_examples)


def test_list_with_every_stage_80x24(snap_compare, make_app) -> None:
    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=with_examples)


def test_list_with_every_stage_60x20(snap_compare, make_app) -> None:
    assert snap_compare(make_app(), terminal_size=(60, 20), run_before=with_examples)


def test_filtered_list(snap_compare, make_app) -> None:
    async def run_before(pilot: Pilot) -> None:
        await with_examples(pilot)
        await pilot.press("slash", *"example.com")  # every row
        await pilot.pause(FILTER_DELAY)
        await pilot.press(*["backspace"] * 11, *"ma", "enter")  # Maya, Omar, Priya Sharma
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=WIDE, run_before=run_before)


def test_settings(snap_compare, make_app) -> None:
    async def run_before(pilot: Pilot) -> None:
        await settle(pilot)
        await pilot.press("n", "f2")  # decline the examples, open settings
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=WIDE, run_before=run_before)


def test_help(snap_compare, make_app) -> None:
    async def run_before(pilot: Pilot) -> None:
        await with_examples(pilot)
        await pilot.press("question_mark")
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=WIDE, run_before=run_before)
