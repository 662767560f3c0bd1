"""The local SQLite store: one file in the data folder (0600, WAL, busy timeout), schema by `PRAGMA user_version`.

What it stores, and every read and write but opening, migrating, bulk loading and checking the file, is shared
with the PostgreSQL store (`storage.customers`); the names are also importable from here.
"""

from __future__ import annotations

import os
import sqlite3
import stat
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from storage.customers import (
    COUNTED,
    DERIVED_COLUMNS,
    LOOKUP_COLUMNS,
    PERSON_COLUMNS,
    SUMMARY_COLUMNS,
    TABLES,
    CustomerStore,
    JournalEntry,
    Record,
    StaleWrite,
    StoreError,
    UnknownCustomer,
    known_table,
    now,
)
from storage.files import private_dir
from storage.sqlite.migrations import MIGRATIONS, SCHEMA_VERSION
from storage.sqlite.pages import Listing
from storage.sqlite.probe import NotSQLite, create_private, tables

__all__ = ["COUNTED", "DERIVED_COLUMNS", "LOOKUP_COLUMNS", "PERSON_COLUMNS", "SUMMARY_COLUMNS", "JournalEntry",
           "Record", "StaleWrite", "Store", "StoreError", "UnknownCustomer", "damaged"]

_FILLED = {
    "customers_fts_insert": "INSERT INTO customers_fts (rowid, search) SELECT rowid, search FROM customers "
                            "WHERE rowid > ?",
    "customers_names_insert": "INSERT INTO customers_names SELECT rowid, offboarded, name_key, key FROM customers "
                              "WHERE rowid > ?",
}
"""Insert triggers a bulk load drops, and how the rows it added past a rowid are then added in one statement."""


def _plain(exc: BaseException) -> str:
    """An SQLite or OS error in plain words, with what to do about it."""
    text = str(exc.strerror if isinstance(exc, OSError) and exc.strerror else exc)
    lowered = text.lower()
    if "full" in lowered or "disk i/o" in lowered or "too large" in lowered:
        return f"the disk is full or the file cannot grow ({text}); free some space and try again"
    if "readonly" in lowered or "read-only" in lowered or "permission" in lowered or "not permitted" in lowered:
        return f"the file or its folder cannot be written ({text})"
    if "locked" in lowered or "busy" in lowered:
        return f"another program kept the store busy for too long ({text}); try again"
    if "malformed" in lowered or "not a database" in lowered or "corrupt" in lowered:
        return f"the file is damaged ({text}); restore it from a backup"
    return text


def damaged(path: Path | None, why: BaseException | str) -> StoreError:
    """The damaged-store message: what happened, and what to do, in order."""
    where = f"at {path}" if path else "(its path: a2p-wizard locate)"
    return StoreError(
        f"The store {where} is damaged ({why}); the command stopped there. What to do, in order: "
        "1. stop every a2p-wizard using this data folder; 2. keep a copy of the damaged file; 3. restore your "
        "newest backup of it; 4. before advancing, check the customers changed since that backup against the "
        "Twilio console (a backup does not know what was created after it was taken)."
    )


class Store(CustomerStore):
    """The customers database at `path` (created 0600, WAL, busy timeout)."""

    def __init__(self, path: Path, *, clock: Callable[[], str] = now) -> None:
        super().__init__(clock)
        self.path = path
        self.where = str(path)
        self._check_file(path)
        try:
            private_dir(path.parent)
            create_private(path)
        except OSError as exc:
            raise StoreError(f"Cannot create the store at {path}: {exc.strerror or exc}.") from exc
        try:
            self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30)
        except sqlite3.Error as exc:
            raise StoreError(f"Cannot open the store at {path}: {exc}.") from exc
        try:
            self._db.row_factory = sqlite3.Row
            self._db.execute("PRAGMA busy_timeout = 30000")
            # Make sure the file is ours before anything writes to it (even WAL mode rewrites the header).
            self._check_schema()
            self._wal()
            self._db.execute("PRAGMA synchronous = NORMAL")
            self._migrate()
            if stat.S_IMODE(path.stat().st_mode) != stat.S_IRUSR | stat.S_IWUSR:
                os.chmod(path, stat.S_IRUSR | stat.S_IWUSR)
        except StoreError:
            self._db.close()
            raise
        except (sqlite3.Error, OSError) as exc:
            self._db.close()
            raise StoreError(f"Cannot open the store at {path}: {_plain(exc)}.") from exc

    @staticmethod
    def _check_file(path: Path) -> None:
        """Refuse a file that is not an SQLite database, so it is never overwritten (asking SQLite, reading
        only: see storage's docstring)."""
        try:
            if not path.exists() or path.stat().st_size == 0:
                if path.is_symlink():
                    raise StoreError(f"{path} is a broken link; it was left untouched.")
                return
            if not path.is_file():
                raise StoreError(f"{path} is not a file (a folder or a device?); it was left untouched.")
            tables(path)
        except NotSQLite as exc:
            raise StoreError(f"{path} is not an a2p-wizard store (not an SQLite file); it was left untouched.") from exc
        except sqlite3.DatabaseError:
            return  # an SQLite file SQLite cannot read yet: the store's own connection says what is wrong
        except OSError as exc:
            raise StoreError(f"Cannot read the store at {path}: {exc.strerror or exc}.") from exc

    def _wal(self) -> None:
        """Switch to WAL. On a new file another process may be doing the same: SQLite then answers "locked" at
        once instead of waiting (two readers both wanting the exclusive lock), so try again for a while."""
        for attempt in range(100):
            try:
                self._db.execute("PRAGMA journal_mode = WAL")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or attempt == 99:
                    raise
                time.sleep(0.05)

    def _check_schema(self) -> None:
        """Refuse (reading only) an SQLite file of another program or of a newer a2p-wizard.

        One statement, so one snapshot: another process creating the store meanwhile is seen before or after
        its migration, never half-way (version 0 with tables would look like another program's file).
        """
        version, objects, customers = self._db.execute(
            "SELECT (SELECT user_version FROM pragma_user_version), (SELECT count(*) FROM sqlite_master), "
            "EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'customers')"
        ).fetchone()
        if version > SCHEMA_VERSION:
            raise StoreError(f"{self.path} was written by a newer a2p-wizard (schema {version}); upgrade the app. "
                             "It was left untouched.")
        if (version and not customers) or (not version and objects):
            raise StoreError(f"{self.path} is an SQLite file of another program; it was left untouched.")

    def _migrate(self) -> None:
        """Apply the missing migrations, each in its own transaction (another process may be doing the same)."""
        if self.schema_version == SCHEMA_VERSION:
            return
        for target in range(1, SCHEMA_VERSION + 1):
            with self.transaction():
                if self._db.execute("PRAGMA user_version").fetchone()[0] >= target:
                    continue
                for statement in MIGRATIONS[target]:
                    self._db.execute(statement)
                self._db.execute(f"PRAGMA user_version = {target}")

    def close(self) -> None:
        self._db.close()

    def pages(self) -> Listing:
        return Listing(self.path)

    @property
    def schema_version(self) -> int:
        return self._db.execute("PRAGMA user_version").fetchone()[0]

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, taken at once (BEGIN IMMEDIATE) so writers queue instead of failing."""
        if self._db.in_transaction:
            yield self._db
            return
        try:
            self._db.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise StoreError(self._cannot_write(exc)) from exc
        try:
            yield self._db
            self._db.execute("COMMIT")
        except sqlite3.Error as exc:
            self._rollback()
            raise StoreError(self._cannot_write(exc)) from exc
        except BaseException:
            self._rollback()
            raise

    def _rollback(self) -> None:
        """Undo the open transaction (SQLite may already have, after a full disk or an I/O error)."""
        if self._db.in_transaction:
            with suppress(sqlite3.Error):
                self._db.execute("ROLLBACK")

    def _cannot_write(self, exc: sqlite3.Error) -> str:
        return f"Could not save to the store at {self.path}: {_plain(exc)}. Nothing was half-saved."

    # what the shared reads and writes run on ---------------------------------------------------------------

    def _rows(self, sql: str, params: Any = ()) -> list[sqlite3.Row]:
        return self._db.execute(sql, params).fetchall()

    def _tuples(self, sql: str, params: Any = ()) -> list[tuple[Any, ...]]:
        return [tuple(row) for row in self._db.execute(sql, params)]

    def _run(self, sql: str, params: Any = ()) -> int:
        return self._db.execute(sql, params).rowcount

    def _damaged(self, why: BaseException | str) -> StoreError:
        return damaged(self.path, why)

    def _indexed_by(self, index: str) -> str:
        return f"INDEXED BY {index}"

    def insert_many(self, records: Iterable[Record]) -> int:
        """Add many new customers in one transaction (bulk loads); keeps given timestamps. Indexed at the end (see
        `loading`)."""
        with self.transaction(), self.loading():
            return super().insert_many(records)

    @contextmanager
    def loading(self) -> Iterator[None]:
        """Indexes are built after the rows rather than kept up to date row by row — ten times faster at a
        million rows: the trigram search index and the name order's sort keys always, the other indexes of a table
        that was empty. (The journal's ids go on after its highest by themselves: it is the table's rowid.)"""
        db = self._db
        last = db.execute("SELECT coalesce(max(rowid), 0) FROM customers").fetchone()[0]
        empty = [t for t in TABLES if not db.execute(f"SELECT EXISTS (SELECT 1 FROM {t})").fetchone()[0]]
        filled, tables = ", ".join("?" * len(_FILLED)), ", ".join("?" * len(empty)) or "NULL"
        deferred = db.execute(
            f"SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL AND (name IN ({filled}) "
            f"OR (type = 'index' AND tbl_name IN ({tables})))", (*_FILLED, *empty)
        ).fetchall()
        for kind, name, _ in deferred:
            db.execute(f"DROP {kind} {name}")
        yield
        for _, name, _ in deferred:
            if name in _FILLED:
                db.execute(_FILLED[name], (last,))
        for _, _, sql in deferred:
            db.execute(sql)

    def stored_columns(self, table: str) -> tuple[str, ...]:
        return tuple(row["name"] for row in self._db.execute("SELECT name, hidden FROM pragma_table_xinfo(?)",
                                                             (known_table(table),)) if row["hidden"] == 0)

    def _begin_snapshot(self) -> None:
        """A read transaction (WAL: it reads the file as it was at its first read, while others write on)."""
        try:
            self._db.execute("BEGIN DEFERRED")
        except sqlite3.Error as exc:
            raise StoreError(f"Could not read the store at {self.path}: {_plain(exc)}.") from exc

    def scan(self, table: str, columns: tuple[str, ...], *, batch: int) -> Iterator[list[tuple[Any, ...]]]:
        cursor = self._db.execute(f"SELECT {', '.join(columns)} FROM {known_table(table)} ORDER BY {TABLES[table]}")
        cursor.row_factory = None
        try:
            while rows := cursor.fetchmany(batch):
                yield rows
        except sqlite3.OperationalError as exc:
            raise StoreError(f"Could not read the store at {self.path}: {_plain(exc)}.") from exc
        except sqlite3.DatabaseError as exc:
            raise damaged(self.path, exc) from exc
        finally:
            cursor.close()

    def append(self, table: str, columns: tuple[str, ...], rows: Iterable[tuple[Any, ...]]) -> None:
        self._db.executemany(f"INSERT INTO {known_table(table)} ({', '.join(columns)}) "
                             f"VALUES ({', '.join('?' * len(columns))})", rows)

    def check(self, *, full: bool = False) -> None:
        """Raise the damaged-store error when the file is damaged. The quick check reads the customers, their
        sort keys and the journal with their indexes (no cross-checks, a fraction of a second per 100,000
        customers); `full` is SQLite's integrity check of the whole file."""
        pragmas = ("PRAGMA integrity_check",) if full else (
            "PRAGMA quick_check(customers)", "PRAGMA quick_check(customers_names)", "PRAGMA quick_check(journal)")
        try:  # a connection of its own: the check may run in a thread while the store is in use
            reader = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
            try:
                found = [row[0] for pragma in pragmas for row in reader.execute(pragma)]
            finally:
                reader.close()
        except sqlite3.DatabaseError as exc:
            raise damaged(self.path, exc) from exc
        if problems := [p for p in found if p != "ok"]:
            raise damaged(self.path, "; ".join(problems[:3]))
