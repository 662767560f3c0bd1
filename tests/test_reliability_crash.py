"""Crash at every action of the four steps, at three points, then resume: one of each resource, every SID kept.

For each action of the flow (happy path and the unhappy paths' updates, resubmissions and OTP resend) and each
point — `before-request` (journaled `sent`, nothing sent), `after-perform` (the sandbox did it, the answer was
never recorded), `after-record` — a real `a2p-wizard` process is SIGKILLed there by the A2P_CRASH_AT hook. A new
process then resumes (`advance KEY`, or `otp resend KEY`) without waiting out the dead process's 10-minute lease:
a lease whose owner is a dead process of this host is taken over. The customer is then driven to a verified
campaign and must own exactly one of each Twilio resource, every SID in the store, no call left `sent`, and
the same fees as a run without a crash.

The same matrix runs in-process with the hook raising an exception instead (tests/test_resume.py covers
before/after a write by write number; this adds after-record and the unhappy paths' actions).
"""

from __future__ import annotations

import asyncio
import signal
import sqlite3
import subprocess
from pathlib import Path

import pytest

from tests.conftest import without_settings
from tests.flowkit import SCENARIOS, drive
from tests.reliabilitykit import (
    KEY,
    a2p_wizard,
    app_env,
    check_one_of_each,
    copy_template,
    ledger,
    run_forked,
    scratch_dir,
    templates,
)
from wizard.flow import engine as engine_module
from wizard.flow.engine import CRASH_POINTS
from wizard.session.runtime import Runtime

ACTIONS = (
    # step 1: starter customer profile
    "profile.create", "profile.end_user", "profile.address", "profile.document",
    "profile.assign_profile_end_user", "profile.assign_address_document", "profile.assign_primary",
    "profile.evaluate", "profile.submit", "profile.read",
    "profile.update_address", "profile.update_end_user", "profile.update",
    # step 2: sole-proprietor bundle
    "bundle.create", "bundle.end_user", "bundle.assign_end_user", "bundle.assign_profile", "bundle.evaluate",
    "bundle.submit", "bundle.read", "bundle.update_end_user", "bundle.update",
    # step 3: brand and OTP
    "brand.create", "brand.read", "brand.resubmit", "brand.otp_resend",
    # step 4: Messaging Service, number, campaign
    "campaign.service", "campaign.number_lookup", "campaign.buy_number", "campaign.add_number", "campaign.create",
    "campaign.read", "campaign.update",
)
CASES = [(action, point) for action in ACTIONS for point in CRASH_POINTS]


@pytest.fixture(scope="module")
def matrix(tmp_path_factory: pytest.TempPathFactory):
    """Every case crashed by a real SIGKILL, then resumed by a new process (all forked, a few at a time)."""
    with pytest.MonkeyPatch.context() as mp, scratch_dir(tmp_path_factory.mktemp("crash")) as root:
        without_settings(mp)
        saved, fees = asyncio.run(templates(root / "templates"))
        homes = {case: copy_template(saved[case[0]], root / "cases" / f"{case[0]}-{case[1]}") for case in CASES}
        crashes = run_forked([
            {"home": str(homes[case]), "args": list(saved[case[0]].command),
             "env": {"A2P_CRASH_AT": f"{case[0]}:{case[1]}"}, "out": str(homes[case] / "crash")}
            for case in CASES])
        leases = {case: _lease(homes[case]) for case in CASES}
        resumes = run_forked([  # with a hook that names no action: it must never fire
            {"home": str(homes[case]), "args": list(saved[case[0]].command), "out": str(homes[case] / "resume"),
             "env": {"A2P_CRASH_AT": f"{case[0]}:never"}}
            for case in CASES])
        yield {"saved": saved, "fees": fees, "homes": homes, "crash": dict(zip(CASES, crashes, strict=True)),
               "resume": dict(zip(CASES, resumes, strict=True)), "lease": leases}


def _lease(home: Path) -> str | None:
    db = sqlite3.connect(home / "a2p-wizard.db")
    try:
        return db.execute("SELECT lease_owner FROM customers WHERE key = ?", (KEY,)).fetchone()[0]
    finally:
        db.close()


def test_the_matrix_covers_every_action_of_the_flow(matrix):
    assert sorted(matrix["saved"]) == sorted(ACTIONS), "a new action of the flow needs a crash case"
    assert {t.scenario.name for t in matrix["saved"].values()} == {s.name for s in SCENARIOS}


@pytest.mark.parametrize(("action", "point"), CASES)
async def test_sigkill_then_resume_in_a_new_process(matrix, action: str, point: str):
    case, home = (action, point), matrix["homes"][(action, point)]
    template = matrix["saved"][action]
    crash = matrix["crash"][case]
    assert crash["signal"] == signal.SIGKILL, (crash, (home / "crash.err").read_text())
    assert f":{crash['pid']}:" in matrix["lease"][case], "the dead process still held the customer's lease"
    resume = matrix["resume"][case]
    out, err = (home / "resume.out").read_text(), (home / "resume.err").read_text()
    assert resume == {**resume, "signal": None, "code": 0}, out + err
    assert "Another operator" not in out and not err
    assert resume["pid"] != crash["pid"]

    rt = Runtime.open(home=home, mode="sandbox")
    try:
        c = await drive(rt, KEY, template.scenario)
        assert await check_one_of_each(rt, KEY) == []
        assert ledger(c) == matrix["fees"][template.scenario.name]
        journal = rt.store.journal(KEY)
        if point == "after-perform" and action in _CREATES:
            found = [e for e in journal if e.action == action and e.state == "done"]
            assert len(found) == 1, "the lost create was found, not made again"
    finally:
        await rt.aclose()


_CREATES = {"profile.create", "profile.end_user", "profile.address", "profile.document",
            "profile.assign_profile_end_user", "profile.assign_address_document", "profile.assign_primary",
            "bundle.create", "bundle.end_user", "bundle.assign_end_user", "bundle.assign_profile",
            "brand.create", "campaign.service", "campaign.add_number", "campaign.create"}


class Crash(BaseException):
    """Stands for the process dying: nothing in the app may catch it."""


@pytest.fixture(scope="module")
def saved_templates(tmp_path_factory: pytest.TempPathFactory):
    with pytest.MonkeyPatch.context() as mp, scratch_dir(tmp_path_factory.mktemp("inproc")) as root:
        without_settings(mp)
        saved, fees = asyncio.run(templates(root / "templates"))
        yield root, saved, fees


@pytest.mark.parametrize(("action", "point"), CASES)
async def test_injected_exception_then_resume(saved_templates, monkeypatch, action: str, point: str):
    root, saved, fees = saved_templates
    template = saved[action]
    home = copy_template(template, root / "cases" / f"{action}-{point}")

    def crash(name: str, where: str) -> None:
        if (name, where) == (action, point):
            raise Crash(f"{name}:{where}")

    monkeypatch.setattr(engine_module, "crash_point", crash)
    rt = Runtime.open(home=home, mode="sandbox")
    try:
        with pytest.raises(Crash):
            if template.command[0] == "otp":
                await rt.engine.resend_otp(KEY)
            else:
                await rt.engine.advance(KEY)
    finally:
        await rt.aclose()
    monkeypatch.undo()

    rt = Runtime.open(home=home, mode="sandbox")  # a fresh engine, as after a restart
    try:
        if template.command[0] == "otp":
            assert (await rt.engine.resend_otp(KEY)).error is None
        c = await drive(rt, KEY, template.scenario)
        assert await check_one_of_each(rt, KEY) == []
        assert ledger(c) == fees[template.scenario.name]
    finally:
        await rt.aclose()


async def test_the_console_script_itself_is_killed_and_resumed(saved_templates):
    """The same through the installed `a2p-wizard` script (exec'd, not forked), where it costs most: the $4.50 brand
    registration performed by Twilio, the process killed before it recorded the answer."""
    root, saved, fees = saved_templates
    home = copy_template(saved["brand.create"], root / "script")
    crashed = subprocess.run([a2p_wizard(), "advance", KEY], capture_output=True, text=True, timeout=60,
                             env=app_env(home, A2P_CRASH_AT="brand.create:after-perform"))
    assert crashed.returncode == -signal.SIGKILL, crashed.stderr
    resumed = subprocess.run([a2p_wizard(), "advance", KEY], env=app_env(home), capture_output=True, text=True,
                             timeout=60)
    assert resumed.returncode == 0 and "Another operator" not in resumed.stdout, resumed.stdout + resumed.stderr
    assert "register the brand (found after a lost answer)" in resumed.stdout
    rt = Runtime.open(home=home, mode="sandbox")
    try:
        c = await drive(rt, KEY, saved["brand.create"].scenario)
        assert await check_one_of_each(rt, KEY) == []
        assert ledger(c) == fees["happy"] == [4.5, 15.0]
    finally:
        await rt.aclose()
