"""Looking at an SQLite file, and creating one, without ever opening a descriptor of it outside SQLite.

Why (storage's docstring): a process that closes any descriptor of a database file loses every SQLite lock it
holds on it, so the store and sandbox files are read only through SQLite and created only when absent.
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import suppress
from pathlib import Path


class NotSQLite(Exception):
    """The file is not an SQLite database (SQLite answered SQLITE_NOTADB)."""


def tables(path: Path) -> set[str]:
    """The tables of the SQLite file at `path`, read through a read-only connection of its own (which SQLite
    shares the process's locks with); NotSQLite when it is not an SQLite file. Writes nothing: no `-wal` or
    `-shm` is made for a file that is not in WAL mode."""
    try:
        db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
        try:
            return {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        finally:
            db.close()
    except sqlite3.DatabaseError as exc:
        if getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_NOTADB:
            raise NotSQLite(str(exc)) from exc
        raise


def create_private(path: Path) -> None:
    """Create `path` empty and readable by its owner only, unless something is there already (O_EXCL: an
    existing file is never opened, so no process's locks on it are touched)."""
    with suppress(FileExistsError):
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
