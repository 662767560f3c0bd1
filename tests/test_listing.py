"""The list's data: substring filter (trigram index or walk, same answers), every sort order, pages read from
either end, active and offboarded customers, counts and the monthly run-rate, names in a person's order, bulk
inserts, the search index kept in step, and rows as the screen shows them."""

from __future__ import annotations

import random
import sqlite3
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from storage.sqlite.migrations import MIGRATIONS
from storage.sqlite.pages import ORDERS, Listing, Query
from storage.sqlite.store import Record, Store
from tests import factories as f
from tests.factories import FROZEN, derived
from tests.flowkit import drive
from wizard.customer.fees import Prices
from wizard.customer.search import sort_key
from wizard.customer.stages import ATTENTION
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


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store(tmp_path / "store.db")
    rng = random.Random(3)
    s.insert_many(Record(f"C{n:05d}", derived=derived(f"C{n:05d}", **summary(n, rng)),
                         updated_at=f"2026-11-{1 + n % 28:02d}T10:00:00Z")
                  for n in range(1, 1201))
    yield s
    s.close()


@pytest.fixture
def listing(store: Store) -> Listing:
    lst = Listing(store.path)
    yield lst
    lst.close()


def search_of(store: Store, offboarded: bool = False) -> dict[str, str]:
    with store.transaction() as db:
        return dict(db.execute("SELECT key, search FROM customers WHERE offboarded = ?", (offboarded,)).fetchall())


@pytest.mark.parametrize("text", ["m", "ma", "MAYA", "patel 1", "example.com", "mail", "c0004", "zoë", "100%",
                                  "_h", "omar_", "+1206555", "nobody here", "  grace  ", "q", "qu", "ł", "zak", "k",
                                  "1", "11", "7 ", "x", "%", '"', "e\\"])
@pytest.mark.parametrize("offboarded", [False, True])
def test_filter_finds_exactly_the_rows_containing_the_text(store: Store, listing: Listing, text: str,
                                                           offboarded: bool) -> None:
    wanted = {k for k, s in search_of(store, offboarded).items() if text.strip().casefold() in s}
    query = Query(text, offboarded=offboarded)
    assert listing.total(query) == len(wanted)
    assert {r["key"] for r in listing.page(query, 0, 2000)} == wanted
    assert {r["key"] for r in listing.first(query, 2000)} == wanted


def test_few_rows_are_read_through_the_trigram_index_and_many_along_the_sort_order(store: Store) -> None:
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


def test_a_walk_along_the_order_that_finds_its_matches_late_reads_them_through_the_index(store: Store) -> None:
    # 100 of 1,300 customers hold "zzq", all last in the name order: a walk would read 1,200 rows for the first one
    store.insert_many(Record(f"Z{n:05d}", derived=derived(f"Z{n:05d}", name=f"Zzqa Late {n}", stage=1, attention=3))
                      for n in range(100))
    listing = Listing(store.path)
    try:
        query = Query("zzq", "name")
        total = listing.total(query)
        assert listing._planned(query).walks and total == 100
        assert "indexed" not in vars(listing._planned(query))  # not worked out yet
        first = listing.first(query, 5)
        assert "indexed" in vars(listing._planned(query))  # the walk took too long: the index answered
        assert [r["key"] for r in first] == [f"Z{n:05d}" for n in (0, 1, 10, 11, 12)]  # "…Late 0", "1", "10"…
        assert listing.page(query, 0, 100, total=total) == listing.first(query, 100)
    finally:
        listing.close()


@pytest.mark.parametrize("order", sorted(ORDERS))
@pytest.mark.parametrize("descending", [False, True])
def test_every_order_reads_the_same_from_either_end(listing: Listing, order: str, descending: bool) -> None:
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


def test_passcodes_closest_to_running_out_come_first(listing: Listing) -> None:
    rows = listing.page(Query("", "otp_due"), 0, 2000)
    waiting = [r for r in rows if otp_due(r) != "~"]
    assert rows[: len(waiting)] == waiting and waiting
    assert [r["otp_sent_at"] for r in waiting] == sorted(r["otp_sent_at"] for r in waiting)


def test_counts_by_stage_and_attention(store: Store, listing: Listing) -> None:
    counts = listing.counts()
    assert sum(n for _, _, _, n, *_ in counts) == 1200
    assert sum(n for gone, _, _, n, *_ in counts if gone) == 120 == listing.total(Query(offboarded=True))
    assert len({(gone, s, a) for gone, s, a, *_ in counts}) == len(counts)
    paid = store._db.execute("SELECT total(spend) FROM customers").fetchone()[0]
    assert sum(fees for *_, fees, _, _ in counts) == paid > 0
    assert (sum(c for *_, c, _ in counts), sum(n for *_, n in counts)) == store.billed()
    cutoff = "2026-11-15T00:00:00+00:00"
    due = [r for r in listing.page(Query(), 0, 2000) if otp_due(r) < cutoff]
    assert dict(listing.due(cutoff)) == Counter(r["attention"] for r in due)
    assert due


def test_the_list_holds_the_active_customers_or_the_offboarded_ones(store: Store) -> None:
    listed = CustomerList(store, lambda: FROZEN)
    try:
        active, gone = (set(search_of(store, offboarded)) for offboarded in (False, True))
        for offboarded, keys in ((False, active), (True, gone)):
            query = ListQuery(sort="name", offboarded=offboarded)
            assert listed.total(query) == len(keys)
            assert {r.key for r in listed.page(query, 0, 2000)} == keys
        counts = listed.counts()
        assert (counts.total, counts.offboarded) == (1080, 120)
        every = Listing(store.path)
        needing = sum(1 for r in every.page(Query(due_before="2026-11-20T00:00:00"), 0, 2000)
                      if r["attention"] < ATTENTION["customer"])
        every.close()
        assert counts.needs_action >= needing  # active customers only (passcodes running out add to them)
    finally:
        listed.close()


@pytest.mark.parametrize("descending", [False, True])
def test_passcodes_running_out_come_first_in_the_attention_order(listing: Listing, descending: bool) -> None:
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
def test_first_rows_without_a_count_are_the_listings_first_page(listing: Listing, text: str, order: str,
                                                                 descending: bool) -> None:
    query = Query(text, order, descending, due_before="2026-11-15T00:00:00+00:00")
    total = listing.total(query)
    for limit in (1, 40, 1300):
        assert listing.first(query, limit) == listing.page(query, 0, limit, total=total)


def test_a_count_no_longer_wanted_is_stopped(store: Store) -> None:
    listed = CustomerList(store, lambda: FROZEN)
    try:
        # A newer listing is asked for while the count runs (SQLite calls the handler every 50 steps).
        listed._counting._db.set_progress_handler(lambda: listed.stop_counting(), 50)
        assert listed.total(ListQuery("a")) is None
        listed._counting._db.set_progress_handler(None, 50)
        assert listed.total(ListQuery("a")) == Listing(store.path).total(Query("a")) > 0
    finally:
        listed.close()


def test_the_search_index_follows_inserts_updates_and_deletes(runtime: Runtime) -> None:
    c = runtime.desk.create(f.profile(first_name="Winifred"))
    lst = Listing(runtime.store.path)
    try:
        assert lst.total(Query("winifred")) == 1
        runtime.desk.save_step(c.key, c.version, "profile", f.profile(first_name="Bartholomew"))
        assert lst.total(Query("winifred")) == 0
        assert lst.total(Query("bartholomew")) == 1
        with runtime.store.transaction() as db:
            db.execute("DELETE FROM customers WHERE key = ?", (c.key,))
        assert lst.total(Query("bartholomew")) == 0
        with runtime.store.transaction() as db:
            db.execute("INSERT INTO customers_fts(customers_fts, rank) VALUES ('integrity-check', 1)")
    finally:
        lst.close()


def test_bulk_insert_keeps_every_index_and_trigger(tmp_path: Path) -> None:
    s = Store(tmp_path / "bulk.db")
    schema = "SELECT type, name, sql FROM sqlite_master WHERE tbl_name = 'customers' ORDER BY name"
    with s.transaction() as db:
        before = db.execute(schema).fetchall()
    assert s.insert_many(Record(f"B{n}", derived=derived(f"B{n}", name=f"Bulk {n}")) for n in range(50)) == 50
    assert s.insert_many([Record("B50", derived=derived("B50", name="Bulk 50"))]) == 1
    s.insert(Record("B51", derived=derived("B51", name="Single 51")))
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
    lst.close()
    s.close()


def test_a_passcode_running_out_between_saves_needs_action_and_comes_first(runtime: Runtime) -> None:
    now = runtime.engine.clock()
    waiting = {"stage": 3, "step_status": "APPROVED/UNVERIFIED", "attention": ATTENTION["customer"], "done": 0,
               "next_action": "Waiting for the customer to reply YES."}
    runtime.store.insert_many([
        Record("C00001", derived=waiting | {"name": "Fresh", "otp_sent_at": (now - timedelta(hours=2)).isoformat()}),
        Record("C00002", derived={"name": "Ready", "stage": 1, "attention": ATTENTION["ready"], "done": 0,
                                  "step_status": "not started", "next_action": "Ready."}),
        Record("C00003", derived=waiting | {"name": "Stale", "otp_sent_at": (now - timedelta(hours=20)).isoformat()}),
    ])
    lst = CustomerList(runtime.store, runtime.engine.clock)
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


async def test_the_monthly_run_rate_is_the_active_customers_campaigns_and_numbers(runtime: Runtime) -> None:
    keys = [runtime.desk.create(f.profile(), f.bundle(), f.campaign(phone_number=number)).key
            for number in ("buy:206", "+12065550100")]
    for key in keys:
        assert runtime.engine.summary(await drive(runtime, key)).done
    lst = CustomerList(runtime.store, runtime.engine.clock)
    try:
        prices = runtime.desk.prices
        before = lst.counts()
        assert before.billed == (2, 2) and before.offboarded == 0  # a number bought for one, an account's for two
        assert prices.monthly(*before.billed) == runtime.desk.run_rate() == round(
            2 * (prices.campaign_monthly + prices.number_monthly), 2)
        assert (await runtime.desk.offboard(keys[0], release_number=True)).error is None
        after = lst.counts()
        assert (after.billed, after.offboarded, after.total, after.spend) == ((1, 1), 1, 1, before.spend)
        assert prices.monthly(*after.billed) == runtime.desk.run_rate() == round(
            prices.campaign_monthly + prices.number_monthly, 2)
        assert [r.key for r in lst.page(ListQuery(), 0, 10)] == [keys[1]]
        assert [r.key for r in lst.page(ListQuery(offboarded=True), 0, 10)] == [keys[0]]
    finally:
        lst.close()


async def test_names_sort_as_a_person_expects(runtime: Runtime) -> None:
    names = ["Zoë Adams", "Łukasz Nowak", "lucia Ortiz", "Émile Roy", "eve Stone", "Lefèvre Anne", "Lefevre Anne",
             "Ana Maria", "Ana", "Bob Brown", "Ørsted Ida", "Straße Kai"]
    for name in names:
        first, _, last = name.partition(" ")
        runtime.desk.create(f.profile(first_name=first, last_name=last or "X"))
    lst = CustomerList(runtime.store, runtime.engine.clock)
    try:
        listed = [r.name for r in lst.page(ListQuery(sort="name"), 0, 20)]
        assert listed == ["Ana Maria", "Ana X", "Bob Brown", "Émile Roy", "eve Stone", "Lefèvre Anne",
                          "Lefevre Anne", "lucia Ortiz", "Łukasz Nowak", "Ørsted Ida", "Straße Kai", "Zoë Adams"]
        # the same letters: in the order of their keys (Lefèvre was created first), backwards when descending
        assert [r.name for r in lst.page(ListQuery(sort="name", descending=True), 0, 20)] == listed[::-1]
    finally:
        lst.close()


def test_export_neutralises_formulas_and_follows_the_filter(runtime: Runtime, tmp_path: Path) -> None:
    runtime.desk.create(f.profile(first_name="Ann"))
    runtime.desk.create(f.profile(first_name="Bob"))
    lst = CustomerList(runtime.store, runtime.engine.clock)
    out = tmp_path / "out.csv"
    out.write_text("older export", encoding="utf-8")
    out.chmod(0o644)
    assert lst.export_csv(ListQuery("ann"), out) == 1
    assert out.stat().st_mode & 0o777 == 0o600  # emails and phone numbers: the owner's only
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "key,name,brand,email,phone,stage,step,status,next_action,otp,updated_at"
    assert lines[1].startswith("C00001,Ann Lefèvre-Côté,,zoe@example.com,'+12065550134,1,Profile,")
    lst.close()


@pytest.mark.parametrize("text", ["lefevre", "LEFÈVRE", "nguyen", "Nguyễn", "lukasz", "Łukasz", "(206) 555-0134",
                                  "206-555-0134", "206.555.0134", "+1 206 555 0134", "2065550134"])
def test_the_filter_ignores_accents_and_case_and_matches_phones_by_digits(runtime: Runtime, text: str) -> None:
    zoe = runtime.desk.create(f.profile())
    jose = runtime.desk.create(f.profile("jose", phone="+1 415 555 0166"))
    lukasz = runtime.desk.create(f.profile(first_name="Łukasz", last_name="Nowak", phone="+1 312 555 0190"))
    expected = {"lefevre": zoe, "lefèvre": zoe, "nguyen": jose, "nguyễn": jose, "lukasz": lukasz,
                "łukasz": lukasz}.get(text.casefold(), zoe)
    lst = CustomerList(runtime.store, runtime.desk.now)
    try:
        assert [r.key for r in lst.page(ListQuery(text), 0, 10)] == [expected.key]
    finally:
        lst.close()
