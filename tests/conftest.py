"""Shared fixtures: every test gets its own data folder, a frozen clock and no Twilio credentials; `store` is a
customers store on each backend (SQLite in the test's folder, PostgreSQL in a database of its own on the session's
server)."""

from __future__ import annotations

import os
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import NoReturn

import httpx
import pytest

from storage.customers import CustomerStore
from storage.postgres.store import PostgresStore
from storage.sqlite.store import Store
from tests.support import pg
from tests.support.env import Clock, without_settings
from tests.support.prism import in_ci
from tests.support.reliability import Backend
from tests.support.sandbox_api import AUTH, NOW, Steps
from tests.support.snapshots import examples_folder
from wizard.sandbox.fake import Sandbox
from wizard.sandbox.transport import SandboxTransport

ON_POSTGRES = {"postgres", "pg_url", "pg_cases"}
"""Fixtures that start (or use) the session's PostgreSQL server."""

# Bytecode is cached in a test run even where PYTHONDONTWRITEBYTECODE is set (as on these machines): each of the
# workers and each command a test starts would otherwise compile every module it imports from source again.
sys.dont_write_bytecode = False
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """`-n auto`: two workers a core, since a test waits on timers, terminals and the commands it starts as much as
    it computes (at one a core the fast lane kept the cores 60% busy)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return 2 * cores


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test on a PostgreSQL server is marked `postgres` and `slow`: the fast lane (`uv run pytest`) runs every test on
    SQLite, the slow lane (`-m slow`, in .ci/run) the same tests on PostgreSQL too."""
    for item in items:
        params = getattr(item, "callspec", None)
        on_postgres = ON_POSTGRES & set(getattr(item, "fixturenames", ())) or (
            params is not None and "postgres" in params.params.values())
        if on_postgres:
            item.add_marker(pytest.mark.postgres)
            item.add_marker(pytest.mark.slow)


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Never touch the user's data dir or inherit their Twilio settings."""
    home = tmp_path / "home"
    without_settings(monkeypatch)
    monkeypatch.setenv("A2P_WIZARD_HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    return home


@pytest.fixture(scope="session")
def examples_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A sandbox data folder with the seven example customers, loaded once a worker: copy it, never open it."""
    return examples_folder(tmp_path_factory.mktemp("examples"))


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[Sandbox]:
    """The sandbox alone, its clock frozen at sandbox_api.NOW (Twilio's API call by call: tests/test_sandbox*.py)."""
    sb = Sandbox.open(tmp_path / "sandbox.db", now=lambda: NOW)
    yield sb
    sb.close()


@pytest.fixture
async def api(sandbox: Sandbox) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client on `sandbox`, with the account's credentials."""
    async with httpx.AsyncClient(transport=SandboxTransport(sandbox), auth=AUTH) as client:
        yield client


@pytest.fixture
def steps(api: httpx.AsyncClient, sandbox: Sandbox) -> Steps:
    return Steps(api, sandbox)


@pytest.fixture
async def runtime(isolated: Path, clock: Clock) -> AsyncIterator:
    from wizard.session.runtime import Runtime

    rt = Runtime.open(home=isolated, mode="sandbox", now=clock)
    yield rt
    await rt.aclose()


@pytest.fixture(scope="session")
def postgres() -> Iterator[pg.Server]:
    """One PostgreSQL server for the whole test session. Where none can run, the tests that need it skip saying
    why — and fail under CI (CI=true, or A2P_REQUIRE_POSTGRES=1 as .ci/run sets)."""
    def missing(reason: str) -> NoReturn:
        if in_ci() or os.environ.get("A2P_REQUIRE_POSTGRES"):
            pytest.fail(f"PostgreSQL is needed for these tests under CI: {reason}", pytrace=False)
        pytest.skip(reason)

    if reason := pg.missing_reason():
        missing(reason)
    try:
        server = pg.start()
    except pg.MissingExtension as exc:
        missing(str(exc))
    yield server
    server.stop()


@pytest.fixture
def pg_url(postgres: pg.Server) -> Iterator[str]:
    """The URL of a new empty database on the session's server (dropped after the test)."""
    name = postgres.create_database()
    yield postgres.url(name)
    postgres.drop_database(name)


@pytest.fixture(params=pg.BACKENDS)
async def runtime_on(request: pytest.FixtureRequest, isolated: Path, clock: Clock) -> AsyncIterator:
    """The sandbox runtime of `runtime`, with its customers on each backend (PostgreSQL: as --store gives it)."""
    from wizard.session.runtime import Runtime

    url = request.getfixturevalue("pg_url") if request.param == "postgres" else None
    rt = Runtime.open(home=isolated, mode="sandbox", now=clock, store_url=url)
    yield rt
    await rt.aclose()


@pytest.fixture(params=pg.BACKENDS)
def on_both_stores(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str | None:
    """Run the test on each backend: on PostgreSQL, A2P_STORE_URL names a new database, so every runtime and command
    the test opens (in this process or a child) keeps its customers there. A module asks for it with
    `pytestmark = pytest.mark.usefixtures("on_both_stores")`; the database's URL, or None on SQLite."""
    if request.param == "sqlite":
        return None
    url = request.getfixturevalue("pg_url")
    monkeypatch.setenv("A2P_STORE_URL", url)
    return url


@pytest.fixture(scope="module")
def pg_cases(postgres: pg.Server) -> Iterator[Backend]:
    """A module's saved data folders and crash cases with their customers on PostgreSQL (tests/support/reliability.py's
    Backend: a database each); the databases are dropped when the module is done."""
    backend = Backend(postgres)
    yield backend
    backend.drop()


@pytest.fixture(params=pg.BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[CustomerStore]:
    """A new, empty customers store on each backend."""
    s = (Store(tmp_path / "data" / "a2p.db") if request.param == "sqlite"
         else PostgresStore(request.getfixturevalue("pg_url")))
    yield s
    s.close()
