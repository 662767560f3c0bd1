"""Keys typed in one burst and pasted text land, in order, in the field that has the focus when each one's turn
comes; pasted text is cleaned (no escape sequences or control characters; one line in a one-line field)."""

from __future__ import annotations

import string

import pytest
from textual.widgets import Input

from screens.app import WizardApp
from screens.customer_screen import DRAFT_DELAY, CustomerScreen
from screens.ordered_keys import clean_text
from screens.steps.profile import ProfileForm
from tests.support import factories as f
from tests.support.hostile import raw_unsafe
from tests.support.pilot import burst, open_customer, paste, settle
from wizard.desk import Desk
from wizard.session.runtime import Runtime

# Bursts of keys are timed by the event loop: run alone, not beside the other lane's processes.
pytestmark = pytest.mark.serial

FORM = ("Lola", "tab", "Silva", "tab", "lola@example.com", "tab", "(212) 234-5678", "tab", "1 Main St", "tab",
        "tab", "Albany", "tab", "NY", "tab", "12207")
"""Step 1 as an operator types it: a tab after each field, two over the optional street2; the country stays US."""


def keys(*tokens: str) -> list[str]:
    """Key names, words spelled out letter by letter."""
    named = {"tab", "enter", "escape", "ctrl+s"}
    return [k for t in tokens for k in ([t] if t in named else list(t))]


async def test_a_whole_step_1_form_typed_in_one_burst_is_saved_exactly_as_typed(runtime: Runtime) -> None:
    app = WizardApp(Desk(runtime))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        # "n" answers the welcome (start empty), "n" starts a customer; the letters after it (an "l" among them,
        # the Activity key) are the first name; ctrl+s saves.
        await burst(pilot, "n", "n", *keys(*FORM), "ctrl+s")
        screen = app.screen
        assert isinstance(screen, CustomerScreen)
        assert not screen.has_class("-activity") and not screen.has_class("-side-hidden")
    [key] = runtime.store.keys()
    c = runtime.engine.load(key)
    assert c.profile is not None
    assert c.profile.model_dump(mode="json") == {
        "first_name": "Lola", "last_name": "Silva", "email": "lola@example.com", "phone": "+12122345678",
        "street": "1 Main St", "street2": None, "city": "Albany", "region": "NY", "postal_code": "12207",
        "country": "US"}


async def test_a_burst_typed_while_a_form_opens_waits_for_its_first_field(runtime: Runtime) -> None:
    Desk(runtime).create(f.profile())
    app = WizardApp(Desk(runtime))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await burst(pilot, "n", *"Lukasz", "tab", *"Nowak")
        form = app.screen.query_one(ProfileForm)
        assert (form.values()["first_name"], form.values()["last_name"]) == ("Lukasz", "Nowak")


async def test_multi_line_paste_into_a_one_line_field_joins_the_lines_and_drops_control_characters(
        runtime: Runtime) -> None:
    app = WizardApp(Desk(runtime))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await burst(pilot, "n", "n")
        await paste(pilot, "Ana\r\nMaria\n")
        await burst(pilot, "tab")
        await paste(pilot, "\x1b[31mSilva\x1b[0m\x07\x00")
        assert app.screen.query_one("#first_name", Input).value == "Ana Maria"
        assert app.screen.query_one("#last_name", Input).value == "Silva"


def test_clean_text_keeps_lines_only_where_they_are_allowed() -> None:
    assert clean_text("123 Pine St\n  Apt 4 \n", one_line=True) == "123 Pine St Apt 4"
    assert clean_text("Hi\r\nthere\tyou\x1b]0;title\x07\x1bc", one_line=False) == "Hi\nthere\tyou"
    assert clean_text("a\x7fb\x9bc\u200bd", one_line=True) == "abc\u200bd"


def footer_keys(app: WizardApp) -> list[str]:
    """The keys the footer shows as working on the current screen."""
    return [a.binding.key for a in app.screen.active_bindings.values() if a.enabled and a.binding.show]


async def test_in_a_text_field_letters_and_digits_are_text_and_ctrl_page_keys_change_the_step(runtime: Runtime) -> None:
    c = Desk(runtime).create(f.profile(), f.bundle())
    app = WizardApp(Desk(runtime))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_customer(pilot, c.key)
        await burst(pilot, "ctrl+pagedown")
        assert screen.step == 2 and app.focused is not None and app.focused.id == "brand_name"
        app.screen.query_one("#brand_name", Input).value = ""
        typed = string.ascii_letters + string.digits
        await burst(pilot, *typed)
        assert app.screen.query_one("#brand_name", Input).value == typed
        assert screen.step == 2 and not screen.has_class("-activity") and not screen.has_class("-side-hidden")
        assert all(len(key) > 1 for key in footer_keys(app)), footer_keys(app)
        assert {"ctrl+pageup", "ctrl+pagedown"} <= set(footer_keys(app))
        await burst(pilot, "ctrl+pagedown")
        assert screen.step == 3


async def test_the_list_commands_are_text_in_the_filter(runtime: Runtime) -> None:
    Desk(runtime).create(f.profile())
    app = WizardApp(Desk(runtime))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert "n" in footer_keys(app)
        await burst(pilot, "slash", *"nrseSq/")
        assert app.is_running and app.screen.query_one("#filter", Input).value == "nrseSq/"
        assert all(len(key) > 1 for key in footer_keys(app) if key != "question_mark"), footer_keys(app)


async def test_what_is_typed_is_kept_as_a_draft_when_typing_pauses_and_on_ctrl_q(runtime: Runtime) -> None:
    c = Desk(runtime).create(f.profile())
    app = WizardApp(Desk(runtime))
    async with app.run_test(size=(80, 24)) as pilot:
        await open_customer(pilot, c.key)
        app.screen.query_one("#city", Input).focus()
        await burst(pilot, "ctrl+u", *"Tacoma")
        await pilot.pause(DRAFT_DELAY * 3)  # still on the screen: a crash now would lose nothing
        assert runtime.engine.load(c.key).drafts["profile"]["city"] == "Tacoma"
        await burst(pilot, "tab", "ctrl+u", *"OR", "ctrl+q")  # quit before the pause runs out
    draft = runtime.engine.load(c.key).drafts["profile"]
    assert (draft["city"], draft["region"]) == ("Tacoma", "OR")

    app = WizardApp(Desk(runtime))
    async with app.run_test(size=(80, 24)) as pilot:
        await open_customer(pilot, c.key)
        assert app.screen.query_one("#city", Input).value == "Tacoma"
        assert "Restored what you typed" in str(app.screen.query_one("#form-note").render())


async def test_a_draft_holding_escape_sequences_is_shown_and_kept_without_them(runtime: Runtime) -> None:
    c = Desk(runtime).create(f.profile())
    hostile = {"city": "\x1b]52;c;cHduZWQ=\x07Tac\x1b[31moma\x9b", "street": "1 Main St\x1b]0;title\x07"}
    c = Desk(runtime).save_draft(c.key, c.version, 1, ProfileForm.from_model(c.profile) | hostile)
    app = WizardApp(Desk(runtime))
    async with app.run_test(size=(120, 50)) as pilot:
        await open_customer(pilot, c.key)
        form = app.screen.query_one(ProfileForm)
        assert (form.values()["city"], form.values()["street"]) == ("Tacoma", "1 Main St")
        assert app.screen.query_one("#city", Input).value == "Tacoma"
        assert "Tacoma" in app.export_screenshot() and raw_unsafe(app.export_screenshot()) == []
        await burst(pilot, "escape")
    draft = runtime.engine.load(c.key).drafts.get("profile") or {}
    assert not any(ch in str(v) for v in draft.values() for ch in "\x1b\x07\x9b")


async def test_a_new_customer_not_saved_yet_is_kept_across_ctrl_q_and_gone_once_saved(runtime: Runtime) -> None:
    app = WizardApp(Desk(runtime))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await burst(pilot, "n", "n", *keys("Lola", "tab", "Silva"), "ctrl+q")  # quit before the typing pause ends
    kept = runtime.locations.new_customer_draft
    assert kept.stat().st_mode & 0o777 == 0o600 and runtime.store.count() == 0

    app = WizardApp(Desk(runtime))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await burst(pilot, "n")
        form = app.screen.query_one(ProfileForm)
        assert (form.values()["first_name"], form.values()["last_name"]) == ("Lola", "Silva")
        assert "Restored what you typed" in str(app.screen.query_one("#form-note").render())
        app.screen.query_one("#email", Input).focus()
        await burst(pilot, *keys("lola@example.com", "tab", "(212) 234-5678", "tab", "1 Main St", "tab",
                                        "tab", "Albany", "tab", "NY", "tab", "12207"), "ctrl+s")
    assert runtime.store.count() == 1 and not kept.exists()
