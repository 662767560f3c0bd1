"""What the operator sees of Twilio's callbacks and events: the open list changes without `r`, its header says
when the last one came, the customer's timeline has "Twilio told us" entries and the problem box its reasons;
the timed refresh backs off while they keep coming."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from screens import customer_list
from screens.app import WizardApp
from screens.customer_list import CustomersScreen
from tests.support import events as ek
from tests.support import flow
from tests.support.pilot import settle, text_of, until
from wizard.desk import Desk
from wizard.events import listening
from wizard.events.inbox import Inbox
from wizard.events.receiver import Receiver
from wizard.listing import timed_refresh_due
from wizard.session.runtime import Runtime


@pytest.fixture
async def told(isolated: Path, clock, monkeypatch: pytest.MonkeyPatch):
    """A sandbox installation with a callback URL, and a second connection to it that takes deliveries (as the
    `receive` command would, in a process of its own)."""
    monkeypatch.setenv("A2P_CALLBACK_URL", ek.URL)
    monkeypatch.setattr(customer_list, "EVENTS_EVERY", 0.05)
    rt = Runtime.open(home=isolated, mode="sandbox", now=clock)
    receiving = Runtime.open(home=isolated, mode="sandbox", now=clock)
    yield rt, Receiver(Inbox(receiving.engine), ek.TOKEN, ek.URL, clock=receiving.engine.clock)
    await receiving.aclose()
    await rt.aclose()


@pytest.mark.slow
async def test_a_delivery_changes_the_open_list_and_the_customer_shows_what_twilio_said(told):
    rt, receiver = told
    key = flow.create(rt, flow.Scenario("r", profile={"email": "zoe+reject@example.com"}))
    await rt.engine.advance(key)
    rt.sandbox.advance_clock(timedelta(hours=3))  # rejected at Twilio; the list does not know yet
    app = WizardApp(Desk(rt))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, CustomersScreen)
        assert screen.table.row_at(0).status == "PENDING"  # the brand, on the profile still in review
        assert "Twilio told us" not in text_of(app, "#counts")
        sid = rt.engine.load(key).state.sids["profile"]
        errors = json.dumps([{"code": 18601, "message": "The email address could not be verified."}])
        answer = await receiver.handle("POST", *ek.callback(sid, "twilio-rejected", Errors=errors))
        assert answer.status == 200
        await until(pilot, lambda: screen.table.row_at(0).status == "twilio-rejected", "the list to change")
        assert "Twilio told us" in text_of(app, "#counts")
        await pilot.press("enter")
        await settle(pilot)
        assert "The email address could not be verified." in text_of(app, "#problems")
        timeline = " ".join(str(w.render()) for w in app.screen.query("#timeline Static"))
        assert "Twilio told us: status callback: twilio-rejected" in timeline


async def test_a_forged_delivery_changes_nothing_on_the_list(told):
    rt, receiver = told
    key = flow.create(rt, flow.Scenario("r", profile={"email": "zoe+reject@example.com"}))
    await rt.engine.advance(key)
    rt.sandbox.advance_clock(timedelta(hours=3))
    app = WizardApp(Desk(rt))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        sid = rt.engine.load(key).state.sids["profile"]
        answer = await receiver.handle("POST", *ek.callback(sid, "twilio-rejected", token="forged"))
        assert answer.status == 403
        for _ in range(10):
            await pilot.pause(0.06)
        await settle(pilot)
        assert app.screen.table.row_at(0).status == "PENDING"
        assert "Twilio told us" not in text_of(app, "#counts")


def test_the_timed_refresh_backs_off_while_events_arrive_and_returns_when_they_stop():
    now = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
    recent, old = "2026-12-07T11:50:00Z", "2026-12-07T10:30:00Z"
    assert timed_refresh_due(None, now - timedelta(minutes=10), now)  # no event ever: every interval
    assert timed_refresh_due(recent, None, now)  # the first one runs
    assert not timed_refresh_due(recent, now - timedelta(minutes=10), now)  # events arriving: backed off
    assert timed_refresh_due(recent, now - timedelta(minutes=61), now)  # but hourly still
    assert timed_refresh_due(old, now - timedelta(minutes=10), now)  # they stopped: back to its interval


async def test_in_the_sandbox_a_rejection_and_a_brand_approval_reach_the_open_list(isolated: Path, clock,
                                                                                   monkeypatch: pytest.MonkeyPatch):
    """The issue's "done when": the sandbox sends, over HTTP on 127.0.0.1, what its reviews decide; the list
    shows both without `r`."""
    port = ek.free_port()
    monkeypatch.setenv("A2P_CALLBACK_URL", f"http://127.0.0.1:{port}/twilio/events")
    monkeypatch.setattr(customer_list, "EVENTS_EVERY", 0.05)
    monkeypatch.setattr(listening, "TICK", 0.05)
    async with ek.receiving(Runtime.open(home=isolated, mode="sandbox", now=clock), port) as rt:
        rejected = flow.create(rt, flow.Scenario("r", profile={"email": "zoe+reject@example.com"}))
        approved = flow.create(rt)
        await rt.engine.advance(rejected)
        await ek.brand_pending(rt, approved)
        app = WizardApp(Desk(rt))
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, CustomersScreen)

            def statuses() -> dict[str, str]:
                return {screen.table.row_at(i).key: screen.table.row_at(i).status for i in range(screen.table.total)}

            assert statuses() == {rejected: "PENDING", approved: "PENDING"}
            rt.sandbox.advance_clock(timedelta(hours=3))
            want = {rejected: "twilio-rejected", approved: "APPROVED/UNVERIFIED"}
            for _ in range(400):  # the notifier and the list each look every 0.05 s
                if statuses() == want:
                    break
                await pilot.pause(0.05)
            assert statuses() == want, [(e.action, e.state, e.error_message) for e in rt.store.journal(approved)][-6:]
            assert "Twilio told us" in text_of(app, "#counts")
