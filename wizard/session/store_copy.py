"""`store copy`: the store the app uses copied into another, or another into it, whichever backends hold them.

The other store is a postgresql:// URL or the path of an SQLite file (created when missing, as a target). No
Twilio, no sandbox: only the two stores, opened here and closed whatever happens.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from storage.copying import Copied, Progress, copy_store
from storage.customers import CustomerStore, StoreError
from storage.postgres.urls import is_url
from storage.sqlite.store import Store
from wizard.session.startup import open_store


@dataclass(frozen=True)
class StoreCopy:
    """What was copied: from where, into where, and each table's rows and checksum."""

    source: str
    target: str
    tables: list[Copied]


def copy_stores(home: str | Path | None, *, store_url: str | None, to_url: str | None = None,
                from_url: str | None = None, starting: Callable[[str, str], None] | None = None,
                progress: Progress | None = None) -> StoreCopy:
    """Copy the app's store into `to_url`, or `from_url` into the app's store (one of the two); `starting` hears
    the source's and the target's places before the copy begins. StoreError (or SetupError) when it cannot."""
    if (to_url is None) == (from_url is None):
        raise ValueError("copy_stores takes one of to_url and from_url")
    here = open_store(home, store_url=store_url, create=from_url is not None)
    try:
        there = _open(to_url or from_url or "", create=to_url is not None)
    except BaseException:
        here.close()
        raise
    source, target = (here, there) if to_url else (there, here)
    try:
        if starting:
            starting(source.where, target.where)
        return StoreCopy(source.where, target.where, copy_store(source, target, progress=progress))
    finally:
        source.close()
        target.close()


def _open(url: str, *, create: bool) -> CustomerStore:
    """The store at `url`: PostgreSQL for a postgresql:// URL, else an SQLite file (made when `create`)."""
    if is_url(url):
        from storage.postgres.store import PostgresStore  # lazy, as where the app opens its store

        return PostgresStore(url)
    path = Path(url).expanduser().resolve()
    if not create and not path.is_file():
        raise StoreError(f"There is no store at {path} (a postgresql:// URL or an SQLite file's path).")
    return Store(path)
