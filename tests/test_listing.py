"""The list's data, on both stores (SQLite and PostgreSQL) where it is about what a list shows: substring filter
(trigram index or walk, same answers; one or two characters; accents and phone formats), every sort order, pages
read from either end or from the page before while rows change, active and offboarded customers, counts (stopped
when no longer wanted) and the monthly run-rate, names in a person's order; and SQLite's own: its plans, bulk
inserts, the search index kept in step. Rows as the screen shows them."""

from __future__ import annotations

import random
import sqlite3
import threading
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest

from storage.customers import CustomerStore
from storage.pages import Pages
from storage.postgres.store import PostgresStore
from storage.sqlite.migrations import MIGRATIONS
from storage.sqlite.pages import ORDERS, Listing, Query
from storage.sqlite.store import Record, Store
from tests.support import factories as f
from tests.support import pg as pgkit
from tests.support.factories import FROZEN, derived
from tests.support.flow import drive
from wizard.customer.fees import Prices
from wizard.customer.search import sort_key
from wizard.customer.stages import ATTENTION
from wizard.desk import Desk
from wizard.listing import CustomerList, ListQuery, StageCounts, ago, row
from wizard.session.runtime import Runtime

NAMES = ("Maya Patel", "Luis Ortega", "Grace Kim", "Sam Reed", "Zoë Lefèvre", "Ana 100% Souza", "Omar_Haddad",
         "Łukasz Żak", "émile Quérand")


def summary(n: int, rng: random.Random) -> dict[str, Any]:
    stage = rng.randint(1, 4)
    return {
        "name": f"{rng.choice(NAMES)} {n}", "brand": rng.choice([None, f"Brand {n % 37}"]),
        "email": f"user{n}@{rng.choice(['example.com', 'mail.test'])}", "phone": f"+1206555{n % 10000:04d}",
        "stage": stage, "step_status": rng.choice(["not started", "in-review", "APPROVED/UNVERIFIED", "FAILED"]),
        "next_action": rng.choice(["Ready.", "Waiting for Twilio.", "Fix it."]),
        "attention": rng.choice(list(ATTENTION.values())), "done": 0,
        "otp_sent_at": rng.choice([None, f"2026-11-{rng.randint(10, 19)}T0{rng.randint(0, 9)}:00:00+00:00"]),
        "offboarded": int(n % 10 == 0), "billed_campaign": int(stage == 4 and n % 10 != 0),
        "billed_number": int(stage == 4 and n % 3 == 0 and n % 10 != 0), "spend": float(stage > 2) * 4.5,
    }


def fill(s: CustomerStore) -> CustomerStore:
    rng = random.Random(3)
    s.insert_many(Record(f"C{n:05d}", derived=derived(f"C{n:05d}", **summary(n, rng)),
                         updated_at=f"2026-11-{1 + n % 28:02d}T10:00:00Z")
                  for n in range(1, 1201))
    return s


@pytest.fixture(scope="module", params=pgkit.BACKENDS)
def filled(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[CustomerStore]:
    """1,200 customers on each backend, for the tests that only read them (filled once per module)."""
    if request.param == "sqlite":
        s: CustomerStore = Store(tmp_path_factory.mktemp("listing") / "store.db")
    else:
        server = request.getfixturevalue("postgres")
        name = server.create_database()
        s = PostgresStore(server.url(name))
    yield fill(s)
    s.close()
    if request.param == "postgres":
        server.drop_database(name)


@pytest.fixture
def lite(tmp_path: Path) -> Iterator[Store]:
    """The 1,200 customers in a new SQLite store (for SQLite's own tests, and those that add customers)."""
    s = Store(tmp_path / "store.db")
    yield fill(s)
    s.close()


@pytest.fixture
def listing(filled: CustomerStore) -> Iterator[Pages]:
    lst = filled.pages()
    yield lst
    lst.close()


def search_of(store: CustomerStore, offboarded: bool = False) -> dict[str, str]:
    return dict(store._tuples("SELECT key, search FROM customers WHERE offboarded = ?", (int(offboarded),)))


@pytest.mark.parametrize("text", ["m", "ma", "MAYA", "patel 1", "example.com", "mail", "c0004", "zoë", "100%",
                                  "_h", "omar_", "+1206555", "nobody here", "  grace  ", "q", "qu", "ł", "zak", "k",
                                  "1", "11", "7 ", "x", "%", '"', "e\\"])
@pytest.mark.parametrize("offboarded", [False, True])
def test_filter_finds_exactly_the_rows_containing_the_text(filled: CustomerStore, listing: Pages, text: str,
                                                           offboarded: bool) -> None:
    wanted = {k for k, s in search_of(filled, offboarded).items() if text.strip().casefold() in s}
    query = Query(text, offboarded=offboarded)
    assert listing.total(query) == len(wanted)
    assert {r["key"] for r in listing.page(query, 0, 2000)} == wanted
    assert {r["key"] for r in listing.first(query, 2000)} == wanted


def test_few_rows_are_read_through_the_trigram_index_and_many_along_the_sort_order(lite: Store) -> None:
    store = lite
    # the last characters of a row's text too: "yx" ends "j00004 jozef vyx" (no email, phone or brand)
    store.insert_many(Record(f"J{n:05d}", derived=derived(f"J{n:05d}", name="Jozef Vyx", stage=1, attention=3))
                      for n in range(5))
    listing = Listing(store.path)
    try:
        plans, found = {}, {}
        for text in ("example.com", "c00042", "ma", "j", "yx", "x", "1", "nobody", "vyx"):
            found[text] = listing.total(Query(text))
            plans[text] = "walk" if listing._planned(Query(text)).walks else "index"
    finally:
        listing.close()
    # one or two characters too: the trigrams they begin (every character of a row's text begins one) count them
    assert plans == {"example.com": "walk", "c00042": "index", "ma": "walk", "j": "index", "yx": "index",
                     "x": "walk", "1": "walk", "nobody": "index", "vyx": "index"}
    assert (found["j"], found["yx"], found["vyx"], found["nobody"]) == (5, 5, 5, 0)


@pytest.mark.parametrize("order, answered", [("name", "rowids"), ("key", "indexed")])
def test_a_walk_along_the_order_that_finds_its_matches_late_reads_them_through_the_index(lite: Store, order: str,
                                                                                        answered: str) -> None:
    store = lite
    # 100 of 1,300 customers hold "zzq", all last in the name and key orders: a walk would read 1,200 rows for the
    # first one. The name order sorts the trigram index's rows by their keys (customers_names), the others read them.
    store.insert_many(Record(f"Z{n:05d}", derived=derived(f"Z{n:05d}", name=f"Zzqa Late {n}", stage=1, attention=3))
                      for n in range(100))
    listing = Listing(store.path)
    try:
        query = Query("zzq", order)
        total = listing.total(query)
        assert listing._planned(query).walks and total == 100
        assert answered not in vars(listing._planned(query))  # not worked out yet
        first = listing.first(query, 5)
        assert answered in vars(listing._planned(query))  # the walk took too long: the index answered
        assert [r["key"] for r in first] == [f"Z{n:05d}" for n in ((0, 1, 10, 11, 12) if order == "name"
                                                                   else range(5))]  # "…Late 0", "1", "10"…
        assert listing.page(query, 0, 100, total=total) == listing.first(query, 100)
        assert listing.page(query, 60, 40, total=total) == listing.first(query, 100)[60:]  # from the other end
    finally:
        listing.close()


@pytest.mark.parametrize("text", ["zzq", "zq"])
def test_matches_gathered_last_in_the_order_are_found_whatever_the_store(store: CustomerStore, text: str) -> None:
    # 100 of 1,300 customers hold the text, all last in the name order: a walk along it finds none for 1,200 rows
    fill(store).insert_many(Record(f"Z{n:05d}", derived=derived(f"Z{n:05d}", name=f"Zzqa Late {n}", stage=1,
                                                                attention=3)) for n in range(100))
    listing = store.pages()
    try:
        query = Query(text, "name")
        total = listing.total(query)
        assert total == 100
        assert [r["key"] for r in listing.first(query, 5)] == [f"Z{n:05d}" for n in (0, 1, 10, 11, 12)]
        assert listing.page(query, 0, 100, total=total) == listing.first(query, 100)
        assert [r["key"] for r in listing.page(query, 95, 5, total=total)] == [f"Z{n:05d}" for n in range(95, 100)]
    finally:
        listing.close()


@pytest.mark.parametrize("text, index", [("zq", "customers_characters"), ("q", "customers_characters"),
                                         ("zzq", "customers_search")])
def test_postgresql_finds_a_text_of_any_length_through_an_index(pg_url: str, text: str, index: str) -> None:
    from storage.postgres.pages import _indexed, _listed_in

    PostgresStore(pg_url).close()
    where, params = _indexed(text)
    with psycopg.connect(pg_url) as db:
        db.execute("SET enable_seqscan = off")  # as the list's reader: an empty table would be scanned otherwise
        plan = db.execute(f"EXPLAIN SELECT key FROM customers WHERE {_listed_in(Query(), indexed=True)[0]} "
                          f"AND {where}", params).fetchall()
    assert index in " ".join(line for (line,) in plan)
    if len(text) < 3:  # not pg_trgm's too, which finds no trigram in it and would read the whole of itself
        assert "customers_search" not in " ".join(line for (line,) in plan)


@pytest.mark.parametrize("text, limit, walks", [("c00042", 5, [40]), ("a", 50, [400]), ("maya", 50, [400, 3200])])
def test_postgresql_walks_a_short_way_first_and_further_only_for_a_text_met_often(
        pg: PostgresStore, monkeypatch: pytest.MonkeyPatch, text: str, limit: int, walks: list[int]) -> None:
    # one customer in 1,200 holds "c00042": the short walk finds none and its index answers; one in 9 "maya": the
    # short walk finds some, the long one the rest; "a" fills the page in the short one
    listing = pg.pages()
    sent: list[tuple[str, tuple[Any, ...]]] = []
    execute = listing._execute

    def spied(sql: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        sent.append((sql, params))
        return execute(sql, params)

    monkeypatch.setattr(listing, "_execute", spied)
    try:
        rows = listing.first(Query(text), limit)  # the needs-action order: as likely anywhere along it
    finally:
        listing.close()
    assert [params[-3] for sql, params in sent if "AS walked" in sql] == walks  # rows each walk may read
    assert any("WITH matching" in sql for sql, _ in sent) == (text == "c00042")
    assert len(rows) == (1 if text == "c00042" else limit)
    assert all(text in " ".join(str(r[c]).casefold() for c in ("key", "name", "email")) for r in rows)


@pytest.mark.parametrize("order", sorted(ORDERS))
@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("text", ["", "a"])
def test_pages_read_one_after_another_make_the_listing(listing: Pages, order: str, descending: bool,
                                                        text: str) -> None:
    query = Query(text, order, descending, due_before="2026-11-15T00:00:00+00:00")
    total = listing.total(query)
    whole = [r["key"] for r in listing.page(query, 0, total, total=total)]
    forward = [r["key"] for start in range(0, total, 50) for r in listing.page(query, start, 50, total=total)]
    backward = [r["key"] for start in range(total - 50, -50, -50)
                for r in reversed(listing.page(query, max(0, start), min(50, start + 50), total=total))][::-1]
    assert forward == backward == whole and len(whole) == total > 500


@pytest.fixture
def pg(pg_url: str) -> Iterator[PostgresStore]:
    s = PostgresStore(pg_url)
    yield fill(s)
    s.close()


def test_the_next_page_goes_on_from_the_last_row_shown_while_rows_change(pg: PostgresStore) -> None:
    query = Query("", "name")
    listing = pg.pages()
    try:
        total = listing.total(query)
        shown = listing.page(query, 0, 40, total=total)
        # meanwhile 10 customers who sort first are added and one shown is removed: 9 rows further down, offsets
        # would show 9 rows again
        pg.insert_many(Record(f"A{n:05d}", derived=derived(f"A{n:05d}", name=f"Aaron {n}")) for n in range(10))
        with pg.transaction():
            pg._run("DELETE FROM customers WHERE key = ?", (shown[5]["key"],))
        now = [r["key"] for r in pg.pages().page(query, 0, 2000)]
        after = listing.page(query, 40, 40, total=total)
        assert [r["key"] for r in after] == now[now.index(shown[-1]["key"]) + 1:][:40]
        # and back up: the page before the first row shown, as the listing is now
        before = listing.page(query, 0, 40, total=total)
        assert [r["key"] for r in before] == now[now.index(after[0]["key"]) - 40:now.index(after[0]["key"])]
        assert before[0]["key"] == "A00009"  # 49 rows come before that page now: the 9 first ones stay above
    finally:
        listing.close()


def test_a_count_no_longer_wanted_is_cancelled_on_the_server(pg: PostgresStore, pg_url: str) -> None:
    listed = CustomerList(pg, lambda: FROZEN)
    counted: list[int | None] = []
    with psycopg.connect(pg_url) as holder, psycopg.connect(pg_url, autocommit=True) as watcher:
        holder.execute("LOCK TABLE customers IN ACCESS EXCLUSIVE MODE")  # the count waits until it is stopped
        counting = threading.Thread(target=lambda: counted.append(listed.total(ListQuery("a"))))
        counting.start()
        while not watcher.execute("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                                  "AND query LIKE 'SELECT count(*)%'").fetchone()[0]:
            threading.Event().wait(0.01)
        listed.stop_counting()
        counting.join()
        holder.rollback()
    try:
        assert counted == [None]
        assert listed.total(ListQuery("a")) == len([s for s in search_of(pg).values() if "a" in s]) > 0
        assert len(listed.first(ListQuery("a"), 10)) == 10  # the same readers go on
    finally:
        listed.close()


@pytest.mark.parametrize("order", sorted(ORDERS))
@pytest.mark.parametrize("descending", [False, True])
def test_every_order_reads_the_same_from_either_end(listing: Pages, order: str, descending: bool) -> None:
    query = Query("a", order, descending)
    total = listing.total(query)
    forward = listing.page(query, 0, total)
    assert [r["key"] for r in listing.page(query, total - 25, 25, total=total)] == [r["key"] for r in forward[-25:]]
    assert [r["key"] for r in listing.page(query, 600, 30, total=total)] == [r["key"] for r in forward[600:630]]
    column, first_desc = ORDERS[order][0]
    values = [otp_due(r) if column == "otp_due" else sort_key(r["name"]) if column == "name_key" else r[column]
              for r in forward]
    present = [v for v in values if v is not None]
    assert present == sorted(present, reverse=first_desc != descending)


def otp_due(r: dict[str, Any]) -> str:
    return r["otp_sent_at"] if r["step_status"].endswith("/UNVERIFIED") and r["otp_sent_at"] else "~"


def test_passcodes_closest_to_running_out_come_first(listing: Pages) -> None:
    rows = listing.page(Query("", "otp_due"), 0, 2000)
    waiting = [r for r in rows if otp_due(r) != "~"]
    assert rows[: len(waiting)] == waiting and waiting
    assert [r["otp_sent_at"] for r in waiting] == sorted(r["otp_sent_at"] for r in waiting)


def test_counts_by_stage_and_attention(filled: CustomerStore, listing: Pages) -> None:
    store, counts = filled, listing.counts()
    assert sum(n for _, _, _, n, *_ in counts) == 1200
    assert sum(n for gone, _, _, n, *_ in counts if gone) == 120 == listing.total(Query(offboarded=True))
    assert len({(gone, s, a) for gone, s, a, *_ in counts}) == len(counts)
    paid = store._value("SELECT sum(spend) FROM customers")
    assert sum(fees for *_, fees, _, _ in counts) == paid > 0
    assert (sum(c for *_, c, _ in counts), sum(n for *_, n in counts)) == store.billed()
    cutoff = "2026-11-15T00:00:00+00:00"
    due = [r for r in listing.page(Query(), 0, 2000) if otp_due(r) < cutoff]
    assert dict(listing.due(cutoff)) == Counter(r["attention"] for r in due)
    assert due


def test_the_list_holds_the_active_customers_or_the_offboarded_ones(filled: CustomerStore) -> None:
    store, listed = filled, CustomerList(filled, lambda: FROZEN)
    try:
        active, gone = (set(search_of(store, offboarded)) for offboarded in (False, True))
        for offboarded, keys in ((False, active), (True, gone)):
            query = ListQuery(sort="name", offboarded=offboarded)
            assert listed.total(query) == len(keys)
            assert {r.key for r in listed.page(query, 0, 2000)} == keys
        counts = listed.counts()
        assert (counts.total, counts.offboarded) == (1080, 120)
        every = store.pages()
        needing = sum(1 for r in every.page(Query(due_before="2026-11-20T00:00:00"), 0, 2000)
                      if r["attention"] < ATTENTION["customer"])
        every.close()
        assert counts.needs_action >= needing  # active customers only (passcodes running out add to them)
    finally:
        listed.close()


@pytest.mark.parametrize("descending", [False, True])
def test_passcodes_running_out_come_first_in_the_attention_order(listing: Pages, descending: bool) -> None:
    cutoff = "2026-11-15T00:00:00+00:00"
    query = Query("", "attention", descending, due_before=cutoff)
    total = listing.total(query)
    forward = listing.page(query, 0, total)
    assert len(forward) == total == 1080  # the active customers
    due = [r for r in forward if otp_due(r) < cutoff]
    rest = [r for r in forward if otp_due(r) >= cutoff]
    assert forward == (rest + due if descending else due + rest)
    assert [otp_due(r) for r in due] == sorted((otp_due(r) for r in due), reverse=descending)
    assert [r["attention"] for r in rest] == sorted((r["attention"] for r in rest), reverse=descending)
    for offset in (0, len(due) - 5, len(due) + 3, 700, total - 30):
        assert listing.page(query, offset, 30, total=total) == forward[offset:offset + 30], offset


@pytest.mark.parametrize("text", ["", "a", "pat", "zz-none"])
@pytest.mark.parametrize("order, descending", [("attention", False), ("attention", True), ("name", False),
                                               ("updated_at", True)])
def test_first_rows_without_a_count_are_the_listings_first_page(listing: Pages, text: str, order: str,
                                                                 descending: bool) -> None:
    query = Query(text, order, descending, due_before="2026-11-15T00:00:00+00:00")
    total = listing.total(query)
    for limit in (1, 40, 1300):
        assert listing.first(query, limit) == listing.page(query, 0, limit, total=total)


def test_a_count_no_longer_wanted_is_stopped(lite: Store) -> None:
    store, listed = lite, CustomerList(lite, lambda: FROZEN)
    try:
        # A newer listing is asked for while the count runs (SQLite calls the handler every 50 steps).
        listed._counting._db.set_progress_handler(lambda: listed.stop_counting(), 50)
        assert listed.total(ListQuery("a")) is None
        listed._counting._db.set_progress_handler(None, 50)
        assert listed.total(ListQuery("a")) == Listing(store.path).total(Query("a")) > 0
    finally:
        listed.close()


def test_the_search_index_follows_inserts_updates_and_deletes(runtime: Runtime) -> None:
    c = Desk(runtime).create(f.profile(first_name="Winifred"))
    lst = Listing(runtime.store.path)
    try:
        assert lst.total(Query("winifred")) == 1
        Desk(runtime).save_step(c.key, c.version, 1, f.profile(first_name="Bartholomew"))
        assert lst.total(Query("winifred")) == 0
        assert lst.total(Query("bartholomew")) == 1
        with runtime.store.transaction() as db:
            db.execute("DELETE FROM customers WHERE key = ?", (c.key,))
        assert lst.total(Query("bartholomew")) == 0
        with runtime.store.transaction() as db:
            db.execute("INSERT INTO customers_fts(customers_fts, rank) VALUES ('integrity-check', 1)")
    finally:
        lst.close()


def sort_keys(store: Store) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """The name order's sort keys as the customers hold them, and as customers_names does."""
    with store.transaction() as db:
        return ([tuple(r) for r in db.execute("SELECT rowid, offboarded, name_key, key FROM customers ORDER BY rowid")],
                [tuple(r) for r in db.execute("SELECT * FROM customers_names ORDER BY id")])


async def test_the_name_orders_sort_keys_follow_inserts_renames_offboarding_and_deletes(runtime: Runtime) -> None:
    store, desk = runtime.store, Desk(runtime)
    c = desk.create(f.profile(first_name="Winifred", last_name="Ashe"))
    other = desk.create(f.profile(first_name="Maud", last_name="Ashe"))
    lst = Listing(store.path)
    try:
        held, kept = sort_keys(store)
        assert held == kept and [k for *_, k in kept] == [c.key, other.key]
        assert [r["key"] for r in lst.first(Query("ashe", "name"), 10)] == [other.key, c.key]
        desk.save_step(c.key, c.version, 1, f.profile(first_name="Adelaide", last_name="Ashe"))
        held, kept = sort_keys(store)
        assert held == kept and kept[0][2] == "adelaide ashe"
        assert [r["key"] for r in lst.first(Query("ashe", "name"), 10)] == [c.key, other.key]
        runtime.engine.save_state(c.key, lambda state: setattr(state, "offboarded_at", "2026-12-01T00:00:00+00:00"))
        held, kept = sort_keys(store)
        assert held == kept and kept[0][1] == 1
        assert [r["key"] for r in lst.first(Query("ashe", "name"), 10)] == [other.key]
        assert [r["key"] for r in lst.first(Query("ashe", "name", offboarded=True), 10)] == [c.key]
        with store.transaction() as db:
            db.execute("DELETE FROM customers WHERE key = ?", (c.key,))
        held, kept = sort_keys(store)
        assert held == kept and [k for *_, k in kept] == [other.key]
        assert lst.first(Query("ashe", "name", offboarded=True), 10) == []
    finally:
        lst.close()


@pytest.mark.parametrize("descending", [False, True])
def test_the_name_order_shows_only_rows_holding_the_text_when_the_trigram_index_finds_more(
        lite: Store, descending: bool) -> None:
    store = lite
    # "abcd" is held by 30 customers; 300 more hold its trigrams "abc" and "bcd" apart, and sort before them
    # either way: the rows the trigram index finds are checked, more of them until the page is full.
    store.insert_many(Record(f"D{n:05d}", derived=derived(f"D{n:05d}", name=f"{first} Abcx Bcdy {n}", stage=1,
                                                          attention=3))
                      for n, first in enumerate(["Aaron"] * 150 + ["Zuzana"] * 150))
    store.insert_many(Record(f"H{n:05d}", derived=derived(f"H{n:05d}", name=f"Mabcd Holder {n}", stage=1,
                                                          attention=3)) for n in range(30))
    listing = Listing(store.path)
    try:
        query = Query("abcd", "name", descending)
        holders = sorted((f"H{n:05d}" for n in range(30)), key=lambda k: sort_key(f"Mabcd Holder {int(k[1:])}"),
                         reverse=descending)
        assert listing.total(query) == 30 and listing._planned(query).walks
        assert [r["key"] for r in listing.first(query, 5)] == holders[:5]
        assert "rowids" in vars(listing._planned(query))  # the walk gave up: the trigram index answered
        assert [r["key"] for r in listing.page(query, 0, 30, total=30)] == holders
        assert [r["key"] for r in listing.page(query, 20, 10, total=30)] == holders[20:]  # from the other end
    finally:
        listing.close()


def test_bulk_insert_keeps_every_index_and_trigger(tmp_path: Path) -> None:
    s = Store(tmp_path / "bulk.db")
    schema = "SELECT type, name, sql FROM sqlite_master WHERE tbl_name = 'customers' ORDER BY name"
    with s.transaction() as db:
        before = db.execute(schema).fetchall()
    assert s.insert_many(Record(f"B{n}", derived=derived(f"B{n}", name=f"Bulk {n}")) for n in range(50)) == 50
    assert s.insert_many([Record("B50", derived=derived("B50", name="Bulk 50"))]) == 1
    s.insert(Record("B51", derived=derived("B51", name="Single 51")))
    held, kept = sort_keys(s)
    assert held == kept and len(kept) == 52
    with s.transaction() as db:
        assert db.execute(schema).fetchall() == before
        db.execute("INSERT INTO customers_fts(customers_fts, rank) VALUES ('integrity-check', 1)")
    lst = Listing(s.path)
    assert lst.total(Query("bulk")) == 51 and lst.total(Query("single")) == 1
    lst.close()
    s.close()


def test_a_version_2_store_gains_the_index_with_its_rows_searchable(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    db = sqlite3.connect(path, isolation_level=None)
    for version in (1, 2):
        for statement in MIGRATIONS[version]:
            db.execute(statement)
    db.execute("PRAGMA user_version = 2")
    db.execute("INSERT INTO customers (key, version, inputs, state, name, stage, attention, search, created_at, "
               "updated_at) VALUES ('C00001', 1, '{}', '{}', 'Old Timer', 1, 3, 'c00001 old timer', 'x', 'x')")
    db.close()
    s = Store(path)
    assert s.schema_version == max(MIGRATIONS)
    lst = Listing(path)
    assert [r["key"] for r in lst.page(Query("timer"), 0, 10)] == ["C00001"]
    assert [r["key"] for r in lst.first(Query("timer", "name"), 10)] == ["C00001"]  # its sort keys too
    lst.close()
    s.close()


def test_a_passcode_running_out_between_saves_needs_action_and_comes_first(runtime_on: Runtime) -> None:
    now = runtime_on.engine.clock()
    waiting = {"stage": 3, "step_status": "APPROVED/UNVERIFIED", "attention": ATTENTION["customer"], "done": 0,
               "next_action": "Waiting for the customer to reply YES."}
    runtime_on.store.insert_many([
        Record("C00001", derived=waiting | {"name": "Fresh", "otp_sent_at": (now - timedelta(hours=2)).isoformat()}),
        Record("C00002", derived={"name": "Ready", "stage": 1, "attention": ATTENTION["ready"], "done": 0,
                                  "step_status": "not started", "next_action": "Ready."}),
        Record("C00003", derived=waiting | {"name": "Stale", "otp_sent_at": (now - timedelta(hours=20)).isoformat()}),
    ])
    lst = CustomerList(runtime_on.store, runtime_on.engine.clock)
    try:
        assert lst.counts().needs_action == 2  # saved as "waiting for the customer", but only 4 h are left
        listed = lst.page(ListQuery(), 0, 10)
        assert [(r.name, r.tone, r.otp) for r in listed] == [
            ("Stale", "urgent", "4 h left"), ("Ready", "action", ""), ("Fresh", "waiting", "22 h left")]
    finally:
        lst.close()


def test_rows_as_the_list_shows_them(runtime: Runtime) -> None:
    data = {"key": "C00009", "name": "Grace Kim", "brand": "Grace Kim Photography", "email": "g@example.com",
            "phone": "+16175550110", "stage": 3, "step_status": "APPROVED/UNVERIFIED", "done": 0,
            "next_action": "Waiting for the customer to reply YES.", "attention": ATTENTION["customer"],
            "otp_sent_at": (FROZEN - timedelta(hours=10)).isoformat(), "otp_resends": 0, "spend": 4.0,
            "updated_at": "2026-11-20T12:00:00Z"}
    shown = row(data, FROZEN)
    assert (shown.otp, shown.updated, shown.tone) == ("14 h left", "3 h ago", "waiting")
    running_out = row(data | {"otp_sent_at": (FROZEN - timedelta(hours=19)).isoformat()}, FROZEN)
    assert (running_out.otp, running_out.tone) == ("5 h left", "urgent")
    lapsed = row(data | {"otp_sent_at": (FROZEN - timedelta(hours=25)).isoformat()}, FROZEN)
    assert (lapsed.otp, lapsed.tone) == ("lapsed", "urgent") and "lapsed" in lapsed.next_action
    done = row(data | {"step_status": "VERIFIED", "stage": 4, "attention": ATTENTION["done"], "done": 1}, FROZEN)
    assert (done.otp, done.tone) == ("", "done")


def test_ago_reads_like_a_person() -> None:
    assert [ago(f"2026-11-20T{t}Z", FROZEN) for t in ("15:00:00", "14:59:30", "14:15:00", "02:00:00")] == [
        "just now", "just now", "45 min ago", "13 h ago"]
    assert ago("2026-11-17T15:00:00Z", FROZEN) == "3 d ago"
    assert ago("2026-10-01T15:00:00Z", FROZEN) == "2026-10-01"
    assert ago(None, FROZEN) == ""


def test_stage_counts_label() -> None:
    counts = StageCounts({1: 12, 2: 3, 3: 5, 4: 9}, done=40, needs_action=7)
    assert counts.label() == ("1 Profile: 12 · 2 Bundle: 3 · 3 Brand & OTP: 5 · 4 Campaign: 9 · Done: 40 · "
                              "Needs action: 7")
    assert counts.total == 69
    assert StageCounts({4: 1}, done=1, needs_action=0, spend=38.0).label().endswith(" · Fees paid: $38.00")
    billed = StageCounts({4: 1}, done=40, needs_action=0, spend=388.5, offboarded=3, billed=(41, 40))
    assert billed.label() == ("1 Profile: 0 · 2 Bundle: 0 · 3 Brand & OTP: 0 · 4 Campaign: 1 · Done: 40 · "
                              "Needs action: 0 · Offboarded: 3 (o) · Fees paid: $388.50")  # prices not known yet
    assert billed.label(Prices()).endswith(" · Fees paid: $388.50 · Monthly: $128.00")  # 41 × $2 + 40 × $1.15
    assert billed.label(Prices(), offboarded=True) == (
        "Offboarded customers: 3 (o: the 41 active) · Fees paid: $388.50 · Monthly: $128.00")


async def test_the_monthly_run_rate_is_the_active_customers_campaigns_and_numbers(runtime_on: Runtime) -> None:
    keys = [Desk(runtime_on).create(f.profile(), f.bundle(), f.campaign(phone_number=number)).key
            for number in ("buy:206", "+12065550100")]
    for key in keys:
        assert runtime_on.engine.summary(await drive(runtime_on, key)).done
    lst = CustomerList(runtime_on.store, runtime_on.engine.clock)
    try:
        prices = Desk(runtime_on).prices
        before = lst.counts()
        assert before.billed == (2, 2) and before.offboarded == 0  # a number bought for one, an account's for two
        assert prices.monthly(*before.billed) == Desk(runtime_on).run_rate() == round(
            2 * (prices.campaign_monthly + prices.number_monthly), 2)
        assert (await Desk(runtime_on).offboard(keys[0], release_number=True)).error is None
        after = lst.counts()
        assert (after.billed, after.offboarded, after.total, after.spend) == ((1, 1), 1, 1, before.spend)
        assert prices.monthly(*after.billed) == Desk(runtime_on).run_rate() == round(
            prices.campaign_monthly + prices.number_monthly, 2)
        assert [r.key for r in lst.page(ListQuery(), 0, 10)] == [keys[1]]
        assert [r.key for r in lst.page(ListQuery(offboarded=True), 0, 10)] == [keys[0]]
    finally:
        lst.close()


async def test_names_sort_as_a_person_expects(runtime_on: Runtime) -> None:
    names = ["Zoë Adams", "Łukasz Nowak", "lucia Ortiz", "Émile Roy", "eve Stone", "Lefèvre Anne", "Lefevre Anne",
             "Ana Maria", "Ana", "Bob Brown", "Ørsted Ida", "Straße Kai"]
    for name in names:
        first, _, last = name.partition(" ")
        Desk(runtime_on).create(f.profile(first_name=first, last_name=last or "X"))
    lst = CustomerList(runtime_on.store, runtime_on.engine.clock)
    try:
        listed = [r.name for r in lst.page(ListQuery(sort="name"), 0, 20)]
        assert listed == ["Ana Maria", "Ana X", "Bob Brown", "Émile Roy", "eve Stone", "Lefèvre Anne",
                          "Lefevre Anne", "lucia Ortiz", "Łukasz Nowak", "Ørsted Ida", "Straße Kai", "Zoë Adams"]
        # the same letters: in the order of their keys (Lefèvre was created first), backwards when descending
        assert [r.name for r in lst.page(ListQuery(sort="name", descending=True), 0, 20)] == listed[::-1]
    finally:
        lst.close()


def test_export_neutralises_formulas_and_follows_the_filter(runtime_on: Runtime, tmp_path: Path) -> None:
    Desk(runtime_on).create(f.profile(first_name="Ann"))
    Desk(runtime_on).create(f.profile(first_name="Bob"))
    lst = CustomerList(runtime_on.store, runtime_on.engine.clock)
    out = tmp_path / "out.csv"
    out.write_text("older export", encoding="utf-8")
    out.chmod(0o644)
    assert lst.export_csv(ListQuery("ann"), out) == 1
    assert out.stat().st_mode & 0o777 == 0o600  # emails and phone numbers: the owner's only
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "key,name,brand,email,phone,number,stage,step,status,next_action,otp,updated_at"
    assert lines[1].startswith("C00001,Ann Lefèvre-Côté,,zoe@example.com,'+12065550134,,1,Profile,")
    lst.close()


@pytest.mark.parametrize("text", ["lefevre", "LEFÈVRE", "nguyen", "Nguyễn", "lukasz", "Łukasz", "(206) 555-0134",
                                  "206-555-0134", "206.555.0134", "+1 206 555 0134", "2065550134"])
def test_the_filter_ignores_accents_and_case_and_matches_phones_by_digits(runtime_on: Runtime, text: str) -> None:
    zoe = Desk(runtime_on).create(f.profile())
    jose = Desk(runtime_on).create(f.profile("jose", phone="+1 415 555 0166"))
    lukasz = Desk(runtime_on).create(f.profile(first_name="Łukasz", last_name="Nowak", phone="+1 312 555 0190"))
    expected = {"lefevre": zoe, "lefèvre": zoe, "nguyen": jose, "nguyễn": jose, "lukasz": lukasz,
                "łukasz": lukasz}.get(text.casefold(), zoe)
    lst = CustomerList(runtime_on.store, Desk(runtime_on).now)
    try:
        assert [r.key for r in lst.page(ListQuery(text), 0, 10)] == [expected.key]
    finally:
        lst.close()
