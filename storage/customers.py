"""What both customers stores share: records, errors, columns, and every read and write they run alike.

The store knows nothing of the domain. A customer row holds two JSON documents — `inputs` (what the operator
typed, guarded by an optimistic version check) and `state` (what the engine learned from Twilio) — and columns
the domain derives from them when it writes (`DERIVED_COLUMNS`): what the list screens and `list` show, the text
the filter searches, and the keys the domain's lookups count by. The store only stores and indexes them; it never
reads inside the JSON.

`CustomerStore` holds the logic and the SQL both backends run — SQLite (`storage.sqlite.store.Store`) and PostgreSQL
(`storage.postgres.store.PostgresStore`). Its SQL is written with `?` and `:name` parameters; each backend runs it
through four primitives (`_rows`, `_tuples`, `_run`, `transaction`). Every write transaction is taken at once and
alone (SQLite's BEGIN IMMEDIATE, PostgreSQL's transaction lock), so a read-then-write inside one sees every
write made before it and none during it: writers queue, and checks such as "this key is unused" hold until the
transaction ends.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from storage.pages import Pages

SUMMARY_COLUMNS = (
    "name", "brand", "email", "phone", "mobile", "stage", "step_status", "next_action",
    "attention", "otp_sent_at", "otp_resends", "done", "spend", "number",
)
"""Derived columns the list shows."""
LOOKUP_COLUMNS = ("address_key", "campaign_number", "number_sid", "registered", "search", "derived", "offboarded",
                  "billed_campaign", "billed_number", "name_key")
"""Derived columns the domain looks customers up by: `registered` (0/1) marks the rows `count_registered`
counts, `derived` is the version of the derivation that filled the row (older rows are derived again), `offboarded`
(0/1) leaves a customer out of the active ones, `billed_campaign` / `billed_number` (0/1) say what of an active
customer is billed every month, `name_key` is where the name sorts."""
DERIVED_COLUMNS = SUMMARY_COLUMNS + LOOKUP_COLUMNS
FLAGS = ("registered", "offboarded", "billed_campaign", "billed_number")
"""Derived columns stored as 0 or 1."""
PERSON_COLUMNS = ("email", "mobile", "name", "phone")
"""The derived columns `holder` matches a person by (email, mobile and name are indexed)."""
COUNTED = ("mobile", "email", "address_key")
"""The derived columns `count_registered` counts by."""
TABLES = {"customers": "key", "journal": "id"}
"""Every table a store holds for the app, with the column that orders its rows (what `store copy` moves)."""


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


def now() -> str:
    """The current UTC time as the store keeps it (ISO 8601 to the second, `Z`)."""
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _json(document: dict[str, Any]) -> str:
    return json.dumps(document, ensure_ascii=False, sort_keys=True)


def columns(r: Record) -> dict[str, Any]:
    """The derived columns of `r` as stored: missing ones NULL, spend 0, flags 0 or 1."""
    return {c: r.derived.get(c) for c in DERIVED_COLUMNS} | {
        "spend": r.derived.get("spend") or 0, "derived": r.derived.get("derived") or 0,
        **{flag: int(bool(r.derived.get(flag))) for flag in FLAGS}}


class CustomerStore(ABC):
    """The customers and their journal, on a database a backend connects to (see the module's docstring)."""

    where: str
    """How messages name the store (its path; a URL with the password masked)."""

    def __init__(self, clock: Callable[[], str]) -> None:
        self._clock = clock

    @property
    def identity(self) -> str | None:
        """Which shared database this is, for a data folder's watermark of its journal (None: a file of the data
        folder's own)."""
        return None

    # the backend -------------------------------------------------------------------------------------------

    @abstractmethod
    def transaction(self) -> AbstractContextManager[Any]:
        """One write transaction, taken at once and alone; nested ones join the open one."""

    @abstractmethod
    def _rows(self, sql: str, params: Any = ()) -> list[Any]:
        """Every row of a query, each readable by column name (`row["key"]`, `dict(row)`)."""

    @abstractmethod
    def _tuples(self, sql: str, params: Any = ()) -> list[tuple[Any, ...]]:
        """Every row of a query as a tuple."""

    @abstractmethod
    def _run(self, sql: str, params: Any = ()) -> int:
        """Run a statement; how many rows it changed."""

    @abstractmethod
    def _damaged(self, why: BaseException | str) -> StoreError:
        """The damaged-store error for this backend."""

    @abstractmethod
    def close(self) -> None: ...

    @abstractmethod
    def pages(self) -> Pages:
        """A new reader of the list's pages, on a connection of its own (close it when done)."""

    @property
    @abstractmethod
    def schema_version(self) -> int: ...

    @abstractmethod
    def check(self, *, full: bool = False) -> None:
        """Raise the damaged-store error when the store is damaged (`full`: the slower, thorough check)."""

    def _indexed_by(self, index: str) -> str:
        """The hint naming the index a query must use (SQLite's planner may pick a worse one; none elsewhere)."""
        return ""

    def _value(self, sql: str, params: Any = ()) -> Any:
        """The first column of the first row (None: no row)."""
        rows = self._tuples(sql, params)
        return rows[0][0] if rows else None

    # customers ---------------------------------------------------------------------------------------------

    def insert(self, record: Record) -> Record:
        """Add a new customer; its key must be unused."""
        now = self._clock()
        record = replace(record, version=1, created_at=now, updated_at=now)
        with self.transaction():
            if self.exists(record.key):
                raise StoreError(f"A customer with key {record.key!r} already exists.")
            self._write(record)
        return record

    def insert_many(self, records: Iterable[Record]) -> int:
        """Add many new customers in one transaction (bulk loads); keeps given timestamps."""
        now = self._clock()
        count = 0
        with self.transaction():
            for record in records:
                self._write(replace(record, version=1, created_at=record.created_at or now,
                                    updated_at=record.updated_at or now))
                count += 1
        return count

    def get(self, key: str) -> Record:
        rows = self._rows("SELECT * FROM customers WHERE key = ?", (key,))
        if not rows:
            raise UnknownCustomer(f"No customer with key {key!r}.")
        return self._record(rows[0])

    def exists(self, key: str) -> bool:
        return bool(self._tuples("SELECT 1 FROM customers WHERE key = ?", (key,)))

    def mutate(
        self, key: str, change: Callable[[Record], Record], *, expected_version: int | None = None
    ) -> Record:
        """Read, change and write one customer in one transaction.

        With `expected_version` the write is refused (StaleWrite) if anyone changed the customer's inputs since
        that version was read: that is how two operators never overwrite each other silently. State written by
        the engine is merged inside the transaction and does not move the version.
        """
        with self.transaction():
            current = self.get(key)
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
            self._write(changed, before=current)
        return changed

    def _write(self, r: Record, *, before: Record | None = None) -> None:
        """Insert `r`, or (given the row as it was) update the columns that changed: an unchanged indexed
        column costs its index nothing."""
        derived = columns(r)
        if before is None:
            values = derived | {
                "key": r.key, "version": r.version, "inputs": _json(r.inputs), "state": _json(r.state),
                "created_at": r.created_at, "updated_at": r.updated_at}
            self._run(f"INSERT INTO customers ({', '.join(values)}) VALUES ({', '.join(':' + c for c in values)})",
                      values)
            return
        values = {c: v for c, v in derived.items() if before.derived.get(c) != v}
        values |= {"version": r.version, "updated_at": r.updated_at}
        if r.inputs != before.inputs:
            values["inputs"] = _json(r.inputs)
        if r.state != before.state:
            values["state"] = _json(r.state)
        self._run(f"UPDATE customers SET {', '.join(f'{c} = :{c}' for c in values)} WHERE key = :key",
                  values | {"key": r.key})

    def _record(self, row: Any) -> Record:
        try:
            inputs, state = json.loads(row["inputs"]), json.loads(row["state"])
        except (ValueError, TypeError, RecursionError) as exc:
            raise self._damaged(f"customer {row['key']!r} holds malformed JSON: {exc}") from exc
        if not isinstance(inputs, dict) or not isinstance(state, dict):
            raise self._damaged(f"customer {row['key']!r} holds JSON that is not an object")
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
        return [key for (key,) in self._tuples("SELECT key FROM customers ORDER BY created_at, key")]

    def active_keys(self) -> list[str]:
        """The keys of customers not offboarded, in `keys` order."""
        return [key for (key,) in self._tuples(
            "SELECT key FROM customers WHERE offboarded = 0 ORDER BY created_at, key")]

    def billed(self) -> tuple[int, int]:
        """(campaigns, numbers) billed monthly for active customers."""
        campaigns, numbers = self._tuples(
            "SELECT coalesce(sum(billed_campaign), 0), coalesce(sum(billed_number), 0) FROM customers "
            f"{self._indexed_by('customers_active')} WHERE offboarded = 0")[0]
        return int(campaigns), int(numbers)

    def number_sids(self) -> tuple[set[str], set[str]]:
        """The phone number SIDs the customers hold: (the active customers', the offboarded customers')."""
        rows = self._tuples("SELECT offboarded, number_sid FROM customers WHERE number_sid IS NOT NULL")
        active = {sid for gone, sid in rows if not gone}
        return active, {sid for gone, sid in rows if gone}

    def count(self) -> int:
        return self._value("SELECT count(*) FROM customers")

    def summaries(self) -> list[dict[str, Any]]:
        """Every customer's summary columns and whether it is offboarded (no JSON), in the list's default order."""
        return [dict(r) for r in self._rows(
            f"SELECT key, updated_at, offboarded, {', '.join(SUMMARY_COLUMNS)} FROM customers "
            "ORDER BY attention, updated_at DESC, key")]

    def holder(self, match: dict[str, str], *, exclude_key: str | None = None) -> str | None:
        """The first key (in key order) of a customer whose derived columns hold every value of `match` (columns
        among PERSON_COLUMNS; the first one named should be indexed: email, mobile or name)."""
        return self._value(self.holder_sql(match), match | {"exclude": exclude_key})

    @staticmethod
    def holder_sql(match: dict[str, str]) -> str:
        if not match or set(match) - set(PERSON_COLUMNS):
            raise ValueError(match)
        where = " AND ".join(f"{column} = :{column}" for column in match)
        return f"SELECT key FROM customers WHERE {where} AND key IS DISTINCT FROM :exclude ORDER BY key LIMIT 1"

    def count_registered(self, column: str, value: str, *, exclude_key: str | None = None) -> int:
        """How many customers marked `registered` hold `value` in the derived column `column` (one of COUNTED)."""
        if column not in COUNTED:
            raise ValueError(column)
        return self._value(
            f"SELECT count(*) FROM customers WHERE {column} = ? AND registered = 1 AND key IS DISTINCT FROM ?",
            (value, exclude_key))

    def held_numbers(self, *, exclude_key: str | None = None) -> dict[str, str]:
        """Every `campaign_number`, `number_sid` and `number` an active customer (but `exclude_key`) holds, with the
        key of the customer holding it (an offboarded customer's kept number is free for another)."""
        rows = self._tuples(
            "SELECT campaign_number, number_sid, number, key FROM customers "
            "WHERE offboarded = 0 AND (campaign_number IS NOT NULL OR number_sid IS NOT NULL OR number IS NOT NULL) "
            "AND key IS DISTINCT FROM ? ORDER BY key",
            (exclude_key,),
        )
        held: dict[str, str] = {}
        for *values, key in rows:
            for value in values:
                if value:
                    held.setdefault(value, key)
        return held

    def outdated(self, version: int, limit: int) -> list[Record]:
        """Up to `limit` customers whose derived columns were filled by a derivation older than `version`."""
        rows = self._rows("SELECT * FROM customers WHERE derived < ? LIMIT ?", (version, limit))
        return [self._record(row) for row in rows]

    def rederive(self, rows: Iterable[tuple[str, dict[str, Any]]]) -> None:
        """Write derived columns again (key, values) without touching inputs, state, version or timestamps."""
        with self.transaction():
            for key, derived in rows:
                names = [c for c in DERIVED_COLUMNS if c in derived]
                self._run(f"UPDATE customers SET {', '.join(f'{c} = ?' for c in names)} WHERE key = ?",
                          (*(derived[c] for c in names), key))

    # leases ------------------------------------------------------------------------------------------------

    def claim(self, key: str, owner: str, until: str, now: str, *, replacing: str | None = None) -> bool:
        """Take the right to call Twilio for `key` until `until`, unless another owner holds a live lease.

        `replacing` takes the lease over from that owner even before it expires (the caller knows it is dead);
        if anyone else took it meanwhile, the claim fails.
        """
        with self.transaction():
            return self._run(
                "UPDATE customers SET lease_owner = ?, lease_until = ? WHERE key = ? "
                "AND (lease_owner IS NULL OR lease_owner = ? OR lease_until < ? OR lease_owner = ?)",
                (owner, until, key, owner, now, replacing),
            ) == 1

    def lease_owner(self, key: str) -> str | None:
        """Who holds the customer's lease now (None when nobody does), whether or not it has expired."""
        rows = self._tuples("SELECT lease_owner FROM customers WHERE key = ?", (key,))
        if not rows:
            raise UnknownCustomer(f"No customer with key {key!r}.")
        return rows[0][0]

    def release(self, key: str, owner: str) -> None:
        with self.transaction():
            self._run("UPDATE customers SET lease_owner = NULL, lease_until = NULL WHERE key = ? AND lease_owner = ?",
                      (key, owner))

    # journal -----------------------------------------------------------------------------------------------

    def last_journal_id(self) -> int:
        """The highest journal entry (0: none)."""
        return int(self._value("SELECT coalesce(max(id), 0) FROM journal"))

    def journal_start(
        self, key: str, action: str, method: str, path: str, friendly_name: str | None = None
    ) -> int:
        """Record that a call is about to be sent (state `sent`), before it is sent."""
        with self.transaction():
            return int(self._tuples(
                "INSERT INTO journal (customer_key, action, friendly_name, method, path, state, started_at) "
                "VALUES (?, ?, ?, ?, ?, 'sent', ?) RETURNING id",
                (key, action, friendly_name, method, path, self._clock()))[0][0])

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
        with self.transaction():
            self._run(
                "UPDATE journal SET state = ?, http_status = ?, sid = ?, error_code = ?, error_message = ?, "
                "finished_at = ? WHERE id = ?",
                (state, http_status, sid, error_code, error_message, self._clock(), entry_id),
            )

    def journal(self, key: str) -> list[JournalEntry]:
        rows = self._rows("SELECT * FROM journal WHERE customer_key = ? ORDER BY id", (key,))
        return [JournalEntry(**dict(r)) for r in rows]

    def open_entries(self, key: str, action: str | None = None) -> list[JournalEntry]:
        """Calls left `sent` (of `action`, when given): their outcome is unknown and must be reconciled first."""
        rows = self._rows(
            "SELECT * FROM journal WHERE customer_key = ? AND state = 'sent' "
            "AND (CAST(? AS TEXT) IS NULL OR action = ?) ORDER BY id",
            (key, action, action))
        return [JournalEntry(**dict(r)) for r in rows]

    # deliveries (what Twilio told us unasked) ---------------------------------------------------------------

    def journal_delivery(self, key: str, action: str, delivery_id: str, path: str, *, sid: str | None,
                         occurred_at: str | None, error_code: int | None = None,
                         error_message: str | None = None) -> bool:
        """Record a delivery Twilio sent (method EVENT, its id as the friendly name) once: False, and nothing
        written, when one with this id is already recorded. The write transaction serialises the check.
        `occurred_at` (when Twilio says it happened; default now) is its start, the time it came its finish."""
        now = self._clock()
        with self.transaction():
            if self.delivery_taken(delivery_id):
                return False
            self._run(
                "INSERT INTO journal (customer_key, action, friendly_name, method, path, state, sid, error_code, "
                "error_message, started_at, finished_at) VALUES (?, ?, ?, 'EVENT', ?, 'done', ?, ?, ?, ?, ?)",
                (key, action, delivery_id, path, sid, error_code, error_message, occurred_at or now, now))
            return True

    def delivery_taken(self, delivery_id: str) -> bool:
        """Whether a delivery with this id is recorded."""
        return bool(self._tuples("SELECT 1 FROM journal WHERE method = 'EVENT' AND friendly_name = ?",
                                 (delivery_id,)))

    def holder_of_sid(self, sid: str) -> str | None:
        """The customer a call of ours created or read `sid` for (None: not one of ours)."""
        rows = self._tuples("SELECT customer_key FROM journal WHERE sid = ? AND method <> 'EVENT' "
                            "ORDER BY id DESC LIMIT 1", (sid,))
        return rows[0][0] if rows else None

    def last_delivery(self) -> tuple[int, str] | None:
        """The latest delivery recorded: its journal id and when it came (None: never)."""
        rows = self._tuples("SELECT id, finished_at FROM journal WHERE method = 'EVENT' ORDER BY id DESC LIMIT 1")
        return (int(rows[0][0]), str(rows[0][1])) if rows else None

    # whole tables (store copy) -----------------------------------------------------------------------------

    def rows_in(self, table: str) -> int:
        """How many rows `table` (one of TABLES) holds."""
        return int(self._value(f"SELECT count(*) FROM {known_table(table)}"))

    @abstractmethod
    def stored_columns(self, table: str) -> tuple[str, ...]:
        """The columns of `table` that hold values as written (generated ones left out), in the table's order."""

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """One consistent read: `rows_in` and `scan` in the block see the store as it was when the block began,
        whatever other processes write meanwhile."""
        self._begin_snapshot()
        try:
            yield
        finally:
            self._rollback()

    @abstractmethod
    def _begin_snapshot(self) -> None:
        """Begin the read transaction of `snapshot` (a StoreError in plain words when it cannot)."""

    @abstractmethod
    def _rollback(self) -> None:
        """Undo the open transaction, if any."""

    @abstractmethod
    def scan(self, table: str, columns: tuple[str, ...], *, batch: int) -> Iterator[list[tuple[Any, ...]]]:
        """Every row of `table` (its `columns`, in TABLES order), `batch` rows at a time: in a `snapshot`, or in a
        transaction to read back what it wrote."""

    @abstractmethod
    def loading(self) -> AbstractContextManager[None]:
        """Inside a transaction: rows `append`ed in the block are indexed at its end, and whatever the store
        numbers by itself (the journal's ids) continues after them."""

    @abstractmethod
    def append(self, table: str, columns: tuple[str, ...], rows: Iterable[tuple[Any, ...]]) -> None:
        """Write `rows` into `table` as they are (versions, timestamps, ids: nothing renumbered or restamped); in
        a transaction, within `loading`."""


def known_table(table: str) -> str:
    """`table`, checked to be one of TABLES (it is put in SQL by name)."""
    if table not in TABLES:
        raise ValueError(table)
    return table
