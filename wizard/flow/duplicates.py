"""The same person twice: a customer whose email, mobile, or phone and name match another customer's.

Looked up by the store's indexed derived columns (never a scan); an import also compares the rows of the batch
it is saving, since earlier batches are in the store already.
"""

from __future__ import annotations

from dataclasses import dataclass

from storage.customers import CustomerStore
from wizard.customer.models import SoleProprietor, StarterProfile

PROBES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("email", ("email",)), ("mobile_phone", ("mobile",)), ("phone", ("name", "phone")))
"""The field a match is reported on, and the derived columns that must all match (the indexed one first)."""
WORDS = {"email": "email", "mobile_phone": "mobile number", "phone": "phone number and name"}


@dataclass(frozen=True)
class Match:
    field: str
    """The input field the match is reported on."""
    other: str
    """The other customer, in words: "customer C00001" or "row 7 (C00002)"."""

    @property
    def message(self) -> str:
        return f"Same {WORDS[self.field]} as {self.other}: this looks like the same person twice."


def columns(profile: StarterProfile | None, bundle: SoleProprietor | None) -> dict[str, str | None]:
    """The derived columns a person is matched by (flow.write_path.derive stores these very values)."""
    return {
        "email": profile.email if profile else None,
        "phone": profile.phone if profile else None,
        "name": profile.full_name if profile else None,
        "mobile": bundle.mobile_phone if bundle else None,
    }


def probes(values: dict[str, str | None]) -> list[tuple[str, dict[str, str]]]:
    """(field, the values to match together) for each probe the person's values allow."""
    return [(field, {c: values.get(c) or "" for c in cols})
            for field, cols in PROBES if all(values.get(c) for c in cols)]


def in_store(store: CustomerStore, values: dict[str, str | None], *, exclude_key: str | None = None) -> Match | None:
    """The first stored customer who looks like the same person (None: nobody)."""
    for field, match in probes(values):
        if key := store.holder(match, exclude_key=exclude_key):
            return Match(field, f"customer {key}")
    return None


class Seen:
    """The people of the rows being saved, to compare each row with the earlier ones of its batch."""

    def __init__(self) -> None:
        self._by: dict[tuple[str, tuple[str, ...]], str] = {}

    def match(self, values: dict[str, str | None]) -> Match | None:
        for field, match in probes(values):
            if other := self._by.get((field, tuple(match.values()))):
                return Match(field, other)
        return None

    def add(self, row: int, key: str, values: dict[str, str | None]) -> None:
        for field, match in probes(values):
            self._by.setdefault((field, tuple(match.values())), f"row {row} ({key})")
