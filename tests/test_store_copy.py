"""`store copy`: a whole store moved SQLite → PostgreSQL → SQLite unchanged, the flow going on where it was on the
copy, a non-empty target refused, a copy that differs from its source undone, and the command's words (never the
password)."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg.rows import dict_row

from storage.copying import CopyMismatch, CopyRefused, copy_store
from storage.customers import CustomerStore, Record, StoreError
from storage.pages import Query
from storage.postgres.store import PostgresStore
from storage.sqlite.store import Store
from tests.support import factories as f
from tests.support.flow import create, drive
from tests.support.pg import Server
from tests.support.reliability import check_one_of_each
from wizard.cli import main
from wizard.desk import Desk
from wizard.session.runtime import Runtime

ORDER = {"customers": "key", "journal": "id"}


def everything(store: CustomerStore, url: str | None = None) -> dict[str, list[dict[str, Any]]]:
    """Every column (generated ones too) of every row of both tables, read straight from the database."""
    if isinstance(store, Store):
        db = sqlite3.connect(store.path)
        db.row_factory = sqlite3.Row
        found = {t: [dict(r) for r in db.execute(f"SELECT * FROM {t} ORDER BY {o}")] for t, o in ORDER.items()}
        db.close()
        return found
    assert url is not None
    with psycopg.connect(url, row_factory=dict_row) as db:
        return {t: db.execute(f"SELECT * FROM {t} ORDER BY {o}").fetchall() for t, o in ORDER.items()}


def small_store(path: Path, n: int = 3) -> Store:
    """An SQLite store of `n` customers, each with a journal entry."""
    store = Store(path)
    for i in range(1, n + 1):
        key = f"K{i}"
        store.insert(Record(key, inputs={"n": i}, state={"s": "é"}, derived=f.derived(key, name=f"Pat {i}",
                                                                                     stage=1, spend=4.5 * i)))
        store.journal_finish(store.journal_start(key, "create_profile", "POST", "/v1/x", f"a2p:{key}:p"), "done",
                             http_status=201, sid=f"BU{i}")
    return store


@pytest.fixture
def target_url(store: CustomerStore, request: pytest.FixtureRequest) -> str | None:
    """The `store` fixture's database URL when it is PostgreSQL's."""
    return request.getfixturevalue("pg_url") if isinstance(store, PostgresStore) else None


# -- the round trip --------------------------------------------------------------------------------------------


async def test_a_store_goes_to_postgresql_and_back_with_every_column_of_every_row(
        runtime, isolated: Path, tmp_path: Path, pg_url: str):
    done = create(runtime)
    await drive(runtime, done)  # all the way: fees, SIDs, a long journal
    waiting = Desk(runtime).create(f.canadian_profile(), f.canadian_bundle(), f.canadian_campaign()).key
    await runtime.engine.advance(waiting)
    runtime.store.claim(waiting, "host:1:abc", "2026-12-01T00:00:00Z", "2026-11-20T00:00:00Z")
    await runtime.aclose()
    original = Store(isolated / "a2p-wizard.db")
    there, back = PostgresStore(pg_url), Store(tmp_path / "back" / "a2p.db")
    schemas = _schema(there, pg_url), _schema(back, None)

    there_copied = copy_store(original, there)
    back_copied = copy_store(there, back)

    rows = everything(original)
    assert [r["key"] for r in rows["customers"]] == [done, waiting] and len(rows["journal"]) > 20
    assert rows["customers"][1]["lease_owner"] == "host:1:abc" and rows["customers"][0]["spend"] == 19.5
    assert everything(there, pg_url) == rows == everything(back)
    assert (_schema(there, pg_url), _schema(back, None)) == schemas  # every index built again after the rows
    assert there_copied == back_copied and [(c.table, c.rows) for c in back_copied] == [
        ("customers", 2), ("journal", len(rows["journal"]))]
    for store in (original, back):  # the filter's trigram index was rebuilt on the copy
        with closing(store.pages()) as pages:
            assert [r["key"] for r in pages.first(Query(text="nguyen"), 10)] == [waiting]
    assert there.journal_start(done, "check", "GET", "/x") == rows["journal"][-1]["id"] + 1  # the identity goes on
    for store in (original, there, back):
        store.close()


async def test_a_customer_advanced_on_the_copy_goes_on_where_it_was(runtime, isolated: Path, clock, pg_url: str):
    key = create(runtime)
    await runtime.engine.advance(key)  # step 1 sent: waiting for Twilio's review
    before = runtime.store.journal(key)
    await runtime.aclose()
    original = Store(isolated / "a2p-wizard.db")
    copy_store(original, PostgresStore(pg_url))
    original.close()

    rt = Runtime.open(home=isolated, mode="sandbox", now=clock, store_url=pg_url)  # the same folder on the copy
    try:
        assert not Desk(rt).in_doubt  # the copy is not taken for an old backup (the database has a mark of its own)
        assert rt.store.journal(key) == before
        c = await drive(rt, key)
        assert rt.engine.summary(c).done and await check_one_of_each(rt, key) == []
        assert [e.id for e in rt.store.journal(key)][: len(before)] == [e.id for e in before]
        assert min(e.id for e in rt.store.journal(key)[len(before):]) == before[-1].id + 1
    finally:
        await rt.aclose()


# -- refusals and checks ----------------------------------------------------------------------------------------


def test_a_target_that_is_not_empty_is_refused_and_nothing_is_written(store, target_url, tmp_path):
    source = small_store(tmp_path / "source.db")
    store.insert(Record("OWN", derived=f.derived("OWN", name="Already Here")))
    before = everything(store, target_url)
    with pytest.raises(CopyRefused, match=r"is not empty \(1 row\(s\) in customers\); .* nothing was written"):
        copy_store(source, store)
    assert everything(store, target_url) == before
    source.close()


def _spoil(store: CustomerStore, url: str | None, how: str) -> None:
    """A trigger on the target that changes one row on its way in (`changed`) or drops it (`lost`)."""
    if isinstance(store, Store):
        spoil = {"changed": "AFTER INSERT ON customers WHEN new.key = 'K2' BEGIN "
                            "UPDATE customers SET spend = spend + 0.01 WHERE key = new.key; END",
                 "lost": "AFTER INSERT ON journal WHEN new.id = 2 BEGIN DELETE FROM journal WHERE id = new.id; END"}
        with sqlite3.connect(store.path) as db:
            db.execute(f"CREATE TRIGGER spoil {spoil[how]}")
        return
    table, body = {"changed": ("customers", "IF NEW.key = 'K2' THEN NEW.spend := NEW.spend + 0.01; END IF; "
                                            "RETURN NEW;"),
                   "lost": ("journal", "RETURN CASE WHEN NEW.id = 2 THEN NULL ELSE NEW END;")}[how]
    with psycopg.connect(url, autocommit=True) as db:
        db.execute(f"CREATE FUNCTION spoil() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN {body} END $$")
        db.execute(f"CREATE TRIGGER spoil BEFORE INSERT ON {table} FOR EACH ROW EXECUTE FUNCTION spoil()")


def _schema(store: CustomerStore, url: str | None) -> list[Any]:
    if isinstance(store, Store):
        with sqlite3.connect(store.path) as db:
            return db.execute("SELECT type, name, sql FROM sqlite_master ORDER BY name").fetchall()
    with psycopg.connect(url) as db:
        return db.execute("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() UNION ALL "
                          "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                          "WHERE connamespace = current_schema()::regnamespace ORDER BY 1, 2").fetchall()


@pytest.mark.parametrize(("how", "what"), [("changed", "checksums"), ("lost", "rows")])
def test_a_row_changed_or_lost_on_its_way_in_undoes_the_copy(store, target_url, tmp_path, how, what):
    source = small_store(tmp_path / "source.db")
    _spoil(store, target_url, how)
    schema = _schema(store, target_url)
    table = "customers" if how == "changed" else "journal"
    with pytest.raises(CopyMismatch, match=rf"The copy of {table} .* \({what}: 3 rows read, .*it was undone"):
        copy_store(source, store, batch=2)
    assert everything(store, target_url) == {"customers": [], "journal": []}
    assert _schema(store, target_url) == schema  # the indexes set aside while loading are back
    source.close()


def test_a_source_lost_half_way_leaves_the_target_as_it_was(store, target_url, tmp_path, monkeypatch):
    source = small_store(tmp_path / "source.db", n=5)
    schema = _schema(store, target_url)
    scan = source.scan

    def lost(table: str, columns: tuple[str, ...], *, batch: int):
        for n, rows in enumerate(scan(table, columns, batch=batch)):
            if n == 1:
                raise StoreError("Could not read the store: the connection was lost.")
            yield rows

    monkeypatch.setattr(source, "scan", lost)
    with pytest.raises(StoreError, match="connection was lost"):
        copy_store(source, store, batch=2)
    assert everything(store, target_url) == {"customers": [], "journal": []}
    assert _schema(store, target_url) == schema
    source.close()


# -- the command -------------------------------------------------------------------------------------------------


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    """The exit status and everything printed (stdout and stderr)."""
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out + err


def test_store_copy_to_postgresql_and_back_into_another_data_folder(capsys, isolated, tmp_path, postgres: Server):
    small_store(isolated / "a2p-wizard.db").close()
    name = postgres.create_database()
    url = postgres.url(name)
    try:
        code, said = run(capsys, "store", "copy", "--to", url)
        assert code == 0, said
        assert "customers             3  ok " in said and "journal               3  ok " in said
        assert postgres.password not in said and "a2p:***@" in said

        code, said = run(capsys, "--data-dir", str(tmp_path / "other"), "store", "copy", "--from", url)
        assert code == 0, said
        assert everything(Store(tmp_path / "other" / "a2p-wizard.db")) == everything(Store(isolated / "a2p-wizard.db"))

        code, said = run(capsys, "store", "copy", "--to", url)
        assert code == 1 and "is not empty (3 row(s) in customers, 3 row(s) in journal)" in said
        assert "nothing was written" in said and postgres.password not in said and "Traceback" not in said
    finally:
        postgres.drop_database(name)


@pytest.mark.parametrize("how", ["A2P_STORE_URL", "--store"])
def test_store_copy_from_the_team_s_database_into_a_file(capsys, tmp_path, pg_url, monkeypatch, how):
    source = small_store(tmp_path / "source.db")
    copy_store(source, PostgresStore(pg_url))
    if how == "A2P_STORE_URL":  # the app uses the team's database
        monkeypatch.setenv("A2P_STORE_URL", pg_url)
    code, said = run(capsys, *(["--store", pg_url] if how == "--store" else []), "store", "copy", "--to",
                     str(tmp_path / "file.db"))
    assert code == 0, said
    assert everything(Store(tmp_path / "file.db")) == everything(source)


def test_store_copy_says_what_is_wrong_without_the_password(capsys, tmp_path, postgres: Server):
    small_store(tmp_path / "home" / "a2p-wizard.db").close()
    name = postgres.create_database()
    try:
        code, said = run(capsys, "store", "copy", "--to", postgres.url(name, password="not-the-s3cret"))
        assert code == 1 and "refused the user name or password" in said and "not-the-s3cret" not in said
    finally:
        postgres.drop_database(name)
    nowhere = f"postgresql://a2p:hush-hush@/a2p?host={tmp_path / 'no-server'}"
    code, said = run(capsys, "store", "copy", "--to", nowhere)
    assert code == 1 and "cannot be reached" in said and "hush-hush" not in said
    code, said = run(capsys, "store", "copy", "--from", str(tmp_path / "missing.db"))
    assert code == 1 and "There is no store at" in said
    with pytest.raises(SystemExit) as usage:
        main(["store", "copy"])
    assert usage.value.code == 2
