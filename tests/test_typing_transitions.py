"""Keys typed ahead across screen changes (a filter, a sort, a screen opened or closed, a step's form rebuilt)
end exactly where the same keys typed slowly end: each applies to what the operator sees when its turn comes."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

import pytest
from textual.widgets import Input

from screens.app import WizardApp
from screens.customer_list import CustomersScreen
from screens.customer_screen import CustomerScreen
from tests.support import factories as f
from tests.support.pilot import burst, settle, slowly
from wizard.desk import Desk
from wizard.session.runtime import Runtime

NAMES = ("Ada", "Bruno", "Carla", "Dmitri", "Grace", "Hugo", "Ines", "Grant")

Send = Callable[..., Coroutine[Any, Any, None]]


def spelled(*tokens: str) -> list[str]:
    """Key names, words of two or more letters spelled out letter by letter."""
    named = {"tab", "enter", "escape", "end", "home", "down", "up", "slash", "ctrl+pagedown", "ctrl+pageup"}
    return [k for t in tokens for k in ([t] if t in named or len(t) == 1 else list(t))]


def seed(runtime: Runtime) -> dict[str, str]:
    """Customers of different names (the list's default order is not theirs); their keys by first name."""
    keys = {}
    for n, name in enumerate(NAMES):
        c = Desk(runtime).create(f.profile(first_name=name, email=f"{name.lower()}@example.com",
                                          phone=f"(206) 555-01{n:02d}"))
        keys[name] = c.key
    return keys


def where(app: WizardApp) -> tuple[str, str | None, int | None, str | None, str]:
    """What the operator sees: the screen, its customer and step, the focused widget, the filter's text."""
    screen = app.screen
    focused = app.focused.id if app.focused is not None else None
    if isinstance(screen, CustomerScreen):
        return "customer", screen.key, screen.step, focused, ""
    assert isinstance(screen, CustomersScreen)
    return "list", screen.table.current_key, screen.table.cursor, focused, screen.query_one("#filter", Input).value


async def run(runtime: Runtime, send: Send, keys: list[str]) -> tuple[str, str | None, int | None, str | None, str]:
    app = WizardApp(Desk(runtime))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await send(pilot, *keys)
        return where(app)


SCENARIOS = {
    "filter then Enter opens the first match": (("end", "slash", "grace", "enter", "enter"), "Grace"),
    "filter then Enter on no match stays on the list": (("end", "slash", "zzz", "enter", "enter"), None),
    "down leaves the filter on the filtered list": (("slash", "gra", "down", "down", "enter"), "Grant"),
    "a sort then Enter opens the new first row": (("end", "s", "enter"), "Ada"),
    "a reversed sort then Enter": (("s", "S", "enter"), "Ines"),
    "escape clears the filter before Enter": (("slash", "grace", "enter", "escape", "enter"), "first"),
    "back from a customer and into another": (("slash", "hugo", "enter", "enter", "escape", "escape", "home",
                                               "enter"), "first"),
    "a step changed then typed into": (("slash", "ines", "enter", "enter", "ctrl+pagedown", "Ines Co"), "Ines"),
}


@pytest.mark.parametrize("name", SCENARIOS)
async def test_keys_in_one_burst_end_where_the_same_keys_typed_slowly_end(runtime: Runtime, name: str) -> None:
    keys = seed(runtime)
    tokens, expected = SCENARIOS[name]
    typed = spelled(*tokens)
    slow = await run(runtime, slowly, typed)
    fast = await run(runtime, burst, typed)
    assert fast == slow
    if expected == "first":
        return
    if expected is None:
        assert fast[0] == "list" and fast[2] == 0
    else:
        assert fast[:2] == ("customer", keys[expected])


async def test_filter_then_enter_in_one_burst_opens_the_match_not_the_row_highlighted_before(
        runtime: Runtime) -> None:
    keys = seed(runtime)
    app = WizardApp(Desk(runtime))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await burst(pilot, "end", "slash", *"grace", "enter", "enter")
        assert isinstance(app.screen, CustomerScreen) and app.screen.key == keys["Grace"]
        await burst(pilot, "escape", "slash", "ctrl+u", *"nobody", "enter", "enter")
        assert isinstance(app.screen, CustomersScreen) and app.screen.table.total == 0


async def test_a_step_form_typed_into_right_after_a_step_change_in_one_burst(runtime: Runtime) -> None:
    keys = seed(runtime)
    app = WizardApp(Desk(runtime))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await burst(pilot, "slash", *"hugo", "enter", "enter", "ctrl+pagedown", "ctrl+u", *"Hugo Walks")
        screen = app.screen
        assert isinstance(screen, CustomerScreen) and screen.key == keys["Hugo"] and screen.step == 2
        assert screen.query_one("#brand_name", Input).value == "Hugo Walks"



