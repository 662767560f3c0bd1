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

Both matrices run on each store. On PostgreSQL a saved folder is the sandbox's state plus a template database, each
case a copy of both (CREATE DATABASE … TEMPLATE), and the case's processes are given their database by A2P_STORE_URL,
the app's real wiring; the lease and the journal are read through the store's own class.
"""

from __future__ import annotations

import asyncio
import signal
import subprocess

import pytest

from storage.postgres.store import PostgresStore
from storage.sqlite.store import Store
from tests.support.commands import a2p_wizard, app_env
from tests.support.env import without_settings
from tests.support.flow import SCENARIOS, drive
from tests.support.pg import BACKENDS
from tests.support.reliability import KEY, Backend, Home, check_one_of_each, ledger, run_cases, scratch_dir, templates
from wizard.flow import engine as engine_module
from wizard.flow.engine import CRASH_POINTS

pytestmark = pytest.mark.slow

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
ON_BOTH = [(backend, *case) for backend in BACKENDS for case in CASES]


def _saved(backend: Backend, tmp_path_factory: pytest.TempPathFactory):
    """The scratch folder, the backend, the templates before every action, and each scenario's fees without a
    crash."""
    with pytest.MonkeyPatch.context() as mp, scratch_dir(tmp_path_factory.mktemp("crash")) as root:
        without_settings(mp)
        kept, fees = asyncio.run(templates(root / "templates", backend))
        yield root, backend, kept, fees


@pytest.fixture(scope="module")
def saved_sqlite(tmp_path_factory: pytest.TempPathFactory):
    yield from _saved(Backend(), tmp_path_factory)


@pytest.fixture(scope="module")
def saved_postgres(pg_cases: Backend, tmp_path_factory: pytest.TempPathFactory):
    yield from _saved(pg_cases, tmp_path_factory)


@pytest.fixture
def saved(request: pytest.FixtureRequest, backend: str):
    """The module's templates on the test's `backend` (made once per module and backend)."""
    return request.getfixturevalue(f"saved_{backend}")


def _matrix(saved, cases: list[tuple[str, str]]) -> dict:
    """Every case crashed by a real SIGKILL, then resumed by a new process (all forked, a few at a time)."""
    root, backend, kept, fees = saved
    homes = {case: backend.copy(kept[case[0]].saved, root / "killed" / f"{case[0]}-{case[1]}") for case in cases}
    args = lambda case: list(kept[case[0]].command)  # noqa: E731
    crashes = run_cases(homes, args, lambda case: f"{case[0]}:{case[1]}", "crash")
    leases = {case: _lease(homes[case]) for case in cases}
    resumes = run_cases(homes, args, lambda case: f"{case[0]}:never", "resume")  # a hook that must never fire
    return {"saved": kept, "fees": fees, "homes": homes, "crash": crashes, "resume": resumes, "lease": leases}


@pytest.fixture(scope="module")
def matrix_sqlite(saved_sqlite) -> dict:
    return _matrix(saved_sqlite, CASES)


@pytest.fixture(scope="module")
def matrix_postgres(saved_postgres) -> dict:
    return _matrix(saved_postgres, CASES)


@pytest.fixture
def matrix(request: pytest.FixtureRequest, backend: str) -> dict:
    """The SIGKILL matrix on the test's `backend` (run once per module and backend)."""
    return request.getfixturevalue(f"matrix_{backend}")


def _lease(home: Home) -> str | None:
    """Who holds C00001's lease, read through the store's own class (the case's SQLite file or database)."""
    store = PostgresStore(home.store_url) if home.store_url else Store(home.path / "a2p-wizard.db")
    try:
        return store.lease_owner(KEY)
    finally:
        store.close()


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_matrix_covers_every_action_of_the_flow(matrix):
    assert sorted(matrix["saved"]) == sorted(ACTIONS), "a new action of the flow needs a crash case"
    assert {t.scenario.name for t in matrix["saved"].values()} == {s.name for s in SCENARIOS}


@pytest.mark.parametrize(("backend", "action", "point"), ON_BOTH)
async def test_sigkill_then_resume_in_a_new_process(matrix, backend: str, action: str, point: str):
    case, home = (action, point), matrix["homes"][(action, point)].path
    assert (home / "a2p-wizard.db").exists() == (backend == "sqlite"), "the case ran on the other store"
    template = matrix["saved"][action]
    crash = matrix["crash"][case]
    assert crash["signal"] == signal.SIGKILL, (crash, (home / "crash.err").read_text())
    assert f":{crash['pid']}:" in matrix["lease"][case], "the dead process still held the customer's lease"
    resume = matrix["resume"][case]
    out, err = (home / "resume.out").read_text(), (home / "resume.err").read_text()
    assert resume == {**resume, "signal": None, "code": 0}, out + err
    assert "Another operator" not in out and not err
    assert resume["pid"] != crash["pid"]

    rt = matrix["homes"][case].runtime()
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


@pytest.mark.parametrize(("backend", "action", "point"), ON_BOTH)
async def test_injected_exception_then_resume(saved, monkeypatch, action: str, point: str):
    root, backend, kept, fees = saved
    template = kept[action]
    home = backend.copy(template.saved, root / "raised" / f"{action}-{point}")

    def crash(name: str, where: str) -> None:
        if (name, where) == (action, point):
            raise Crash(f"{name}:{where}")

    monkeypatch.setattr(engine_module, "crash_point", crash)
    rt = home.runtime()
    try:
        with pytest.raises(Crash):
            if template.command[0] == "otp":
                await rt.engine.resend_otp(KEY)
            else:
                await rt.engine.advance(KEY)
    finally:
        await rt.aclose()
    monkeypatch.undo()

    rt = home.runtime()  # a fresh engine, as after a restart
    try:
        if template.command[0] == "otp":
            assert (await rt.engine.resend_otp(KEY)).error is None
        c = await drive(rt, KEY, template.scenario)
        assert await check_one_of_each(rt, KEY) == []
        assert ledger(c) == fees[template.scenario.name]
    finally:
        await rt.aclose()


@pytest.mark.parametrize("backend", BACKENDS)
async def test_the_console_script_itself_is_killed_and_resumed(saved):
    """The same through the installed `a2p-wizard` script (exec'd, not forked), where it costs most: the $4.50 brand
    registration performed by Twilio, the process killed before it recorded the answer."""
    root, backend, kept, fees = saved
    home = backend.copy(kept["brand.create"].saved, root / "script")
    crashed = subprocess.run([a2p_wizard(), "advance", KEY], capture_output=True, text=True, timeout=60,
                             env=app_env(home.path, **home.env, A2P_CRASH_AT="brand.create:after-perform"))
    assert crashed.returncode == -signal.SIGKILL, crashed.stderr
    resumed = subprocess.run([a2p_wizard(), "advance", KEY], env=app_env(home.path, **home.env),
                             capture_output=True, text=True, timeout=60)
    assert resumed.returncode == 0 and "Another operator" not in resumed.stdout, resumed.stdout + resumed.stderr
    assert "register the brand (found after a lost answer)" in resumed.stdout
    rt = home.runtime()
    try:
        c = await drive(rt, KEY, kept["brand.create"].scenario)
        assert await check_one_of_each(rt, KEY) == []
        assert ledger(c) == fees["happy"] == [4.5, 15.0]
    finally:
        await rt.aclose()
