"""SQLite persistence for the built-in sandbox: JSON resource bodies by SID, plus a key/value meta table."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from storage.sqlite.probe import NotSQLite, create_private, tables

_SCHEMA = """
CREATE TABLE IF NOT EXISTS resources (
    sid TEXT PRIMARY KEY, kind TEXT NOT NULL, seq INTEGER NOT NULL, body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS resources_kind_seq ON resources (kind, seq);
CREATE INDEX IF NOT EXISTS resources_seq ON resources (seq);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS tags (tag TEXT NOT NULL, sid TEXT NOT NULL, PRIMARY KEY (tag, sid)) WITHOUT ROWID;
"""
"""`tags` finds resources by a value other than their SID (a brand by its mobile or its bundles) without reading
every resource of the kind."""
TAGGED = "SELECT body FROM tags CROSS JOIN resources USING (sid) WHERE tag = ? AND kind = ? ORDER BY seq"
"""The bodies of a kind put with a tag. CROSS JOIN keeps `tags` the outer loop: with a plain JOIN, SQLite reads
every resource of the kind in `seq` order (to skip the sort) and looks each one's tag up, a scan per lookup that
made a 10,000-brand sandbox take minutes per list page."""


_TABLES = frozenset({"resources", "meta", "tags"})


class ForeignState(sqlite3.DatabaseError):
    """The file is not a sandbox state file (another program's): it is left byte-for-byte unchanged."""


def check_foreign(path: Path) -> None:
    """Refuse, reading only through SQLite (see storage's docstring), a non-empty file that is not SQLite or holds
    tables of another program."""
    if not path.exists() or path.stat().st_size == 0:
        return
    try:
        found = tables(path)
    except NotSQLite as exc:
        raise ForeignState(f"{path} is not a sandbox state file (not an SQLite file); it was left untouched.") from exc
    if found and (found - _TABLES or "resources" not in found):
        raise ForeignState(f"{path} is an SQLite file of another program, not a sandbox state file; "
                           "it was left untouched.")


class SandboxState:
    """One SQLite file (WAL, busy_timeout 5000, mode 0600). Writes outside `transaction()` commit at once."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        check_foreign(path)
        create_private(path)
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA busy_timeout = 5000")
        self._db.execute("PRAGMA journal_mode = WAL")
        self._db.execute("PRAGMA synchronous = NORMAL")  # a fake's state: no fsync on every commit
        self._db.executescript(_SCHEMA)
        self._lock = threading.RLock()
        self._depth = 0

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """BEGIN IMMEDIATE … COMMIT (ROLLBACK on error); nested uses join the outer transaction."""
        with self._lock:
            if self._depth:
                self._depth += 1
                try:
                    yield
                finally:
                    self._depth -= 1
                return
            self._db.execute("BEGIN IMMEDIATE")
            self._depth = 1
            try:
                yield
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            else:
                self._db.execute("COMMIT")
            finally:
                self._depth = 0

    def get(self, sid: str, kind: str | None = None) -> dict[str, Any] | None:
        """The body stored under `sid` (only if it is of `kind`, when given)."""
        with self._lock:
            row = self._db.execute("SELECT kind, body FROM resources WHERE sid = ?", (sid,)).fetchone()
        if row is None or (kind is not None and row[0] != kind):
            return None
        return json.loads(row[1])

    def put(self, kind: str, sid: str, body: dict[str, Any], *, tags: tuple[str, ...] | None = None) -> None:
        """Insert (next creation sequence number) or replace the body of an existing SID; `tags`, when given,
        replace the values `tagged` finds it by."""
        with self._lock:
            self._db.execute(
                "INSERT INTO resources (sid, kind, seq, body) "
                "VALUES (?, ?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM resources INDEXED BY resources_seq), ?) "
                "ON CONFLICT(sid) DO UPDATE SET body = excluded.body",
                (sid, kind, json.dumps(body)),
            )
            if tags is not None:
                self._db.execute("DELETE FROM tags WHERE sid = ?", (sid,))
                self._db.executemany("INSERT OR IGNORE INTO tags (tag, sid) VALUES (?, ?)",
                                     [(tag, sid) for tag in tags])

    def tagged(self, kind: str, tag: str) -> list[dict[str, Any]]:
        """Every body of `kind` put with `tag`, in creation order."""
        with self._lock:
            rows = self._db.execute(TAGGED, (tag, kind)).fetchall()
        return [json.loads(body) for (body,) in rows]

    def delete(self, sid: str) -> None:
        with self._lock:
            self._db.execute("DELETE FROM resources WHERE sid = ?", (sid,))
            self._db.execute("DELETE FROM tags WHERE sid = ?", (sid,))

    def list(self, kind: str) -> list[dict[str, Any]]:
        """Every body of `kind`, in creation order."""
        with self._lock:
            rows = self._db.execute(
                "SELECT body FROM resources WHERE kind = ? ORDER BY seq", (kind,)
            ).fetchall()
        return [json.loads(body) for (body,) in rows]

    def meta_get(self, key: str) -> str | None:
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else row[0]

    def meta_set(self, key: str, value: str) -> None:
        with self._lock:
            self._db.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    def close(self) -> None:
        with self._lock:
            self._db.close()


def open_state(path: Path) -> SandboxState:
    """Open the state file. Processes opening a new one at the same moment can find SQLite busy (switching it
    to WAL needs an exclusive lock, and SQLite refuses rather than waits when two readers both want one): retry."""
    for attempt in range(100):
        try:
            return SandboxState(path)
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or attempt == 99:
                raise
            time.sleep(0.05)
    raise AssertionError("unreachable")
