"""The whole path in the sandbox: the flow asks for status callbacks, the sandbox sends them (and brand events)
signed to the receiver over real HTTP on 127.0.0.1, and the customer changes without a refresh."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from pathlib import Path

import pytest

from tests.support import events as ek
from tests.support import flow as flowkit
from wizard.events import listening
from wizard.sandbox.callbacks import DeliveryFaults, Outgoing
from wizard.session.runtime import Runtime


@pytest.fixture
async def receiving(isolated: Path, clock, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
                    ) -> AsyncIterator[Runtime]:
    """A sandbox runtime with a callback URL, its receiver and notifier running on 127.0.0.1 (the parameter, if
    any: the delivery faults)."""
    port = ek.free_port()
    if faults := getattr(request, "param", None):
        monkeypatch.setenv("A2P_SANDBOX_DELIVERY_FAULTS", faults)
    monkeypatch.setenv("A2P_CALLBACK_URL", f"http://127.0.0.1:{port}/twilio/events")
    monkeypatch.setattr(listening, "TICK", 0.05)
    async with ek.receiving(Runtime.open(home=isolated, mode="sandbox", now=clock), port) as rt:
        yield rt


async def until(check: Callable[[], bool], rounds: int = 400) -> None:
    """Let the notifier and the receiver work until `check` holds (a bound on rounds, not a time assertion)."""
    for _ in range(rounds):
        if check():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the delivery never changed the customer")


async def test_a_rejection_and_a_brand_approval_arrive_without_a_refresh(receiving: Runtime):
    rt = receiving

    def told(key: str) -> list[str]:
        return [e.action for e in rt.store.journal(key) if e.method == "EVENT"]

    rejected = flowkit.create(rt, flowkit.Scenario("r", profile={"email": "zoe+reject@example.com"}))
    approved = flowkit.create(rt)
    await rt.engine.advance(rejected)
    assert rt.sandbox.dump()["customer_profiles"][-1]["status_callback"] == rt.settings.callback_url
    await ek.brand_pending(rt, approved)
    rt.sandbox.advance_clock(timedelta(hours=3))  # the review rejects one profile; the brand is approved
    await until(lambda: rt.engine.load(rejected).state.statuses["profile"] == "twilio-rejected"
                and "event.brand-unverified" in told(approved))  # journaled last, after the brand is read
    problems = rt.engine.load(rejected).state.problems["profile"]
    assert [(p.code, p.message.split(":")[0]) for p in problems] == [
        (18601, "The email address or business details could not be verified")]
    assert rt.engine.load(approved).state.statuses["brand"] == "APPROVED"


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_delivery_faults_drop_repeat_and_reorder(seed: int):
    sent = [Outgoing(f"http://127.0.0.1/{n}", {}, b"") for n in range(20)]
    faults = DeliveryFaults.parse(f"drop=0.3,repeat=0.5,reorder=1,seed={seed}")
    out = faults.apply(sent, random.Random(seed))
    urls = [o.url for o in out]
    assert len(set(urls)) < 20  # some dropped
    assert len(urls) > len(set(urls))  # some repeated
    assert urls == sorted(urls, key=lambda u: -int(u.rsplit("/", 1)[1]))  # sent in reverse


@pytest.mark.parametrize("receiving", ["repeat=1,reorder=1"], indirect=True)
async def test_repeated_and_reordered_deliveries_are_taken_once(receiving: Runtime):
    rt = receiving
    key = flowkit.create(rt)
    await ek.brand_pending(rt, key)
    rt.sandbox.advance_clock(timedelta(minutes=10))
    await until(lambda: rt.engine.load(key).state.statuses["brand"] == "APPROVED")
    await until(lambda: len([e for e in rt.store.journal(key) if e.method == "EVENT"]) >= 3)
    ids = [e.friendly_name for e in rt.store.journal(key) if e.method == "EVENT"]
    assert len(ids) == len(set(ids))  # each sent twice, journaled once
