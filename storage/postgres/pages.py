"""The PostgreSQL store's list pages (storage.pages): filter, sort, count — through indexes only.

`PostgresPages` reads on a connection of its own (read-only, autocommit), so a page never waits on the store's
writer, and `interrupt` cancels the statement running on it from another thread. A listing holds the active
customers or the offboarded ones: every order's index starts with `offboarded` (migration 2 sorts a missing value
first in them, as SQLite does).

Pages: a page that follows a row read before (the table scrolling on) is read from that row on (keyset: a range of
the order's index, however far down); any other from the nearest end of the listing, by offset.

A filter's text is looked for along the order's index first: rows are walked, each checked, until the page is full.
A walk that reads more than 64 rows per row shown is stopped (a LIMIT on the rows walked; a first walk of 8 rows
per row shown already, when it finds fewer than one match in 64 rows) — the matches are few or gather further
down — and the matching rows are read through the text's GIN index and sorted instead: pg_trgm's
for three characters or more, for fewer the index of the text's characters (migration 3; two characters: the rows
holding both, checked with strpos, which pg_trgm's index does not offer to answer: it would read all of itself).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import suppress
from dataclasses import dataclass
from typing import Any

import psycopg

from storage.pages import COLUMNS, ORDERS, Query

_FEW = 64
"""A walk along the order may read 64 rows per row it shows before the text's index is used instead."""
_SAMPLE = 8
"""A walk reads 8 rows per row it shows first: one that finds fewer than one match in 64 rows there does not go on
(the text is rare: its index reads its matches at once, where a million customers' full walk took 30 ms more)."""
_SHORT = 3
"""Texts shorter than this are looked up by their characters: pg_trgm extracts no trigram from them."""
_SELECTED_COLUMNS = (*COLUMNS, "name_key", "otp_due")
"""What a page reads: the listed columns, and the orders' other columns (where a row sorts)."""
_SELECTED = ", ".join(_SELECTED_COLUMNS)
_SETTINGS = ("SET default_transaction_read_only = on", "SET jit = off", "SET enable_seqscan = off",
             "SET work_mem = '64MB'")
"""The reader's session: it never writes; no compiling of a count's plan (it costs more than it saves); indexes
rather than a scan of every row; room for a bitmap of every row one letter finds at a million customers (the
default 4 MB keeps only which pages hold them, and each row of those pages is checked again)."""
_DUE = "otp_due < %s"

Clause = tuple[str, tuple[Any, ...]]
"""SQL conditions joined by AND, and their parameters."""
Row = tuple[Any, ...]
"""A row as read: _SELECTED's columns."""


@dataclass(frozen=True)
class _Part:
    """A part of a listing: its condition (with parameters) and its order."""

    condition: Clause
    order: str


@dataclass(frozen=True)
class _Held:
    """The last rows a page read of one part of a listing, from position `start` on, and where each sorts."""

    listing: tuple[Query, int]
    """The query, and which of its parts."""
    start: int
    keys: list[tuple[Any, ...]]


class PostgresPages:
    """Read-only paged access to the customers of a PostgreSQL store, on a connection `connect` opens."""

    def __init__(self, connect: Callable[[], psycopg.Connection[Any]]) -> None:
        self._connect = connect
        self._db = self._reader()
        self._sizes: tuple[tuple[Query, int | None], list[int]] | None = None
        self._held: _Held | None = None
        self._lock = threading.Lock()

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def interrupt(self) -> None:
        """Stop the statement running now (from another thread): it raises QueryCanceled. The server ignores a
        cancel that finds no statement running."""
        with suppress(psycopg.Error):
            self._db.cancel_safe()

    def total(self, query: Query) -> int | None:
        """How many rows match, None when `interrupt` stopped the count."""
        with self._lock:
            self._sizes = None
            try:
                return self._count(query, ("", ()))
            except psycopg.errors.QueryCanceled:
                return None

    def page(self, query: Query, offset: int, limit: int, *, total: int | None = None) -> list[dict[str, Any]]:
        """Rows offset..offset+limit in the query's order (pass `total` when known: it saves a count)."""
        offset, limit = max(0, offset), max(0, limit)
        rows: list[Row] = []
        with self._lock:
            parts = _parts(query)
            for n, (part, size) in enumerate(zip(parts, self._part_sizes(query, total, parts), strict=True)):
                if offset < size and limit:
                    take = min(limit, size - offset)
                    rows += self._slice(query, n, part, offset, take, size)
                    limit -= take
                offset = max(0, offset - size)
        return [_listed(r) for r in rows]

    def first(self, query: Query, limit: int) -> list[dict[str, Any]]:
        """The first `limit` rows, without counting the listing."""
        rows: list[Row] = []
        with self._lock:
            for n, part in enumerate(_parts(query)):
                if len(rows) < limit:
                    read = self._read(query, part, None, 0, limit - len(rows), reverse=False)
                    self._held = _Held((query, n), 0, [_sorts(part.order, r) for r in read])
                    rows += read
        return [_listed(r) for r in rows]

    def rows(self, query: Query, *, batch: int = 1000) -> Iterator[dict[str, Any]]:
        """Every matching row in order, a batch at a time, each from the last row of the one before."""
        for part in _parts(query):
            after: tuple[Any, ...] | None = None
            while True:
                with self._lock:
                    chunk = self._read(query, part, after, 0, batch, reverse=False)
                yield from map(_listed, chunk)
                if len(chunk) < batch:
                    break
                after = _sorts(part.order, chunk[-1])

    def counts(self) -> list[tuple[int, int | None, int | None, int, float, int, int]]:
        """(offboarded, stage, attention, customers, fees paid, campaigns and numbers billed monthly) for every
        group present."""
        with self._lock:
            rows = self._db.execute(
                "SELECT offboarded, stage, attention, count(*), coalesce(sum(spend), 0), sum(billed_campaign), "
                "sum(billed_number) FROM customers GROUP BY offboarded, stage, attention").fetchall()
        return [(*r[:4], float(r[4]), int(r[5]), int(r[6])) for r in rows]

    def due(self, due_before: str) -> list[tuple[int | None, int]]:
        """(attention, active customers) of the active rows whose `otp_due` is before `due_before`."""
        with self._lock:
            return self._db.execute(
                "SELECT attention, count(*) FROM customers WHERE offboarded = 0 AND otp_due < '~' AND otp_due < %s "
                "GROUP BY attention", (due_before,)).fetchall()

    # reading -----------------------------------------------------------------------------------------------

    def _reader(self) -> psycopg.Connection[Any]:
        db = self._connect()
        for setting in _SETTINGS:
            db.execute(setting)
        return db

    def _execute(self, sql: str, params: tuple[Any, ...]) -> list[Row]:
        """The rows of `sql`; on a new connection when the last one was lost."""
        if self._db.closed or self._db.broken:
            self._db = self._reader()
        return self._db.execute(sql, params).fetchall()

    def _part_sizes(self, query: Query, total: int | None, parts: list[_Part]) -> list[int]:
        """How many rows each part of the listing holds (kept until the next `total`: scrolling reads many pages
        of one listing)."""
        if self._sizes is None or self._sizes[0] != (query, total):
            if total is None:
                total = self._count(query, ("", ()))
            sizes = [total]
            if len(parts) > 1:
                due = self._count(query, (_DUE, (query.due_before,)))
                sizes = [due, total - due] if parts[0].condition[0] == _DUE else [total - due, due]
            self._sizes = (query, total), sizes
        return self._sizes[1]

    def _count(self, query: Query, condition: Clause) -> int:
        where, params = _where(_listed_in(query, indexed=bool(query.text)), condition, _indexed(query.text))
        return self._execute(f"SELECT count(*) FROM customers WHERE {where}", params)[0][0]

    def _slice(self, query: Query, n: int, part: _Part, offset: int, limit: int, size: int) -> list[Row]:
        """Rows offset..offset+limit of one part: from the row before them when a page read it, else from the
        nearest end."""
        held = self._held if self._held is not None and self._held.listing == (query, n) else None
        end = offset + limit
        if held is not None and held.start < offset <= held.start + len(held.keys):
            rows = self._read(query, part, held.keys[offset - 1 - held.start], 0, limit, reverse=False)
        elif held is not None and held.start <= end < held.start + len(held.keys):
            rows = self._read(query, part, held.keys[end - held.start], 0, limit, reverse=True)[::-1]
        elif offset > size // 2:
            end = min(size, end)
            rows = self._read(query, part, None, size - end, end - offset, reverse=True)[::-1]
        else:
            rows = self._read(query, part, None, offset, limit, reverse=False)
        self._held = _Held((query, n), offset, [_sorts(part.order, r) for r in rows])
        return rows

    def _read(self, query: Query, part: _Part, after: tuple[Any, ...] | None, offset: int, limit: int, *,
              reverse: bool) -> list[Row]:
        """`limit` rows of a part from `offset`, or following the row that sorts at `after`, in the query's order
        (`reverse`: backwards)."""
        terms = [(column, desc != (query.descending != reverse)) for column, desc in ORDERS[part.order]]
        order = ", ".join(f"{column} {'DESC NULLS LAST' if desc else 'ASC NULLS FIRST'}" for column, desc in terms)
        rows: list[Row] = []
        for following in _following(terms, after) if after is not None else [("", ())]:
            if len(rows) < limit:
                rows += self._range(query, _where(part.condition, following), order, offset, limit - len(rows))
        return rows

    def _range(self, query: Query, condition: Clause, order: str, offset: int, limit: int) -> list[Row]:
        """Rows offset..offset+limit of those meeting `condition`, in `order`: walked along the order's index, or
        (when the walk reads too many rows per match) found through the text's index and sorted. A short walk goes
        first; a longer one only where that one found matches often enough to fill the page."""
        where, params = _where(_listed_in(query, indexed=False), condition)
        if not query.text:
            return self._execute(f"SELECT {_SELECTED} FROM customers WHERE {where} ORDER BY {order} LIMIT %s "
                                 "OFFSET %s", (*params, limit, offset))
        walk = (f"SELECT {_SELECTED} FROM (SELECT {_SELECTED}, search FROM customers WHERE {where} ORDER BY {order} "
                f"LIMIT %s) AS walked WHERE search LIKE %s ORDER BY {order} LIMIT %s")
        wanted = offset + limit
        for budget in (_SAMPLE * wanted, _FEW * wanted):
            found = self._execute(walk, (*params, budget, _pattern(query.text), wanted))
            if len(found) == wanted:
                return found[offset:]
            if len(found) * _FEW < budget:
                break
        where, params = _where(_listed_in(query, indexed=True), condition, _indexed(query.text))
        return self._execute(f"WITH matching AS MATERIALIZED (SELECT {_SELECTED} FROM customers WHERE {where}) "
                             f"SELECT * FROM matching ORDER BY {order} LIMIT %s OFFSET %s", (*params, limit, offset))


def _parts(query: Query) -> list[_Part]:
    """The listing's parts in order: in the attention order, rows due first, then the rest."""
    if query.order != "attention" or query.due_before is None:
        return [_Part(("", ()), query.order)]
    parts = [_Part((_DUE, (query.due_before,)), "otp_due"), _Part(("otp_due >= %s", (query.due_before,)), "attention")]
    return parts[::-1] if query.descending else parts


def _following(terms: list[tuple[str, bool]], after: tuple[Any, ...]) -> list[Clause]:
    """The rows after the one sorting at `after` in the order `terms` (column, descending; a missing value sorts
    first), as ranges of the order's index, in order: the same values but the last one's further on, and so on
    back to the first column's."""
    ranges: list[Clause] = []
    for n in range(len(terms) - 1, -1, -1):
        same = [(f"{column} IS NULL", ()) if value is None else (f"{column} = %s", (value,))
                for (column, _), value in zip(terms[:n], after, strict=False)]
        (column, desc), value = terms[n], after[n]
        further: list[Clause]
        if value is None:
            further = [] if desc else [(f"{column} IS NOT NULL", ())]
        else:
            further = [(f"{column} {'<' if desc else '>'} %s", (value,))]
            further += [(f"{column} IS NULL", ())] if desc else []
        ranges += [_where(*same, beyond) for beyond in further]
    return ranges


def _listed_in(query: Query, *, indexed: bool) -> Clause:
    """The active rows, or the offboarded ones; `indexed`: as no index's condition (`+ 0`), so that the rows are
    found through the text's index rather than walked along an order's."""
    return f"offboarded{' + 0' if indexed else ''} = {int(query.offboarded)}", ()


def _where(*clauses: Clause) -> Clause:
    """Conditions joined by AND (empty ones left out)."""
    kept = [c for c in clauses if c[0]]
    return " AND ".join(sql for sql, _ in kept), tuple(p for _, params in kept for p in params)


def _indexed(text: str) -> Clause:
    """The rows holding `text`, as a condition its GIN index answers (none: no text)."""
    text = text.strip().casefold()
    if not text:
        return "", ()
    if len(text) == 1:
        return "string_to_array(search, NULL) @> ARRAY[%s::text]", (text,)
    if len(text) < _SHORT:
        return "string_to_array(search, NULL) @> ARRAY[%s::text, %s::text] AND strpos(search, %s) > 0", (*text, text)
    return "search LIKE %s", (_pattern(text),)


def _pattern(text: str) -> str:
    """A LIKE pattern matching `text` anywhere (its wildcards and backslashes taken as themselves)."""
    text = text.strip().casefold()
    return "%" + "".join("\\" + c if c in "\\%_" else c for c in text) + "%"


def _sorts(order: str, row: Row) -> tuple[Any, ...]:
    """Where `row` sorts in `order`: its values of the order's columns."""
    return tuple(row[_SELECTED_COLUMNS.index(column)] for column, _ in ORDERS[order])


def _listed(row: Row) -> dict[str, Any]:
    return dict(zip(COLUMNS, row, strict=False))
