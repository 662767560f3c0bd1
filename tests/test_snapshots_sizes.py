"""Every screen and modal at 80×24 and 60×20: a snapshot each, and checks read from the screen's text (not only
the SVG): no footer key or label cut mid-word, f1 first in every footer, the OTP time left and the sort arrow on
screen, label/value lines that wrap under their value (never to column 1), long URLs showing their host.

Frozen clock, fixed sandbox data (the seven examples), relative data folder, no animation or blink.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from textual.app import App
from textual.pilot import Pilot
from textual.widgets import Select

from screens.customer_screen import CustomerScreen
from screens.modals.confirm import ConfirmModal
from screens.modals.help import HelpScreen
from screens.modals.offboard import OffboardModal
from screens.widgets.footer import KeysFooter
from tests.support import factories as f
from tests.support.pilot import put, settle, still, until
from tests.support.snapshots import StillApp, fresh_sandbox, with_examples

SIZES = {"80x24": (80, 24), "60x20": (60, 20)}
LONG_URL = "https://www.grace-kim-photography-studio.example.com/legal/privacy-policy-for-text-messages"


@pytest.fixture
def make_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, examples_home: Path, state: str
             ) -> Callable[[], StillApp]:
    """The welcome on a fresh sandbox; every other state on a copy of the examples, as `y` at the welcome loads
    them (`test_snapshots_list` shows that loading)."""
    if state == "welcome":
        return fresh_sandbox(tmp_path, monkeypatch)
    return with_examples(tmp_path, monkeypatch, examples_home)


# -- reading the screen -------------------------------------------------------------------------------------


def screen_lines(app: App[object]) -> list[str]:
    """The screen as the terminal shows it, line by line."""
    return [strip.text for strip in app.screen._compositor.render_strips()]


def footer_words(app: App[object]) -> list[str]:
    """What each key shown in the footer reads ("f1 Help"; a group's keys "^pgup^pgdn", its label "Step"), in
    order, the palette key last."""
    footer = app.screen.query_one(KeysFooter)
    return [" ".join("".join(str(part.render()) for part in (key.children or [key])).split())
            for key in footer.children if key.display]


def check_footer(app: App[object]) -> None:
    """Every key shown is whole on the bottom line, nothing else is there, and f1 Help comes first."""
    footer = app.screen.query_one(KeysFooter)
    line = screen_lines(app)[-1]
    words = footer_words(app)
    assert words, "the footer shows no key"
    shown = [key for key in footer.children if key.display]
    for key, word in zip(shown, words, strict=True):
        assert key.region.right <= footer.region.right, f"{word!r} runs off the screen: {line!r}"
        assert word in " ".join(line.split()), f"{word!r} is cut: {line!r}"
    leftover = " ".join(line.replace("▏", " ").split())
    for word in words:
        leftover = leftover.replace(word, "", 1)
    assert not leftover.strip(), f"{leftover.strip()!r} is left of a cut key: {line!r}"
    if not isinstance(app.screen, HelpScreen):
        assert words[0] == "f1 Help", f"f1 is not first: {line!r}"


def check_indented_after(lines: list[str], label: str, indent: int) -> None:
    """The line after the one that starts with `label` continues its value (or is blank), never at column 1."""
    [at] = [n for n, line in enumerate(lines) if line.strip(" ▊│╭╰").startswith(label)]
    after = lines[at + 1].strip("▊│╰╯─")
    assert not after.strip() or after[:indent].strip() == "", f"{lines[at]!r} wraps to {after!r}"


# -- the states -------------------------------------------------------------------------------------------


async def welcome(pilot: Pilot) -> None:
    await settle(pilot)


async def examples(pilot: Pilot) -> None:
    await settle(pilot)
    pilot.app.clear_notifications()


def keys(*pressed: str) -> Callable[[Pilot], Awaitable[None]]:
    async def state(pilot: Pilot) -> None:
        await examples(pilot)
        await pilot.press(*pressed)
        await settle(pilot)
    return state


def customer(key: str, *pressed: str, blur: bool = False) -> Callable[[Pilot], Awaitable[None]]:
    async def state(pilot: Pilot) -> None:
        await examples(pilot)
        pilot.app.push_screen(CustomerScreen(key))
        await settle(pilot)
        if blur:
            pilot.app.screen.set_focus(None)
        await pilot.press(*pressed)
        await settle(pilot)
        pilot.app.clear_notifications()
    return state


async def fee_to_confirm(pilot: Pilot) -> None:
    """Luis's campaign saved, then Advance (a): the vetting fee is asked first."""
    await examples(pilot)
    desk = pilot.app.desk
    c = desk.customer("C00002")
    desk.save_step(c.key, c.version, 4, f.campaign(phone_number="+12065550101"))
    pilot.app.push_screen(CustomerScreen(c.key))
    await settle(pilot)
    pilot.app.screen.set_focus(None)
    await pilot.press("a")
    await until(pilot, lambda: isinstance(pilot.app.screen, ConfirmModal), "the fee's confirmation")


async def long_url(pilot: Pilot) -> None:
    """A long privacy policy URL typed in step 4, then Tab to the next field."""
    await customer("C00002")(pilot)
    await put(pilot, "privacy_policy_url", LONG_URL)
    await pilot.press("tab")
    for _ in range(100):  # the typing is kept as a draft a second later, and the stepper says "in progress"
        if "campaign" in pilot.app.screen.view.customer.drafts:
            break
        await pilot.pause(0.05)
    else:
        raise AssertionError("the typed URL was never kept as a draft")
    await settle(pilot)


STATES: dict[str, Callable[[Pilot], Awaitable[None]]] = {
    "welcome": welcome,
    "list": examples,
    "list_by_stage": keys("s", "s", "s"),
    "list_offboarded": keys("o"),
    "settings": keys("f2"),
    "help": keys("f1"),
    "fees": keys("f"),
    "new_customer": keys("n"),
    "step_1_to_send": customer("C00007"),
    "step_1_to_fix": customer("C00006"),
    "step_2_done": customer("C00001", "2", blur=True),
    "step_3_brand_failed": customer("C00004"),
    "step_3_passcode": customer("C00003"),
    "step_4_to_fill": customer("C00002"),
    "step_4_long_url": long_url,
    "done": customer("C00001"),
    "customer_help": customer("C00003", "f1"),
    "resend_dialog": customer("C00003", "o"),
    "offboard_dialog": customer("C00001", "x", blur=True),
    "number_picker": customer("C00002", "f3"),
    "fee_dialog": fee_to_confirm,
}


def check_state(state: str, app: App[object], size: tuple[int, int]) -> None:
    """What each state must show at this size, beyond its footer."""
    lines = screen_lines(app)
    text = "\n".join(lines)
    if state == "list" and size == SIZES["60x20"]:
        assert re.search(r"\d+ h left", text), "no OTP time left on the list"
    if state == "list_by_stage":
        assert "Stage ▲" in text, "the sorted column shows no arrow"
    if state == "step_3_passcode":
        assert re.search(r"\d\d:\d\d:\d\d left", text), "no OTP countdown"
    if state == "settings":
        check_indented_after(lines, "Mode", 20)
    if state == "help":
        check_indented_after(lines, "o ", 4)
    if state == "step_4_long_url":
        assert "https://www.grace-kim" in text, "the long URL does not show its host"
        assert "e.g. https://your" in text, "the next URL field's example shows no host"
    if state == "resend_dialog":
        assert "(617) 555-0111" in text, "the customer's mobile is not formatted"
    if state == "welcome":
        assert "n No" in footer_words(app), "the welcome's footer has no n"
    if state == "offboard_dialog":
        assert isinstance(app.screen, OffboardModal)


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("state", STATES)
def test_every_screen_fits(snap_compare, make_app, state: str, size: str) -> None:
    async def run_before(pilot: Pilot) -> None:
        await STATES[state](pilot)
        await still(pilot)
        if state == "number_picker":  # its list of numbers lies over the footer, as any open picker does
            assert pilot.app.screen.query_one("#number-pick", Select).expanded
        else:
            check_footer(pilot.app)
        check_state(state, pilot.app, SIZES[size])

    assert snap_compare(make_app(), terminal_size=SIZES[size], run_before=run_before)
