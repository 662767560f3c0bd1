"""The PostgreSQL store's own: its migrations and schema, foreign and newer databases refused, errors in plain words
without the password, a dropped connection, racing first opens, leases held between two processes, and the engine
taking a customer all the way on it."""

from __future__ import annotations

import multiprocessing
import sqlite3
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest

from storage.customers import Record, StoreError
from storage.pages import Query
from storage.postgres.migrations import PG_MIGRATIONS, PG_SCHEMA_VERSION
from storage.postgres.store import PostgresStore
from storage.postgres.urls import masked
from storage.sqlite.store import Store
from tests.support.flow import CREATES, SCENARIOS, create, drive, owned
from tests.support.pg import Server
from tests.support.reliability import check_one_of_each
from wizard.session.runtime import Runtime

pytestmark = pytest.mark.slow


def _columns(db: psycopg.Connection, table: str) -> set[str]:
    return {name for (name,) in db.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = %s", (table,))}


def test_a_new_database_gets_every_migration_once_and_the_columns_of_the_sqlite_store(pg_url, tmp_path):
    store = PostgresStore(pg_url)
    assert store.schema_version == PG_SCHEMA_VERSION == max(PG_MIGRATIONS)
    store.close()
    PostgresStore(pg_url).close()  # opening again changes nothing
    lite = sqlite3.connect(Store(tmp_path / "a2p.db").path)
    with psycopg.connect(pg_url) as db:
        assert db.execute("SELECT version FROM a2p_schema ORDER BY version").fetchall() == [
            (v,) for v in range(1, PG_SCHEMA_VERSION + 1)]
        for table in ("customers", "journal"):
            assert _columns(db, table) == {row[1] for row in lite.execute(f"PRAGMA table_xinfo({table})")}, table


def test_a_bulk_load_into_an_empty_store_builds_the_same_indexes_after_the_rows_and_analyzes_them(pg_url):
    store = PostgresStore(pg_url)
    indexes = "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'customers' ORDER BY indexname"
    statistics = "SELECT count(*) FROM pg_stats WHERE tablename = 'customers' AND attname = 'name'"
    before = store._tuples(indexes)
    assert store._tuples(statistics) == [(0,)]
    assert store.insert_many(Record(f"B{n}", derived={"name": f"Bulk {n}", "search": f"b{n} bulk {n}  "})
                             for n in range(50)) == 50
    assert store._tuples(statistics) == [(1,)]  # the planner knows the rows at once, not after autovacuum's turn
    assert store.insert_many([Record("B50", derived={"name": "Bulk 50", "search": "b50 bulk 50  "})]) == 1
    assert store._tuples(indexes) == before and len(before) > 20
    listing = store.pages()
    assert listing.total(Query("bulk")) == 51 and listing.total(Query("5")) == 6
    listing.close()
    store.close()


def test_keys_sort_byte_by_byte_as_on_sqlite_whatever_the_database_s_locale(postgres: Server, tmp_path):
    name = postgres.create_database(icu_locale="en-US")
    try:
        with psycopg.connect(postgres.url(name)) as db:  # this database's own order puts case and accents last
            assert [k for (k,) in db.execute("SELECT unnest(ARRAY['b', 'B', 'a', 'é']) AS k ORDER BY k")] == [
                "a", "b", "B", "é"]
        moment = lambda: "2026-11-28T12:00:00Z"  # noqa: E731 (one created_at: the keys alone order them)
        stores = [PostgresStore(postgres.url(name), clock=moment), Store(tmp_path / "a2p.db", clock=moment)]
        for store in stores:
            for key in ("b1", "B2", "a3", "é4", "_5", "A6"):
                store.insert(Record(key, derived={"name": key.upper()}))
        assert stores[0].keys() == stores[1].keys() == ["A6", "B2", "_5", "a3", "b1", "é4"]
        assert stores[0].summaries() == stores[1].summaries()
        for store in stores:
            store.close()
    finally:
        postgres.drop_database(name)


def test_another_programs_customers_table_is_refused_and_left_untouched(pg_url):
    with psycopg.connect(pg_url, autocommit=True) as db:
        db.execute("CREATE TABLE customers (id integer, name text)")
        db.execute("INSERT INTO customers VALUES (1, 'beach.jpg')")
    with pytest.raises(StoreError, match="another program's customers table; it was left untouched"):
        PostgresStore(pg_url)
    with psycopg.connect(pg_url) as db:
        assert db.execute("SELECT * FROM customers").fetchall() == [(1, "beach.jpg")]
        assert db.execute("SELECT to_regclass('a2p_schema')").fetchone() == (None,)


def test_a_newer_schema_is_refused(pg_url):
    PostgresStore(pg_url).close()
    with psycopg.connect(pg_url, autocommit=True) as db:
        db.execute("INSERT INTO a2p_schema VALUES (%s, 'later')", (PG_SCHEMA_VERSION + 1,))
    with pytest.raises(StoreError, match="newer a2p-wizard"):
        PostgresStore(pg_url)


def test_many_connections_creating_the_schema_at_once_all_succeed(pg_url):
    start = threading.Barrier(8)

    def open_one(_: int) -> int:
        start.wait()
        store = PostgresStore(pg_url)
        try:
            return store.schema_version
        finally:
            store.close()

    with ThreadPoolExecutor(8) as pool:
        assert list(pool.map(open_one, range(8))) == [PG_SCHEMA_VERSION] * 8


# -- secrets and errors ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("url", "shown"), [
    ("postgresql://a2p:s3cr%40t@db.example.com:5432/a2p", "postgresql://a2p:***@db.example.com:5432/a2p"),
    ("postgres://a2p:s3cret@/a2p?host=/run/pg&password=s3cret&sslmode=require",
     "postgres://a2p:***@/a2p?host=/run/pg&password=***&sslmode=require"),
    ("postgresql://a2p@db.example.com/a2p", "postgresql://a2p@db.example.com/a2p"),
    ("host=db user=a2p password='s3 cret' dbname=a2p", "host=db user=a2p password=*** dbname=a2p"),
    ("host=db password=s3cret dbname=a2p", "host=db password=*** dbname=a2p"),
])
def test_the_password_is_masked_wherever_the_url_is_shown(url, shown):
    assert masked(url) == shown


def test_a_wrong_password_is_a_clear_error_without_the_password(postgres: Server, pg_url):
    url = pg_url.replace(postgres.password, "n0t-the-Passw0rd")
    with pytest.raises(StoreError, match="refused the user name or password") as refused:
        PostgresStore(url)
    assert "n0t-the-Passw0rd" not in str(refused.value) and "a2p:***@" in str(refused.value)
    assert refused.value.__cause__ is None and refused.value.__suppress_context__


def test_a_server_that_is_down_is_a_clear_error(postgres: Server, tmp_path: Path):
    url = Server(tmp_path, postgres.bin, postgres.password).url("a2p")  # a folder where no server listens
    with pytest.raises(StoreError, match="cannot be reached; check that it is running") as down:
        PostgresStore(url)
    assert postgres.password not in str(down.value)


def _drop_connections(postgres: Server, url: str) -> None:
    """The server ends every a2p-wizard connection to the database (a restart, a network cut)."""
    database = url.split("?")[0].rsplit("/", 1)[1]
    with postgres.admin() as db:
        ended = db.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s "
                           "AND application_name = 'a2p-wizard'", (database,)).fetchall()
    assert ended


def test_a_dropped_connection_half_saves_nothing_and_the_next_call_connects_again(postgres: Server, pg_url):
    store = PostgresStore(pg_url)
    store.insert(Record("K1", inputs={"a": 1}))

    def cut_off(record: Record) -> Record:
        _drop_connections(postgres, pg_url)
        return replace(record, inputs={"a": 2}, state={"sids": {"profile": "BU1"}})

    with pytest.raises(StoreError, match="connection to the PostgreSQL server was lost.*Nothing was half-saved") as e:
        store.mutate("K1", cut_off)
    assert postgres.password not in str(e.value)
    assert (store.get("K1").inputs, store.get("K1").state, store.get("K1").version) == ({"a": 1}, {}, 1)
    _drop_connections(postgres, pg_url)
    assert store.keys() == ["K1"]  # a read finding its connection lost connects again
    _drop_connections(postgres, pg_url)
    store.insert(Record("K2"))  # and so does a transaction's start
    assert store.keys() == ["K1", "K2"]
    store.close()


def test_a_server_gone_for_good_is_a_clear_error_on_the_next_call(postgres: Server, pg_url):
    store = PostgresStore(pg_url)
    database = pg_url.split("?")[0].rsplit("/", 1)[1]
    with postgres.admin() as db:
        db.execute(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS false')
    _drop_connections(postgres, pg_url)
    for call in (store.keys, lambda: store.insert(Record("K1"))):  # a read, a write: both try to connect again
        with pytest.raises(StoreError, match=r"Cannot open the store at postgresql://a2p:\*\*\*@/[^:]*: connection "
                                             r"failed: .* is not currently accepting connections\.$") as refused:
            call()
        assert postgres.password not in str(refused.value)
    store.close()


def test_the_full_check_parses_every_customer_s_json(pg_url):
    store = PostgresStore(pg_url)
    store.insert(Record("K1", inputs={"a": 1}))
    store.check(full=True)
    with store.transaction():
        store._run("UPDATE customers SET inputs = '{\"a\": ' WHERE key = ?", ("K1",))
    store.check()  # the quick check reads the rows, not inside them
    with pytest.raises(StoreError, match=r"is damaged \(customer 'K1' holds malformed JSON.*pg_dump"):
        store.check(full=True)
    store.close()


# -- two processes -------------------------------------------------------------------------------------------


def _operator(url: str, name: str, rounds: int, start: threading.Barrier, results: multiprocessing.Queue) -> None:
    """Claim the customer, work under its lease (a journal entry, a state change), check nobody else worked
    meanwhile, release; `rounds` times."""
    store = PostgresStore(url)
    held = overlaps = 0
    start.wait()
    for _ in range(rounds):
        now = datetime.now(UTC)
        if not store.claim("K1", name, (now + timedelta(minutes=10)).isoformat(), now.isoformat()):
            continue
        held += 1
        store.journal_start("K1", "work", "POST", "/v1/Work")
        store.mutate("K1", lambda r: replace(r, state={"holder": name, "turns": r.state.get("turns", 0) + 1}))
        time.sleep(0.001)
        overlaps += store.get("K1").state["holder"] != name
        store.release("K1", name)
    store.close()
    results.put((name, {"held": held, "overlaps": overlaps}))


def test_two_processes_take_turns_under_the_lease_and_lose_no_update(pg_url):
    PostgresStore(pg_url).insert(Record("K1"))
    context = multiprocessing.get_context("fork")
    start, results = context.Barrier(2), context.Queue()
    operators = [context.Process(target=_operator, args=(pg_url, name, 150, start, results))
                 for name in ("host-a:1:aa", "host-b:2:bb")]
    for operator in operators:
        operator.start()
    a, b = dict(results.get(timeout=60) for _ in operators).values()
    for operator in operators:
        operator.join(timeout=10)
        assert operator.exitcode == 0
    store = PostgresStore(pg_url)
    assert a["overlaps"] == b["overlaps"] == 0
    assert a["held"] and b["held"]
    assert store.get("K1").state["turns"] == len(store.journal("K1")) == a["held"] + b["held"]
    assert store.lease_owner("K1") is None
    store.close()


# -- the engine on it ----------------------------------------------------------------------------------------


async def test_a_customer_goes_all_the_way_on_postgresql(isolated: Path, clock, pg_url):
    """Every step's calls journaled before they are sent and closed after, one of each resource, fees recorded."""
    rt = Runtime.open(home=isolated, mode="sandbox", now=clock, store_url=pg_url)
    try:
        key = create(rt)
        c = await drive(rt, key, SCENARIOS[0])
        assert await check_one_of_each(rt, key) == [] and owned(rt, key) == CREATES
        journal = rt.store.journal(key)
        assert rt.store.open_entries(key) == [] and len(journal) >= sum(CREATES.values())
        assert rt.store.last_journal_id() == journal[-1].id
        assert [charge.amount for charge in c.state.ledger] == [4.5, 15.0]
    finally:
        await rt.aclose()
