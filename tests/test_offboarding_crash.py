"""Offboarding from the command line, killed at every point of each of its deletions and resumed.

A data folder with two verified customers (C00001 on a number bought for it, C00002 on an account number) is
made once. Each case copies it, runs the real `a2p-wizard offboard C00001 --yes [--release-number]` with the
A2P_CRASH_AT hook SIGKILLing it at one point of one deletion, then runs the same command again: the end state
must be that of a run without a crash (the customer's campaign and service gone, its number released or kept,
one `done` journal entry per deletion, the same fees stopped), and C00002's resources untouched.

The matrix runs on each store (on PostgreSQL each case's database a copy of the template's, named to the processes
by A2P_STORE_URL); the command's own output and listing run on SQLite (test_offboarding.py runs them on both).
"""

from __future__ import annotations

import asyncio
import json
import signal
from pathlib import Path
from typing import Any

import pytest

from tests.support.commands import cli
from tests.support.env import without_settings
from tests.support.flow import held, two_verified
from tests.support.pg import BACKENDS
from tests.support.reliability import Backend, Home, run_cases, scratch_dir
from wizard.desk import Desk
from wizard.flow.engine import CRASH_POINTS

pytestmark = pytest.mark.slow

KEY, OTHER = "C00001", "C00002"
DELETIONS = {True: ("offboard.campaign", "offboard.release_number", "offboard.service"),
             False: ("offboard.campaign", "offboard.remove_number", "offboard.service")}
CASES = [(release, action, point) for release, actions in DELETIONS.items() for action in actions
         for point in CRASH_POINTS]


def command(release: bool) -> list[str]:
    return ["offboard", KEY, "--yes", *(["--release-number"] if release else [])]


async def _make(home: Home) -> None:
    rt = home.runtime()
    try:
        assert await two_verified(rt) == (KEY, OTHER)
    finally:
        await rt.aclose()


async def end_state(home: Home) -> dict[str, Any]:
    """What the store and the sandbox hold after offboarding: every fact a resumed run must share."""
    rt = home.runtime()
    try:
        c, other = Desk(rt).customer(KEY), Desk(rt).customer(OTHER)
        assert rt.sandbox is not None
        dump = rt.sandbox.dump()
        return {"offboarded": bool(c.state.offboarded_at), "stopped": [(s.item, s.monthly) for s in c.state.stopped],
                "open": len(rt.store.open_entries(KEY)),
                "done": sorted(e.action for e in rt.store.journal(KEY)
                               if e.action.startswith("offboard.") and e.state == "done"),
                "fees": c.state.paid(), "other": held(dump, other.state.sids),
                "other_services": [s for s in dump["messaging_services"] if s["sid"] == other.state.sids["service"]]}
    finally:
        await rt.aclose()


def _matrix(backend: Backend, tmp_path_factory: pytest.TempPathFactory):
    with pytest.MonkeyPatch.context() as mp, scratch_dir(tmp_path_factory.mktemp("offboard")) as root:
        without_settings(mp)
        template = backend.fresh(root / "template")
        asyncio.run(_make(template))
        reference = {}
        for release in DELETIONS:
            home = backend.copy(template, root / f"reference-{release}")
            done = cli(home.path, *command(release), **home.env)
            assert done.returncode == 0, done.stdout + done.stderr
            reference[release] = asyncio.run(end_state(home))
        homes = {case: backend.copy(template, root / "cases" / "-".join(map(str, case))) for case in CASES}
        args = lambda case: command(case[0])  # noqa: E731
        crashes = run_cases(homes, args, lambda case: f"{case[1]}:{case[2]}", "crash")
        resumes = run_cases(homes, args, lambda case: f"{case[1]}:never", "resume")
        yield {"template": template, "reference": reference, "homes": homes, "crash": crashes, "resume": resumes,
               "before": asyncio.run(end_state(backend.copy(template, root / "before")))}


@pytest.fixture(scope="module")
def matrix_sqlite(tmp_path_factory: pytest.TempPathFactory):
    yield from _matrix(Backend(), tmp_path_factory)


@pytest.fixture(scope="module")
def matrix_postgres(pg_cases: Backend, tmp_path_factory: pytest.TempPathFactory):
    yield from _matrix(pg_cases, tmp_path_factory)


@pytest.fixture
def matrix(request: pytest.FixtureRequest, backend: str):
    """The module's matrix on the test's `backend` (run once per module and backend)."""
    return request.getfixturevalue(f"matrix_{backend}")


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_reference_offboarding_leaves_nothing_billed_of_the_customer(matrix) -> None:
    for release, state in matrix["reference"].items():
        assert state["offboarded"] and state["open"] == 0
        assert state["done"] == sorted(DELETIONS[release])
        assert [item for item, _ in state["stopped"]] == (["campaign_monthly", "number_monthly"] if release
                                                          else ["campaign_monthly"])
        assert state["fees"] == matrix["before"]["fees"]  # what was paid stays in the ledger
        assert state["other"] == {"service": True, "campaign": True, "number": True}
        assert state["other_services"] == matrix["before"]["other_services"]


@pytest.mark.parametrize(("backend", "release", "action", "point"),
                         [(backend, *case) for backend in BACKENDS for case in CASES])
async def test_killed_at_every_point_then_resumed(matrix, release: bool, action: str, point: str) -> None:
    case = (release, action, point)
    home = matrix["homes"][case]
    crash, resume = matrix["crash"][case], matrix["resume"][case]
    assert crash["signal"] == signal.SIGKILL, (crash, (home.path / "crash.err").read_text())
    out, err = (home.path / "resume.out").read_text(), (home.path / "resume.err").read_text()
    assert resume == {**resume, "signal": None, "code": 0}, out + err
    assert await end_state(home) == matrix["reference"][release]


def test_the_cli_offboards_and_sandbox_dump_shows_it(matrix_sqlite, tmp_path: Path) -> None:
    home = Backend().copy(matrix_sqlite["template"], tmp_path / "cli").path
    dump = json.loads(cli(home, "sandbox", "dump", "--json").stdout)
    sids = {"service": dump["messaging_services"][0]["sid"], "phone_number": next(
        n["sid"] for n in dump["incoming_phone_numbers"] if n["friendly_name"] == f"a2p:{KEY}:number")}
    refused = cli(home, "offboard", KEY)  # no terminal, no --yes
    assert refused.returncode == 1 and "--yes" in refused.stderr
    assert json.loads(cli(home, "sandbox", "dump", "--json").stdout) == dump

    done = cli(home, "offboard", KEY, "--release-number", "--yes")

    assert done.returncode == 0, done.stdout + done.stderr
    assert "✓ delete the campaign" in done.stdout and "Offboarded" in done.stdout
    after = json.loads(cli(home, "sandbox", "dump", "--json").stdout)
    assert held(after, sids) == {"service": False, "campaign": False, "number": False}
    assert len(after["messaging_services"]) == len(after["campaigns"]) == 1  # the other customer's


def test_an_offboarded_customer_leaves_the_active_ones(matrix_sqlite, tmp_path: Path) -> None:
    home = Backend().copy(matrix_sqlite["template"], tmp_path / "active").path
    assert cli(home, "offboard", KEY, "--yes").returncode == 0
    journal = cli(home, "show", KEY, "--json")
    listed = json.loads(cli(home, "list", "--json").stdout)
    assert [r["key"] for r in listed] == [OTHER]
    gone = json.loads(cli(home, "list", "--json", "--offboarded").stdout)
    assert [(r["key"], r["offboarded"]) for r in gone] == [(KEY, True)]
    table = cli(home, "list").stdout
    assert KEY not in table.split("(")[0] and "1 offboarded customer(s) not shown" in table
    shown = cli(home, "show", KEY).stdout
    assert "OFFBOARDED on" in shown and "campaign (monthly) stopped" in shown and "for the account" in shown
    assert cli(home, "advance", "--all").returncode == 0
    assert "Refreshed 1 customer(s)." in cli(home, "refresh", "--all").stdout
    after = json.loads(cli(home, "show", KEY, "--json").stdout)
    assert after["journal"] == json.loads(journal.stdout)["journal"] and after["offboarded"]
