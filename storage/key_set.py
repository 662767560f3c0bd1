"""A set of keys of any size, held by SQLite in a private temporary database (its file deleted when closed).

Python's set of a million keys takes about 100 MB; this one takes SQLite's page cache (a few MB) whatever the
number of keys, the rest spilled to a temporary file.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from types import TracebackType

CACHE_KB = 4096
"""Memory SQLite may use for the set's pages."""


class KeySet:
    """Keys added once (`KeySet(keys)`), then asked about (`key in keys`); a context manager that closes it."""

    def __init__(self, keys: Iterable[str]) -> None:
        self._db = sqlite3.connect("", isolation_level=None)  # "": a private temporary on-disk database
        self._db.execute(f"PRAGMA cache_size = -{CACHE_KB}")
        self._db.execute("CREATE TABLE keys (key TEXT PRIMARY KEY) WITHOUT ROWID")
        self._db.execute("BEGIN")
        self._db.executemany("INSERT OR IGNORE INTO keys VALUES (?)", ((key,) for key in keys))
        self._db.execute("COMMIT")

    def __contains__(self, key: object) -> bool:
        return self._db.execute("SELECT 1 FROM keys WHERE key = ?", (key,)).fetchone() is not None

    def __len__(self) -> int:
        return int(self._db.execute("SELECT count(*) FROM keys").fetchone()[0])

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> KeySet:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self.close()
