"""The one write path: every change to a customer — the operator's inputs, drafts, the engine's state — is read
and validated once, changed, judged once (summary and approval readiness), and written once, in one transaction.

The store holds two JSON documents per customer and the columns derived from them here (`derive`): what the
list shows, the filter's text, the name's sort key, and the keys the readiness lookups count by (mobile, email,
address, numbers).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from itertools import islice
from typing import Any

from storage.customers import CustomerStore, Record
from wizard.customer.addresses import address_key
from wizard.customer.customer import Customer
from wizard.customer.rules import Finding
from wizard.customer.search import search_text, sort_key
from wizard.customer.state import FlowState
from wizard.flow import duplicates
from wizard.flow.status import Summary
from wizard.listing import DERIVATION

BATCH = 500


@dataclass(frozen=True)
class Standing:
    """Where a customer stands: the planner's summary and the approval-readiness findings behind it."""

    summary: Summary
    findings: list[Finding]


@dataclass(frozen=True)
class Saved:
    """A customer as just written, with its standing (no need to read it back)."""

    customer: Customer
    standing: Standing

    @property
    def summary(self) -> Summary:
        return self.standing.summary


Judge = Callable[[Customer], Standing]


class WritePath:
    """Customers of one store, read and written through the one write path; `judge` says where one stands."""

    def __init__(self, store: CustomerStore, judge: Judge) -> None:
        self.store = store
        self.judge = judge

    def load(self, key: str) -> Customer:
        return Customer.from_record(self.store.get(key))

    def next_key(self) -> str:
        """The next free key of the form C00001."""
        n = self.store.count() + 1
        while self.store.exists(f"C{n:05d}"):
            n += 1
        return f"C{n:05d}"

    def create(self, c: Customer) -> Saved:
        """Save a new customer (its key must be unused; no Twilio call is made)."""
        standing = self.judge(c)
        inserted = self.store.insert(self._record(c, standing))
        return Saved(replace(c, version=inserted.version, created_at=inserted.created_at,
                             updated_at=inserted.updated_at), standing)

    def create_many(self, customers: Iterable[Customer]) -> list[Saved]:
        """Save many new customers in one transaction (an import's batch)."""
        saved = [Saved(c, self.judge(c)) for c in customers]
        self.store.insert_many(self._record(s.customer, s.standing) for s in saved)
        return saved

    def change(self, key: str, edit: Callable[[Customer], object], *, expected_version: int | None = None) -> Saved:
        """Apply `edit` to the customer as stored now, inside one transaction.

        With `expected_version` (an operator's save) the write is refused with StaleWrite when someone changed
        the inputs since that version was read; without it (the engine) the change is merged into whatever is
        stored now.
        """
        saved: list[Saved] = []

        def mutate(record: Record) -> Record:
            c = Customer.from_record(record)
            edit(c)
            standing = self.judge(c)
            saved.append(Saved(c, standing))
            return self._record(c, standing, base=record)

        written = self.store.mutate(key, mutate, expected_version=expected_version)
        c = saved[-1].customer
        return replace(saved[-1], customer=replace(c, version=written.version, updated_at=written.updated_at))

    def change_state(self, key: str, edit: Callable[[FlowState], object]) -> Saved:
        """The engine's half: change what is known of the customer's Twilio resources."""
        return self.change(key, lambda c: edit(c.state))

    def _record(self, c: Customer, standing: Standing, *, base: Record | None = None) -> Record:
        inputs, state = c.inputs_json(), c.state.model_dump(mode="json")
        derived = derive(c, inputs, standing.summary)
        if base is None:
            return Record(c.key, inputs=inputs, state=state, derived=derived)
        return replace(base, inputs=inputs, state=state, derived=derived)


def rederive(store: CustomerStore) -> int:
    """Derive again the rows an older derivation filled (after a migration); how many were."""
    done = 0
    while rows := store.outdated(DERIVATION, BATCH):
        store.rederive((r.key, lookups(r.key, r.inputs, r.state)) for r in rows)
        done += len(rows)
    return done


def derive(c: Customer, inputs: Mapping[str, Any], summary: Summary) -> dict[str, Any]:
    """Every derived column of a customer: what the list shows and what lookups count by."""
    return {
        **summary.columns(),
        **duplicates.columns(c.profile, c.bundle),
        "name": c.name, "brand": c.brand_name,
        "otp_sent_at": c.state.otp_sent_at, "otp_resends": c.state.otp_resends, "spend": c.state.paid(),
        **lookups(c.key, inputs, c.state.model_dump(include={"sids", "offboarded_at", "number"})),
    }


def lookups(key: str, inputs: Mapping[str, Any], state: Mapping[str, Any]) -> dict[str, Any]:
    """The columns lookups count and the list sorts by, from the stored JSON (a row of an earlier schema needs no
    validation)."""
    profile, bundle, campaign = (inputs.get(step) or {} for step in ("profile", "bundle", "campaign"))
    sids, offboarded = state.get("sids") or {}, state.get("offboarded_at")
    name = f"{profile.get('first_name')} {profile.get('last_name')}" if profile else key  # as Customer.name
    return {
        "name_key": sort_key(name),
        "address_key": address_key(profile) if profile else None,
        "campaign_number": campaign.get("phone_number"),
        "number_sid": sids.get("phone_number"),
        "number": state.get("number"),
        "registered": int(bool(sids.get("brand"))),
        "offboarded": int(bool(offboarded)),
        "billed_campaign": int(not offboarded and bool(sids.get("campaign"))),
        "billed_number": int(not offboarded and bool(sids.get("phone_number"))),
        "search": search_text(key, *(profile.get(f) for f in ("first_name", "last_name", "email", "phone")),
                              bundle.get("mobile_phone"), bundle.get("brand_name")),
        "derived": DERIVATION,
    }


def batched(items: Iterable[Any], size: int = BATCH) -> Iterator[list[Any]]:
    """`items` in lists of `size` (the last may be shorter)."""
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk
