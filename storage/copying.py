"""A whole customers store copied into another — SQLite or PostgreSQL, either way — and checked row by row.

Every row of every table (TABLES) goes over as it is stored: versions, leases, timestamps, derived columns, fees,
the journal with its ids (so the data folder's journal watermark, wizard.flow.doubt, still holds). What each store
builds for itself is rebuilt there: the generated columns, SQLite's trigram index, PostgreSQL's journal identity.

The source is read in one snapshot; the target is written in one transaction, refused before anything is written
unless it is empty, and then read back: per table, the row count and a sha256 over every row's canonical encoding
(`row_digest`), in key / id order, must equal the source's, or the transaction is rolled back and the target is left
as it was. Rows move `batch` at a time, so memory stays flat however big the store.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from storage.customers import TABLES, CustomerStore, StoreError

BATCH = 2000
"""Rows read, written and checked at a time."""


class CopyRefused(StoreError):
    """The target holds customers or a journal already: nothing was written."""


class CopyMismatch(StoreError):
    """What the target holds after the copy is not what was read from the source: the copy was undone."""


@dataclass(frozen=True)
class Copied:
    """One table copied and checked: its rows and its checksum (the same on both sides)."""

    table: str
    rows: int
    sha256: str


Progress = Callable[[str, int, int], None]
"""Told (what is being done, rows it just did, rows in all): with 0 rows as each table's copy or check begins, then
after each batch, e.g. ("copying journal", 2000, 9100)."""


class _Digest:
    """The row count and sha256 of a table's rows, fed in order; the columns' names are hashed first."""

    def __init__(self, columns: tuple[str, ...]) -> None:
        self.rows = 0
        self._hash = hashlib.sha256(row_digest(columns))

    def feed(self, rows: list[tuple[Any, ...]]) -> None:
        self._hash.update(b"".join(map(row_digest, rows)))
        self.rows += len(rows)

    @property
    def hexdigest(self) -> str:
        return self._hash.hexdigest()


_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def row_digest(row: Iterable[Any]) -> bytes:
    """A row's canonical encoding: its values as one JSON array and a newline (1 and 1.0 differ; floats exact)."""
    return (_JSON.encode(list(row)) + "\n").encode("utf-8", "surrogatepass")


def copy_store(source: CustomerStore, target: CustomerStore, *, batch: int = BATCH,
               progress: Progress | None = None) -> list[Copied]:
    """Copy every table of `source` into the empty `target`, then check it (see the module's docstring).

    Raises CopyRefused (target not empty), CopyMismatch (the check failed) or the stores' StoreError; in each case
    the target holds what it held before.
    """
    if source.where == target.where:
        raise StoreError(f"The source and the target are the same store ({source.where}).")
    tell = progress or (lambda what, done, total: None)
    copied = []
    with target.transaction():
        if held := [f"{n:,} row(s) in {table}" for table in TABLES if (n := target.rows_in(table))]:
            raise CopyRefused(f"The store at {target.where} is not empty ({', '.join(held)}); a copy goes only into "
                              "an empty store, so nothing was written. Copy into a new database or file.")
        with source.snapshot():
            columns = {table: _same_columns(source, target, table) for table in TABLES}
            totals = {table: source.rows_in(table) for table in TABLES}
            read = {table: _Digest(columns[table]) for table in TABLES}
            with target.loading():
                for table in TABLES:
                    batches = _told(source.scan(table, columns[table], batch=batch), f"copying {table}",
                                    totals[table], tell)
                    target.append(table, columns[table], _rows(batches, read[table]))
        for table in TABLES:
            written = _Digest(columns[table])
            for rows in _told(target.scan(table, columns[table], batch=batch), f"checking {table}",
                              totals[table], tell):
                written.feed(rows)
            if (written.rows, written.hexdigest) != (read[table].rows, read[table].hexdigest):
                what = "rows" if written.rows != read[table].rows else "checksums"
                raise CopyMismatch(
                    f"The copy of {table} into {target.where} differs from {source.where} ({what}: "
                    f"{read[table].rows:,} rows read, sha256 {read[table].hexdigest[:12]}…; {written.rows:,} rows "
                    f"written, sha256 {written.hexdigest[:12]}…): it was undone, and the target holds what it held "
                    "before.")
            copied.append(Copied(table, written.rows, written.hexdigest))
    return copied


def _same_columns(source: CustomerStore, target: CustomerStore, table: str) -> tuple[str, ...]:
    """The source's stored columns of `table`, which the target must have too (both are at the app's schema)."""
    columns = source.stored_columns(table)
    if set(columns) != set(target.stored_columns(table)):
        raise StoreError(f"The {table} tables of {source.where} and {target.where} have different columns; open "
                         "both with the same a2p-wizard first (it brings a store up to its schema).")
    return columns


def _told(batches: Iterator[list[tuple[Any, ...]]], what: str, total: int,
          tell: Progress) -> Iterator[list[tuple[Any, ...]]]:
    tell(what, 0, total)
    for rows in batches:
        yield rows
        tell(what, len(rows), total)


def _rows(batches: Iterator[list[tuple[Any, ...]]], digest: _Digest) -> Iterator[tuple[Any, ...]]:
    """The rows of `batches`, one by one, each batch added to `digest` as it is read."""
    for rows in batches:
        digest.feed(rows)
        yield from rows
