"""Shared fixtures: every test gets its own data folder, a frozen clock and no Twilio credentials; `store` is a
customers store on each backend (SQLite in the test's folder, PostgreSQL in a database of its own on the session's
server)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import NoReturn

import pytest

from storage.customers import CustomerStore
from storage.postgres.store import PostgresStore
from storage.sqlite.store import Store
from tests import pgkit
from tests.factories import FROZEN
from tests.prism import in_ci
from tests.reliabilitykit import Backend

ON_POSTGRES = {"postgres", "pg_url", "pg_cases"}
"""Fixtures that start (or use) the session's PostgreSQL server."""


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


SECRET_VARS = ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_API_KEY", "TWILIO_API_SECRET",
               "A2P_PRIMARY_PROFILE_SID", "A2P_TWILIO_BASE_URL", "A2P_MODE", "A2P_MOCK_BRAND", "A2P_SANDBOX_FAULTS",
               "A2P_SANDBOX_SPEED", "A2P_REFRESH_MINUTES", "A2P_STORE_URL")


def without_settings(mp: pytest.MonkeyPatch) -> None:
    """No inherited Twilio settings, and the sandbox in real time (no drift while a test runs)."""
    for name in SECRET_VARS:
        mp.delenv(name, raising=False)
    mp.setenv("A2P_SANDBOX_SPEED", "1")
    mp.setenv("A2P_REFRESH_MINUTES", "0")  # no background refresh in tests (a test asks for one)


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Never touch the user's data dir or inherit their Twilio settings."""
    home = tmp_path / "home"
    without_settings(monkeypatch)
    monkeypatch.setenv("A2P_WIZARD_HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    return home


class Clock:
    """A settable 'real' clock (the sandbox adds its own offset on top)."""

    def __init__(self, start: datetime = FROZEN) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def runtime(isolated: Path, clock: Clock) -> AsyncIterator:
    from wizard.session.runtime import Runtime

    rt = Runtime.open(home=isolated, mode="sandbox", now=clock)
    yield rt
    await rt.aclose()


@pytest.fixture(scope="session")
def postgres() -> Iterator[pgkit.Server]:
    """One PostgreSQL server for the whole test session. Where none can run, the tests that need it skip saying
    why — and fail under CI (CI=true, or A2P_REQUIRE_POSTGRES=1 as .ci/run sets)."""
    def missing(reason: str) -> NoReturn:
        if in_ci() or os.environ.get("A2P_REQUIRE_POSTGRES"):
            pytest.fail(f"PostgreSQL is needed for these tests under CI: {reason}", pytrace=False)
        pytest.skip(reason)

    if reason := pgkit.missing_reason():
        missing(reason)
    try:
        server = pgkit.start()
    except pgkit.MissingExtension as exc:
        missing(str(exc))
    yield server
    server.stop()


@pytest.fixture
def pg_url(postgres: pgkit.Server) -> Iterator[str]:
    """The URL of a new empty database on the session's server (dropped after the test)."""
    name = postgres.create_database()
    yield postgres.url(name)
    postgres.drop_database(name)


@pytest.fixture(params=pgkit.BACKENDS)
async def runtime_on(request: pytest.FixtureRequest, isolated: Path, clock: Clock) -> AsyncIterator:
    """The sandbox runtime of `runtime`, with its customers on each backend (PostgreSQL: as --store gives it)."""
    from wizard.session.runtime import Runtime

    url = request.getfixturevalue("pg_url") if request.param == "postgres" else None
    rt = Runtime.open(home=isolated, mode="sandbox", now=clock, store_url=url)
    yield rt
    await rt.aclose()


@pytest.fixture(params=pgkit.BACKENDS)
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
def pg_cases(postgres: pgkit.Server) -> Iterator[Backend]:
    """A module's saved data folders and crash cases with their customers on PostgreSQL (tests/reliabilitykit.py's
    Backend: a database each); the databases are dropped when the module is done."""
    backend = Backend(postgres)
    yield backend
    backend.drop()


@pytest.fixture(params=pgkit.BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[CustomerStore]:
    """A new, empty customers store on each backend."""
    s = (Store(tmp_path / "data" / "a2p.db") if request.param == "sqlite"
         else PostgresStore(request.getfixturevalue("pg_url")))
    yield s
    s.close()
