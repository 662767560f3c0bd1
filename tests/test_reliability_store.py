"""Store safety: migrations from every earlier schema, foreign and damaged files left untouched, clear errors
for a full disk and for folders that cannot be written (as root, too), private files, a racing first open.

These are about the data folder's SQLite file as such (its schema versions, its bytes, its folder's permissions, a
disk that fills up under it) and stay SQLite-only, but the racing first open, which runs on both stores. PostgreSQL's
counterparts are in tests/test_store_postgres.py (its migrations, another program's table, a newer schema, a wrong
password) and tests/test_team_store.py (a server lost mid-run).
"""

from __future__ import annotations

import csv
import os
import resource
import shutil
import signal
import sqlite3
import stat
import subprocess
from contextlib import closing
from pathlib import Path

import pytest

from storage.postgres.migrations import PG_SCHEMA_VERSION
from storage.postgres.store import PostgresStore
from storage.sqlite.migrations import MIGRATIONS, SCHEMA_VERSION
from storage.sqlite.store import Store, StoreError
from tests.support import factories as f
from tests.support.commands import a2p_wizard, app_env, cli, run_forked
from tests.support.flow import SCENARIOS, drive
from tests.support.pg import BACKENDS
from tests.support.reliability import Backend, check_one_of_each, served_sandbox
from wizard.customer.customer import Customer
from wizard.desk import Desk
from wizard.listing import DERIVATION
from wizard.session.runtime import Runtime

FIXTURES = Path(__file__).parent / "fixtures"


# -- migrations ---------------------------------------------------------------------------------------------


def test_there_is_a_fixture_for_every_earlier_schema_version():
    assert sorted(MIGRATIONS) == list(range(1, SCHEMA_VERSION + 1))
    missing = [v for v in range(1, SCHEMA_VERSION) if not (FIXTURES / f"store-v{v}.db").exists()]
    assert not missing, f"run `uv run python tests/fixtures/make_fixtures.py` and commit store-v{missing}.db"


@pytest.mark.parametrize("version", range(1, SCHEMA_VERSION))
async def test_a_store_of_every_earlier_version_migrates_with_nothing_lost(isolated: Path, version: int):
    isolated.mkdir(parents=True, exist_ok=True)
    path = isolated / "a2p-wizard.db"
    shutil.copyfile(FIXTURES / f"store-v{version}.db", path)
    before = sqlite3.connect(path)
    assert before.execute("PRAGMA user_version").fetchone()[0] == version
    rows = before.execute("SELECT key, version, inputs, state, created_at FROM customers ORDER BY key").fetchall()
    journal = before.execute("SELECT * FROM journal ORDER BY id").fetchall()
    before.close()

    store = Store(path)
    assert store.schema_version == SCHEMA_VERSION
    assert [(r.key, r.version, r.created_at) for r in map(store.get, store.keys())] == [
        (k, v, created) for k, v, _, _, created in rows]
    assert [tuple(e.__dict__.values()) for e in store.journal("C00002")] == journal
    assert [e.action for e in store.open_entries("C00002")] == ["profile.address"]
    half_way = Customer.from_record(store.get("C00002"))
    assert half_way.state.sids["profile"].startswith("BU") and half_way.state.otp_resends == 1
    assert [c.amount for c in half_way.state.ledger] == [4.0]
    store.close()
    assert Store(path).schema_version == SCHEMA_VERSION  # opening again changes nothing

    rt = Runtime.open(home=isolated, mode="sandbox")  # and the app works on it: C00001 goes all the way
    try:
        assert {row["key"] for row in rt.store.summaries()} == {"C00001", "C00002"}
        # the columns lookups count by were derived again from the JSON when the domain connected
        lookups = {r.key: r.derived for r in map(rt.store.get, ("C00001", "C00002"))}
        assert {k: (d["derived"], d["address_key"], d["registered"]) for k, d in lookups.items()} == {
            "C00001": (DERIVATION, "123 pine st|98101|US", 0), "C00002": (DERIVATION, "123 pine st|98101|US", 0)}
        assert "lefevre" in lookups["C00001"]["search"] and lookups["C00001"]["campaign_number"] == "+12065550100"
        # its campaign was saved before Twilio required policy URLs: it loads, and is stopped before any fee
        c = await drive(rt, "C00001", SCENARIOS[0])
        assert "privacy policy URL" in rt.engine.summary(c).next_action and not c.state.sids.get("campaign")
        campaign = c.campaign.model_copy(update={"privacy_policy_url": "https://zoe.com/privacy",
                                                 "terms_url": "https://zoe.com/terms"})
        Desk(rt).save_step("C00001", c.version, 4, campaign)
        await drive(rt, "C00001", SCENARIOS[0])
        assert await check_one_of_each(rt, "C00001") == []
    finally:
        await rt.aclose()


def test_an_empty_file_at_the_store_path_becomes_a_new_store(tmp_path: Path):
    """Version 0: a zero-length file (touched, or left by a crash during the very first open)."""
    path = tmp_path / "a2p-wizard.db"
    path.touch()
    assert Store(path).schema_version == SCHEMA_VERSION


# -- files that are not ours, or damaged ---------------------------------------------------------------------


def _foreign_sqlite(path: Path) -> None:
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE photos (id INTEGER PRIMARY KEY, name TEXT)")
    db.execute("INSERT INTO photos (name) VALUES ('beach.jpg')")
    db.commit()
    db.close()


def _ours(path: Path, **changes: str) -> None:
    Store(path).close()
    db = sqlite3.connect(path)
    for sql in changes.values():
        db.execute(sql)
    db.commit()
    db.close()


def _damaged(path: Path) -> None:
    """A real store cut short, as a failing disk or an interrupted copy leaves it."""
    Store(path).close()
    data = path.read_bytes()
    path.write_bytes(data[:4096] + b"\x00" * 100 + os.urandom(5000))


BAD_FILES = {
    "text file": lambda p: p.write_text("my tax records 2025\nnot a database\n"),
    "random bytes": lambda p: p.write_bytes(os.urandom(8192)),
    "sqlite header then junk": lambda p: p.write_bytes(b"SQLite format 3\x00" + os.urandom(8000)),
    "a damaged store": _damaged,
    "another program's SQLite": _foreign_sqlite,
    "a newer a2p-wizard's store": lambda p: _ours(p, newer=f"PRAGMA user_version = {SCHEMA_VERSION + 7}"),
    "a store without its customers table": lambda p: _ours(p, dropped="DROP TABLE customers"),
}


@pytest.fixture(scope="module")
def bad_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, bytes, dict, str]]:
    """Each bad file in its own data folder, and what `a2p-wizard list` (forked, all at once) said about it."""
    root = tmp_path_factory.mktemp("bad-files")
    homes = {}
    for i, (name, make) in enumerate(BAD_FILES.items()):
        home = root / f"home{i}"
        home.mkdir()
        make(home / "a2p-wizard.db")
        homes[name] = home
    before = {name: (home / "a2p-wizard.db").read_bytes() for name, home in homes.items()}
    runs = run_forked([{"home": str(home), "args": ["list"], "out": str(home.parent / f"{home.name}-list")}
                       for home in homes.values()])
    return {name: (home, before[name], run, (home.parent / f"{home.name}-list.err").read_text())
            for (name, home), run in zip(homes.items(), runs, strict=True)}


@pytest.mark.parametrize("name", BAD_FILES)
@pytest.mark.slow
def test_a_foreign_or_damaged_file_is_refused_and_never_changed(bad_files, name: str):
    home, before, run, stderr = bad_files[name]
    path = home / "a2p-wizard.db"
    assert run["code"] == 1 and stderr.startswith("a2p-wizard: ") and "Traceback" not in stderr, stderr
    assert str(path) in stderr and ("left untouched" in stderr or "damaged" in stderr)
    with pytest.raises(StoreError, match=r"left untouched|damaged") as refused:
        store = Store(path)
        store.keys()
        store.close()
    assert str(path) in str(refused.value)
    assert path.read_bytes() == before
    assert sorted(p.name for p in home.iterdir() if p.name.startswith("a2p-wizard.db")) == ["a2p-wizard.db"]


@pytest.mark.slow
def test_a_folder_at_the_store_path_is_refused(isolated: Path):
    (isolated / "a2p-wizard.db").mkdir(parents=True)
    with pytest.raises(StoreError, match="not a file"):
        Store(isolated / "a2p-wizard.db")
    result = cli(isolated, "list")
    assert result.returncode == 1 and "not a file" in result.stderr and "Traceback" not in result.stderr


# -- folders and files that cannot be written (tests run as root: chmod would not stop them) -------------------


@pytest.mark.slow
def test_a_data_folder_under_a_regular_file_is_a_clear_error(tmp_path: Path):
    (tmp_path / "afile").write_text("x")
    result = cli(tmp_path / "afile" / "a2p")
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert "Cannot create the app's folders" in result.stderr and str(tmp_path / "afile") in result.stderr


@pytest.fixture
def immutable():
    """`chattr +i`: not even root may change the file or add to the folder (undone afterwards)."""
    marked: list[Path] = []

    def mark(path: Path) -> None:
        if shutil.which("chattr") is None or subprocess.run(["chattr", "+i", str(path)]).returncode:
            pytest.skip("chattr +i is not available here")
        marked.append(path)

    yield mark
    for path in reversed(marked):
        subprocess.run(["chattr", "-i", str(path)], check=True)


@pytest.mark.slow
def test_a_read_only_data_folder_is_a_clear_error(isolated: Path, immutable):
    isolated.mkdir(parents=True)
    immutable(isolated)
    with pytest.raises(StoreError, match="Cannot create the store .* not permitted"):
        Store(isolated / "a2p-wizard.db")
    result = cli(isolated, "list")
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert str(isolated) in result.stderr
    assert list(isolated.iterdir()) == []


@pytest.mark.slow
def test_a_read_only_store_file_is_a_clear_error_and_stays_as_it_was(isolated: Path, immutable):
    rt_home = isolated
    result = cli(rt_home, "import", str(_csv(rt_home.parent / "one.csv", 1, "A")))
    assert result.returncode == 0, result.stderr
    path = rt_home / "a2p-wizard.db"
    before = path.read_bytes()
    immutable(path)
    result = cli(rt_home, "import", str(_csv(rt_home.parent / "two.csv", 2, "B")))
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert str(path) in result.stderr and ("cannot be written" in result.stderr or "readonly" in result.stderr)
    assert path.read_bytes() == before


def _csv(path: Path, n: int, prefix: str) -> Path:
    rows = [f.csv_row(f"{prefix}{i}", street=f"{i} Main St") for i in range(n)]
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.DictWriter(fh, fieldnames=list(rows[0]))
        out.writeheader()
        out.writerows(rows)
    return path


def _full_disk(limit: int):
    """In the child: files may not grow past `limit` bytes (RLIMIT_FSIZE binds root too) — a full disk."""

    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # get EFBIG, as with ENOSPC, instead of being killed
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, resource.RLIM_INFINITY))

    return apply


@pytest.mark.slow
def test_a_full_disk_during_an_import_imports_nothing_and_says_so(isolated: Path):
    assert cli(isolated, "import", str(_csv(isolated.parent / "first.csv", 3, "A"))).returncode == 0
    path = isolated / "a2p-wizard.db"
    saved = {k: Store(path).get(k) for k in ("A0", "A1", "A2")}
    many = _csv(isolated.parent / "many.csv", 300, "B")
    result = subprocess.run([a2p_wizard(), "import", str(many)], env=app_env(isolated), capture_output=True,
                            text=True, preexec_fn=_full_disk(path.stat().st_size + 60_000), timeout=60)
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert "the disk is full" in result.stderr and "No customer of" in result.stderr and str(path) in result.stderr
    store = Store(path)
    assert store.keys() == ["A0", "A1", "A2"] and {k: store.get(k) for k in saved} == saved
    store.close()
    again = cli(isolated, "import", str(many))  # space freed: the same file imports whole
    assert again.returncode == 0 and "Imported 300 customer(s)" in again.stdout, again.stderr


@pytest.mark.slow
async def test_a_full_disk_in_the_middle_of_advancing_loses_nothing(isolated: Path, tmp_path: Path, monkeypatch):
    """Twilio (the served sandbox) keeps working while our disk fills up: what was sent is found again."""
    with served_sandbox(tmp_path / "twilio.db") as live:
        for name, value in live.env.items():
            monkeypatch.setenv(name, value)
        rt = Runtime.open(home=isolated)
        key = Desk(rt).create(f.profile(), f.bundle(), f.campaign()).key
        await rt.aclose()
        store = isolated / "a2p-wizard.db"
        outcomes = []
        for headroom in (36_000, 48_000, 60_000):  # room for a few journal writes, then none
            result = subprocess.run([a2p_wizard(), "advance", key], env=app_env(isolated, **live.env),
                                    capture_output=True, text=True, timeout=60,
                                    preexec_fn=_full_disk(store.stat().st_size + headroom))
            assert "Traceback" not in result.stderr, result.stderr
            outcomes.append(result.returncode)
            if result.returncode:
                assert "the disk is full" in result.stdout + result.stderr
        assert 1 in outcomes, "the disk never filled up: lower the headroom"
        rt = Runtime.open(home=isolated)
        try:
            await drive(rt, key, SCENARIOS[0], sandbox=live.sandbox)
            assert await check_one_of_each(rt, key, live.sandbox) == []
        finally:
            await rt.aclose()


# -- private files, racing first opens ---------------------------------------------------------------------


@pytest.mark.slow
def test_everything_is_private_even_with_a_permissive_umask(tmp_path: Path):
    home = tmp_path / "new" / "a2p"
    csv_file = _csv(tmp_path / "one.csv", 1, "A")
    result = subprocess.run([a2p_wizard(), "import", str(csv_file)], env=app_env(home), capture_output=True,
                            text=True, preexec_fn=lambda: os.umask(0), timeout=60)
    assert result.returncode == 0, result.stderr
    assert cli(home, "advance", "A0").returncode == 0
    modes = {p.relative_to(tmp_path).as_posix(): stat.S_IMODE(p.stat().st_mode)
             for p in [tmp_path / "new", *sorted((tmp_path / "new").rglob("*"))]}
    assert modes == {
        "new": 0o700, "new/a2p": 0o700, "new/a2p/a2p-wizard.db": 0o600, "new/a2p/sandbox.db": 0o600,
        "new/a2p/logs": 0o700, "new/a2p/logs/a2p-wizard.log": 0o600, "new/a2p/a2p-wizard.store-created": 0o600,
        "new/a2p/a2p-wizard.journal-mark": 0o600, "new/a2p/a2p-wizard.journal-mark.lock": 0o600,
    }


async def test_the_store_s_wal_and_shm_files_are_private_too(tmp_path: Path):
    old = os.umask(0)
    try:
        rt = Runtime.open(home=tmp_path / "a2p", mode="sandbox")
        Desk(rt).create(f.profile())
        side = sorted((tmp_path / "a2p").glob("*-[ws][ah][lm]"))
        assert [p.name for p in side] == ["a2p-wizard.db-shm", "a2p-wizard.db-wal", "sandbox.db-shm",
                                          "sandbox.db-wal"]
        assert {stat.S_IMODE(p.stat().st_mode) for p in side} == {0o600}
        await rt.aclose()
    finally:
        os.umask(old)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.slow
def test_many_processes_opening_a_new_store_at_once_all_succeed(tmp_path: Path, backend: str, request):
    """The first open creates, migrates and switches both databases to WAL: racing it used to fail with
    "database is locked" (SQLite refuses two upgrading readers) or "another program's file" (the schema read
    in two snapshots, half-way through another process's migration). On PostgreSQL the processes race to create
    the schema and its extensions in a new database."""
    stores = Backend(request.getfixturevalue("postgres") if backend == "postgres" else None)
    try:
        for attempt in range(2):
            home = stores.fresh(tmp_path / f"race{attempt}")
            results = run_forked([{"home": str(home.path), "args": ["list"], "env": home.env,
                                   "out": str(tmp_path / f"list{attempt}-{i}")} for i in range(10)], parallel=10)
            errors = [(tmp_path / f"list{attempt}-{i}.err").read_text() for i in range(10)]
            assert [r["code"] for r in results] == [0] * 10, errors
            with closing(PostgresStore(home.store_url) if home.store_url
                         else Store(home.path / "a2p-wizard.db")) as store:
                assert store.schema_version == (PG_SCHEMA_VERSION if home.store_url else SCHEMA_VERSION)
    finally:
        stores.drop()


@pytest.mark.slow
async def test_a_full_disk_while_advancing_everyone_says_so_without_a_traceback(isolated: Path, tmp_path: Path,
                                                                                  monkeypatch):
    with served_sandbox(tmp_path / "twilio.db") as live:
        for name, value in live.env.items():
            monkeypatch.setenv(name, value)
        rt = Runtime.open(home=isolated)
        for n in range(8):  # more than advance_many runs at once: some are still running when the disk fills
            Desk(rt).create(f.profile(street=f"{n} Main St"), f.bundle(), f.campaign())
        await rt.aclose()
        store = isolated / "a2p-wizard.db"
        outcomes = []
        for headroom in (36_000, 48_000, 60_000):
            result = subprocess.run([a2p_wizard(), "advance", "--all", "--yes"], env=app_env(isolated, **live.env),
                                    capture_output=True, text=True, timeout=60,
                                    preexec_fn=_full_disk(store.stat().st_size + headroom))
            assert "Traceback" not in result.stderr and "Task exception" not in result.stderr, result.stderr
            outcomes.append(result.returncode)
            if result.returncode:
                assert "the disk is full" in result.stdout + result.stderr
        assert 1 in outcomes, "the disk never filled up: lower the headroom"
