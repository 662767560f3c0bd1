"""The customers store on a PostgreSQL server, for a team: every operator's machine connects to one database.

It keeps the SQLite store's guarantees with the same code (storage/customers.py): one write transaction at a time
(each takes one transaction-level advisory lock first, as SQLite's BEGIN IMMEDIATE takes the file's write lock),
so optimistic versions, leases between machines, the journal's order and "this key is unused" hold across
machines as they do across processes on one file. The schema has migrations of its own (storage/postgres/migrations.py),
tracked in the table `a2p_schema`; its tables live in the connecting role's schema (`options=-csearch_path=NAME`
in the URL picks another).

The URL holds a password: it is a secret like Twilio's token. `masked` is the only way the URL is shown, and no
error raised here carries it. A server that is down, a refused password or a dropped connection is a StoreError
in plain words; a transaction cut off is rolled back by the server (nothing is half-saved), and the next one
connects again (a read, or the start of a transaction, finding its connection lost connects again at once).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from typing import Any, TypeVar

import psycopg
from psycopg.conninfo import conninfo_to_dict
from psycopg.rows import dict_row

from storage.customers import (
    DERIVED_COLUMNS,
    TABLES,
    CustomerStore,
    Record,
    StoreError,
    _json,
    columns,
    known_table,
    now,
)
from storage.pages import Pages
from storage.postgres.migrations import PG_MIGRATIONS, PG_SCHEMA_VERSION
from storage.postgres.pages import PostgresPages
from storage.postgres.urls import masked, password_in

WRITE_LOCK = 0x6132_7077_697A
"""The advisory lock every write transaction takes first ("a2pwiz")."""
CONNECT_TIMEOUT = 10
"""Seconds to wait for the server before saying it cannot be reached."""

T = TypeVar("T")
_PARAMETER = re.compile(r"%|\?|(?<![:\w]):(\w+)")


@functools.lru_cache(maxsize=512)
def _sql(sql: str) -> str:
    """The shared SQL's `?` and `:name` parameters as psycopg's `%s` and `%(name)s` (and `%` as `%%`)."""
    def one(match: re.Match[str]) -> str:
        if match[0] == "%":
            return "%%"
        return "%s" if match[0] == "?" else f"%({match[1]})s"

    return _PARAMETER.sub(one, sql)


def _plain(exc: psycopg.Error) -> str:
    """A psycopg error in plain words, with what to do about it."""
    text = " ".join(str(exc).split())
    state, lowered = exc.sqlstate or "", text.lower()
    if state in ("28P01", "28000") or "password authentication failed" in lowered or "no password supplied" in lowered:
        return "the server refused the user name or password; check them in the store's URL"
    if state == "3D000":
        return f"the database does not exist ({text}); create it, or correct the URL"
    if any(words in lowered for words in ("connection refused", "no such file or directory", "could not translate",
                                          "timeout expired", "could not connect")):
        return "the PostgreSQL server cannot be reached; check that it is running and the URL's host and port"
    if state.startswith(("08", "57P")) or any(words in lowered for words in (
            "server closed the connection", "terminating connection", "consuming input failed",
            "connection is closed", "connection is lost", "connection was lost")):
        return f"the connection to the PostgreSQL server was lost ({text}); try again"
    if state == "42501":
        return f"the store's database role is not allowed to do this ({text})"
    return text


def _begin(db: psycopg.Connection[Any]) -> psycopg.Connection[Any]:
    db.execute("BEGIN")
    return db


class PostgresStore(CustomerStore):
    """The customers store in the PostgreSQL database at `url` (created and migrated on first use)."""

    def __init__(self, url: str, *, clock: Callable[[], str] = now) -> None:
        super().__init__(clock)
        self._url = url
        self.where = masked(url)
        self._secret = password_in(url)
        self._depth = 0
        self._conn = self._connect()
        try:
            self._check_schema()
            self._migrate()
        except BaseException:
            self._conn.close()
            raise

    def __repr__(self) -> str:
        return f"PostgresStore({self.where!r})"

    @property
    def identity(self) -> str:
        """Which database this is, whoever connects and however: the server's host and port, the database, and
        the options (a search_path) of the URL; never the user or the password."""
        info = self._conn.info
        options = conninfo_to_dict(self._url).get("options") or ""
        return f"{info.host}:{info.port}/{info.dbname} {options}".strip()

    def _connect(self) -> psycopg.Connection[Any]:
        try:
            return psycopg.connect(self._url, autocommit=True, connect_timeout=CONNECT_TIMEOUT,
                                   application_name="a2p-wizard")
        except psycopg.Error as exc:
            raise StoreError(f"Cannot open the store at {self.where}: {self._words(exc)}.") from None

    def _words(self, exc: psycopg.Error) -> str:
        """The error in plain words, never with the password in them."""
        words = _plain(exc)
        return words.replace(self._secret, "***") if self._secret else words

    def _connection(self) -> psycopg.Connection[Any]:
        """The open connection; outside a transaction, a new one when the last was lost."""
        if self._depth == 0 and (self._conn.closed or self._conn.broken):
            self._conn = self._connect()
        return self._conn

    def _check_schema(self) -> None:
        """Refuse (reading only) a database whose customers table is another program's, or of a newer a2p-wizard.
        One statement, so one snapshot: another process migrating meanwhile is seen before or after."""
        ours, theirs = self._tuples("SELECT to_regclass('a2p_schema') IS NOT NULL, "
                                    "to_regclass('customers') IS NOT NULL")[0]
        if theirs and not ours:
            raise StoreError(f"The database at {self.where} holds another program's customers table; it was left "
                             "untouched. Give a2p-wizard a database (or a schema) of its own.")
        if ours and (version := self.schema_version) > PG_SCHEMA_VERSION:
            raise StoreError(f"The database at {self.where} was written by a newer a2p-wizard (schema {version}); "
                             "upgrade the app. It was left untouched.")

    def _migrate(self) -> None:
        """Apply the missing migrations, each in its own transaction: another process doing the same waits for the
        write lock, then finds the work done."""
        if self.schema_version == PG_SCHEMA_VERSION:
            return
        for target in range(1, PG_SCHEMA_VERSION + 1):
            with self.transaction():
                self._run("CREATE TABLE IF NOT EXISTS a2p_schema (version integer PRIMARY KEY, "
                          'applied_at text COLLATE "C" NOT NULL)')
                if self.schema_version >= target:
                    continue
                for statement in PG_MIGRATIONS[target]:
                    self._run(statement)
                self._run("INSERT INTO a2p_schema (version, applied_at) VALUES (?, ?)", (target, self._clock()))

    @property
    def schema_version(self) -> int:
        if not self._value("SELECT to_regclass('a2p_schema') IS NOT NULL"):
            return 0
        return self._value("SELECT coalesce(max(version), 0) FROM a2p_schema")

    def close(self) -> None:
        self._conn.close()

    def pages(self) -> Pages:
        return PostgresPages(self._connect)

    @contextmanager
    def transaction(self) -> Iterator[PostgresStore]:
        """One write transaction, taken at once and alone (the write lock) so writers queue instead of failing."""
        if self._depth:
            yield self
            return
        try:
            db = self._again(_begin)
            db.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK,))
        except psycopg.Error as exc:
            self._rollback()
            raise StoreError(self._cannot_write(exc)) from None
        self._depth = 1
        try:
            yield self
        except BaseException:
            self._depth = 0
            self._rollback()
            raise
        self._depth = 0
        try:
            db.execute("COMMIT")
        except psycopg.Error as exc:
            raise StoreError(f"Could not save to the store at {self.where}: {self._words(exc)}. The change was "
                             "saved whole or not at all: look before making it again.") from None

    def _rollback(self) -> None:
        """Undo the open transaction (the server already has, when the connection was lost)."""
        with suppress(psycopg.Error):
            self._conn.execute("ROLLBACK")

    def _cannot_write(self, exc: psycopg.Error) -> str:
        return f"Could not save to the store at {self.where}: {self._words(exc)}. Nothing was half-saved."

    def insert_many(self, records: Iterable[Record]) -> int:
        """Add many new customers in one transaction (bulk loads); keeps given timestamps. The rows are sent by
        COPY, a stream with no statement per row (3-4 times faster), and indexed at the end (see `loading`)."""
        now = self._clock()
        names = (*DERIVED_COLUMNS, "key", "version", "inputs", "state", "created_at", "updated_at")
        count = 0

        def rows() -> Iterator[tuple[Any, ...]]:
            nonlocal count
            for r in records:
                derived = columns(r)
                yield (*(derived[c] for c in DERIVED_COLUMNS), r.key, 1, _json(r.inputs), _json(r.state),
                       r.created_at or now, r.updated_at or now)
                count += 1

        with self.transaction(), self.loading():
            self.append("customers", names, rows())
        return count

    # what the shared reads and writes run on ---------------------------------------------------------------

    def _again(self, call: Callable[[psycopg.Connection[Any]], T]) -> T:
        """`call(connection)`; outside a transaction, once more on a new connection when the last one turns out
        lost (a server restarted, a network cut): what runs there reads, or begins a transaction, so twice is safe."""
        try:
            return call(self._connection())
        except psycopg.OperationalError:
            if self._depth or not self._conn.broken:
                raise
            return call(self._connection())

    def _talk(self, call: Callable[[psycopg.Connection[Any]], T]) -> T:
        """`_again(call)`, its errors raised as StoreError in plain words."""
        try:
            return call(self._conn) if self._depth else self._again(call)
        except psycopg.Error as exc:
            if self._depth:
                raise StoreError(self._cannot_write(exc)) from None
            raise StoreError(f"Could not read the store at {self.where}: {self._words(exc)}.") from None

    def _rows(self, sql: str, params: Any = ()) -> list[dict[str, Any]]:
        def rows(db: psycopg.Connection[Any]) -> list[dict[str, Any]]:
            with db.cursor(row_factory=dict_row) as cursor:
                return cursor.execute(_sql(sql), params).fetchall()

        return self._talk(rows)

    def _tuples(self, sql: str, params: Any = ()) -> list[tuple[Any, ...]]:
        return self._talk(lambda db: db.execute(_sql(sql), params).fetchall())

    def _run(self, sql: str, params: Any = ()) -> int:
        return self._talk(lambda db: db.execute(_sql(sql), params).rowcount)

    def _damaged(self, why: BaseException | str) -> StoreError:
        return StoreError(
            f"The store at {self.where} is damaged ({why}); the command stopped there. What to do, in order: "
            "1. stop every a2p-wizard using this database; 2. keep a dump of it (pg_dump); 3. restore your newest "
            "backup of it; 4. before advancing, check the customers changed since that backup against the Twilio "
            "console (a backup does not know what was created after it was taken)."
        )

    def check(self, *, full: bool = False) -> None:
        """Raise the damaged-store error when the data is damaged. The quick check reads every row of the
        customers and the journal (a damaged page stops the read); `full` also parses every customer's JSON.
        A connection of its own: the check may run in a thread while the store is in use."""
        reader = self._connect()
        try:
            with reader.cursor(row_factory=dict_row) as cursor:
                cursor.execute("SELECT count(*) FROM journal")
                cursor.execute("SELECT * FROM customers" if full else "SELECT count(*) FROM customers")
                for row in cursor if full else ():
                    self._record(row)
        except (psycopg.errors.DataCorrupted, psycopg.errors.IndexCorrupted) as exc:
            raise self._damaged(" ".join(str(exc).split())) from None
        except psycopg.Error as exc:
            raise StoreError(f"Could not read the store at {self.where}: {self._words(exc)}.") from None
        finally:
            reader.close()

    # whole tables (store copy) -----------------------------------------------------------------------------

    def stored_columns(self, table: str) -> tuple[str, ...]:
        return tuple(name for (name,) in self._tuples(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() "
            "AND table_name = ? AND is_generated = 'NEVER' ORDER BY ordinal_position", (known_table(table),)))

    def _begin_snapshot(self) -> None:
        """A read-only transaction at REPEATABLE READ: every read in it sees the database as of its first one."""
        try:
            self._again(lambda db: db.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"))
        except psycopg.Error as exc:
            raise StoreError(f"Could not read the store at {self.where}: {self._words(exc)}.") from None

    def scan(self, table: str, columns: tuple[str, ...], *, batch: int) -> Iterator[list[tuple[Any, ...]]]:
        """Read through a server-side cursor, so only `batch` rows at a time cross to this process."""
        try:
            with self._conn.cursor(name="a2p_scan") as cursor:
                cursor.execute(f"SELECT {', '.join(columns)} FROM {known_table(table)} ORDER BY {TABLES[table]}")
                while rows := cursor.fetchmany(batch):
                    yield rows
        except psycopg.Error as exc:
            raise StoreError(f"Could not read the store at {self.where}: {self._words(exc)}.") from None

    @contextmanager
    def loading(self) -> Iterator[None]:
        """The indexes of a table that was empty (but its primary key) and the journal's reference to its customer
        are made after the rows, once, instead of row by row (five times faster), and the planner's statistics of
        those tables gathered (ANALYZE: autovacuum would do it a minute later, and until then the list's plans are
        guesses, seconds long at a million rows); the journal's identity then goes on after the highest id written
        (like setval, not undone by a rollback: a copy rolled back leaves a gap in the ids, nothing else)."""
        empty = [t for t in TABLES if self._value(f"SELECT NOT EXISTS (SELECT 1 FROM {t})")]
        deferred = self._tuples(
            "SELECT format('DROP INDEX %I', indexname), indexdef FROM pg_indexes WHERE schemaname = current_schema() "
            "AND tablename = ANY(?) AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE contype = 'p') "
            "UNION ALL SELECT format('ALTER TABLE %s DROP CONSTRAINT %I', conrelid::regclass, conname), "
            "format('ALTER TABLE %s ADD CONSTRAINT %I ', conrelid::regclass, conname) || pg_get_constraintdef(oid) "
            "FROM pg_constraint WHERE contype = 'f' AND conrelid::regclass::text = ANY(?)", (empty, empty))
        for drop, _ in deferred:
            self._ddl(drop)
        yield
        for _, create in deferred:
            self._ddl(create)
        for table in empty:
            self._ddl(f"ANALYZE {table}")
        self._run("SELECT setval(pg_get_serial_sequence('journal', 'id'), coalesce(max(id), 0) + 1, false) "
                  "FROM journal")

    def _ddl(self, statement: str) -> None:
        """A statement as it is (no parameters: its % and : are its own)."""
        self._talk(lambda db: db.execute(statement))

    def append(self, table: str, columns: tuple[str, ...], rows: Iterable[tuple[Any, ...]]) -> None:
        """COPY FROM STDIN: the rows stream to the server, none kept here."""
        def copy(db: psycopg.Connection[Any]) -> None:
            with db.cursor() as cursor, cursor.copy(
                    f"COPY {known_table(table)} ({', '.join(columns)}) FROM STDIN") as stream:
                for row in rows:
                    stream.write_row(row)

        self._talk(copy)
