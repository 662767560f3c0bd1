"""Realistic customers for benchmarks, written straight through a store's insert_many (no Twilio calls).

The derived columns (what the list reads; the lookup keys as the domain derives them) vary like a real book of
customers; the JSON documents have a real
customer's size (the list never reads them, but they decide how many rows fit in a database page).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from storage.customers import CustomerStore, Record
from wizard.customer.stages import ATTENTION
from wizard.flow.write_path import lookups

FIRST = ("Maya", "Luis", "Grace", "Sam", "Ana", "Zoë", "José", "Priya", "Omar", "Hannah", "Wei", "Fatima", "Noah",
         "Chloé", "Diego", "Aisha", "Liam", "Sofia", "Kenji", "Olivia", "Mateo", "Amara", "Ethan", "Leila")
LAST = ("Patel", "Ortega", "Kim", "Reed", "Souza", "Lefèvre", "Nguyễn", "Sharma", "Haddad", "Miller", "Chen",
        "Okafor", "Brown", "Tremblay", "García", "Hassan", "Walsh", "Rossi", "Tanaka", "Smith", "Silva", "Diallo")
RARE = ("Quentin", "Łukasz")
"""First names of one customer in 500: a filter of one or two characters few customers hold ("q", "qu")."""
OFFBOARDED = 50
"""One customer in 50 has been offboarded."""
TRADES = ("Dog Walking", "Tutoring", "Bakery", "Plumbing", "Yoga", "Photography", "Cleaning", "Lawn Care",
          "Hair Studio", "Bookkeeping", "Catering", "Piano Lessons", "Handyman", "Massage", "Auto Detail")
# (stage, step_status, next_action, attention kind, weight)
STATES = (
    (1, "not started", "Ready: run advance to create the starter profile.", "ready", 4),
    (1, "noncompliant", "Fix the address: Street was not accepted (22217), then advance.", "fix", 1),
    (1, "in-review", "Waiting for Twilio to review the starter profile.", "twilio", 3),
    (2, "not started", "Enter the brand name and mobile number (step 2).", "operator", 2),
    (2, "in-review", "Waiting for Twilio to review the sole-proprietor bundle.", "twilio", 3),
    (3, "APPROVED/UNVERIFIED", "Waiting for the customer to reply YES to the text from +1 915-278-2000.",
     "customer", 3),
    (3, "FAILED", "Brand FAILED: 30701 invalid brand name — fix it and resubmit.", "fix", 1),
    (4, "not started", "Enter the campaign: description, message flow and samples (step 4).", "operator", 2),
    (4, "IN_PROGRESS", "Waiting for Twilio to vet the campaign (10–15 days).", "twilio", 4),
    (4, "VERIFIED", "Done: the campaign is verified and the number can send.", "done", 12),
)
START = datetime(2026, 1, 1, tzinfo=UTC)
MINUTES = 60 * 24 * 320
"""Last updates spread over 320 days."""
SID_SLOTS = (("profile", "BU"), ("profile_end_user", "IT"), ("address", "AD"), ("address_document", "RD"),
             ("bundle", "BU"), ("bundle_end_user", "IT"), ("brand", "BN"), ("service", "MG"),
             ("phone_number", "PN"), ("campaign", "QE"))
SLOTS_BY_STAGE = {1: 4, 2: 6, 3: 7, 4: 10}
CALLS_BY_STAGE = {1: 9, 2: 14, 3: 15, 4: 20}
"""Twilio calls journaled for a customer by the time it reached each stage."""


def _state(stage: int, rng: random.Random) -> dict[str, Any]:
    """The engine's state of a customer at `stage`, shaped and sized like a real one (1–2 KB of JSON)."""
    slots = SID_SLOTS[: SLOTS_BY_STAGE[stage]]
    return {
        "sids": {slot: f"{prefix}{rng.getrandbits(128):032x}" for slot, prefix in slots},
        "applied": {slot: f"{rng.getrandbits(64):016x}" for slot, _ in slots[:5]},
        "statuses": {"profile": "twilio-approved", "bundle": "twilio-approved"} if stage > 2 else {},
        "evaluations": {step: {"sid": f"EL{rng.getrandbits(128):032x}", "status": "compliant", "problems": [],
                               "inputs_hash": f"{rng.getrandbits(64):016x}"}
                        for step in ("profile", "bundle")[: stage - 1]},
        "ledger": [{"amount": 4.0, "at": "2026-06-01T00:00:00+00:00", "what": "register the brand ($4)"}] * (stage > 2),
        "otp_resends": 0, "brand_resubmits": 0, "problems": {}, "submitted": {},
    }


def records(count: int, *, seed: int = 7) -> Iterator[Record]:
    """`count` customers C0000001…, the same ones for the same seed."""
    rng = random.Random(seed)
    states = rng.choices(STATES, [s[-1] for s in STATES], k=count)
    documents = {stage: _state(stage, rng) for stage in SLOTS_BY_STAGE}
    for n, (stage, status, action, kind, _) in enumerate(states, start=1):
        bits = rng.getrandbits(64)
        first, last = FIRST[bits % len(FIRST)], LAST[(bits >> 8) % len(LAST)]
        if n % 500 == 1:  # never one of the offboarded
            first = RARE[n // 500 % len(RARE)]
        updated = START + timedelta(minutes=(bits >> 16) % MINUTES)
        phone = f"+1{201 + (bits >> 36) % 788}555{(bits >> 46) % 10_000:04d}"
        email = f"{first}.{last}{n}@example.com".casefold()
        brand = f"{first}'s {TRADES[(bits >> 60) % len(TRADES)]}" if stage > 1 else None
        otp = (updated - timedelta(hours=n % 30)).isoformat() if stage == 3 else None
        stamp = updated.isoformat(timespec="seconds").replace("+00:00", "Z")
        profile = {"first_name": first, "last_name": last, "email": email, "phone": phone,
                   "street": f"{n % 9999 + 1} Main St", "street2": None, "city": "Seattle", "region": "WA",
                   "postal_code": "98101", "country": "US"}
        key = f"C{n:07d}"
        inputs = {"profile": profile} | ({"bundle": {"brand_name": brand, "mobile_phone": phone}} if brand else {})
        state = documents[stage] | ({"offboarded_at": stamp} if n % OFFBOARDED == 0 else {})
        yield Record(
            key=key, inputs=inputs, state=state,
            derived={
                "name": f"{first} {last}", "brand": brand, "email": email, "phone": phone,
                "mobile": phone if brand else None, "stage": stage, "step_status": status, "next_action": action,
                "attention": ATTENTION[kind], "otp_sent_at": otp, "otp_resends": 0, "done": int(kind == "done"),
                "spend": 19.0 if stage == 4 else 0.0,
            } | lookups(key, inputs, state),
            created_at=stamp, updated_at=stamp,
        )


def journal(count: int, *, seed: int = 7) -> Iterator[dict[str, Any]]:
    """The journal of `records(count, seed=seed)`: each customer's calls up to its stage, done, ids from 1."""
    entry = 0
    for record in records(count, seed=seed):
        for call in range(CALLS_BY_STAGE[record.derived["stage"]]):
            entry += 1
            yield {"id": entry, "customer_key": record.key, "action": f"call_{call}",
                   "friendly_name": f"a2p:{record.key}:{call}", "method": "POST", "path": f"/v1/Resources/{call}",
                   "state": "done", "http_status": 201, "sid": f"XX{entry:032x}", "error_code": None,
                   "error_message": None, "started_at": record.created_at, "finished_at": record.created_at}


def build_store(store: CustomerStore, count: int, *, with_journal: bool = False) -> None:
    """`count` generated customers into the new, empty `store` (one bulk insert: indexes built once), and their
    journal if asked; closes it."""
    try:
        store.insert_many(records(count))
        if with_journal:
            columns = store.stored_columns("journal")
            with store.transaction(), store.loading():
                store.append("journal", columns, (tuple(row[c] for c in columns) for row in journal(count)))
    finally:
        store.close()
