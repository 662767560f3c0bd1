"""The local SQLite store: one row per customer, plus a journal of every Twilio call.

The store knows nothing of the domain. A customer row holds two JSON documents — `inputs` (what the operator
typed, guarded by an optimistic version check) and `state` (what the engine learned from Twilio) — and columns
the domain derives from them when it writes (`DERIVED_COLUMNS`): what the list screens and `list` show, the text
the filter searches, and the keys the domain's lookups count by. The store only stores and indexes them; it never
reads inside the JSON.
"""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from storage.files import private_dir
from storage.migrations import MIGRATIONS, SCHEMA_VERSION

SUMMARY_COLUMNS = (
    "name", "brand", "email", "phone", "mobile", "stage", "step_status", "next_action",
    "attention", "otp_sent_at", "otp_resends", "done", "spend",
)
"""Derived columns the list shows."""
LOOKUP_COLUMNS = ("address_key", "campaign_number", "number_sid", "registered", "search", "derived", "offboarded",
                  "billed_campaign", "billed_number", "name_key")
"""Derived columns the domain looks customers up by: `registered` (0/1) marks the rows `count_registered`
counts, `derived` is the version of the derivation that filled the row (older rows are derived again), `offboarded`
(0/1) leaves a customer out of the active ones, `billed_campaign` / `billed_number` (0/1) say what of an active
customer is billed every month, `name_key` is where the name sorts."""
DERIVED_COLUMNS = SUMMARY_COLUMNS + LOOKUP_COLUMNS
PERSON_COLUMNS = ("email", "mobile", "name", "phone")
"""The derived columns `holder` matches a person by (email, mobile and name are indexed)."""
COUNTED = ("mobile", "email", "address_key")
"""The derived columns `count_registered` counts by."""

_SQLITE_HEADER = b"SQLite format 3\x00"


class StoreError(Exception):
    """The store cannot be opened or written; the message says why in plain words."""


class StaleWrite(StoreError):
    """Someone else saved this customer since it was read."""


class UnknownCustomer(StoreError):
    """No customer with that key."""


@dataclass(frozen=True)
class Record:
    """One customer as stored."""

    key: str
    version: int = 0
    """The version of `inputs`: it moves only when the operator's inputs change, so a status refresh in the
    background never makes an open form's save look stale."""
    inputs: dict[str, Any] = field(default_factory=dict)
    state: dict[str, Any] = field(default_factory=dict)
    derived: dict[str, Any] = field(default_factory=dict)
    """Values of DERIVED_COLUMNS (missing ones are stored as NULL)."""
    created_at: str = ""
    updated_at: str = ""


@dataclass(frozen=True)
class JournalEntry:
    """One Twilio call made for a customer."""

    id: int
    customer_key: str
    action: str
    friendly_name: str | None
    method: str
    path: str
    state: str
    http_status: int | None
    sid: str | None
    error_code: int | None
    error_message: str | None
    started_at: str
    finished_at: str | None


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


def _json(document: dict[str, Any]) -> str:
    return json.dumps(document, ensure_ascii=False, sort_keys=True)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


class Store:
    """The customers database at `path` (created 0600, WAL, busy timeout)."""

    def __init__(self, path: Path, *, clock: Callable[[], str] = _now) -> None:
        self.path = path
        self._clock = clock
        self._check_file(path)
        try:
            private_dir(path.parent)
            if not path.exists():
                os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
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
        """Refuse a file that is not an SQLite database, so it is never overwritten."""
        try:
            if not path.exists() or path.stat().st_size == 0:
                if path.is_symlink():
                    raise StoreError(f"{path} is a broken link; it was left untouched.")
                return
            if not path.is_file():
                raise StoreError(f"{path} is not a file (a folder or a device?); it was left untouched.")
            with path.open("rb") as fh:
                header = fh.read(16)
        except OSError as exc:
            raise StoreError(f"Cannot read the store at {path}: {exc.strerror or exc}.") from exc
        if header != _SQLITE_HEADER:
            raise StoreError(f"{path} is not an a2p-wizard store (not an SQLite file); it was left untouched.")

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

    # customers -------------------------------------------------------------------------------------------

    def insert(self, record: Record) -> Record:
        """Add a new customer; its key must be unused."""
        now = self._clock()
        record = replace(record, version=1, created_at=now, updated_at=now)
        with self.transaction() as db:
            if db.execute("SELECT 1 FROM customers WHERE key = ?", (record.key,)).fetchone():
                raise StoreError(f"A customer with key {record.key!r} already exists.")
            self._write(db, record)
        return record

    def insert_many(self, records: Iterable[Record]) -> int:
        """Add many new customers in one transaction (bulk loads); keeps given timestamps.

        Indexes are built after the rows rather than kept up to date row by row — ten times faster at a
        million rows: the trigram search index always, the other indexes when the store was empty.
        """
        now = self._clock()
        count = 0
        with self.transaction() as db:
            last = db.execute("SELECT coalesce(max(rowid), 0) FROM customers").fetchone()[0]
            deferred = db.execute(
                "SELECT type, name, sql FROM sqlite_master WHERE tbl_name = 'customers' AND sql IS NOT NULL "
                "AND (name = 'customers_fts_insert' OR (type = 'index' AND ?))", (last == 0,)
            ).fetchall()
            for kind, name, _ in deferred:
                db.execute(f"DROP {kind} {name}")
            for record in records:
                self._write(db, replace(record, version=1, created_at=record.created_at or now,
                                        updated_at=record.updated_at or now))
                count += 1
            if any(name == "customers_fts_insert" for _, name, _ in deferred):
                db.execute("INSERT INTO customers_fts (rowid, search) SELECT rowid, search FROM customers "
                           "WHERE rowid > ?", (last,))
            for _, _, sql in deferred:
                db.execute(sql)
        return count

    def get(self, key: str) -> Record:
        row = self._db.execute("SELECT * FROM customers WHERE key = ?", (key,)).fetchone()
        if row is None:
            raise UnknownCustomer(f"No customer with key {key!r}.")
        return self._record(row)

    def exists(self, key: str) -> bool:
        return self._db.execute("SELECT 1 FROM customers WHERE key = ?", (key,)).fetchone() is not None

    def mutate(
        self, key: str, change: Callable[[Record], Record], *, expected_version: int | None = None
    ) -> Record:
        """Read, change and write one customer in one transaction.

        With `expected_version` the write is refused (StaleWrite) if anyone changed the customer's inputs since
        that version was read: that is how two operators never overwrite each other silently. State written by
        the engine is merged inside the transaction and does not move the version.
        """
        with self.transaction() as db:
            row = db.execute("SELECT * FROM customers WHERE key = ?", (key,)).fetchone()
            if row is None:
                raise UnknownCustomer(f"No customer with key {key!r}.")
            current = self._record(row)
            if expected_version is not None and current.version != expected_version:
                raise StaleWrite(
                    f"Customer {key} was changed elsewhere (version {current.version}, you had "
                    f"{expected_version}); reload it and make your change again."
                )
            changed = change(current)
            # An operator's save (made against a version) always makes a new one; the engine's writes only when
            # they change the inputs, so a status written meanwhile never makes an open form stale.
            version = current.version + (expected_version is not None or changed.inputs != current.inputs)
            changed = replace(changed, key=key, version=version, updated_at=self._clock())
            self._write(db, changed, before=current)
        return changed

    def _write(self, db: sqlite3.Connection, r: Record, *, before: Record | None = None) -> None:
        """Insert `r`, or (given the row as it was) update the columns that changed: an unchanged indexed
        column costs its index nothing."""
        derived = {c: r.derived.get(c) for c in DERIVED_COLUMNS} | {
            "spend": r.derived.get("spend") or 0, "registered": int(bool(r.derived.get("registered"))),
            "derived": r.derived.get("derived") or 0,
            **{flag: int(bool(r.derived.get(flag))) for flag in ("offboarded", "billed_campaign", "billed_number")}}
        if before is None:
            values = derived | {
                "key": r.key, "version": r.version, "inputs": _json(r.inputs), "state": _json(r.state),
                "created_at": r.created_at, "updated_at": r.updated_at}
            db.execute(f"INSERT INTO customers ({', '.join(values)}) VALUES ({', '.join(':' + c for c in values)})",
                       values)
            return
        values = {c: v for c, v in derived.items() if before.derived.get(c) != v}
        values |= {"version": r.version, "updated_at": r.updated_at}
        if r.inputs != before.inputs:
            values["inputs"] = _json(r.inputs)
        if r.state != before.state:
            values["state"] = _json(r.state)
        db.execute(f"UPDATE customers SET {', '.join(f'{c} = :{c}' for c in values)} WHERE key = :key",
                   values | {"key": r.key})

    def _record(self, row: sqlite3.Row) -> Record:
        try:
            inputs, state = json.loads(row["inputs"]), json.loads(row["state"])
        except (ValueError, TypeError, RecursionError) as exc:
            raise damaged(self.path, f"customer {row['key']!r} holds malformed JSON: {exc}") from exc
        if not isinstance(inputs, dict) or not isinstance(state, dict):
            raise damaged(self.path, f"customer {row['key']!r} holds JSON that is not an object")
        return Record(
            key=row["key"],
            version=row["version"],
            inputs=inputs,
            state=state,
            derived={c: row[c] for c in DERIVED_COLUMNS},
            created_at=row["created_at"],
            updated_at=row["updated_at"],
        )

    def keys(self) -> list[str]:
        return [r[0] for r in self._db.execute("SELECT key FROM customers ORDER BY created_at, key")]

    def active_keys(self) -> list[str]:
        """The keys of customers not offboarded, in `keys` order."""
        return [r[0] for r in self._db.execute(
            "SELECT key FROM customers WHERE offboarded = 0 ORDER BY created_at, key")]

    def billed(self) -> tuple[int, int]:
        """(campaigns, numbers) billed monthly for active customers."""
        row = self._db.execute("SELECT total(billed_campaign), total(billed_number) FROM customers "
                               "INDEXED BY customers_active WHERE offboarded = 0").fetchone()
        return int(row[0]), int(row[1])

    def check(self, *, full: bool = False) -> None:
        """Raise the damaged-store error when the file is damaged. The quick check reads the customers and the
        journal with their indexes (no cross-checks, a fraction of a second per 100,000 customers); `full` is
        SQLite's integrity check of the whole file."""
        pragmas = ("PRAGMA integrity_check",) if full else (
            "PRAGMA quick_check(customers)", "PRAGMA quick_check(journal)")
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

    def count(self) -> int:
        return self._db.execute("SELECT count(*) FROM customers").fetchone()[0]

    def summaries(self) -> list[dict[str, Any]]:
        """Every customer's summary columns and whether it is offboarded (no JSON), in the list's default order."""
        rows = self._db.execute(
            f"SELECT key, updated_at, offboarded, {', '.join(SUMMARY_COLUMNS)} FROM customers "
            "ORDER BY attention, updated_at DESC, key"
        )
        return [dict(r) for r in rows]

    def holder(self, match: dict[str, str], *, exclude_key: str | None = None) -> str | None:
        """The first key (in key order) of a customer whose derived columns hold every value of `match` (columns
        among PERSON_COLUMNS; the first one named should be indexed: email, mobile or name)."""
        row = self._db.execute(self.holder_sql(match), match | {"exclude": exclude_key}).fetchone()
        return row[0] if row else None

    @staticmethod
    def holder_sql(match: dict[str, str]) -> str:
        if not match or set(match) - set(PERSON_COLUMNS):
            raise ValueError(match)
        where = " AND ".join(f"{column} = :{column}" for column in match)
        return f"SELECT key FROM customers WHERE {where} AND key IS NOT :exclude ORDER BY key LIMIT 1"

    def count_registered(self, column: str, value: str, *, exclude_key: str | None = None) -> int:
        """How many customers marked `registered` hold `value` in the derived column `column` (one of COUNTED)."""
        if column not in COUNTED:
            raise ValueError(column)
        return self._db.execute(
            f"SELECT count(*) FROM customers WHERE {column} = ? AND registered = 1 AND key IS NOT ?",
            (value, exclude_key),
        ).fetchone()[0]

    def held_numbers(self, *, exclude_key: str | None = None) -> set[str]:
        """Every `campaign_number` and `number_sid` a customer (but `exclude_key`) holds (an index-only read)."""
        rows = self._db.execute(
            "SELECT campaign_number, number_sid FROM customers INDEXED BY customers_numbers "
            "WHERE (campaign_number IS NOT NULL OR number_sid IS NOT NULL) AND key IS NOT ?",
            (exclude_key,),
        )
        return {value for row in rows for value in row if value}

    def outdated(self, version: int, limit: int) -> list[Record]:
        """Up to `limit` customers whose derived columns were filled by a derivation older than `version`."""
        rows = self._db.execute("SELECT * FROM customers WHERE derived < ? LIMIT ?", (version, limit))
        return [self._record(row) for row in rows]

    def rederive(self, rows: Iterable[tuple[str, dict[str, Any]]]) -> None:
        """Write derived columns again (key, values) without touching inputs, state, version or timestamps."""
        with self.transaction() as db:
            for key, derived in rows:
                columns = [c for c in DERIVED_COLUMNS if c in derived]
                db.execute(f"UPDATE customers SET {', '.join(f'{c} = ?' for c in columns)} WHERE key = ?",
                           (*(derived[c] for c in columns), key))

    # leases ----------------------------------------------------------------------------------------------

    def claim(self, key: str, owner: str, until: str, now: str, *, replacing: str | None = None) -> bool:
        """Take the right to call Twilio for `key` until `until`, unless another owner holds a live lease.

        `replacing` takes the lease over from that owner even before it expires (the caller knows it is dead);
        if anyone else took it meanwhile, the claim fails.
        """
        with self.transaction() as db:
            cur = db.execute(
                "UPDATE customers SET lease_owner = ?, lease_until = ? WHERE key = ? "
                "AND (lease_owner IS NULL OR lease_owner = ? OR lease_until < ? OR lease_owner = ?)",
                (owner, until, key, owner, now, replacing),
            )
            return cur.rowcount == 1

    def lease_owner(self, key: str) -> str | None:
        """Who holds the customer's lease now (None when nobody does), whether or not it has expired."""
        row = self._db.execute("SELECT lease_owner FROM customers WHERE key = ?", (key,)).fetchone()
        if row is None:
            raise UnknownCustomer(f"No customer with key {key!r}.")
        return row[0]

    def release(self, key: str, owner: str) -> None:
        with self.transaction() as db:
            db.execute(
                "UPDATE customers SET lease_owner = NULL, lease_until = NULL WHERE key = ? AND lease_owner = ?",
                (key, owner),
            )

    # journal ---------------------------------------------------------------------------------------------

    def last_journal_id(self) -> int:
        """The highest journal entry (0: none)."""
        return int(self._db.execute("SELECT coalesce(max(id), 0) FROM journal").fetchone()[0])

    def journal_start(
        self, key: str, action: str, method: str, path: str, friendly_name: str | None = None
    ) -> int:
        """Record that a call is about to be sent (state `sent`), before it is sent."""
        with self.transaction() as db:
            cur = db.execute(
                "INSERT INTO journal (customer_key, action, friendly_name, method, path, state, started_at) "
                "VALUES (?, ?, ?, ?, ?, 'sent', ?)",
                (key, action, friendly_name, method, path, self._clock()),
            )
            return int(cur.lastrowid or 0)

    def journal_finish(
        self,
        entry_id: int,
        state: str,
        *,
        http_status: int | None = None,
        sid: str | None = None,
        error_code: int | None = None,
        error_message: str | None = None,
    ) -> None:
        """Close a journal entry as `done` or `failed` (call inside the transaction that saves its result)."""
        with self.transaction() as db:
            db.execute(
                "UPDATE journal SET state = ?, http_status = ?, sid = ?, error_code = ?, error_message = ?, "
                "finished_at = ? WHERE id = ?",
                (state, http_status, sid, error_code, error_message, self._clock(), entry_id),
            )

    def journal(self, key: str) -> list[JournalEntry]:
        rows = self._db.execute("SELECT * FROM journal WHERE customer_key = ? ORDER BY id", (key,))
        return [JournalEntry(**dict(r)) for r in rows]

    def open_entries(self, key: str, action: str | None = None) -> list[JournalEntry]:
        """Calls left `sent` (of `action`, when given): their outcome is unknown and must be reconciled first."""
        rows = self._db.execute(
            "SELECT * FROM journal WHERE customer_key = ? AND state = 'sent' AND (? IS NULL OR action = ?) ORDER BY id",
            (key, action, action))
        return [JournalEntry(**dict(r)) for r in rows]
