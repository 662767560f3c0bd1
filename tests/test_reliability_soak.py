"""Fault soak: 200 customers to a verified campaign while the sandbox loses 20% of the answers (after doing the
work), fails 10% with a 5xx and refuses 10% with a 429 — no duplicate, nobody stuck, creates counted.

Deterministic: the faults come from one seeded random generator, the sandbox clock is frozen and only moved
by the test, the client's back-off sleeps are recorded instead of slept, and nothing runs in parallel threads.
SOAK_N=40 runs a smaller soak while working on it.
"""

from __future__ import annotations

import os
import random
import re
from collections import Counter, defaultdict
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from tests.support import factories as f
from tests.support.env import Clock
from tests.support.flow import CREATES
from tests.support.oas import operation_for
from tests.support.reliability import scratch_dir
from wizard.desk import Desk
from wizard.flow.engine import Engine
from wizard.sandbox.fake import Sandbox, SandboxError
from wizard.sandbox.transport import SandboxTransport
from wizard.session.runtime import Runtime
from wizard.twilio.client import TwilioClient
from wizard.twilio.facts import SANDBOX_PASSWORD

pytestmark = pytest.mark.slow

CUSTOMERS = int(os.environ.get("SOAK_N", 200))
FAULTS = "lost=0.2,5xx=0.1,429=0.1,seed=20261120"
ROUNDS = 40
PER_CUSTOMER = {  # create operation -> resources one customer needs
    "create_customer_profile": 1, "create_end_user": 2, "create_address": 1, "create_supporting_document": 1,
    "assign_customer_profile_entity": 3, "create_trust_product": 1, "assign_trust_product_entity": 2,
    "create_brand_registration": 1, "create_service": 1, "add_service_phone_number": 1, "create_campaign": 1,
}
MAX_SENT_PER_RESOURCE = 2.0
"""Bound on create requests sent per resource made (the measured figure is about 1.4: a 429 is sent again
by the client, a 5xx or a lost answer by the engine after it looked the resource up and did not find it)."""


class CountingTransport(httpx.AsyncBaseTransport):
    """Counts every request the sandbox received, per operation and outcome (ok, 4xx, 429, 5xx, lost)."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner, self.calls = inner, Counter()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        op = operation_for(request.method, request.url.path)[0].name
        try:
            response = await self.inner.handle_async_request(request)
        except httpx.TimeoutException:
            self.calls[op, "lost"] += 1
            raise
        status = response.status_code
        self.calls[op, "429" if status == 429 else "5xx" if status >= 500 else "4xx" if status >= 400 else "ok"] += 1
        return response


@pytest.mark.slow
async def test_200_customers_reach_a_verified_campaign_under_faults(tmp_path: Path, monkeypatch, capsys):
    monkeypatch.setenv("A2P_SANDBOX_FAULTS", FAULTS)
    with scratch_dir(tmp_path / "soak") as home:
        rt = Runtime.open(home=home, mode="sandbox", now=Clock())
        assert rt.sandbox is not None and rt.sandbox.faults.lost == 0.2  # the setting reached the sandbox
        sandbox = rt.sandbox
        counting = CountingTransport(SandboxTransport(sandbox))
        slept: list[float] = []

        async def sleep(seconds: float) -> None:
            slept.append(seconds)

        client = TwilioClient(Sandbox.ACCOUNT_SID, (Sandbox.ACCOUNT_SID, SANDBOX_PASSWORD), transport=counting,
                              sleep=sleep, rng=random.Random(7))
        engine = Engine(rt.store, client, primary_profile_sid=sandbox.PRIMARY_PROFILE_SID, clock=sandbox.clock)
        numbers = [f"+1206555{3000 + i}" for i in range(CUSTOMERS)]
        sandbox.buy_numbers(numbers)
        keys = [Desk(rt).create(f.profile(email=f"soak{i}@example.com", street=f"{100 + i} Pine St"),
                                 f.bundle(mobile_phone=f"+1206555{5000 + i}"),
                                 f.campaign(phone_number=numbers[i])).key for i in range(CUSTOMERS)]
        try:
            rounds, gave_up = await _drive_all(engine, sandbox, keys)
            problems = _check(engine, sandbox, keys)
            created = Counter({kind: len(items) for kind, items in sandbox.dump().items()})
            journal = [e for k in keys for e in rt.store.journal(k)]
        finally:
            await client.aclose()
            await rt.aclose()

    table = _table(counting.calls)
    with capsys.disabled():
        print(f"\n\nFault soak: {CUSTOMERS} customers, faults {FAULTS}; all verified after {rounds} rounds "
              f"of advance (+3 h each); {len(slept)} back-off waits ({sum(slept):.0f} s, not slept); "
              f"{gave_up} advance runs gave up an action for that round.\n{table}")

    assert problems == []
    for op, per_customer in PER_CUSTOMER.items():
        performed = counting.calls[op, "ok"] + counting.calls[op, "lost"]
        assert performed == per_customer * CUSTOMERS, f"{op}: {performed} made, duplicates or missing"
        assert counting.calls[op, "4xx"] == 0, f"{op} was refused by Twilio"
        sent = sum(n for (name, _), n in counting.calls.items() if name == op)
        assert sent <= MAX_SENT_PER_RESOURCE * performed, f"{op}: {sent} sent for {performed}"
        assert counting.calls[op, "lost"] > 0 and counting.calls[op, "5xx"] > 0 and counting.calls[op, "429"] > 0
    assert created["brand_registrations"] == CUSTOMERS and created["campaigns"] == CUSTOMERS
    assert not [e for e in journal if e.state == "sent"]
    assert rounds <= ROUNDS


async def _drive_all(engine: Engine, sandbox: Sandbox, keys: list[str]) -> tuple[int, int]:
    gave_up = 0
    for rounds in range(1, ROUNDS + 1):
        pending = [k for k in keys if not engine.summary(engine.load(k)).done]
        if not pending:
            return rounds - 1, gave_up
        for report in await engine.advance_many(pending, concurrency=8):
            gave_up += bool(report.error and report.error.startswith("Gave up"))
        for key in pending:
            c = engine.load(key)
            if engine.summary(c).kind in ("customer", "otp") and c.state.sids.get("brand"):
                try:
                    sandbox.reply_yes(c.state.sids["brand"])
                except SandboxError:
                    await engine.resend_otp(key)
        sandbox.advance_clock(timedelta(hours=3))
    return ROUNDS, gave_up


def _check(engine: Engine, sandbox: Sandbox, keys: list[str]) -> list[str]:
    """Every customer done with one of each resource and every SID stored, in one pass over the sandbox."""
    dump = sandbox.dump()
    owners: dict[str, Counter] = defaultdict(Counter)
    sids_at_twilio: dict[str, set[str]] = defaultdict(set)
    for kind, items in dump.items():
        for item in items:
            if match := re.search(r"a2p:([^:]+):", item.get("friendly_name") or ""):
                owners[match[1]][kind] += 1
                sids_at_twilio[match[1]].add(item["sid"])
    by_profile = Counter(b["customer_profile_bundle_sid"] for b in dump["brand_registrations"])
    by_service = Counter(c["messaging_service_sid"] for c in dump["campaigns"])
    problems = []
    for key in keys:
        c = engine.load(key)
        s = engine.summary(c)
        sids = c.state.sids
        if not s.done:
            problems.append(f"{key} not done: {s.kind} — {s.next_action}")
        mine = owners[key] | Counter({"brand_registrations": by_profile[sids.get("profile")],
                                      "campaigns": by_service[sids.get("service")]})
        if {k: mine[k] for k in CREATES} != CREATES:
            problems.append(f"{key} owns {dict(mine)}")
        if missing := sids_at_twilio[key] - set(sids.values()):
            problems.append(f"{key}: SIDs at Twilio not in the store: {missing}")
        if [item.amount for item in c.state.ledger] != [4.5, 15.0]:
            problems.append(f"{key} fees {[item.amount for item in c.state.ledger]}")
    return problems


def _table(calls: Counter) -> str:
    rows = [("create call", "made", "sent", "429", "5xx", "lost*", "ok", "sent/made")]
    for op, per_customer in PER_CUSTOMER.items():
        n = {kind: calls[op, kind] for kind in ("429", "5xx", "lost", "ok")}
        sent = sum(n.values())
        made = n["ok"] + n["lost"]
        rows.append((op, str(per_customer * CUSTOMERS), str(sent), str(n["429"]), str(n["5xx"]), str(n["lost"]),
                     str(n["ok"]), f"{sent / made:.2f}"))
    totals = [sum(int(r[i]) for r in rows[1:]) for i in range(1, 7)]
    rows.append(("all creates", *map(str, totals), f"{totals[1] / totals[0]:.2f}"))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) if i == 0 else cell.rjust(w)
                       for i, (cell, w) in enumerate(zip(r, widths, strict=True))) for r in rows]
    lines.insert(1, "-" * len(lines[0]))
    return "\n".join(lines) + "\n* lost: performed by the sandbox, the answer dropped (then found by reconciliation)"
