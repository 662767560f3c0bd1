"""The SQLite store's list pages (storage.pages): filter, sort, count — through indexes only.

A `Listing` has its own read-only connection to the store file, so a page is read without the JSON columns and
without waiting on the store's writer; its methods may be called from several threads (one at a time). A listing
holds the active customers or the offboarded ones (`Query.offboarded`): every index it reads starts with
`offboarded`, so either is one range of it (migration 7). Every sort order is backed by such an index; a page past
the middle is read from the other end of that index, so the first and the last page cost the same.

A filter's text is looked for in one of two ways, chosen by how many rows the trigram index says may hold it (all
its trigrams for three characters or more; for one or two, a trigram that begins with them, from the index's
vocabulary: every character of a row's text begins one):
- few (at most 1/64 of the rows): those rows are read through the trigram index and sorted;
- many: the sort order's index is walked, each row checked, until the page is full. Matches spread over the order
  fill a page within 64 rows walked per row shown; a walk longer than that means they gather further down, and
  the rows are read through the trigram index instead.
The name order (migration 8) reads no customer's row but the page's own, either way: its index holds the search
text, so a walk reads only the index, and when it runs longer than the other orders' walks may, it goes on for one
entry per row that may hold the text (a fifth of what sorting those would cost); else the rows the trigram index
finds are sorted by their keys in customers_names, and the first ones read and checked.
"""

from __future__ import annotations

import functools
import json
import sqlite3
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from storage.pages import COLUMNS, ORDERS, Query

_TRIGRAM = 3
_FEW = 64
"""A text at most 1/64 of the rows may hold is read through the trigram index; a walk along the sort order may
read 64 rows per row it shows before the trigram index is used instead."""
_WALK_STEPS = 6
"""SQLite's steps per row walked and found not to hold the text (measured with a progress handler)."""
_PROGRESS = 1000
"""Steps SQLite runs between two looks at a walk's budget."""
_NAME_WALK = 5
"""SQLite's steps a walk along the name index may run per row that may hold the text: one entry of the index (5
steps), a fifth of what sorting such a row by its keys in customers_names costs (16 steps, each dearer). A walk
that finds its page sooner saves the sort; else it adds a fifth to it."""
_LIKE_SPECIALS = ("\\", "%", "_")
_LIKE = "search LIKE ? ESCAPE '\\'"
_MATCHING = "SELECT rowid AS id FROM customers_fts WHERE customers_fts MATCH ?"
"""The rows that may hold a text, by the trigram index's query for it."""
_DUE = "otp_due < '~' AND otp_due < ?"
"""Rows due: the first term lets the planner use the partial index of customers owing their YES."""


Segment = tuple[str, tuple[str, ...], str, int]
"""A part of a listing: extra condition, its parameters, its order, how many rows it has."""


@dataclass(frozen=True)
class _Filter:
    """The rows of a listing: `terms` (SQL, with its `params`) on `source` (the table, or it without its indexes)."""

    source: str
    terms: str
    params: tuple[Any, ...]

    def rows(self, condition: str = "") -> str:
        """The FROM and WHERE clauses of these rows, narrowed by `condition` (may be empty)."""
        return f"FROM {self.source} WHERE {self.terms}" + (f" AND {condition}" if condition else "")


class _Plan:
    """How the rows holding `text` are found: `filter`, a walk along the sort order when many may hold it (`walks`;
    `holding`: at least as many as do, counted when first needed), else through the trigram index. When a walk takes
    too long, the trigram index answers too: `rowids`, the rows that may hold the text (a query and its parameter,
    empty when none may), and `indexed`, those checked."""

    def __init__(self, text: str, offboarded: int, rowids: Callable[[], tuple[str, str]],
                 holding: Callable[[], int] | None = None) -> None:
        self.text, self.offboarded, self.walks = text, offboarded, holding is not None
        escaped = "".join("\\" + c if c in _LIKE_SPECIALS else c for c in text)
        self.like = f"%{escaped}%"
        self._rowids, self._holding = rowids, holding or (lambda: 0)

    @functools.cached_property
    def holding(self) -> int:
        return self._holding()

    @functools.cached_property
    def rowids(self) -> tuple[str, str]:
        return self._rowids()

    @functools.cached_property
    def indexed(self) -> _Filter:
        rowids, parameter = self.rowids
        if not parameter:
            return _Filter("customers", "0", ())
        return _Filter("customers NOT INDEXED", f"offboarded = ? AND rowid IN ({rowids}) AND {_LIKE}",
                       (self.offboarded, parameter, self.like))

    @functools.cached_property
    def filter(self) -> _Filter:
        if not self.text:
            return _Filter("customers", "offboarded = ?", (self.offboarded,))
        if self.walks:
            return _Filter("customers", f"offboarded = ? AND {_LIKE}", (self.offboarded, self.like))
        return self.indexed


class Listing:
    """Read-only paged access to the customers of the store at `path`."""

    def __init__(self, path: Path) -> None:
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30)
        self._db.execute("PRAGMA busy_timeout = 30000")
        self._db.execute("PRAGMA query_only = 1")
        self._plan: tuple[tuple[str, bool], _Plan] | None = None
        self._parts: tuple[tuple[Query, int | None], list[Segment]] | None = None
        self._lock = threading.Lock()

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def interrupt(self) -> None:
        """Stop the read running now (from another thread): it raises sqlite3.OperationalError."""
        self._db.interrupt()

    def total(self, query: Query) -> int | None:
        """How many rows match, None when `interrupt` stopped the count (and the filter's plan is chosen afresh
        for the pages that follow)."""
        with self._lock:
            self._plan = self._parts = None
            try:
                rows = self._planned(query).filter
                return self._db.execute(f"SELECT count(*) {rows.rows()}", rows.params).fetchone()[0]
            except sqlite3.OperationalError as error:
                if "interrupt" not in str(error):
                    raise
                return None

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
                found = self._planned(query).filter
                cursor = self._db.execute(
                    f"SELECT {', '.join(COLUMNS)} {found.rows(condition)} ORDER BY {_order(order, query.descending)}",
                    (*found.params, *params))
            while chunk := cursor.fetchmany(batch):
                yield from (dict(zip(COLUMNS, r, strict=True)) for r in chunk)

    def _segments(self, query: Query, total: int | None) -> list[Segment]:
        """The listing's parts in order: rows due first when the query says so, then the rest (kept until the
        next `total`: scrolling reads many pages of one listing)."""
        if self._parts is None or self._parts[0] != (query, total):
            self._parts = (query, total), self._split(query, total)
        return self._parts[1]

    def _split(self, query: Query, total: int | None) -> list[Segment]:
        found = self._planned(query).filter
        if total is None:
            total = self._db.execute(f"SELECT count(*) {found.rows()}", found.params).fetchone()[0]
        parts = self._parts_of(query)
        if len(parts) == 1:
            return [(*parts[0], total)]
        due = self._db.execute(f"SELECT count(*) {found.rows(_DUE)}", (*found.params, query.due_before)).fetchone()[0]
        return [(*part, due if part[0] == _DUE else total - due) for part in parts]

    @staticmethod
    def _parts_of(query: Query) -> list[tuple[str, tuple[str, ...], str]]:
        """The listing's parts in order (condition, its parameters, its order): in the attention order, rows
        due first, then the rest."""
        if query.order != "attention" or query.due_before is None:
            return [("", (), query.order)]
        parts: list[tuple[str, tuple[str, ...], str]] = [
            (_DUE, (query.due_before,), "otp_due"), ("otp_due >= ?", (query.due_before,), "attention")]
        return parts[::-1] if query.descending else parts

    def _slice(self, query: Query, condition: str, params: tuple[str, ...], order: str, offset: int, limit: int,
               size: int) -> list[dict[str, Any]]:
        """Rows offset..offset+limit of one segment; past its middle, read from the other end of its index."""
        reverse = offset > size // 2
        if reverse:
            end = min(size, offset + limit)
            offset, limit = size - end, end - offset

        def read(found: _Filter) -> list[tuple[Any, ...]]:
            sql = (f"SELECT {', '.join(COLUMNS)} {found.rows(condition)} "
                   f"ORDER BY {_order(order, query.descending != reverse)} LIMIT ? OFFSET ?")
            return self._db.execute(sql, (*found.params, *params, limit, offset)).fetchall()

        plan = self._planned(query)
        found: list[tuple[Any, ...]] | None
        if order == "name" and query.text.strip():
            found = self._by_name(plan, query.descending != reverse, offset, limit)
        elif plan.walks:  # more than _FEW rows walked per row shown: the matches gather further down the order
            found = self._walked(lambda: read(plan.filter), _FEW * (offset + limit) * _WALK_STEPS)
        else:
            found = read(plan.filter)
        rows = [dict(zip(COLUMNS, r, strict=True)) for r in (read(plan.indexed) if found is None else found)]
        return rows[::-1] if reverse else rows

    def _by_name(self, plan: _Plan, descending: bool, offset: int, limit: int) -> list[tuple[Any, ...]]:
        """Rows offset..offset+limit of a filtered listing in the name order, in one snapshot: their rowids
        first, from the name index alone (a walk) or from customers_names, then just those rows."""
        order = _order("name", descending)
        self._db.execute("BEGIN")
        try:
            if plan.walks:
                walk = (f"SELECT rowid FROM customers INDEXED BY customers_name_key WHERE offboarded = ? AND {_LIKE} "
                        f"ORDER BY {order} LIMIT ? OFFSET ?")

                def read() -> list[tuple[Any, ...]]:
                    return self._db.execute(walk, (plan.offboarded, plan.like, limit, offset)).fetchall()

                short = _FEW * (offset + limit) * _WALK_STEPS  # as the other orders walk: no count needed yet
                found = self._walked(read, short)
                if found is None and _NAME_WALK * plan.holding > short:
                    found = self._walked(read, _NAME_WALK * plan.holding)
                if found is not None:
                    return self._fetched([rowid for (rowid,) in found])
            rowids, parameter = plan.rowids
            sort = (f"SELECT n.id FROM ({rowids}) AS r CROSS JOIN customers_names AS n ON n.id = r.id "
                    f"WHERE offboarded = ? ORDER BY {order} LIMIT ?")
            wanted = taken = offset + limit
            while parameter:  # the trigram index's rows may not all hold the text: check the first, more if short
                ids = [rowid for (rowid,) in self._db.execute(sort, (parameter, plan.offboarded, taken))]
                rows = self._fetched(ids, plan.like)
                if len(rows) >= wanted or len(ids) < taken:
                    return rows[offset:wanted]
                taken *= 2
            return []
        finally:
            if self._db.in_transaction:
                self._db.execute("COMMIT")

    def _fetched(self, rowids: list[int], like: str | None = None) -> list[tuple[Any, ...]]:
        """The listed columns of the rows `rowids`, in that order (those holding the text, given `like`)."""
        sql = f"SELECT rowid, {', '.join(COLUMNS)} FROM customers WHERE rowid IN (SELECT value FROM json_each(?))"
        found = {r[0]: r[1:] for r in self._db.execute(sql + f" AND {_LIKE}" * bool(like),
                                                       (json.dumps(rowids), *([like] if like else [])))}
        return [found[rowid] for rowid in rowids if rowid in found]

    def _walked(self, read: Callable[[], list[tuple[Any, ...]]], steps: int) -> list[tuple[Any, ...]] | None:
        """`read()`, or None when it runs more than `steps` of SQLite's steps."""
        budget = steps // _PROGRESS
        looks = 0

        def spent() -> bool:
            nonlocal looks
            looks += 1
            return looks > budget

        self._db.set_progress_handler(spent, _PROGRESS)
        try:
            return read()
        except sqlite3.OperationalError:
            if looks <= budget:
                raise  # interrupted from outside, or another error
            return None
        finally:
            self._db.set_progress_handler(None, _PROGRESS)

    def _planned(self, query: Query) -> _Plan:
        """The plan of the query's filter (kept while the text stays the same)."""
        if self._plan is None or self._plan[0] != (query.text, query.offboarded):
            self._plan = (query.text, query.offboarded), self._choose(query.text.strip().casefold(),
                                                                        int(query.offboarded))
        return self._plan[1]

    def _choose(self, text: str, offboarded: int) -> _Plan:
        if not text:
            return _Plan(text, offboarded, lambda: ("", ""))
        rows = self._db.execute("SELECT coalesce(max(rowid), 0) FROM customers").fetchone()[0]
        few = rows // _FEW
        if len(text) >= _TRIGRAM or self._holding(text, few) <= few:
            match = self._match(text)
            rowids = [r for (r,) in self._db.execute(f"{_MATCHING} LIMIT ?", (match, few + 1))] if match else []
            if len(rowids) <= few:  # read once: the pages of this listing look for no more
                return _Plan(text, offboarded, lambda: ("SELECT value AS id FROM json_each(?)", json.dumps(rowids)))
        # counted up to every row: the name order's walk may then read the whole index
        return _Plan(text, offboarded, lambda: (_MATCHING, self._match(text)), lambda: self._holding(text, rows))

    def _match(self, text: str) -> str:
        """The trigram index's query for the rows that may hold `text` ("": none may): its trigrams, or for one
        or two characters, the trigrams they begin (every character of a row's text begins one)."""
        if len(text) >= _TRIGRAM:
            return " AND ".join(map(_quoted, sorted({text[i:i + _TRIGRAM] for i in range(len(text) - _TRIGRAM + 1)})))
        return " OR ".join(_quoted(term) for term, _ in self._vocabulary(text))

    def _holding(self, text: str, most: int) -> int:
        """At least how many rows hold `text` as the trigram index says, counted until past `most`: the rows its
        query finds; for one or two characters, the rows holding each trigram they begin, summed."""
        if len(text) >= _TRIGRAM:
            return self._db.execute(f"SELECT count(*) FROM ({_MATCHING} LIMIT ?)",
                                    (self._match(text), most + 1)).fetchone()[0]
        rows = 0
        for _, holding in self._vocabulary(text):
            rows += holding
            if rows > most:
                break
        return rows

    def _vocabulary(self, text: str) -> Iterator[tuple[str, int]]:
        """The trigram index's terms that begin with `text`, each with how many rows hold it."""
        for term, holding in self._db.execute("SELECT term, doc FROM customers_fts_vocab WHERE term >= ?", (text,)):
            if not term.startswith(text):
                return
            yield term, holding

    def counts(self) -> list[tuple[int, int | None, int | None, int, float, int, int]]:
        """(offboarded, stage, attention, customers, fees paid, campaigns and numbers billed monthly) for every
        group present."""
        with self._lock:
            rows = self._db.execute(
                "SELECT offboarded, stage, attention, count(*), total(spend), total(billed_campaign), "
                "total(billed_number) FROM customers INDEXED BY customers_spend GROUP BY offboarded, stage, attention")
            return [(*r[:5], int(r[5]), int(r[6])) for r in rows]

    def due(self, due_before: str) -> list[tuple[int | None, int]]:
        """(attention, active customers) of the active rows whose `otp_due` is before `due_before`."""
        with self._lock:
            # Named, or the planner walks the attention index for the grouping and reads every row.
            return self._db.execute(f"SELECT attention, count(*) FROM customers INDEXED BY customers_due "
                                    f"WHERE offboarded = 0 AND {_DUE} GROUP BY attention", (due_before,)).fetchall()


def _quoted(term: str) -> str:
    return '"{}"'.format(term.replace('"', '""'))


def _order(order: str, descending: bool) -> str:
    return ", ".join(f"{column} {'DESC' if desc != descending else 'ASC'}" for column, desc in ORDERS[order])
