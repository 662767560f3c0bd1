"""Two operators, one store: no "database is locked", no lost update, no duplicated Twilio resource.

The optimistic version check refuses a save made from a copy someone else changed since (StaleWrite, with a
message saying to reload); the engine's lease keeps two processes (or two tasks of one) from advancing the
same customer at once; a lease left by a crashed process of this host is taken over, any other is respected.
Every test runs on both stores (SQLite, PostgreSQL); on PostgreSQL the two processes are two machines: two data
folders sharing one database (and one Twilio account).
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from storage.sqlite.store import StaleWrite
from tests.support import factories as f
from tests.support.commands import ROOT, app_env
from tests.support.flow import CREATES, SCENARIOS, drive, owned
from tests.support.pg import BACKENDS
from tests.support.reliability import check_one_of_each, scratch_dir
from wizard.desk import Desk
from wizard.flow.engine import Engine
from wizard.sandbox.fake import Sandbox
from wizard.sandbox.server import serve
from wizard.sandbox.transport import SandboxTransport
from wizard.session.runtime import Runtime
from wizard.twilio.client import TwilioClient
from wizard.twilio.facts import SANDBOX_PASSWORD

CUSTOMERS = 8
ROUNDS = 5


def _create_customers(rt: Runtime, twilio: Sandbox, n: int) -> list[str]:
    numbers = [x["phone_number"] for x in twilio.owned_numbers()]
    numbers += [f"+1206555{6000 + i}" for i in range(max(0, n - len(numbers)))]
    twilio.buy_numbers(numbers[5:])
    return [Desk(rt).create(f.profile(email=f"op{i}@example.com", street=f"{200 + i} Pine St"),
                             f.bundle(mobile_phone=f"+1206555{7000 + i}"),
                             f.campaign(phone_number=numbers[i])).key for i in range(n)]


@pytest.fixture
def runtime(runtime_on):
    """The sandbox runtime, on each store."""
    return runtime_on


@pytest.mark.parametrize("backend", BACKENDS)
async def test_a_save_from_a_stale_copy_is_refused_with_a_clear_message(isolated: Path, clock, backend, request):
    url = request.getfixturevalue("pg_url") if backend == "postgres" else None
    first = Runtime.open(home=isolated, mode="sandbox", now=clock, store_url=url)
    second = Runtime.open(home=isolated, mode="sandbox", now=clock, store_url=url)  # another operator
    try:
        key = Desk(first).create(f.profile(), f.bundle(), f.campaign()).key
        mine = first.engine.load(key)
        theirs = second.engine.load(key)
        Desk(second).save_step(key, theirs.version, 1, f.profile(city="Tacoma"))
        with pytest.raises(StaleWrite, match=r"changed elsewhere .* reload it and make your change again"):
            Desk(first).save_step(key, mine.version, 1, f.profile(street2="Suite 5"))
        stored = first.engine.load(key)
        assert (stored.profile.city, stored.profile.street2) == ("Tacoma", None)
        assert stored.version == theirs.version + 1
    finally:
        await first.aclose()
        await second.aclose()


class NetworkTransport(httpx.AsyncBaseTransport):
    """The sandbox behind a network: a pause before each request arrives (longer for a create), so other
    tasks run meanwhile — a list can then miss a create that is still on its way."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.inner = SandboxTransport(sandbox)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(0.02 if request.method == "POST" else 0.001)
        return await self.inner.handle_async_request(request)


async def test_one_engine_never_runs_one_customer_twice_at_once(runtime):
    """The TUI's "advance" on a customer while its "advance all" runs: the same engine, the same lease owner."""
    client = TwilioClient(Sandbox.ACCOUNT_SID, (Sandbox.ACCOUNT_SID, SANDBOX_PASSWORD),
                          transport=NetworkTransport(runtime.sandbox))
    engine = Engine(runtime.store, client, primary_profile_sid=runtime.sandbox.PRIMARY_PROFILE_SID,
                    clock=runtime.sandbox.clock)
    key = Desk(runtime).create(f.profile(), f.bundle(), f.campaign()).key
    first, second = await asyncio.gather(engine.advance(key), engine.advance(key))
    refused = [r for r in (first, second) if r.error]
    assert len(refused) == 1 and "Another operator" in refused[0].error
    assert owned(runtime, key) == {**CREATES, "brand_registrations": 1, "messaging_services": 0, "campaigns": 0}
    assert [e.action for e in runtime.store.journal(key)].count("profile.create") == 1
    await client.aclose()


def _dead_pid() -> int:
    proc = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    return int(proc.stdout)


@pytest.mark.parametrize(("owner", "taken_over"), [
    (lambda: f"{socket.gethostname()}:{_dead_pid()}:0badc0de", True),  # crashed process of this host
    (lambda: f"{socket.gethostname()}:{os.getpid()}:0badc0de", False),  # a live process (this one)
    (lambda: f"another-host:{_dead_pid()}:0badc0de", False),  # can't tell: wait for it to expire
    (lambda: "an-owner-from-an-older-version", False),
])
async def test_a_lease_is_taken_over_only_from_a_dead_local_process(runtime, clock, owner, taken_over: bool):
    key = Desk(runtime).create(f.profile(), f.bundle(), f.campaign()).key
    now = clock()
    assert runtime.store.claim(key, owner(), (now + timedelta(minutes=10)).isoformat(), now.isoformat())
    report = await runtime.engine.advance(key)
    assert (report.error is None) is taken_over, report.error
    if not taken_over:
        assert "Another operator" in report.error and runtime.store.journal(key) == []
        clock.advance(minutes=11)  # the lease expires (leases run on real time, not the sandbox's)
        assert (await runtime.engine.advance(key)).error is None
    assert runtime.store.lease_owner(key) is None


async def test_a_run_that_lost_its_lease_stops_before_its_next_call(runtime, clock):
    """A run longer than its lease (slow answers, back-off) may be taken over; it must then stop at once."""
    key = Desk(runtime).create(f.profile(), f.bundle(), f.campaign()).key
    store, engine = runtime.store, runtime.engine

    def taken_over(outcome) -> None:
        if outcome.action == "profile.create":  # the call outlasted the lease, and another process claimed it
            clock.advance(minutes=11)
            now = engine.wall()
            assert store.claim(key, "other-host:1:cafe", (now + timedelta(minutes=10)).isoformat(), now.isoformat())

    report = await engine.advance(key, on_outcome=taken_over)
    assert report.error and "took the customer over" in report.error
    assert [e.action for e in store.journal(key)] == ["profile.create"]
    assert store.lease_owner(key) == "other-host:1:cafe"  # its lease is not released by the stopped run


async def test_a_slow_run_renews_its_lease_so_nobody_can_take_it(runtime, clock):
    """Each call takes 6 minutes here (the lease is 10): the run renews its lease before it runs out, so another
    operator's claim fails after every call, and the run goes on to the end."""
    key = Desk(runtime).create(f.profile(), f.bundle(), f.campaign()).key
    store, engine = runtime.store, runtime.engine
    refused = []

    def slow(outcome) -> None:
        clock.advance(minutes=6)
        now = engine.wall()
        refused.append(not store.claim(key, "other-host:1:cafe", (now + timedelta(minutes=10)).isoformat(),
                                       now.isoformat()))

    report = await engine.advance(key, on_outcome=slow)
    assert report.error is None and len(refused) > 5 and all(refused)


async def test_an_unknown_customer_is_named_not_blamed_on_another_operator(runtime):
    report = await runtime.engine.advance("NOPE")
    assert report.error == "No customer with key 'NOPE'."


@asynccontextmanager
async def _machines(backend: str, root: Path, request: pytest.FixtureRequest) -> AsyncIterator[tuple[Any, ...]]:
    """Where the two operators work: on SQLite, one data folder (one machine); on PostgreSQL, two machines — two
    data folders sharing one database and one Twilio (a sandbox served on 127.0.0.1, in live mode). Yields a
    runtime to set up and check with, the Twilio, and each operator's (data folder, environment, extra args)."""
    if backend == "sqlite":
        with scratch_dir(root / "operators") as home:
            rt = Runtime.open(home=home, mode="sandbox")
            try:
                yield rt, rt.sandbox, [(home, app_env(home), ()) for _ in "AB"]
            finally:
                await rt.aclose()
        return
    twilio = Sandbox.open(root / "twilio.db")
    server, base_url = serve(twilio)
    env = {"A2P_STORE_URL": request.getfixturevalue("pg_url"), "TWILIO_ACCOUNT_SID": Sandbox.ACCOUNT_SID,
           "TWILIO_AUTH_TOKEN": "team-token", "A2P_PRIMARY_PROFILE_SID": twilio.PRIMARY_PROFILE_SID,
           "A2P_TWILIO_BASE_URL": base_url}
    homes = [root / "machine-a", root / "machine-b"]
    with pytest.MonkeyPatch.context() as mp:
        for name, value in env.items():
            mp.setenv(name, value)
        rt = Runtime.open(home=homes[0])
    try:
        yield rt, twilio, [(home, app_env(home, **env), (str(root / "twilio.db"),)) for home in homes]
    finally:
        await rt.aclose()
        server.shutdown()
        server.server_close()
        twilio.close()


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.slow
async def test_two_processes_advance_and_edit_the_same_customers(tmp_path: Path, capsys, backend, request):
    """On PostgreSQL: two machines (two data folders, one database, one Twilio account)."""
    async with _machines(backend, tmp_path, request) as (rt, twilio, operators):
        keys = _create_customers(rt, twilio, CUSTOMERS)
        procs = [subprocess.Popen([sys.executable, "-m", "tests.support.reliability", "operator", str(home), name,
                                   str(ROUNDS), *extra], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True)
                 for name, (home, env, extra) in zip("AB", operators, strict=True)]
        results = []
        for proc in procs:
            out, err = proc.communicate(timeout=240)
            assert proc.returncode == 0, err
            results.append(json.loads(out))
        a, b = results
        if backend == "postgres":  # each machine kept only its own files: its log and its watermark of the database
            for home, _env, _extra in operators:
                assert not (home / "a2p-wizard.db").exists() and list(home.glob("a2p-wizard.journal-mark.*"))

        with capsys.disabled():
            print(f"\n\nTwo operators ({backend}), {CUSTOMERS} customers, {ROUNDS} rounds each: " + "; ".join(
                f"{name}: {len(r['saved'])} saves, {len(r['stale'])} stale saves refused, {r['advanced']} advances, "
                f"{r['busy']} refused while the other advanced" for name, r in zip("AB", results, strict=True)))
        assert a["errors"] == [] and b["errors"] == [], a["errors"] + b["errors"]  # no "database is locked"
        assert a["advanced"] and b["advanced"]
        for message in a["stale"] + b["stale"]:
            assert "was changed elsewhere" in message and "reload it" in message
        assert a["stale"] or b["stale"], "the edits were made from stale copies: some must have been refused"

        for key in keys:  # the last successful save of each field is what the store holds: no update lost
            c = rt.engine.load(key)
            last = {}
            for saved_key, field_name, value, _version in sorted(a["saved"] + b["saved"], key=lambda s: s[3]):
                if saved_key == key:
                    last[field_name] = value
            assert {"street2": c.profile.street2, "city": c.profile.city} == last, key
            versions = [s[3] for s in a["saved"] + b["saved"] if s[0] == key]
            assert len(versions) == len(set(versions)), "two saves claimed the same version"
        for key in keys:  # and no Twilio resource was made twice
            await drive(rt, key, SCENARIOS[0], sandbox=twilio)
            assert await check_one_of_each(rt, key, twilio) == [], key
