"""The receiver: signed deliveries are taken once and the customer is read as a refresh would; anything unsigned,
forged, replayed or too large is refused with nothing stored."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

import pytest

from tests.support import events as ek
from tests.support import flow
from wizard.events import deliveries
from wizard.events.inbox import Inbox
from wizard.events.receiver import Receiver
from wizard.session.runtime import Runtime


def receiver(rt: Runtime) -> Receiver:
    return Receiver(Inbox(rt.engine), ek.TOKEN, ek.URL, clock=rt.engine.clock)


def events_of(rt: Runtime, key: str) -> list:
    return [e for e in rt.store.journal(key) if e.method == "EVENT"]


async def submitted(rt: Runtime, **profile: str) -> str:
    """A customer whose starter profile is submitted (sandbox: in review a minute later)."""
    key = flow.create(rt, flow.Scenario("p", profile=profile))
    await rt.engine.advance(key)
    assert rt.engine.load(key).state.statuses["profile"] == "pending-review"
    return key


async def test_a_rejection_by_callback_reaches_the_customer_with_its_reason(runtime: Runtime):
    key = await submitted(runtime, email="zoe+reject@example.com")
    runtime.sandbox.advance_clock(timedelta(hours=3))
    sid = runtime.engine.load(key).state.sids["profile"]
    errors = json.dumps([{"code": 18601, "message": "The email address could not be verified."}])
    answer = await receiver(runtime).handle("POST", *ek.callback(sid, "twilio-rejected", Errors=errors))
    assert answer.status == 200, answer.text
    c = runtime.engine.load(key)
    assert c.state.statuses["profile"] == "twilio-rejected"  # read from Twilio, as a refresh would
    assert [(p.code, p.message) for p in c.state.problems["profile"]] == [
        (18601, "The email address could not be verified.")]
    [entry] = events_of(runtime, key)
    assert (entry.action, entry.sid, entry.error_code) == ("event.status-callback", sid, 18601)
    assert runtime.store.journal(key)[-2].action == "profile.read"  # the read it made, journaled before it


async def test_a_repeated_delivery_is_taken_once(runtime: Runtime):
    key = await submitted(runtime)
    sid = runtime.engine.load(key).state.sids["profile"]
    delivery = ek.callback(sid, "in-review")
    rx = receiver(runtime)
    assert (await rx.handle("POST", *delivery)).text == "1 new of 1."
    journal = runtime.store.journal(key)
    assert (await rx.handle("POST", *delivery)).status == 200
    assert runtime.store.journal(key) == journal  # nothing stored, nothing read again


@pytest.mark.parametrize(("change", "status"), [
    ("forged", 403), ("unsigned", 403), ("other token", 403), ("too large", 413), ("GET", 405), ("text", 415),
])
async def test_deliveries_not_from_twilio_are_refused_and_change_nothing(runtime: Runtime, change: str,
                                                                         status: int):
    key = await submitted(runtime, email="zoe+reject@example.com")
    runtime.sandbox.advance_clock(timedelta(hours=3))
    sid = runtime.engine.load(key).state.sids["profile"]
    method, (path, headers, body) = "POST", ek.callback(sid, "twilio-rejected")
    if change == "forged":
        body = body.replace(b"twilio-rejected", b"twilio-approved")
    elif change == "unsigned":
        del headers["X-Twilio-Signature"]
    elif change == "other token":
        path, headers, body = ek.callback(sid, "twilio-rejected", token="not-the-token")
    elif change == "too large":
        body += b"&Padding=" + b"x" * deliveries.MAX_BODY
    elif change == "GET":
        method = "GET"
    else:
        headers["Content-Type"] = "text/plain"
    before = runtime.store.get(key)
    answer = await receiver(runtime).handle(method, path, headers, body)
    assert answer.status == status, answer.text
    assert runtime.store.get(key) == before
    assert events_of(runtime, key) == []


async def test_an_event_older_than_the_replay_window_is_refused(runtime: Runtime):
    key = await submitted(runtime)
    sid = runtime.engine.load(key).state.sids["profile"]
    old = (runtime.engine.clock() - timedelta(days=2)).isoformat()
    answer = await receiver(runtime).handle("POST", *ek.stream(ek.event("EV1", "brand-registration.brand-failure",
                                                                        {"brandsid": sid}, time=old)))
    assert answer.status == 403
    assert events_of(runtime, key) == []


async def test_a_delivery_about_no_customer_of_ours_stores_nothing(runtime: Runtime):
    answer = await receiver(runtime).handle("POST", *ek.callback("BU" + "f" * 32, "twilio-approved"))
    assert answer.status == 200
    assert runtime.store.last_delivery() is None


async def test_brand_events_in_any_order_leave_what_twilio_says_now(runtime: Runtime):
    key = flow.create(runtime)
    c = await flow.drive(runtime, key, rounds=3)  # the customer said YES: VERIFIED
    brand = c.state.sids["brand"]
    assert (c.state.statuses["brand"], c.state.statuses["identity"]) == ("APPROVED", "VERIFIED")
    now = runtime.engine.clock()
    rx = receiver(runtime)
    later = ek.event("EV2", "brand-registration.brand-verified", {"brandsid": brand, "brandstatus": "registered"},
                     time=now.isoformat())
    earlier = ek.event("EV1", "brand-registration.brand-registered", {"brandsid": brand}, time=
                       (now - timedelta(minutes=5)).isoformat())
    assert (await rx.handle("POST", *ek.stream([later, earlier]))).text == "2 new of 2."
    assert (await rx.handle("POST", *ek.stream(earlier))).text == "0 new of 1."
    c = runtime.engine.load(key)
    assert (c.state.statuses["brand"], c.state.statuses["identity"]) == ("APPROVED", "VERIFIED")  # not put back
    assert [e.friendly_name for e in events_of(runtime, key)] == ["EV2", "EV1"]


async def test_a_read_twilio_does_not_answer_in_time_does_not_hold_the_answer(runtime: Runtime, monkeypatch):
    """Twilio waits 5 s for a webhook: past the budget the delivery is answered and journaled, the read left to the
    next refresh."""
    from wizard.events import inbox

    key = await submitted(runtime)
    sid = runtime.engine.load(key).state.sids["profile"]
    stuck = asyncio.Event()

    async def never(*args, **kwargs):
        await stuck.wait()

    monkeypatch.setattr(inbox, "READ_BUDGET", 0.05)
    monkeypatch.setattr(runtime.engine, "read", never)
    answer = await receiver(runtime).handle("POST", *ek.callback(sid, "in-review"))
    assert (answer.status, answer.text) == (200, "1 new of 1.")
    assert [e.action for e in events_of(runtime, key)] == ["event.status-callback"]
