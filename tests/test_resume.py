"""Stop the engine at every call of the flow — before the request, or after Twilio performed it but before
the answer arrived — then resume with a fresh engine: one of each resource, every SID kept."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from tests.support import factories as f
from tests.support.flow import CREATES, drive, owned
from wizard.desk import Desk
from wizard.flow.engine import Engine
from wizard.sandbox.fake import Sandbox
from wizard.sandbox.transport import SandboxTransport
from wizard.twilio.client import TwilioClient
from wizard.twilio.facts import SANDBOX_PASSWORD

pytestmark = pytest.mark.usefixtures("on_both_stores")  # every test on SQLite and on PostgreSQL

WRITES_IN_HAPPY_PATH = 19


class Crash(BaseException):
    """Stands for the process dying: nothing in the app may catch it."""


class CrashingTransport(httpx.AsyncBaseTransport):
    """Passes requests to the sandbox, and dies at the `at`-th write, before or after the sandbox ran it."""

    def __init__(self, sandbox: Sandbox, at: int, when: str) -> None:
        self.inner = SandboxTransport(sandbox)
        self.at, self.when, self.writes = at, when, 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            self.writes += 1
            if self.writes == self.at:
                if self.when == "after":
                    await self.inner.handle_async_request(request)
                raise Crash(f"died at write {self.at} ({self.when})")
        return await self.inner.handle_async_request(request)


def engine_for(runtime, transport: httpx.AsyncBaseTransport) -> Engine:
    client = TwilioClient(Sandbox.ACCOUNT_SID, (Sandbox.ACCOUNT_SID, SANDBOX_PASSWORD), transport=transport)
    return Engine(runtime.store, client, primary_profile_sid=runtime.sandbox.PRIMARY_PROFILE_SID,
                  clock=runtime.sandbox.clock)


@pytest.mark.parametrize("when", ["before", "after"])
@pytest.mark.parametrize("at", range(1, WRITES_IN_HAPPY_PATH + 1))
async def test_stop_at_every_write_then_resume(runtime, at: int, when: str):
    c = Desk(runtime).create(f.profile(), f.bundle(), f.campaign())
    crashing = engine_for(runtime, CrashingTransport(runtime.sandbox, at, when))
    with pytest.raises(Crash):
        for _ in range(12):
            await crashing.advance(c.key)
            summary = crashing.summary(crashing.load(c.key))
            if summary.kind == "customer":
                runtime.sandbox.reply_yes(crashing.load(c.key).state.sids["brand"])
            runtime.sandbox.advance_clock(timedelta(hours=3))
    done = await drive(runtime, c.key)
    assert runtime.engine.summary(done).done
    assert owned(runtime, c.key) == CREATES
    sids = done.state.sids
    assert len({sids[k] for k in ("profile", "bundle", "brand", "service")}) == 4
    journal = runtime.store.journal(c.key)
    assert not [e for e in journal if e.state == "sent"]


async def test_a_lost_create_is_found_not_repeated(runtime):
    c = Desk(runtime).create(f.profile(), f.bundle(), f.campaign())
    crashing = engine_for(runtime, CrashingTransport(runtime.sandbox, 1, "after"))
    with pytest.raises(Crash):
        await crashing.advance(c.key)
    [entry] = runtime.store.open_entries(c.key)
    assert (entry.action, entry.friendly_name) == ("profile.create", f"a2p:{c.key}:starter-profile")
    await runtime.engine.advance(c.key)
    journal = runtime.store.journal(c.key)
    assert [e.action for e in journal].count("profile.create") == 1
    assert journal[0].state == "done" and journal[0].sid == runtime.engine.load(c.key).state.sids["profile"]
    assert len(runtime.sandbox.dump()["customer_profiles"]) == 2  # the seeded primary + this one


async def test_a_live_lease_keeps_a_second_process_out_until_it_expires(runtime, clock):
    c = Desk(runtime).create(f.profile(), f.bundle(), f.campaign())
    now = clock()
    assert runtime.store.claim(c.key, "other-host:1", (now + timedelta(minutes=10)).isoformat(), now.isoformat())
    report = await runtime.engine.advance(c.key)
    assert report.error and "Another operator" in report.error
    assert runtime.store.journal(c.key) == []
    runtime.sandbox.advance_clock(timedelta(hours=2))  # sandbox time does not expire a lease…
    assert "Another operator" in (await runtime.engine.advance(c.key)).error
    clock.advance(minutes=11)  # …real time does
    report = await runtime.engine.advance(c.key)
    assert report.error is None and runtime.store.journal(c.key)
