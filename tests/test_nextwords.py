"""One source for "what next": the stepper, the Next line, the problems boxes, the passcode's timer and the list's
status and next-action columns all take their words from `nextwords.said`, so they never disagree. The walk covers
every kind of wait the planner has (its own `WaitKind`, plus ready and the passcode running out) and every step
state (`StepState`), and compares each surface with the others."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, get_args

import pytest
from textual.app import App

from screens.customer_screen import CustomerScreen
from screens.steps.brand import BrandPanel
from tests.support import factories as f
from tests.support.customer_app import CustomerApp
from tests.support.flow import two_verified
from tests.support.pilot import settle, text_of
from wizard.customer.stages import OTP_LAPSED
from wizard.desk import STATE_WORDS, Desk, Said, StepState
from wizard.flow.actions import WaitKind
from wizard.listing import ListQuery
from wizard.session.runtime import Runtime

TWILIO_WORDS = {"pending-review", "in-review", "twilio-approved", "twilio-rejected", "compliant", "noncompliant",
                "PENDING", "IN_PROGRESS", "VERIFIED", "FAILED", "SUSPENDED"}
"""Statuses Twilio gives a step (a brand's are BRAND/IDENTITY); any other status word is the stepper's."""


async def brand_sent(runtime: Runtime, **bundle: Any) -> str:
    """A customer whose brand Twilio has decided on (approved, the passcode texted; or FAILED)."""
    c = Desk(runtime).create(f.profile(), f.bundle(**bundle), f.campaign())
    await runtime.engine.advance(c.key)
    assert runtime.sandbox is not None
    runtime.sandbox.advance_clock(timedelta(minutes=6))
    await runtime.engine.advance(c.key)
    return c.key


def listed(desk: Desk, key: str) -> dict[str, Any]:
    query = ListQuery(offboarded=bool(desk.customer(key).state.offboarded_at))
    return next(r for r in desk.list_rows(query) if r["key"] == key)


def agree(desk: Desk, key: str) -> Said:
    """What the customer screen's view says now, checked against the list and against itself; the words."""
    said = desk.view(key).at(desk.now())
    row = listed(desk, key)
    assert (row["stage"], row["step_status"], row["next_action"]) == (said.stage, said.status, said.action)
    if "/" not in said.status and said.status not in TWILIO_WORDS:  # no status of Twilio's: the stepper's words
        assert said.status == STATE_WORDS[said.states[said.stage]], (said.status, said.states)
    if said.status == "offboarded":
        assert set(said.states.values()) == {"offboarded"}
    if said.kind == "done":
        assert set(said.states.values()) == {"done"}
    elif said.kind in ("twilio", "customer"):
        assert said.states[said.stage] == said.kind
    elif said.kind == "otp" and said.countdown != "lapsed":  # running out: still the customer's move
        assert said.states[said.stage] == "customer" and not said.fix_step
    elif said.kind in ("fix", "otp"):
        assert said.states[said.stage] == "fix"
    for issue in said.issues:  # a step showing a problem says it needs a fix
        assert said.states[issue.step] == "fix", (issue, said.states)
    if said.fix_step is not None:
        assert said.problems(said.fix_step) and said.states[said.fix_step] == "fix"
        assert f"step {said.fix_step}" in said.line(said.fix_step % 4 + 1)
        assert said.line(said.fix_step).endswith("See the problems below.")
    lapsed = said.countdown == "lapsed"
    assert lapsed == (said.action == OTP_LAPSED) == any("passcode lapsed" in i.text for i in said.issues)
    assert said.line(said.stage).startswith(f"Next: {said.action}")
    return said


async def every_state(runtime: Runtime, clock: Any) -> dict[str, Said]:
    """One customer in each kind of wait and step state the planner has, each checked as it is reached."""
    desk = Desk(runtime)
    seen: dict[str, Said] = {}

    def note(name: str, key: str) -> None:
        seen[name] = agree(desk, key)

    note("ready", desk.create(f.profile()).key)  # saved, nothing sent: ready to create the profile
    drafted = desk.create(f.profile())
    await runtime.engine.advance(drafted.key)
    note("operator", drafted.key)  # step 2 not entered yet
    desk.save_draft(drafted.key, desk.customer(drafted.key).version, 2, {"brand_name": "Zoë"})
    note("draft", drafted.key)
    noncompliant = desk.create(f.profile(street="1 Noncompliant Way"))
    await runtime.engine.advance(noncompliant.key)
    note("noncompliant", noncompliant.key)
    pending = desk.create(f.profile(), f.bundle())
    await runtime.engine.advance(pending.key)
    note("twilio", pending.key)
    note("failed brand", await brand_sent(runtime, brand_name="Zoë Fail Lefèvre"))
    done, other = await two_verified(runtime)
    note("done", done)
    await desk.offboard(other, release_number=False)
    note("offboarded", other)
    waiting = await brand_sent(runtime, mobile_phone="+12065550177")  # the persona's mobile has its 3 brands
    note("customer", waiting)
    clock.advance(hours=20)  # the passcode runs out (4 h left) …
    note("running out", waiting)
    clock.advance(hours=4, minutes=-7)  # … 6 min left …
    note("6 min left", waiting)
    clock.advance(minutes=6)  # … and lapsed
    note("lapsed", waiting)
    return seen


async def test_every_state_of_the_planner_reads_the_same_on_every_surface(runtime: Runtime, clock: Any) -> None:
    seen = await every_state(runtime, clock)
    kinds = {said.kind for said in seen.values()}
    assert kinds == {*get_args(WaitKind), "ready", "otp"}
    assert {state for said in seen.values() for state in said.states.values()} == set(get_args(StepState))
    # the issue's reproductions
    assert seen["6 min left"].action.endswith("— 6 min left.") and seen["6 min left"].countdown == "00:06:00 left"
    assert seen["lapsed"].action == OTP_LAPSED and seen["lapsed"].states[3] == "fix"
    failed = seen["failed brand"]
    assert failed.stage == 3 and failed.fix_step == 2  # the brand's field is fixed in step 2, and said so
    assert "step 2" in failed.line(3) and "Correct the field in step 2" in failed.problems(2)[0].todo
    assert failed.problems(3) == failed.problems(2)  # step 3 shows what its brand needs too
    assert seen["ready"].status == "in progress" == STATE_WORDS[seen["ready"].states[1]]  # the list: "not started"
    assert seen["draft"].status == "in progress"
    assert set(seen["offboarded"].states.values()) == {"offboarded"}


def shown(app: App[None]) -> dict[str, str]:
    screen = app.screen
    assert isinstance(screen, CustomerScreen)
    tabs = {n: str(screen.query_one(f"#step-{n}").render()) for n in (1, 2, 3, 4)}
    return {"next": text_of(app, "#next"), "problems": text_of(app, "#problems"),
            "heading": text_of(app, "#step-heading"), "countdown": text_of(app, "#countdown")
            if screen.query(BrandPanel) else "", **{f"tab {n}": text for n, text in tabs.items()}}


@pytest.mark.slow
async def test_the_screen_shows_one_said_and_follows_the_passcode_as_it_lapses(runtime: Runtime, clock: Any) -> None:
    """The timer said "The passcode lapsed…" while the Next line still said "6 min left"."""
    key = await brand_sent(runtime)
    clock.advance(hours=24, minutes=-7)
    app = CustomerApp(runtime, key)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, CustomerScreen) and screen.step == 3
        before = shown(app)
        assert "— 6 min left." in before["next"] and "00:06:00 left to reply YES" in before["countdown"]
        assert "waiting: customer" in before["tab 3"] and not before["problems"]
        clock.advance(minutes=7)
        screen.tick()  # the screen's second
        await pilot.pause()
        after = shown(app)
        said = Desk(runtime).view(key).at(Desk(runtime).now())
        assert after["next"].startswith(f"Next: {OTP_LAPSED}") and said.line(3) == after["next"]
        assert "The passcode lapsed at" in after["countdown"]
        assert "needs a fix" in after["tab 3"] and after["heading"].endswith("needs a fix")
        assert "passcode lapsed" in after["problems"]
        assert listed(Desk(runtime), key)["next_action"] == OTP_LAPSED


@pytest.mark.slow
async def test_a_failed_brand_points_to_the_step_where_its_field_is_fixed(runtime: Runtime) -> None:
    """Step 2's problem said "correct the field in step 2" while the Next line said "fix what is wrong in step 3"."""
    key = await brand_sent(runtime, brand_name="Zoë Fail Lefèvre")
    app = CustomerApp(runtime, key)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        on_3 = shown(app)
        assert "See the problems on step 2 (key 2" in on_3["next"] and "30701" in on_3["problems"]
        await pilot.press("2")
        await settle(pilot)
        on_2 = shown(app)
        assert on_2["next"].endswith("See the problems below.") and "step 3" not in on_2["next"]
        assert "Correct the field in step 2" in on_2["problems"] and on_2["heading"].endswith("needs a fix")
