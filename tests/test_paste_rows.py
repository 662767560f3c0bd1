"""Every form pastes from a CRM row: each step's Tab chain holds its fields only, in the CSV's column order, so a
row's cells pasted one step after the other (a Tab between cells) fill all four steps exactly; a checkbox or a
picker takes its cell as a value, never as commands."""

from __future__ import annotations

import asyncio
import json

import pytest
from textual.widgets import Button, Checkbox, Input, Select, TextArea

from screens.app import WizardApp
from screens.customer_screen import CustomerScreen
from tests.support import factories as f
from tests.support.pilot import burst, open_customer, paste, settle, slowly, until
from wizard.cli import main
from wizard.customer.csv_rows import BUNDLE_COLUMNS, CAMPAIGN_COLUMNS, PROFILE_COLUMNS, models_to_row, row_to_models
from wizard.customer.models import Campaign, SoleProprietor, StarterProfile
from wizard.desk import Desk
from wizard.sandbox.examples import EXAMPLES, _campaign
from wizard.session.runtime import Runtime

STEPS = {1: PROFILE_COLUMNS, 2: BUNDLE_COLUMNS, 4: CAMPAIGN_COLUMNS}


def example_rows() -> dict[str, dict[str, str]]:
    """Each sandbox example customer as one whole CSV row (a campaign of its business where it has none yet),
    and the test personas, whose campaigns fill every optional column."""
    rows = {}
    for n, example in enumerate(EXAMPLES):
        profile = StarterProfile.model_validate(example.profile)
        bundle = SoleProprietor.model_validate(example.bundle or {"brand_name": f"{profile.first_name} Services",
                                                                  "mobile_phone": profile.phone})
        campaign = Campaign.model_validate(example.campaign or _campaign(bundle.brand_name, f"+1206555020{n}"))
        rows[profile.first_name] = models_to_row(None, profile, bundle, campaign)
    for persona in ("zoe", "canadian"):
        rows[persona] = models_to_row(None, f.profile(persona), f.bundle(persona), f.campaign(persona))
    return rows


ROWS = example_rows()


def normalised(row: dict[str, str]) -> dict[str, str]:
    parsed = row_to_models(row, 2)
    assert not isinstance(parsed, list), parsed
    return models_to_row(None, parsed.profile, parsed.bundle, parsed.campaign)


async def shown(capsys: pytest.CaptureFixture[str], key: str) -> dict[str, str]:
    """`a2p-wizard show KEY --json`'s inputs, as a CSV row (the command runs its own event loop: in a thread)."""
    assert await asyncio.to_thread(main, ["show", key, "--json"]) == 0
    inputs = json.loads(capsys.readouterr().out)["inputs"]
    models = (StarterProfile.model_validate(inputs["profile"]), SoleProprietor.model_validate(inputs["bundle"]),
              Campaign.model_validate(inputs["campaign"]))
    return models_to_row(None, *models)


def tab_chain(screen: CustomerScreen) -> list[str]:
    """The ids of the step's fields in Tab order, up to the first widget that is no field."""
    chain = []
    for widget in screen.focus_chain:
        if isinstance(widget, Input | TextArea | Checkbox | Select) and widget.id and widget.id != "number-pick":
            if screen.panel is not None and screen.panel in widget.ancestors:
                chain.append(widget.id)
        elif chain:
            break
    return chain


async def to_step(pilot, screen: CustomerScreen, step: int) -> None:
    while screen.step != step:
        await burst(pilot, "ctrl+pagedown" if screen.step < step else "ctrl+pageup")


@pytest.mark.slow
@pytest.mark.parametrize("name", ROWS)
async def test_a_whole_csv_row_pasted_step_after_step_is_stored_exactly(
        runtime: Runtime, capsys: pytest.CaptureFixture[str], name: str) -> None:
    row = ROWS[name]
    app = WizardApp(Desk(runtime))
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await settle(pilot)
        await burst(pilot, "n", "n")  # start empty, new customer
        screen = app.screen
        assert isinstance(screen, CustomerScreen)
        for step, columns in STEPS.items():
            await to_step(pilot, screen, step)
            assert tab_chain(screen) == list(columns)
            screen.query_one(f"#{columns[0]}").focus()
            await settle(pilot)
            await paste(pilot, "\t".join(row[c] for c in columns))
            form = screen.form()
            assert form is not None
            model = form.validate_all()
            assert model is not None, [(w.field, w.error) for w in form.fields() if w.error]
            if step == 1:  # saved and sent as the operator does it
                await burst(pilot, "ctrl+s")
                await until(pilot, lambda: not screen.running and screen.ready_for_keys(), "the run's end")
                await settle(pilot)
            else:  # saved as ctrl+s saves it (sending would ask for the brand's and the campaign's fees first)
                assert screen.key is not None
                Desk(runtime).save_step(screen.key, Desk(runtime).customer(screen.key).version, form.STEP, model)
        key = screen.key
    assert key is not None
    assert await shown(capsys, key) == normalised(row)


async def test_step_4_tab_chain_is_its_fields_in_csv_order_and_its_buttons_come_after(runtime: Runtime) -> None:
    c = Desk(runtime).create(f.profile(), f.bundle())
    app = WizardApp(Desk(runtime))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_customer(pilot, c.key)
        await to_step(pilot, screen, 4)
        assert app.focused is not None and app.focused.id == "service_name"
        assert tab_chain(screen) == list(CAMPAIGN_COLUMNS)
        after = screen.focus_chain[screen.focus_chain.index(screen.query_one("#phone_number")) + 1:]
        assert [w.id for w in after[:4]] == ["number-pick", "write-pages", "check-pages", "form-submit"]
        assert all(isinstance(w, Select | Button) for w in after[:4])


async def test_letters_on_a_checkbox_are_its_value_never_commands(runtime: Runtime) -> None:
    c = Desk(runtime).create(f.profile(), f.bundle())
    app = WizardApp(Desk(runtime))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_customer(pilot, c.key)
        await to_step(pilot, screen, 4)
        box = screen.query_one("#has_embedded_links", Checkbox)
        box.focus()
        await settle(pilot)
        await slowly(pilot, *"ralxo")  # refresh, advance, activity, offboard, resend: none runs
        assert app.screen is screen and screen.step == 4 and not screen.running
        assert not screen.has_class("-side-hidden") and not screen.has_class("-activity")
        assert box.value is True  # x toggled it
        await burst(pilot, "space")
        assert box.value is False
        await burst(pilot, *"true", "tab")  # a CRM's auto-typed cell: taken when the checkbox is left
        assert box.value is True
        box.focus()
        await paste(pilot, "false")
        assert box.value is False
