"""Faults on demand (A2P_SANDBOX_FAULTS) as the app meets them: a lost answer, a 5xx, a 429 with and without
Retry-After, a slow answer — and the same seed playing the same faults at the same calls.

tests/test_sandbox_faults.py checks the transport itself; here the client and the engine go through them.
"""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path

import pytest

from tests.support import factories as f
from tests.support.env import Clock
from tests.support.faults import FaultsOn, engine_with
from tests.support.flow import CREATES, owned
from wizard.desk import Desk
from wizard.sandbox.faults import FaultInjector, FaultPlan
from wizard.session.runtime import Runtime
from wizard.twilio.failures import TwilioError


@pytest.fixture
async def faulty(on_both_stores: str | None, isolated: Path, clock: Clock, monkeypatch):
    """A runtime whose sandbox got its fault plan from A2P_SANDBOX_FAULTS (set by the test through `plan`), its
    customers on SQLite and on PostgreSQL (a lost answer is found again by the journal either way)."""
    opened: list[Runtime] = []

    def open_with(spec: str) -> Runtime:
        monkeypatch.setenv("A2P_SANDBOX_FAULTS", spec)
        rt = Runtime.open(home=isolated, mode="sandbox", now=clock)
        opened.append(rt)
        return rt

    yield open_with
    for rt in opened:
        await rt.aclose()


async def test_a_lost_answer_comes_after_the_work_is_done_and_the_engine_finds_it(faulty):
    rt = faulty("lost=1,seed=1")
    assert rt.sandbox.faults == FaultPlan(lost=1, seed=1)
    with pytest.raises(TwilioError) as lost:
        await rt.client.call("create_service", {"FriendlyName": "a2p:X:service"})
    assert lost.value.status == 0 and "timed out" in lost.value.message
    assert [s["friendly_name"] for s in rt.sandbox.dump()["messaging_services"]] == ["a2p:X:service"]  # done

    transport = FaultsOn(rt.sandbox, 1)
    engine = engine_with(rt, transport)
    c = Desk(rt).create(f.profile(), f.bundle(), f.campaign())
    report = await engine.advance(c.key)
    assert transport.posts()[0] == ("POST", "/v1/CustomerProfiles", "lost")
    assert report.outcomes[0].detail.startswith("retry: no clear answer")
    assert report.outcomes[1].detail.endswith("(found after a lost answer)")
    assert [e.action for e in rt.store.journal(c.key)].count("profile.create") == 1
    assert owned(rt, c.key)["customer_profiles"] == 1


@pytest.mark.parametrize("method", ["POST", "GET"])
async def test_a_5xx_is_not_performed_a_create_is_checked_then_sent_again_a_read_retried(faulty, method):
    rt = faulty("5xx=1,seed=2")
    engine = engine_with(rt, FaultsOn(rt.sandbox, 1), slept := [])
    c = Desk(rt).create(f.profile(), f.bundle(), f.campaign())
    if method == "GET":
        await engine.advance(c.key)
        rt.sandbox.fault_injector = FaultInjector(FaultPlan(server_error=1, seed=2))
        transport = FaultsOn(rt.sandbox, 1, "GET")
        engine = engine_with(rt, transport, slept)
        report = await engine.refresh(c.key)
        path = transport.seen[0][1]
        assert transport.seen[:2] == [("GET", path, transport.seen[0][2]), ("GET", path, 200)]
        assert transport.seen[0][2] in (500, 503) and len(slept) == 1
        assert report.outcomes and all(o.ok for o in report.outcomes)
        return
    report = await engine.advance(c.key)
    assert report.outcomes[0].detail.startswith("retry: no clear answer")
    assert report.outcomes[1].ok and report.outcomes[1].action == "profile.create"
    journal = rt.store.journal(c.key)
    assert [(e.action, e.state) for e in journal[:2]] == [("profile.create", "failed"), ("profile.create", "done")]
    assert journal[0].error_message == "Not created by Twilio; sent again."
    assert owned(rt, c.key)["customer_profiles"] == 1 and slept == []  # never blindly re-sent by the client


@pytest.mark.parametrize(("spec", "expected"), [("429=1,retry-after=1.5", [1.5, 1.5]),
                                                ("429=1", [(0.25, 0.75), (0.5, 1.5)])])
async def test_a_429_is_sent_again_by_the_client_after_retry_after_or_a_backoff(faulty, spec, expected):
    rt = faulty(spec + ",seed=4")
    transport = FaultsOn(rt.sandbox, 2)
    engine = engine_with(rt, transport, slept := [])
    c = Desk(rt).create(f.profile(), f.bundle(), f.campaign())
    report = await engine.advance(c.key)
    assert [s[2] for s in transport.posts()[:2]] == [429, 429] and 200 <= transport.posts()[2][2] < 300
    assert len(slept) == 2
    for waited, want in zip(slept, expected, strict=True):
        assert waited == want if isinstance(want, float) else want[0] <= waited <= want[1]
    assert report.outcomes[0].ok and report.outcomes[0].action == "profile.create"
    journal = rt.store.journal(c.key)
    assert journal[0].action == "profile.create" and journal[0].state == "done"  # one entry: 429s not processed


async def test_a_429_burst_longer_than_the_retries_leaves_the_create_to_reconcile(faulty):
    rt = faulty("429=1,seed=5")
    engine = engine_with(rt, FaultsOn(rt.sandbox, 5), slept := [])  # 1 + 4 retries, all refused
    c = Desk(rt).create(f.profile(), f.bundle(), f.campaign())
    report = await engine.advance(c.key)
    assert len(slept) == 4 and report.outcomes[0].detail.startswith("retry")
    assert report.outcomes[1].ok and owned(rt, c.key)["customer_profiles"] == 1


async def test_a_slow_answer_is_waited_for_and_logged_with_its_duration(faulty):
    rt = faulty("slow=1,slow-seconds=0.3,seed=6")
    started = time.perf_counter()
    body = await rt.client.call("create_service", {"FriendlyName": "slow one"})
    assert time.perf_counter() - started >= 0.3 and body["sid"].startswith("MG")
    line = rt.locations.log_file.read_text().splitlines()[-1]
    assert "create_service POST /v1/Services -> 201 in" in line
    assert int(line.rsplit(" in ", 1)[1].split()[0]) >= 300


async def _run(rt: Runtime, seed: int) -> tuple[list, list]:
    """One customer to a verified campaign with every request exposed to the faults."""
    rt.sandbox.fault_injector = FaultInjector(FaultPlan(lost=0.2, server_error=0.1, too_many=0.1, seed=seed))
    transport = FaultsOn(rt.sandbox, 10_000, None)
    engine = engine_with(rt, transport)
    c = Desk(rt).create(f.profile(), f.bundle(), f.campaign())
    for _ in range(30):
        await engine.advance(c.key)
        summary = engine.summary(engine.load(c.key))
        if summary.done:
            break
        if summary.kind == "customer":
            rt.sandbox.reply_yes(engine.load(c.key).state.sids["brand"])
        rt.sandbox.advance_clock(timedelta(hours=3))
    assert engine.summary(engine.load(c.key)).done and owned(rt, c.key) == CREATES
    journal = [(e.action, e.state, e.http_status, e.error_code, e.sid) for e in rt.store.journal(c.key)]
    await engine.client.aclose()
    return transport.seen, journal


@pytest.mark.slow
async def test_the_same_seed_plays_the_same_faults_at_the_same_calls(tmp_path: Path):
    runs = []
    for name, seed in (("one", 7), ("two", 7), ("three", 8)):
        rt = Runtime.open(home=tmp_path / name, mode="sandbox", now=Clock())
        try:
            runs.append(await _run(rt, seed))
        finally:
            await rt.aclose()
    (seen_one, journal_one), (seen_two, journal_two), (seen_three, _) = runs
    assert {s[2] for s in seen_one} >= {"lost", 429, 500}
    assert seen_one == seen_two and journal_one == journal_two  # same SIDs too: the sandbox mints them in order
    assert seen_three != seen_one
