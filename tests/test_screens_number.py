"""Step 4's side panel: the customer's phone number in E.164, and `n` copying it (shown too); the starter pages
written from the form as it stands."""

from __future__ import annotations

import pytest

from tests.support.customer_app import SIZE, CustomerApp, screen
from tests.support.flow import two_verified
from tests.support.pilot import settle, text_of, toasts
from wizard.desk import Desk
from wizard.session.runtime import Runtime


@pytest.mark.slow  # two customers driven to the end, then the app: over 5 s on the shared machine
async def test_step_4_shows_the_customers_number_and_n_copies_it(runtime: Runtime) -> None:
    key, _ = await two_verified(runtime)  # its number bought with buy:206
    number = Desk(runtime).customer(key).state.number
    assert number and number.startswith("+1206")
    app = CustomerApp(runtime, key)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert screen(app).step == 4
        assert number in text_of(app, "#number") and app.screen.query_one("#number").display
        app.screen.query_one("#stepper").focus()
        await pilot.press("n")
        await settle(pilot)
        assert app.clipboard == number
        assert any(number in n.message for n in toasts(app) if n.title == "The customer's phone number")
        await pilot.press("1")
        await settle(pilot)
        assert screen(app).step == 1 and not screen(app).has_class("-step-4")  # the number is step 4's


@pytest.mark.slow  # over 5 s on the shared machine
async def test_starter_pages_are_written_from_the_form_as_it_stands_and_say_so(runtime: Runtime) -> None:
    """A description typed in step 4 and not saved: the pages use it, with a note that it is unsaved."""
    from textual.widgets import Button

    from tests.support import factories as f
    from tests.support.pilot import put

    c = Desk(runtime).create(f.profile(), f.bundle(), f.campaign())
    typed = "Walk reminders and photo updates for Zoë's dog-walking clients, sent the evening before."
    app = CustomerApp(runtime, c.key)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        await screen(app).show_step(4)
        await settle(pilot)
        await put(pilot, "campaign_description", typed)
        app.screen.query_one("#write-pages", Button).press()
        await settle(pilot)
    page = (runtime.locations.data_dir / "policies" / c.key / "privacy.md").read_text(encoding="utf-8")
    assert typed.rstrip(".") in page and "not saved yet" in page
    assert Desk(runtime).customer(c.key).campaign.campaign_description != typed  # nothing was saved
    Desk(runtime).write_policy_pages(c.key)  # from the saved campaign: no note
    page = (runtime.locations.data_dir / "policies" / c.key / "privacy.md").read_text(encoding="utf-8")
    assert typed.rstrip(".") not in page and "not saved yet" not in page


async def test_starter_pages_use_the_typed_description_and_message_flow(runtime: Runtime, tmp_path) -> None:
    """The issue's case at the desk (the fast lane's): both typed texts, unsaved, in the pages, with the note."""
    from tests.support import factories as f

    key = Desk(runtime).create(f.profile(), f.bundle(), f.campaign()).key
    typed = {"campaign_description": "Walk reminders and photo updates for Zoë's dog-walking clients by text.",
             "message_flow": "Clients opt in by texting WALKS to the number on Zoë's flyers at the dog park."}
    written = Desk(runtime).write_policy_pages(key, tmp_path, typed=typed)
    text = "\n".join(p.read_text(encoding="utf-8") for p in written if p.suffix == ".md")
    assert all(t.rstrip(".") in text for t in typed.values()) and "not saved yet" in text
    saved = "\n".join(p.read_text(encoding="utf-8") for p in Desk(runtime).write_policy_pages(key, tmp_path / "s"))
    assert not any(t.rstrip(".") in saved for t in typed.values()) and "not saved yet" not in saved
