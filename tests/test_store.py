"""The customers store on both backends (the `store` fixture: SQLite and PostgreSQL): optimistic versions,
journal, leases, lookups; and SQLite's file (WAL, private, foreign files refused). PostgreSQL's own: in
tests/test_store_postgres.py."""

from __future__ import annotations

import re
import sqlite3
from dataclasses import replace

import pytest

from storage.sqlite.migrations import SCHEMA_VERSION
from storage.sqlite.store import Record, StaleWrite, Store, StoreError, UnknownCustomer


def test_new_store_is_private_wal_and_at_the_latest_schema(tmp_path):
    store = Store(tmp_path / "data" / "a2p.db")
    assert store.schema_version == SCHEMA_VERSION
    assert (store.path.stat().st_mode & 0o777) == 0o600
    assert (store.path.parent.stat().st_mode & 0o777) == 0o700
    assert store._db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store._db.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000


def test_insert_get_and_mutate_bump_the_version(store):
    store.insert(Record("K1", inputs={"profile": {"first_name": "Zoë"}}, derived={"name": "Zoë", "stage": 1}))
    r = store.get("K1")
    assert (r.version, r.inputs["profile"]["first_name"], r.derived["name"]) == (1, "Zoë", "Zoë")
    r2 = store.mutate("K1", lambda rec: replace(rec, state={"sids": {"profile": "BU1"}}))
    assert r2.version == 1 and store.get("K1").state == {"sids": {"profile": "BU1"}}  # state leaves it
    r3 = store.mutate("K1", lambda rec: replace(rec, inputs={"profile": {"first_name": "Zoé"}}))
    assert r3.version == 2 and store.get("K1").version == 2


def test_a_status_written_meanwhile_does_not_make_an_edit_stale(store):
    store.insert(Record("K1", inputs={"a": 1}))
    store.mutate("K1", lambda rec: replace(rec, state={"statuses": {"brand": "APPROVED"}}))
    store.mutate("K1", lambda rec: replace(rec, inputs={"a": 2}), expected_version=1)
    assert store.get("K1").inputs == {"a": 2} and store.get("K1").state == {"statuses": {"brand": "APPROVED"}}


def test_stale_write_is_refused_and_nothing_changes(store):
    store.insert(Record("K1", inputs={"a": 1}))
    store.mutate("K1", lambda rec: replace(rec, inputs={"a": 2}), expected_version=1)
    with pytest.raises(StaleWrite, match="changed elsewhere"):
        store.mutate("K1", lambda rec: replace(rec, inputs={"a": 3}), expected_version=1)
    assert store.get("K1").inputs == {"a": 2}


def test_a_failing_change_rolls_back(store):
    store.insert(Record("K1", inputs={"a": 1}))

    def boom(rec):
        raise RuntimeError("no")

    with pytest.raises(RuntimeError):
        store.mutate("K1", boom)
    assert store.get("K1").version == 1


def test_duplicate_and_unknown_keys(store):
    store.insert(Record("K1"))
    with pytest.raises(StoreError, match="already exists"):
        store.insert(Record("K1"))
    with pytest.raises(UnknownCustomer):
        store.get("nope")


def test_a_bulk_insert_keeps_given_timestamps_and_is_all_or_nothing(store):
    given = Record("B1", version=7, inputs={"profile": {"first_name": "Zoë"}}, state={"sids": {"profile": "BU1"}},
                   derived={"name": "Zoë Lefèvre", "stage": 2, "spend": 4.5, "offboarded": True},
                   created_at="2026-01-02T03:04:05Z", updated_at="2026-02-03T04:05:06Z")
    assert store.insert_many(iter([given, Record("B2", derived={"name": "Sam"})])) == 2
    first, second = store.get("B1"), store.get("B2")
    assert replace(first, derived={}) == replace(given, version=1, derived={})
    assert (first.derived["name"], first.derived["stage"], first.derived["spend"], first.derived["offboarded"],
            first.derived["registered"]) == ("Zoë Lefèvre", 2, 4.5, 1, 0)
    assert second.version == 1 and second.created_at == second.updated_at != ""  # the store's clock
    with pytest.raises(StoreError):
        store.insert_many([Record("B3"), Record("B1")])  # B1 is there: none of them is added
    assert sorted(store.keys()) == ["B1", "B2"]
    assert store.insert_many([]) == 0


def test_journal_records_calls_and_open_entries(store):
    store.insert(Record("K1"))
    a = store.journal_start("K1", "profile.create", "POST", "/v1/CustomerProfiles", "a2p:K1:starter-profile")
    b = store.journal_start("K1", "profile.end_user", "POST", "/v1/EndUsers", "a2p:K1:starter-end-user")
    store.journal_finish(a, "done", http_status=201, sid="BU1")
    assert [e.action for e in store.open_entries("K1")] == ["profile.end_user"]
    store.journal_finish(b, "failed", http_status=400, error_code=20001, error_message="Missing")
    entries = store.journal("K1")
    assert [(e.state, e.sid, e.error_code) for e in entries] == [("done", "BU1", None), ("failed", None, 20001)]


def test_a_customer_with_damaged_json_is_reported_as_a_damaged_store(store):
    store.insert(Record("K1", inputs={"a": 1}))
    with store.transaction():
        store._run("UPDATE customers SET inputs = '{\"a\": ' WHERE key = ?", ("K1",))
    with pytest.raises(StoreError, match=rf"The store at {re.escape(store.where)} is damaged .*malformed JSON"):
        store.get("K1")


def test_leases_keep_other_owners_out_until_they_expire(store):
    store.insert(Record("K1"))
    assert store.claim("K1", "a", until="2026-01-01T00:10:00", now="2026-01-01T00:00:00")
    assert not store.claim("K1", "b", until="2026-01-01T00:15:00", now="2026-01-01T00:05:00")
    assert store.claim("K1", "b", until="2026-01-01T00:25:00", now="2026-01-01T00:11:00")
    store.release("K1", "a")  # not a's any more: no effect
    assert not store.claim("K1", "a", until="2026-01-01T00:20:00", now="2026-01-01T00:12:00")


def test_counts_for_tcr_limits_only_count_rows_marked_registered(store):
    for key, registered in (("A", 1), ("B", 0), ("C", 1)):
        store.insert(Record(key, derived={"mobile": "+12065550188", "email": "z@example.com",
                                          "address_key": "1 main|98101|US", "registered": registered}))
    assert store.count_registered("mobile", "+12065550188") == 2
    assert store.count_registered("mobile", "+12065550188", exclude_key="A") == 1
    assert store.count_registered("email", "z@example.com", exclude_key="C") == 1
    assert store.count_registered("address_key", "1 main|98101|US") == 2
    with pytest.raises(ValueError):
        store.count_registered("name", "x")


def test_held_numbers_name_the_active_customer_holding_each_for_every_customer_but_one(store):
    store.insert(Record("A", derived={"campaign_number": "buy:206", "number_sid": "PN" + "a" * 32,
                                      "number": "+12065550100"}))
    store.insert(Record("B", derived={"campaign_number": "PN" + "b" * 32}))
    store.insert(Record("C"))
    store.insert(Record("D", derived={"number_sid": "PN" + "d" * 32, "offboarded": 1}))  # kept, free for another
    assert store.held_numbers() == {"buy:206": "A", "+12065550100": "A", "PN" + "a" * 32: "A", "PN" + "b" * 32: "B"}
    assert store.held_numbers(exclude_key="A") == {"PN" + "b" * 32: "B"}


def test_a_file_that_is_not_sqlite_is_refused_and_left_untouched(tmp_path):
    path = tmp_path / "a2p.db"
    path.write_bytes(b"my tax records, not a database\n" * 10)
    before = path.read_bytes()
    with pytest.raises(StoreError, match="not an a2p-wizard store"):
        Store(path)
    assert path.read_bytes() == before


def test_another_programs_sqlite_file_is_refused_and_left_untouched(tmp_path):
    path = tmp_path / "a2p.db"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE photos (id INTEGER)")
    db.commit()
    db.close()
    before = path.read_bytes()
    with pytest.raises(StoreError, match="another program"):
        Store(path)
    assert path.read_bytes() == before


def test_a_newer_schema_is_refused(tmp_path):
    path = tmp_path / "a2p.db"
    Store(path).close()
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.commit()
    db.close()
    with pytest.raises(StoreError, match="newer a2p-wizard"):
        Store(path)


def test_a_store_path_under_a_file_is_a_clear_error(tmp_path):
    (tmp_path / "afile").write_text("x")
    with pytest.raises(StoreError, match="Cannot create the store"):
        Store(tmp_path / "afile" / "a2p.db")
