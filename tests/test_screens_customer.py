"""Pilot tests of the Customer screen: step forms, validation messages, drafts, the run checklist, fees,
the Brand & OTP panel and the campaign form, against the sandbox."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from textual.app import App
from textual.command import CommandList
from textual.widgets import Button, Input, Select, TextArea

from screens.customer_screen import CustomerScreen
from screens.modals.confirm import ConfirmModal
from screens.modals.offboard import OffboardModal
from screens.palette import ScreenKeys
from screens.steps.brand import BrandPanel
from screens.steps.bundle import BundleForm
from screens.steps.campaign import CampaignForm
from screens.steps.profile import ProfileForm
from screens.widgets.fields import FindingsLine, FormField
from screens.widgets.stepper import StepTab
from screens.widgets.timeline import RunLog
from tests.support import factories as f
from tests.support.customer_app import SIZE, CustomerApp, screen
from tests.support.flow import advanced_to_otp, held, two_verified
from tests.support.pilot import answer, put, settle, text_of, toasts, type_into, until
from wizard.desk import OTP_SENDER, Desk, Finding
from wizard.session.runtime import Runtime


def field(app: App[Any], name: str) -> FormField:
    return app.screen.query_one(f"#{name}-field", FormField)


def notes(app: App[Any]) -> list[str]:
    return [n.message for n in toasts(app)]






# -- step 1: a new customer ----------------------------------------------------------------------------


async def test_new_customer_opens_empty_at_step_1_with_examples(runtime):
    app = CustomerApp(runtime, None)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        form = app.screen.query_one(ProfileForm)
        assert app.focused is not None and app.focused.id == "first_name"
        assert all(not value for name, value in form.values().items() if name != "country")
        assert app.screen.query_one("#phone", Input).placeholder == "e.g. (206) 555-0134"
        assert app.screen.query_one("#postal_code", Input).placeholder == "e.g. 98101 or K1A 0B1"
        assert str(screen(app).query_one("#step-heading").content).startswith("Step 1 · Starter profile")


async def test_bad_value_message_appears_on_leaving_the_field_and_goes_when_fixed(runtime):
    app = CustomerApp(runtime, None)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await type_into(pilot, "email", "zoe@")
        assert not field(app, "email").has_class("-has-error")  # no nagging while typing
        await pilot.press("tab")
        await pilot.pause()
        assert field(app, "email").has_class("-has-error")
        assert "valid email address" in field(app, "email").error
        await type_into(pilot, "email", "zoe@example.com")
        await pilot.pause()
        assert not field(app, "email").has_class("-has-error")

        await type_into(pilot, "phone", "555")
        await pilot.press("tab")
        await pilot.pause()
        assert field(app, "phone").error.endswith("like (206) 555-0134.")


async def test_region_and_postal_code_are_checked_for_the_chosen_country(runtime):
    app = CustomerApp(runtime, None)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await type_into(pilot, "region", "ON")
        await pilot.press("tab")
        await type_into(pilot, "postal_code", "K1A 0B1")
        await pilot.press("tab")
        await pilot.pause()
        assert "ON is a Canadian province" in field(app, "region").error
        assert "5-digit ZIP" in field(app, "postal_code").error
        app.screen.query_one("#country", Select).value = "CA"
        await pilot.pause()
        assert not field(app, "region").error and not field(app, "postal_code").error


async def test_ctrl_s_shows_every_message_and_focuses_the_first_bad_field(runtime):
    app = CustomerApp(runtime, None)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause()
        await type_into(pilot, "first_name", "Zoë")
        await type_into(pilot, "city", "Seattle")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.focused is not None and app.focused.id == "last_name"
        bad = {f.field for f in app.screen.query(FormField) if f.has_class("-has-error")}
        assert bad == {"last_name", "email", "phone", "street", "region", "postal_code"}
        assert field(app, "street").error == "Enter a street address."
        assert runtime.store.count() == 0


async def test_saving_step_1_creates_the_customer_and_advances_it_with_a_live_checklist(runtime):
    app = CustomerApp(runtime, None)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        for name, value in (("first_name", "Zoë"), ("last_name", "Lefèvre"), ("email", "zoe@example.com"),
                            ("phone", "(206) 555-0134"), ("street", "123 Pine St"), ("city", "Seattle"),
                            ("region", "wa"), ("postal_code", "98101")):
            await type_into(pilot, name, value)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert runtime.store.keys() == ["C00001"]
        c = runtime.engine.load("C00001")
        assert c.profile is not None and c.profile.region == "WA" and c.profile.phone == "+12065550134"
        journal = [(e.action, e.state) for e in runtime.store.journal("C00001")]
        assert journal[0] == ("profile.create", "done") and ("profile.submit", "done") in journal
        log = app.screen.query_one(RunLog)
        lines = [str(s.content) for s in log.query(".run--ok")]
        assert lines[0] == "✓ create the starter profile" and "✓ submit the starter profile for review" in lines
        # on to step 2, with the brand name and mobile carried over from step 1
        assert screen(app).step == 2
        form = app.screen.query_one(BundleForm)
        assert form.values()["brand_name"] == "Zoë Lefèvre"
        assert form.values()["mobile_phone"] == "+12065550134"


# -- drafts ---------------------------------------------------------------------------------------------


async def test_escape_keeps_what_was_typed_and_reopening_restores_it(runtime):
    c = Desk(runtime).create(f.profile())
    app = CustomerApp(runtime, c.key)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("1")  # focus is on the first field: a digit is typed, not a step change
        assert screen(app).step == 1
        await type_into(pilot, "city", "Tacoma")
        await pilot.press("escape")
        await pilot.pause()
        assert app.closed
    stored = runtime.engine.load(c.key)
    assert stored.drafts["profile"]["city"] == "Tacoma"
    assert stored.profile is not None and stored.profile.city == "Seattle"  # not saved: only a draft

    app = CustomerApp(runtime, c.key)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen(app).query_one("#stepper").focus()
        await pilot.press("1")
        await pilot.pause()
        assert app.screen.query_one("#city", Input).value == "Tacoma"
        assert "Restored what you typed" in str(app.screen.query_one("#form-note").content)
        await pilot.press("ctrl+o")  # put back the saved values
        await pilot.pause()
        assert app.screen.query_one("#city", Input).value == "Seattle"
    assert "profile" not in runtime.engine.load(c.key).drafts


async def test_a_new_customer_typed_but_not_saved_is_kept_for_the_session(runtime):
    app = CustomerApp(runtime, None)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await type_into(pilot, "first_name", "Zoë")
        await pilot.press("escape")
        await pilot.pause()
        assert runtime.store.count() == 0
        await app.push_screen(CustomerScreen(None))
        await pilot.pause()
        assert app.screen.query_one("#first_name", Input).value == "Zoë"


async def test_someone_else_saving_first_is_reported_and_the_typing_survives(runtime):
    c = Desk(runtime).create(f.profile())
    app = CustomerApp(runtime, c.key)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause()
        await screen(app).show_step(1)
        Desk(runtime).save_step(c.key, c.version, 1, f.profile(city="Spokane"))
        await type_into(pilot, "city", "Tacoma")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert any("changed elsewhere" in n for n in notes(app))
        assert app.screen.query_one("#city", Input).value == "Tacoma"
        assert runtime.engine.load(c.key).profile.city == "Spokane"
        await pilot.press("ctrl+s")  # now against the version just read
        await settle(pilot)
    assert runtime.engine.load(c.key).profile.city == "Tacoma"


# -- resuming -------------------------------------------------------------------------------------------


async def test_resume_opens_at_the_step_where_the_customer_stands(runtime):
    half = Desk(runtime).create(f.profile(), f.bundle())
    await runtime.engine.advance(half.key)  # brand registered, Twilio reviews it
    fresh = Desk(runtime).create(f.profile(email="other@example.com"))
    await runtime.engine.advance(fresh.key)  # profile submitted, no bundle yet
    for key, step, view in ((half.key, 3, BrandPanel), (fresh.key, 2, BundleForm)):
        app = CustomerApp(runtime, key)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            assert screen(app).step == step
            assert app.screen.query(view)
            states = screen(app).states
            assert states[1] == "twilio"


async def test_submitted_steps_are_read_only_and_the_keys_switch_steps(runtime):
    c = Desk(runtime).create(f.profile(), f.bundle())
    await runtime.engine.advance(c.key)
    app = CustomerApp(runtime, c.key)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("1")
        await pilot.pause()
        form = app.screen.query_one(ProfileForm)
        assert form.locked and "submitted to Twilio" in form.locked
        assert app.screen.query_one("#first_name", Input).disabled
        assert not screen(app).check_action("submit", ())
        await pilot.press("4")
        await pilot.pause()
        assert app.screen.query(CampaignForm)
        await pilot.press("escape")
        await pilot.pause()
        assert app.closed


# -- fees and readiness findings ------------------------------------------------------------------------


async def test_the_brand_fee_is_confirmed_first_and_declining_sends_nothing(runtime):
    c = Desk(runtime).create(f.profile())
    await runtime.engine.advance(c.key)
    app = CustomerApp(runtime, c.key)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause()
        assert screen(app).step == 2
        await pilot.press("ctrl+s")  # the defaults from step 1 are good
        text = await answer(pilot, yes=False)
        assert "$4.50 brand registration" in text
        await settle(pilot)
        stored = runtime.engine.load(c.key)
        assert stored.bundle is not None  # saved ...
        assert not [e for e in runtime.store.journal(c.key) if e.action.startswith("bundle.")]  # ... not sent
        assert any("nothing was sent" in n for n in notes(app))

        await pilot.press("ctrl+s")
        await answer(pilot, yes=True)
        await settle(pilot)
    stored = runtime.engine.load(c.key)
    assert stored.state.sids.get("brand")
    assert [(x.what, x.amount) for x in stored.state.ledger] == [("register the brand", 4.5)]


async def test_a_blocking_finding_is_shown_as_you_type_and_stops_the_submit(runtime):
    c = Desk(runtime).create(f.profile())
    app = CustomerApp(runtime, c.key)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause()
        await screen(app).show_step(2)
        await type_into(pilot, "brand_name", "Zoë Lefèvre LLC")
        await pilot.pause()
        line = field(app, "brand_name").query_one(FindingsLine)
        assert line.has_class("-shown") and line.has_class("-block")  # red
        assert "LLC" in line.text
        app.screen.query_one("#vertical").focus()
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.focused is not None and app.focused.id == "brand_name"
        assert not isinstance(app.screen, ConfirmModal)
        assert runtime.engine.load(c.key).bundle is None
        assert any("LLC" in n for n in notes(app))


async def test_a_warning_is_confirmed_once(runtime):
    c = Desk(runtime).create(f.profile())
    app = CustomerApp(runtime, c.key)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await screen(app).show_step(2)
        await type_into(pilot, "brand_name", "Sunny Paws")  # neither the first nor the last name
        await pilot.pause()
        line = field(app, "brand_name").query_one(FindingsLine)
        assert line.has_class("-shown") and not line.has_class("-block")  # yellow
        await pilot.press("ctrl+s")
        assert "contains neither" in await answer(pilot, yes=False)
        await settle(pilot)
        assert runtime.engine.load(c.key).bundle is None

        await pilot.press("ctrl+s")
        await answer(pilot, yes=True)  # the warning
        assert "brand registration" in await answer(pilot, yes=False)  # then the fee
        await settle(pilot)
        assert runtime.engine.load(c.key).bundle.brand_name == "Sunny Paws"

        await pilot.press("ctrl+s")  # same warning: not asked again, straight to the fee
        assert "brand registration" in await answer(pilot, yes=False)
        await settle(pilot)


# -- Twilio's problems ----------------------------------------------------------------------------------


async def test_noncompliant_problems_appear_under_their_field_and_the_fix_updates_in_place(runtime):
    c = Desk(runtime).create(f.profile(street="1 Noncompliant Way"))
    await runtime.engine.advance(c.key)
    address = runtime.engine.load(c.key).state.sids["address"]
    app = CustomerApp(runtime, c.key)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert screen(app).step == 1 and screen(app).states[1] == "fix"
        street = field(app, "street")
        assert street.has_class("-has-problem")
        assert "Noncompliant" in str(street.query_one(".field--problem").content)
        assert app.screen.query_one("#problems").has_class("-shown")
        await type_into(pilot, "street", "1 Compliant Way")
        await pilot.pause()
        assert not street.has_class("-has-problem")
        await pilot.press("ctrl+s")
        await settle(pilot)
    c = runtime.engine.load(c.key)
    assert c.state.sids["address"] == address
    assert c.state.evaluations["profile"].status == "compliant"
    assert c.state.statuses["profile"] == "pending-review"


async def test_the_field_twilio_objected_to_gets_the_focus_and_is_in_view_at_80x24(runtime):
    c = Desk(runtime).create(f.profile(street="1 Noncompliant Way"))
    await runtime.engine.advance(c.key)
    app = CustomerApp(runtime, c.key)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        street = field(app, "street")
        assert app.focused is street.widget
        main = app.screen.query_one("#main")
        shown = main.content_region
        problem = street.query_one(".field--problem")
        assert problem.region.height and shown.contains_region(problem.region), (problem.region, shown)
        assert shown.contains_region(street.widget.region)


def assert_led_to(app: App[Any], name: str, words: str) -> None:
    """Field `name` has the focus, shows `words` under it, and all of it is on screen."""
    wanted = field(app, name)
    assert app.focused is wanted.widget, app.focused
    problem = wanted.query_one(".field--problem")
    assert words in str(problem.content)
    shown = app.screen.query_one("#main").content_region
    assert problem.region.height and shown.contains_region(problem.region), (problem.region, shown)
    assert shown.contains_region(wanted.widget.region)


async def test_a_campaign_waiting_for_its_phone_number_leads_to_that_field_at_80x24(runtime):
    from tests.support.flow import drive

    c = Desk(runtime).create(f.profile(), f.bundle(), f.campaign(phone_number=""))
    await drive(runtime, c.key)
    app = CustomerApp(runtime, c.key)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert screen(app).step == 4 and "Pick the phone number" in text_of(app, "#next")
        assert_led_to(app, "phone_number", "Pick the phone number")
        app.screen.query_one("#campaign_description").focus()
        await pilot.press("ctrl+s")  # saved again without it: led back to it
        await settle(pilot)
        assert_led_to(app, "phone_number", "Pick the phone number")


async def test_a_campaign_saved_before_the_policy_url_rule_leads_to_the_missing_url(runtime):
    from tests.support.flow import drive

    c = Desk(runtime).create(f.profile(), f.bundle(), f.campaign())
    old = c.campaign.model_copy(update={"terms_url": ""})  # as a store of an earlier version holds it
    c = Desk(runtime).save_step(c.key, c.version, 4, old)
    await drive(runtime, c.key)
    assert "terms and conditions URL" in runtime.engine.summary(runtime.engine.load(c.key)).next_action
    app = CustomerApp(runtime, c.key)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert screen(app).step == 4
        assert_led_to(app, "terms_url", "terms and conditions URL")


async def test_a_failed_campaign_shows_twilios_error_under_the_sample_it_concerns_at_80x24(runtime):
    from tests.support.flow import CANNABIS, drive

    samples = ["Zoë's Dog Walking: Rex had a great walk today! Reply STOP to opt out.", CANNABIS[0]]
    c = Desk(runtime).create(f.profile(), f.bundle(), f.campaign(samples=samples))
    c = await drive(runtime, c.key)
    assert c.state.statuses["campaign"] == "FAILED"
    app = CustomerApp(runtime, c.key)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert screen(app).step == 4
        assert_led_to(app, "sample_2", "30897")
        assert "30897" not in str(field(app, "sample_1").query_one(".field--problem").content)


async def test_a_failed_brand_shows_the_playbook_and_the_field_to_fix(runtime):
    c = Desk(runtime).create(f.profile(), f.bundle(brand_name="Zoë Fail Lefèvre"))
    await runtime.engine.advance(c.key)
    assert runtime.sandbox is not None
    runtime.sandbox.advance_clock(timedelta(minutes=6))
    await runtime.engine.advance(c.key)
    app = CustomerApp(runtime, c.key)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        s = screen(app)
        assert s.step == 3 and s.states[3] == "fix" and s.states[2] == "fix"
        problems = str(app.screen.query_one("#problems").content)
        assert "30701" in problems and "→" in problems
        await pilot.press("2")
        await pilot.pause()
        assert field(app, "brand_name").has_class("-has-problem")
        assert not app.screen.query_one(BundleForm).locked  # a failed brand reopens steps 1 and 2


# -- step 3: brand and passcode -------------------------------------------------------------------------


async def test_the_otp_panel_counts_down_and_resends_after_confirmation(runtime, clock):
    key = await advanced_to_otp(runtime)
    app = CustomerApp(runtime, key)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause()
        assert screen(app).step == 3
        assert "+1 915-278-2000" in str(app.screen.query_one("#customer-message").content)
        assert "Zoë Lefèvre-Côté" in str(app.screen.query_one("#customer-message").content)
        # Twilio texted the passcode when the brand was approved (5 min after submission); it is a minute later
        assert "23:59:00 left to reply YES" in str(app.screen.query_one("#countdown").content)
        clock.advance(hours=3, seconds=1)
        screen(app).tick()
        assert "20:58:59 left" in str(app.screen.query_one("#countdown").content)

        await pilot.press("o")
        assert "Resend the passcode?" in await answer(pilot, yes=False)
        await settle(pilot)
        assert runtime.engine.load(key).state.otp_resends == 0

        await pilot.press("o")
        await answer(pilot, yes=True)
        await settle(pilot)
        c = runtime.engine.load(key)
        assert c.state.otp_resends == 1
        assert [e.action for e in runtime.store.journal(key)][-1] == "brand.otp_resend"
        assert "24:00:00 left" in str(app.screen.query_one("#countdown").content)  # from the resend
        assert any("new passcode" in n for n in notes(app)), notes(app)


async def test_a_lapsed_passcode_needs_a_fix(runtime, clock):
    key = await advanced_to_otp(runtime)
    clock.advance(hours=25)
    app = CustomerApp(runtime, key)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert screen(app).states[3] == "fix"
        assert "lapsed" in str(app.screen.query_one("#countdown").content)
        assert "lapsed" in str(app.screen.query_one("#problems").content)


async def test_sandbox_reply_yes_then_advance_confirms_the_campaign_fee(runtime):
    key = await advanced_to_otp(runtime, phone_number="+12065550101")
    app = CustomerApp(runtime, key)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("y")
        assert "$15.00 campaign vetting" in await answer(pilot, yes=True)
        await settle(pilot)
        c = runtime.engine.load(key)
        assert c.state.statuses["identity"] == "VERIFIED"
        assert c.state.statuses["campaign"] in ("PENDING", "IN_PROGRESS")
        assert screen(app).step == 4 and screen(app).states[3] == "done"
        assert screen(app).states[4] == "twilio"


async def test_copy_message_puts_the_text_on_the_clipboard(runtime):
    key = await advanced_to_otp(runtime)
    app = CustomerApp(runtime, key)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("m")
        await pilot.pause()
        assert app.clipboard.startswith("You'll get a text from +1 915-278-2000")


# -- step 4: campaign -----------------------------------------------------------------------------------


async def test_campaign_shows_five_sample_fields_and_sends_only_the_filled_ones(runtime):
    c = Desk(runtime).create(f.profile(), f.bundle())
    app = CustomerApp(runtime, c.key)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause()
        await screen(app).show_step(4)
        form = app.screen.query_one(CampaignForm)
        assert [s.field for s in form.sample_fields()] == [f"sample_{n}" for n in range(1, 6)]
        await put(pilot, "sample_1", "Zoë here: your walk is at 3pm. Reply STOP to opt out.")
        await put(pilot, "sample_2", "Zoë here: Rex had a great walk today! Reply HELP for help.")
        model = form.MODEL.model_validate(form.values() | {
            k: v for k, v in f.campaign_data().items() if k not in ("samples", "phone_number")})
        assert model.samples == ["Zoë here: your walk is at 3pm. Reply STOP to opt out.",
                                 "Zoë here: Rex had a great walk today! Reply HELP for help."]


async def test_campaign_form_picks_a_free_number_and_saves(runtime):
    taken = Desk(runtime).create(f.profile(email="a@example.com"), None,
                             f.campaign(phone_number="+12065550100"))
    c = Desk(runtime).create(f.profile(), f.bundle())
    app = CustomerApp(runtime, c.key)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await screen(app).show_step(4)
        await settle(pilot)
        pick = app.screen.query_one("#number-pick", Select)
        options = [value for _, value in pick._options if isinstance(value, str)]
        assert "+12065550100" not in options and "+12065550101" in options  # held by another customer
        assert options[0] == "buy:206" and "Buy a new number near the customer (area code 206) · $1.15 a month" in {
            str(label) for label, _ in pick._options}
        assert taken.key != c.key
        sample = f.campaign()
        await put(pilot, "campaign_description", sample.campaign_description)
        await put(pilot, "message_flow", sample.message_flow)
        await put(pilot, "sample_1", sample.samples[0])
        await put(pilot, "sample_2", sample.samples[1])
        await put(pilot, "privacy_policy_url", sample.privacy_policy_url)
        await put(pilot, "terms_url", sample.terms_url)
        pick.value = "+12065550101"
        await pilot.pause()
        assert app.screen.query_one("#phone_number", Input).value == "+12065550101"
        await pilot.press("ctrl+s")
        assert "brand registration" in await answer(pilot, yes=False)  # steps 1-2 would go out first
        await settle(pilot)
    saved = runtime.engine.load(c.key).campaign
    assert saved is not None and saved.phone_number == "+12065550101" and len(saved.samples) == 2


async def test_campaign_errors_name_the_sample_and_the_count(runtime):
    c = Desk(runtime).create(f.profile(), f.bundle())
    app = CustomerApp(runtime, c.key)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await screen(app).show_step(4)
        await type_into(pilot, "sample_1", "too short")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.focused is not None and app.focused.id == "campaign_description"
        assert "Too short" in field(app, "sample_1").error
        assert "Describe the campaign" in field(app, "campaign_description").error


# -- robustness -----------------------------------------------------------------------------------------


async def test_an_unexpected_error_in_a_run_is_reported_not_fatal(runtime, monkeypatch):
    c = Desk(runtime).create(f.profile())

    async def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(runtime.engine, "advance", broken)
    app = CustomerApp(runtime, c.key)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause()
        app.screen.query_one("#stepper").focus()  # in a field, "a" is just a letter
        await pilot.press("a")
        await settle(pilot)
        assert app.is_running and isinstance(app.screen, CustomerScreen)
        assert any("boom" in n for n in notes(app))
        assert not screen(app).running


async def test_after_its_own_save_the_screen_holds_the_saved_version_whatever_the_run_does(runtime, monkeypatch):
    """A save is the screen's from the moment it is stored: when the run after it fails unexpectedly (so no run
    end reloads the customer), saving again neither creates the customer twice nor reads as someone else's change,
    and a form rebuilt after it shows what was saved."""

    async def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(Desk, "fees_ahead", broken)
    app = CustomerApp(runtime, None)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause()
        for name, value in (("first_name", "Zoë"), ("last_name", "Lefèvre"), ("email", "zoe@example.com"),
                            ("phone", "(206) 555-0134"), ("street", "123 Pine St"), ("city", "Seattle"),
                            ("region", "WA"), ("postal_code", "98101")):
            await put(pilot, name, value)
        for _ in range(2):  # saved twice, each run failing after the save
            await pilot.press("ctrl+s")
            await settle(pilot)
        assert runtime.store.keys() == ["C00001"]
        await pilot.press("ctrl+pagedown")
        await settle(pilot)
        await put(pilot, "brand_name", "Zoë's Walks")
        await pilot.press("ctrl+s")
        await settle(pilot)
        await pilot.press("ctrl+pagedown", "ctrl+pagedown", "ctrl+pageup", "ctrl+pageup")  # the form rebuilt
        await settle(pilot)
        assert screen(app).step == 2 and app.screen.query_one(BundleForm).values()["brand_name"] == "Zoë's Walks"
        await put(pilot, "brand_name", "Zoë's Dog Walks")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not [n for n in toasts(app) if n.title == "Changed by someone else"]
    c = runtime.engine.load("C00001")
    assert c.bundle is not None and c.bundle.brand_name == "Zoë's Dog Walks" and not c.drafts


async def test_twilio_refusing_a_call_is_shown_in_plain_words(runtime):
    c = Desk(runtime).create(f.profile(), f.bundle(), f.campaign(phone_number="+12065559999"))
    from tests.support.flow import drive

    await drive(runtime, c.key)
    app = CustomerApp(runtime, c.key)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert screen(app).step == 4 and screen(app).states[4] == "fix"
        assert "not a number of this Twilio account" in str(field(app, "phone_number").query_one(
            ".field--problem").content)


@pytest.mark.parametrize("narrow", [True, False])
async def test_activity_panel_beside_or_instead_of_the_step(runtime, narrow):
    c = Desk(runtime).create(f.profile())
    await runtime.engine.advance(c.key)
    app = CustomerApp(runtime, c.key)
    async with app.run_test(size=(80, 24) if narrow else SIZE) as pilot:
        await pilot.pause()
        side, main = app.screen.query_one("#side"), app.screen.query_one("#main")
        assert side.display is not narrow
        app.screen.query_one("#stepper").focus()
        await pilot.press("l")
        await pilot.pause()
        assert side.display is narrow  # toggled
        assert main.display is not narrow  # a narrow terminal shows the activity instead of the step
        texts = [str(s.content) for s in app.screen.query_one("#timeline").query(".timeline--what")]
        assert texts[-1].startswith("create the starter profile\nBU")  # oldest last, with its SID


async def test_screen_actions_are_in_the_command_palette(runtime):
    key = await advanced_to_otp(runtime)
    app = CustomerApp(runtime, key)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        provider = ScreenKeys(app.screen)
        titles = [title for title, _, _ in provider._commands()]
        assert {"Resend", "Refresh", "Replied YES", "Advance", "Copy text", "Back"} <= set(titles)
        assert "Save & send" not in titles  # no form on step 3


async def palette_finds(pilot: Any, query: str) -> list[str]:
    """ctrl+p, `query` typed: the titles the command palette offers (then closed again)."""
    await pilot.press("ctrl+p", *query)
    await pilot.pause(0.3)
    await settle(pilot)
    found = [str(option.hit.text) for option in pilot.app.screen.query_one(CommandList).options]
    await pilot.press("escape")
    await settle(pilot)
    return found


@pytest.mark.slow
async def test_the_palette_offers_every_action_of_the_screen_while_a_text_field_has_focus(runtime):
    from tests.support.flow import CANNABIS, drive

    c = Desk(runtime).create(f.profile(), f.bundle(), f.campaign(samples=CANNABIS, phone_number="+12065550101"))
    c = await drive(runtime, c.key)  # the campaign FAILED: step 4 is open to fix, a sample field focused
    app = CustomerApp(runtime, c.key)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert screen(app).step == 4 and isinstance(app.focused, Input | TextArea)
        for query, title in (("advance", "Advance"), ("refresh", "Refresh"), ("offboard", "Offboard"),
                             ("activity", "Activity"), ("check pages", "Check pages")):
            assert title in await palette_finds(pilot, query), query
        assert isinstance(app.focused, Input | TextArea)  # back in the field, whose letters are still text
        shown = set(screen(app).classes)
        await pilot.press("ctrl+p", *"activity")
        await pilot.pause(0.3)
        await settle(pilot)
        await pilot.press("enter")  # chosen with a field focused, the screen's action runs (not typed text)
        await settle(pilot)
        toggled = set(screen(app).classes) ^ shown
        assert toggled in ({"-activity"}, {"-side-hidden"}), f"the activity panel did not toggle: {toggled}"


async def test_an_offboarded_customer_opens_with_no_field_focused_and_a_onboards_it_again(runtime):
    key, _ = await two_verified(runtime)
    await Desk(runtime).offboard(key, release_number=False)
    app = CustomerApp(runtime, key)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert screen(app).step == 4 and screen(app).states == dict.fromkeys((1, 2, 3, 4), "offboarded")
        assert not isinstance(app.focused, Input | TextArea)
        await pilot.press("a")  # onboarding again: its campaign's vetting is asked for first
        assert "$15.00 campaign vetting" in await answer(pilot, yes=False)
    assert Desk(runtime).customer(key).state.offboarded_at  # declined: nothing sent


async def test_in_the_app_n_starts_a_customer_and_escape_returns_to_the_list(runtime):
    from screens.app import WizardApp
    from screens.customer_list import CustomersScreen

    Desk(runtime).create(f.profile(email="first@example.com"))  # no welcome offer on an empty list
    app = WizardApp(Desk(runtime))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, CustomerScreen) and app.screen.key is None
        for name, value in (("first_name", "Ana"), ("last_name", "Silva"), ("email", "ana@example.com"),
                            ("phone", "(416) 555-0199"), ("street", "1 King St W"), ("city", "Toronto"),
                            ("region", "ON"), ("postal_code", "m5h1a1")):
            await put(pilot, name, value)
        app.screen.query_one("#country", Select).value = "CA"
        await pilot.pause()
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert screen(app).key == "C00002" and screen(app).step == 2
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, CustomersScreen)
    c = runtime.engine.load("C00002")
    assert c.profile is not None and c.profile.postal_code == "M5H 1A1"
    assert c.state.statuses["profile"] == "pending-review"
    assert c.drafts == {}  # step 2 was opened with defaults and left untouched: nothing to keep


# -- the domain helpers behind the screen -----------------------------------------------------------------


async def test_fees_ahead_look_past_the_next_call(runtime):
    from wizard.flow.lookahead import fees_ahead, fees_ahead_fresh

    only_profile = Desk(runtime).create(f.profile())
    assert fees_ahead(runtime.engine, only_profile) == []
    both = Desk(runtime).create(f.profile(email="b@example.com"), f.bundle(mobile_phone="2065550177"))
    [fee] = fees_ahead(runtime.engine, both)  # step 1 goes out first, and the same run registers the brand
    assert (fee.what, fee.amount, fee.certain) == ("brand registration", 4.5, False)

    key = await advanced_to_otp(runtime, phone_number="+12065550102")
    assert fees_ahead(runtime.engine, runtime.engine.load(key)) == []  # as last read: waiting for YES
    assert runtime.sandbox is not None
    runtime.sandbox.reply_yes(runtime.engine.load(key).state.sids["brand"])
    [fee] = await fees_ahead_fresh(runtime.engine, key)  # reads first: the YES opens the way to the campaign
    assert (fee.what, fee.amount) == ("campaign vetting", 15.0)


async def test_numbers_held_by_other_customers_are_not_offered(runtime):
    from wizard.flow.numbers import available_numbers

    mine = Desk(runtime).create(f.profile(), None, f.campaign(phone_number="+12065550103"))
    Desk(runtime).create(f.profile(email="o@example.com"), None, f.campaign(phone_number="+12065550104"))
    offered = {n.number for n in await available_numbers(runtime.engine, mine.key)}
    assert "+12065550103" in offered and "+12065550104" not in offered
    assert len(offered) == 4


def test_the_timeline_says_what_happened_in_plain_words():
    from storage.sqlite.store import JournalEntry
    from wizard.flow.progress import timeline

    entries = [
        JournalEntry(1, "C1", "profile.create", "a2p:C1:starter-profile", "POST", "/v1/CustomerProfiles", "done",
                     200, "BU" + "0" * 32, None, None, "2026-11-20T15:00:00Z", "2026-11-20T15:00:01Z"),
        JournalEntry(2, "C1", "brand.create", None, "POST", "/v1/a2p/BrandRegistrations", "failed", 400, None,
                     30701, "bad  region", "2026-11-21T09:30:00Z", "2026-11-21T09:30:01Z"),
    ]
    newest, oldest = timeline(entries)
    assert (newest.day, newest.time, newest.what, newest.state) == ("2026-11-21", "09:30", "register the brand",
                                                                    "failed")
    assert newest.detail.startswith("30701 ") and newest.detail.endswith("bad region")
    assert (oldest.what, oldest.detail) == ("create the starter profile", "BU" + "0" * 32)


async def test_step_4_writes_starter_policy_pages_and_checks_the_typed_ones(runtime, monkeypatch):
    c = Desk(runtime).create(f.profile(), f.bundle(), f.campaign())
    asked: list[dict[str, str]] = []

    async def check(urls: dict[str, str]) -> list:
        asked.append(urls)
        return [Finding("policy.no-stop", "warn", "terms_url", "The terms page does not seem to say STOP.", None)]

    monkeypatch.setattr(Desk, "check_policy_pages", lambda _, urls: check(urls))
    app = CustomerApp(runtime, c.key)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        await screen(app).show_step(4)
        await settle(pilot)
        app.screen.query_one("#write-pages", Button).press()
        await settle(pilot)
        folder = runtime.locations.data_dir / "policies" / c.key
        assert sorted(p.name for p in folder.iterdir()) == ["privacy.html", "privacy.md", "terms.html", "terms.md"]
        app.screen.query_one("#check-pages", Button).press()
        await settle(pilot)
        assert asked == [{"privacy_policy_url": "https://zoes-dog-walking.com/privacy",
                          "terms_url": "https://zoes-dog-walking.com/terms"}]
        assert "STOP" in str(field(app, "terms_url").query_one(FindingsLine).render())


def test_verticals_read_as_words_with_acronyms_as_twilio_spells_them() -> None:
    from screens.steps.bundle import VERTICAL_OPTIONS

    assert ("NGO", "NGO") in VERTICAL_OPTIONS and ("Real estate", "REAL_ESTATE") in VERTICAL_OPTIONS


async def test_when_step_3_is_done_the_campaign_form_follows_without_advancing(runtime):
    key = await advanced_to_otp(runtime)
    app = CustomerApp(runtime, key)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert screen(app).step == 3
        Desk(runtime).reply_yes(key)  # the customer replies YES meanwhile
        await pilot.press("r")
        await settle(pilot)
        assert screen(app).step == 4 and app.screen.query(CampaignForm)


async def test_every_example_in_every_form_reads_e_g_once(runtime):
    c = Desk(runtime).create(f.profile(), f.bundle())
    app = CustomerApp(runtime, c.key)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        seen = []
        for step in (1, 2, 4):
            await screen(app).show_step(step)
            await settle(pilot)
            seen += [str(field.placeholder) for field in app.screen.query(Input) if field.placeholder]
        assert len(seen) > 10 and not [text for text in seen if text.count("e.g.") > 1], seen


# -- offboarding ---------------------------------------------------------------------------------------


async def open_offboarding(pilot: Any) -> OffboardModal:
    """Press x on the customer screen and return the offboarding dialog."""
    await pilot.press("x")
    await until(pilot, lambda: isinstance(pilot.app.screen, OffboardModal), "the offboarding dialog")
    modal = pilot.app.screen
    assert isinstance(modal, OffboardModal)
    return modal


async def test_offboarding_from_the_screen_lists_what_goes_and_deletes_it(runtime: Runtime) -> None:
    key, other = await two_verified(runtime)
    desk = Desk(runtime)
    mine, theirs = (desk.customer(k).state.sids.copy() for k in (key, other))
    rate = desk.run_rate()
    app = CustomerApp(runtime, key)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        modal = await open_offboarding(pilot)
        plan = text_of(app, "#plan")
        assert "delete the campaign" in plan and "delete the Messaging Service" in plan
        assert "release the phone number" not in plan and "stays on the account" in plan  # kept unless asked
        await pilot.click("#release")
        await pilot.pause()
        assert modal.releasing and "release the phone number" in text_of(app, "#plan")
        stops = desk.prices.campaign_monthly + desk.prices.number_monthly
        assert f"stops ${stops:,.2f} a month" in text_of(app, "#plan")
        await pilot.press("y")
        await until(pilot, lambda: not screen(app).running and app.screen is screen(app), "the run's end")
        await settle(pilot)
        assert "offboarded" in " ".join(notes(app))
        assert "Offboarded on" in text_of(app, "#next")
        assert text_of(app, "#step-heading").endswith("Campaign — offboarded")  # not "in progress"
        assert screen(app).check_action("offboard", ()) is False  # nothing left to delete
    dump = desk.sandbox_dump()
    assert held(dump, mine) == {"service": False, "campaign": False, "number": False}
    assert held(dump, theirs) == {"service": True, "campaign": True, "number": True}
    assert desk.customer(key).state.offboarded_at
    assert desk.run_rate() == round(rate - desk.prices.campaign_monthly - desk.prices.number_monthly, 2)


async def test_offboarding_cancelled_deletes_nothing_and_keeps_a_number_the_app_did_not_buy(runtime: Runtime) -> None:
    _, key = await two_verified(runtime)  # on a number the account had already
    before = Desk(runtime).sandbox_dump()
    app = CustomerApp(runtime, key)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        modal = await open_offboarding(pilot)
        assert not modal.query("#release") and "stays on the account" in text_of(app, "#plan")
        await pilot.press("n")
        await settle(pilot)
        assert app.screen is screen(app) and "Nothing was deleted." in notes(app)
    assert Desk(runtime).sandbox_dump() == before
    assert Desk(runtime).customer(key).state.offboarded_at is None


async def test_offboarding_is_not_offered_before_twilio_holds_anything(runtime: Runtime) -> None:
    c = Desk(runtime).create(f.profile(), f.bundle(), f.campaign())
    app = CustomerApp(runtime, c.key)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert screen(app).check_action("offboard", ()) is False
        await pilot.press("x")
        await settle(pilot)
        assert not isinstance(app.screen, OffboardModal)


async def test_copying_the_message_for_the_customer_also_shows_it(runtime: Runtime) -> None:
    key = await advanced_to_otp(runtime)
    app = CustomerApp(runtime, key)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert screen(app).step == 3
        message = screen(app).view.message
        assert message and OTP_SENDER in message
        app.screen.query_one("#stepper").focus()
        await pilot.press("m")
        await settle(pilot)
        [shown] = [n for n in toasts(app) if n.title == "Message for the customer"]
        assert message in shown.message and "Copied" not in (shown.title or "")
        assert app.clipboard == message


async def test_opening_a_customer_waiting_on_twilio_reads_its_statuses(runtime: Runtime) -> None:
    c = Desk(runtime).create(f.profile(), f.bundle())
    await runtime.engine.advance(c.key)  # the brand is in review
    assert runtime.sandbox is not None
    runtime.sandbox.advance_clock(timedelta(minutes=10))  # approved at Twilio meanwhile: the store does not know
    assert runtime.engine.load(c.key).state.statuses["brand"] != "APPROVED"
    app = CustomerApp(runtime, c.key)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await until(pilot, lambda: screen(app).view.otp.pending, "the statuses read on opening")
        await settle(pilot)
        assert screen(app).step == 3 and "reply YES" in text_of(app, "#next")
        assert not any(n.title == "Refreshed" for n in toasts(app))  # quietly


async def test_refresh_redraws_a_locked_campaign_when_it_turns_verified(runtime: Runtime) -> None:
    key = await advanced_to_otp(runtime, phone_number="+12065550101")
    assert runtime.sandbox is not None
    runtime.sandbox.reply_yes(runtime.engine.load(key).state.sids["brand"])
    await runtime.engine.advance(key)
    assert runtime.engine.load(key).state.statuses["campaign"] in ("PENDING", "IN_PROGRESS")
    app = CustomerApp(runtime, key)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert screen(app).step == 4 and "submitted to Twilio" in text_of(app, "#form-lock")
        runtime.sandbox.advance_clock(timedelta(days=20))
        await pilot.press("r")
        await settle(pilot)
        assert screen(app).states[4] == "done"
        assert "The campaign is verified" in text_of(app, "#form-lock")  # a locked form holds no typing to keep


async def test_the_passcode_timer_is_drawn_only_into_a_composed_panel(runtime, monkeypatch):
    """A second's tick while step 3's panel is being built (a digit key shows the step again) waits for it."""
    key = await advanced_to_otp(runtime)
    compose = BrandPanel.compose

    def ticked_first(panel: BrandPanel) -> Any:
        panel.screen.tick()  # CustomerScreen.tick, as its timer may run now
        return compose(panel)

    monkeypatch.setattr(BrandPanel, "compose", ticked_first)
    app = CustomerApp(runtime, key)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.screen.query_one("#stepper").focus()
        await pilot.press("3")
        await settle(pilot)
        assert screen(app).step == 3 and "to reply YES" in text_of(app, "#countdown")


async def test_a_kept_draft_turns_its_step_in_progress_at_once(runtime):
    """The stepper follows the draft when it is kept, not at the next second's tick."""
    c = Desk(runtime).create(f.profile())
    app = CustomerApp(runtime, c.key)
    async with app.run_test(size=SIZE) as pilot:
        await screen(app).show_step(2)
        await settle(pilot)
        tab = next(t for t in app.screen.query(StepTab) if t.step == 2)
        assert tab.state == "not_started"
        await type_into(pilot, "brand_name", "Kim Photography")
        screen(app).keep_draft()
        assert tab.state == "in_progress"
