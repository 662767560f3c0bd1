"""Paged reads of the customers table for list screens: filter, sort, count — through indexes only.

A `Listing` has its own read-only connection to the store file, so a page is read without the JSON columns and
without waiting on the store's writer; its methods may be called from several threads (one at a time). Every
sort order is backed by an index (migration 3); a page past the middle is read from the other end of that
index, so the first and the last page cost the same.

A filter of three characters or more that few rows contain is answered by the trigram index. One that many
rows contain (more than 1/32 of them hold all its trigrams) is answered by a scan, which for them is faster
than re-checking every candidate, and which stops as soon as a page is full.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

COLUMNS = ("key", "name", "brand", "email", "phone", "stage", "step_status", "next_action", "attention", "done",
           "otp_sent_at", "otp_resends", "spend", "updated_at")
"""What a listed row holds (summary columns only)."""

ORDERS: dict[str, tuple[tuple[str, bool], ...]] = {
    "attention": (("attention", False), ("updated_at", True), ("key", False)),
    "key": (("key", False),),
    "name": (("name", False), ("key", False)),
    "brand": (("brand", False), ("key", False)),
    "stage": (("stage", False), ("attention", False), ("updated_at", True), ("key", False)),
    "step_status": (("step_status", False), ("key", False)),
    "next_action": (("next_action", False), ("key", False)),
    "otp_due": (("otp_due", False), ("attention", False), ("key", False)),
    "updated_at": (("updated_at", False), ("key", False)),
}
"""Sort name -> (column, descending) terms, each matching an index."""

_TRIGRAM = 3
_SCAN_SHARE = 32
_LIKE_SPECIALS = ("\\", "%", "_")
_DUE = "otp_due < '~' AND otp_due < ?"
"""Rows due: the first term lets the planner use the partial index of customers owing their YES."""


@dataclass(frozen=True)
class Query:
    """Which rows, in which order: `text` is a case-insensitive substring of the row's `search` column."""

    text: str = ""
    order: str = "attention"
    descending: bool = False
    due_before: str | None = None
    """In the attention order, rows whose `otp_due` is earlier come first, earliest first: `attention` is
    worked out when a row is saved, and a passcode keeps running out between saves."""


Segment = tuple[str, tuple[str, ...], str, int]
"""A part of a listing: extra condition, its parameters, its order, how many rows it has."""


class Listing:
    """Read-only paged access to the customers of the store at `path`."""

    def __init__(self, path: Path) -> None:
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30)
        self._db.execute("PRAGMA busy_timeout = 30000")
        self._db.execute("PRAGMA query_only = 1")
        self._filter: tuple[str, tuple[str, tuple[str, ...]]] | None = None
        self._parts: tuple[tuple[Query, int | None], list[Segment]] | None = None
        self._lock = threading.Lock()

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def interrupt(self) -> None:
        """Stop the read running now (from another thread): it raises sqlite3.OperationalError."""
        self._db.interrupt()

    def total(self, query: Query) -> int:
        """How many rows match (and the filter's plan is chosen afresh for the pages that follow)."""
        with self._lock:
            self._filter = self._parts = None
            where, params = self._where(query.text)
            return self._db.execute(f"SELECT count(*) FROM customers {where}", params).fetchone()[0]

    def page(self, query: Query, offset: int, limit: int, *, total: int | None = None) -> list[dict[str, Any]]:
        """Rows offset..offset+limit in the query's order (pass `total` when known: it saves a count)."""
        offset, limit = max(0, offset), max(0, limit)
        rows: list[dict[str, Any]] = []
        with self._lock:
            for condition, params, order, size in self._segments(query, total):
                if offset < size and limit:
                    take = min(limit, size - offset)
                    rows += self._slice(query, condition, params, order, offset, take, size)
                    limit -= take
                offset = max(0, offset - size)
        return rows

    def first(self, query: Query, limit: int) -> list[dict[str, Any]]:
        """The first `limit` rows, without counting the listing: a filter that many rows match finds its first
        page at once, and is counted afterwards (`total`)."""
        rows: list[dict[str, Any]] = []
        with self._lock:
            for condition, params, order in self._parts_of(query):
                if len(rows) < limit:
                    rows += self._slice(query, condition, params, order, 0, limit - len(rows), limit)
        return rows

    def rows(self, query: Query, *, batch: int = 1000) -> Iterator[dict[str, Any]]:
        """Every matching row in order, read in batches (for exports; use a Listing of its own)."""
        with self._lock:
            segments = self._segments(query, None)
        for condition, params, order, _ in segments:
            with self._lock:
                where, filter_params = self._where(query.text)
                cursor = self._db.execute(
                    f"SELECT {', '.join(COLUMNS)} FROM customers {_and(where, condition)} "
                    f"ORDER BY {_order(order, query.descending)}", (*filter_params, *params))
            while chunk := cursor.fetchmany(batch):
                yield from (dict(zip(COLUMNS, r, strict=True)) for r in chunk)

    def _segments(self, query: Query, total: int | None) -> list[Segment]:
        """The listing's parts in order: rows due first when the query says so, then the rest (kept until the
        next `total`: scrolling reads many pages of one listing)."""
        if self._parts is None or self._parts[0] != (query, total):
            self._parts = (query, total), self._split(query, total)
        return self._parts[1]

    def _split(self, query: Query, total: int | None) -> list[Segment]:
        where, params = self._where(query.text)
        if total is None:
            total = self._db.execute(f"SELECT count(*) FROM customers {where}", params).fetchone()[0]
        parts = self._parts_of(query)
        if len(parts) == 1:
            return [(*parts[0], total)]
        due = self._db.execute(f"SELECT count(*) FROM customers {_and(where, _DUE)}",
                               (*params, query.due_before)).fetchone()[0]
        return [(*part, due if part[0] == _DUE else total - due) for part in parts]

    @staticmethod
    def _parts_of(query: Query) -> list[tuple[str, tuple[str, ...], str]]:
        """The listing's parts in order (condition, its parameters, its order): in the attention order, rows
        due first, then the rest."""
        if query.order != "attention" or query.due_before is None:
            return [("", (), query.order)]
        parts = [(_DUE, (query.due_before,), "otp_due"), ("otp_due >= ?", (query.due_before,), "attention")]
        return parts[::-1] if query.descending else parts

    def _slice(self, query: Query, condition: str, params: tuple[str, ...], order: str, offset: int, limit: int,
               size: int) -> list[dict[str, Any]]:
        """Rows offset..offset+limit of one segment; past its middle, read from the other end of its index."""
        reverse = offset > size // 2
        if reverse:
            end = min(size, offset + limit)
            offset, limit = size - end, end - offset
        where, filter_params = self._where(query.text)
        sql = (f"SELECT {', '.join(COLUMNS)} FROM customers {_and(where, condition)} "
               f"ORDER BY {_order(order, query.descending != reverse)} LIMIT ? OFFSET ?")
        rows = [dict(zip(COLUMNS, r, strict=True))
                for r in self._db.execute(sql, (*filter_params, *params, limit, offset))]
        return rows[::-1] if reverse else rows

    def _where(self, text: str) -> tuple[str, tuple[str, ...]]:
        """The WHERE clause of a case-insensitive substring filter on `search`."""
        if self._filter is None or self._filter[0] != text:
            self._filter = text, self._plan(text.strip().casefold())
        return self._filter[1]

    def _plan(self, text: str) -> tuple[str, tuple[str, ...]]:
        if not text:
            return "", ()
        if len(text) >= _TRIGRAM and not any(c in text for c in _LIKE_SPECIALS) and self._rare(text):
            return "WHERE rowid IN (SELECT rowid FROM customers_fts WHERE search LIKE ?)", (f"%{text}%",)
        escaped = "".join("\\" + c if c in _LIKE_SPECIALS else c for c in text)
        return "WHERE search LIKE ? ESCAPE '\\'", (f"%{escaped}%",)

    def _rare(self, text: str) -> bool:
        """Whether few enough rows hold every trigram of `text` for the index to beat a scan (index only)."""
        trigrams = {text[i:i + _TRIGRAM] for i in range(len(text) - _TRIGRAM + 1)}
        match = " AND ".join('"{}"'.format(t.replace('"', '""')) for t in sorted(trigrams))
        cap = self._db.execute("SELECT coalesce(max(rowid), 0) FROM customers").fetchone()[0] // _SCAN_SHARE
        found = self._db.execute("SELECT count(*) FROM (SELECT 1 FROM customers_fts WHERE customers_fts MATCH ? "
                                 "LIMIT ?)", (match, cap + 1)).fetchone()[0]
        return found <= cap

    def counts(self) -> list[tuple[int | None, int | None, int, float]]:
        """(stage, attention, customers, fees paid) for every pair present."""
        with self._lock:
            return self._db.execute(
                "SELECT stage, attention, count(*), total(spend) FROM customers INDEXED BY customers_spend "
                "GROUP BY stage, attention").fetchall()

    def due(self, due_before: str) -> list[tuple[int | None, int]]:
        """(attention, customers) of the rows whose `otp_due` is before `due_before`."""
        with self._lock:
            # Named, or the planner walks the attention index for the grouping and reads every row.
            return self._db.execute(f"SELECT attention, count(*) FROM customers INDEXED BY customers_due "
                                    f"WHERE {_DUE} GROUP BY attention", (due_before,)).fetchall()


def _order(order: str, descending: bool) -> str:
    return ", ".join(f"{column} {'DESC' if desc != descending else 'ASC'}" for column, desc in ORDERS[order])


def _and(where: str, condition: str) -> str:
    """`where` (empty, or a WHERE clause) narrowed by `condition` (may be empty)."""
    if not condition:
        return where
    return f"{where} AND {condition}" if where else f"WHERE {condition}"
