"""The log: a rotating file in the log folder (`a2p-wizard locate` shows it) with one line per Twilio request —
operation, method, path, status (or "no response"), Twilio error code, duration — and nothing else: no query
string (a number lookup carries the phone number there), no form body, no personal data, no secret.
"""

from __future__ import annotations

import logging
import logging.handlers
import re
import stat
from datetime import timedelta
from pathlib import Path

import pytest

from tests.support import factories as f
from tests.support.commands import cli
from tests.support.faults import FaultsOn, engine_with
from wizard.desk import Desk
from wizard.sandbox.faults import FaultInjector, FaultPlan

LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} INFO wizard\.twilio (?P<op>[a-z_0-9]+) (?P<method>GET|POST) "
                  r"(?P<path>/[A-Za-z0-9/._-]+) -> (?P<status>\d{3}|no response)(?: code (?P<code>\d+))? "
                  r"in (?P<ms>\d+) ms$")
PERSONAL = ["Zoë", "Lefèvre", "zoe@example.com", "Pine St", "Seattle", "98101", "+1206", "2065550", "206) 555",
            "a2p:", "Dog", "opt in", "?", "=", "&"]


def _lines(path: Path) -> list[re.Match[str]]:
    text = path.read_text(encoding="utf-8")
    for needle in PERSONAL:
        assert needle not in text, f"{needle!r} in the log"
    matches = [LINE.match(line) for line in text.splitlines()]
    assert all(matches), [line for line, m in zip(text.splitlines(), matches, strict=True) if not m][:3]
    return matches


async def test_every_request_is_logged_with_its_outcome_and_nothing_personal(runtime):
    log = runtime.locations.log_file
    assert log.parent == runtime.locations.log_dir and log.exists()
    runtime.sandbox.fault_injector = FaultInjector(FaultPlan(lost=0.2, server_error=0.1, too_many=0.1, seed=11))
    transport = FaultsOn(runtime.sandbox, 10_000, None)
    engine = engine_with(runtime, transport)
    c = Desk(runtime).create(f.profile(), f.bundle(), f.campaign())
    for _ in range(12):
        await engine.advance(c.key)
        if engine.summary(engine.load(c.key)).kind == "customer":
            runtime.sandbox.reply_yes(engine.load(c.key).state.sids["brand"])
        runtime.sandbox.advance_clock(timedelta(hours=3))
    await engine.client.aclose()

    lines = _lines(log)
    assert len(lines) == len(transport.seen)  # one line per request, retries included
    for m, (method, path, outcome) in zip(lines, transport.seen, strict=True):
        assert (m["method"], m["path"]) == (method, path)
        assert m["status"] == ("no response" if outcome == "lost" else str(outcome))
        assert m["code"] == {429: "20429", 500: "20500", 503: "20500"}.get(outcome)
    statuses = {m["status"] for m in lines}
    assert statuses >= {"no response", "429", "200", "201"} and statuses & {"500", "503"}
    lookups = [m for m in lines if m["op"] == "list_incoming_phone_numbers"]
    assert lookups and all(m["path"].endswith("/IncomingPhoneNumbers.json") for m in lookups)
    assert any(f"/Accounts/{runtime.client.account_sid}/" in m["path"] for m in lines)  # SIDs are fine


@pytest.mark.slow
def test_the_cli_logs_where_locate_says_and_keeps_it_private(isolated: Path):
    located = dict(line.split(":", 1) for line in cli(isolated, "locate").stdout.splitlines())
    log = Path(located["logs"].strip())
    assert log == isolated / "logs" / "a2p-wizard.log"
    assert cli(isolated, "import", str(_one_csv(isolated.parent))).returncode == 0
    result = cli(isolated, "advance", "A0", A2P_SANDBOX_FAULTS="429=0.3,retry-after=0,seed=3")
    assert result.returncode == 0, result.stderr
    lines = _lines(log)
    ops = [m["op"] for m in lines if m["status"] != "429"]
    # the account's numbers, then what Twilio holds of the customer's profile (nothing), then the create
    tried = [op for i, op in enumerate(ops) if i == 0 or ops[i - 1] != op]  # a request retried after a 429: once
    assert tried[:2] == ["list_incoming_phone_numbers", "list_customer_profiles"] and "create_customer_profile" in ops
    assert any(m["code"] == "20429" for m in lines)
    assert stat.S_IMODE(log.stat().st_mode) == 0o600 and stat.S_IMODE(log.parent.stat().st_mode) == 0o700


async def test_the_log_rotates_and_rotated_files_stay_private(runtime):
    handler = next(h for h in logging.getLogger("wizard").handlers
                   if isinstance(h, logging.handlers.RotatingFileHandler))
    assert Path(handler.baseFilename) == runtime.locations.log_file
    assert (handler.maxBytes, handler.backupCount) == (2_000_000, 5)
    handler.maxBytes = 300
    try:
        for _ in range(10):
            await runtime.client.call("list_services")
    finally:
        handler.maxBytes = 2_000_000
    rotated = sorted(runtime.locations.log_dir.glob("a2p-wizard.log*"))
    assert [p.name for p in rotated][:3] == ["a2p-wizard.log", "a2p-wizard.log.1", "a2p-wizard.log.2"]
    assert {stat.S_IMODE(p.stat().st_mode) for p in rotated} == {0o600}
    for path in rotated:
        _lines(path)


def _one_csv(folder: Path) -> Path:
    return f.write_csv(folder / "one.csv", [f.csv_row("A0")])
