"""The `store` commands: the customers store itself, whichever backend holds it (no Twilio, no sandbox).

`store copy --to URL` copies the store the app uses into URL; `--from URL` copies URL into the store the app uses.
URL is a postgresql:// URL or the path of an SQLite file (created when missing, as a target).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from storage.copying import copy_store
from storage.customers import CustomerStore
from storage.postgres.store import PostgresStore, is_url
from storage.sqlite.store import Store, StoreError
from wizard.cli.batch_report import ProgressLine
from wizard.session.startup import open_store
from wizard.visible import visible


def cmd_copy(args: argparse.Namespace) -> int:
    """`store copy`: open both ends, copy, say what was copied; StoreError (or SetupError) when it cannot."""
    here = open_store(args.data_dir, store_url=args.store, create=bool(args.from_url))
    try:
        there = _open(args.to_url or args.from_url, create=bool(args.to_url))
    except BaseException:
        here.close()
        raise
    source, target = (here, there) if args.to_url else (there, here)
    try:
        _err(f"Copying {source.where} into {target.where} …")
        lines: list[ProgressLine] = []

        def progress(what: str, rows: int, total: int) -> None:
            if not lines or rows == 0:
                for line in lines:
                    line.clear()
                lines[:] = [ProgressLine(what.capitalize(), total)]
            lines[0].step(rows)

        try:
            copied = copy_store(source, target, progress=progress)
        finally:
            for line in lines:
                line.clear()
    finally:
        source.close()
        target.close()
    _out(f"{'table':<10} {'rows':>12}  checksum (sha256, source = target)")
    for table in copied:
        _out(f"{table.table:<10} {table.rows:>12,}  ok {table.sha256}")
    _out(f"Copied {source.where} into {target.where}; nothing was deleted from {source.where}.")
    return 0


def _open(url: str, *, create: bool) -> CustomerStore:
    """The store at `url`: PostgreSQL for a postgresql:// URL, else an SQLite file (made when `create`)."""
    if is_url(url):
        return PostgresStore(url)
    path = Path(url).expanduser().resolve()
    if not create and not path.is_file():
        raise StoreError(f"There is no store at {path} (a postgresql:// URL or an SQLite file's path).")
    return Store(path)


def _out(text: str) -> None:
    print(visible(text, lines=True))


def _err(text: str) -> None:
    print(visible(text, lines=True), file=sys.stderr)
