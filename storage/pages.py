"""What a list screen reads from a customers store, whatever the backend: which rows (`Query`), what each holds
(`COLUMNS`), the orders (`ORDERS`), and the reader every backend gives (`Pages`, from `CustomerStore.pages()`)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Protocol

COLUMNS = ("key", "name", "brand", "email", "phone", "stage", "step_status", "next_action", "attention", "done",
           "otp_sent_at", "otp_resends", "spend", "updated_at", "number")
"""What a listed row holds (summary columns only)."""
NUMBERS_SQL = (
    "SELECT (SELECT count(DISTINCT number_sid) FROM customers WHERE offboarded = 0 AND number_sid IS NOT NULL), "
    "(SELECT count(DISTINCT number_sid) FROM customers WHERE offboarded = 1 AND number_sid IS NOT NULL "
    "AND number_sid NOT IN (SELECT number_sid FROM customers WHERE offboarded = 0 AND number_sid IS NOT NULL))")
"""Pages.numbers: every number once, those of active customers and those kept after offboarding."""

ORDERS: dict[str, tuple[tuple[str, bool], ...]] = {
    "attention": (("attention", False), ("updated_at", True), ("key", False)),
    "key": (("key", False),),
    "name": (("name_key", False), ("key", False)),
    "brand": (("brand", False), ("key", False)),
    "stage": (("stage", False), ("attention", False), ("updated_at", True), ("key", False)),
    "step_status": (("step_status", False), ("key", False)),
    "next_action": (("next_action", False), ("key", False)),
    "otp_due": (("otp_due", False), ("attention", False), ("key", False)),
    "updated_at": (("updated_at", False), ("key", False)),
}
"""Sort name -> (column, descending) terms, each matching an index after `offboarded`."""


@dataclass(frozen=True)
class Query:
    """Which rows, in which order: `text` is a case-insensitive substring of the row's `search` column."""

    text: str = ""
    order: str = "attention"
    descending: bool = False
    due_before: str | None = None
    """In the attention order, rows whose `otp_due` is earlier come first, earliest first: `attention` is
    worked out when a row is saved, and a passcode keeps running out between saves."""
    offboarded: bool = False
    """The offboarded customers instead of the active ones."""


class Pages(Protocol):
    """Read-only paged access to a store's customers, on a connection of its own (so a page never waits on the
    store's writer); its methods may be called from several threads, one at a time."""

    def total(self, query: Query) -> int | None:
        """How many rows match; None when `interrupt` stopped the count."""
        ...

    def page(self, query: Query, offset: int, limit: int, *, total: int | None = None) -> list[dict[str, Any]]:
        """Rows offset..offset+limit in the query's order (`total` when known saves a count)."""
        ...

    def first(self, query: Query, limit: int) -> list[dict[str, Any]]:
        """The first `limit` rows, without counting the listing."""
        ...

    def rows(self, query: Query, *, batch: int = 1000) -> Iterator[dict[str, Any]]:
        """Every matching row in order, read in batches (exports)."""
        ...

    def counts(self) -> list[tuple[int, int | None, int | None, int, float, int, int]]:
        """(offboarded, stage, attention, customers, fees paid, campaigns and numbers billed monthly) for every
        group present."""
        ...

    def numbers(self) -> tuple[int, int]:
        """(phone numbers the active customers hold, numbers kept by offboarded customers that no active customer
        holds), each number counted once (NUMBERS_SQL)."""
        ...

    def due(self, due_before: str) -> list[tuple[int | None, int]]:
        """(attention, active customers) of the active rows whose `otp_due` is before `due_before`."""
        ...

    def interrupt(self) -> None:
        """Stop the read running now (from another thread)."""
        ...

    def close(self) -> None: ...
