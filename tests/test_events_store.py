"""The store's side of deliveries, on SQLite and PostgreSQL: each journaled once, found by the SIDs of our calls."""

from __future__ import annotations

from storage.customers import Record


def test_a_delivery_is_journaled_once_and_names_its_customer(store):
    store.insert(Record("K1"))
    entry = store.journal_start("K1", "brand.create", "POST", "/v1/a2p/BrandRegistrations")
    store.journal_finish(entry, "done", http_status=201, sid="BN1")
    assert store.holder_of_sid("BN1") == "K1" and store.holder_of_sid("BN2") is None
    assert store.last_delivery() is None
    assert store.journal_delivery("K1", "event.brand-failure", "EV1", "com.twilio…brand-failure", sid="BN1",
                                  occurred_at="2026-12-07T10:00:00Z", error_code=21736, error_message="brand failure")
    assert not store.journal_delivery("K1", "event.brand-failure", "EV1", "again", sid="BN1", occurred_at=None)
    assert store.delivery_taken("EV1") and not store.delivery_taken("EV2")
    [call, told] = store.journal("K1")
    assert (told.method, told.friendly_name, told.state, told.sid, told.error_code, told.started_at) == (
        "EVENT", "EV1", "done", "BN1", 21736, "2026-12-07T10:00:00Z")
    assert store.last_delivery() == (told.id, told.finished_at)
    assert store.open_entries("K1") == []
    assert store.holder_of_sid("BN1") == "K1"  # a delivery naming a SID does not make it ours
