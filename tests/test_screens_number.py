"""Step 4's side panel: the customer's phone number in E.164, and `n` copying it (shown too)."""

from __future__ import annotations

from tests.flowkit import two_verified
from tests.pilotkit import settle, text_of, toasts
from tests.test_screens_customer import SIZE, CustomerApp, screen
from wizard.session.runtime import Runtime


async def test_step_4_shows_the_customers_number_and_n_copies_it(runtime: Runtime) -> None:
    key, _ = await two_verified(runtime)  # its number bought with buy:206
    number = runtime.desk.customer(key).state.number
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
