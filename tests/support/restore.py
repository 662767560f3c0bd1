"""A whole data folder backed up and restored, as an operator's machine backup does it, and a batch driven to the end.

- `FolderBackup`: every file of the data folder (store, journal mark, config, logs) copied aside and later put
  back; a SQLite file by SQLite's backup API (a consistent copy, as a backup tool makes it), its `-wal`/`-shm`
  left behind. Twilio's side is not restored unless asked (`whole=True`): the sandbox's own state (`sandbox.db`,
  which stands for Twilio) stays as it is, and in live mode Twilio is a sandbox served elsewhere.
- `advance_rounds`: `advance --all --yes` a few times, each customer's YES given and Twilio's clock moved on.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Callable
from contextlib import closing, suppress
from datetime import timedelta
from pathlib import Path
from typing import Any

from tests.support.commands import in_process as cli

TWILIO_SIDE = ("sandbox.db", "sandbox.db-wal", "sandbox.db-shm")
"""The sandbox's state: Twilio, which no backup of the operator's folder rolls back."""
LEFT_BEHIND = ("-wal", "-shm", ".lock")


class FolderBackup:
    """A copy of the data folder `home` in `aside`, taken and restored whole (bar Twilio's side, unless `whole`:
    then the sandbox's state too, as an operator's machine backup holds it in sandbox mode)."""

    def __init__(self, home: Path, aside: Path, *, whole: bool = False) -> None:
        self.home, self.aside = home, aside
        self.kept: tuple[str, ...] = () if whole else TWILIO_SIDE
        """What a restore leaves as it is."""

    def take(self) -> None:
        shutil.rmtree(self.aside, ignore_errors=True)
        _copy_folder(self.home, self.aside, self.kept)

    def restore(self) -> None:
        for path in self.home.iterdir():
            if path.name in self.kept:
                continue
            shutil.rmtree(path) if path.is_dir() else path.unlink()
        _copy_folder(self.aside, self.home, self.kept)


def _copy_folder(source: Path, target: Path, kept: tuple[str, ...]) -> None:
    target.mkdir(parents=True, exist_ok=True, mode=0o700)
    for path in source.iterdir():
        if path.name in kept or path.name.endswith(LEFT_BEHIND):
            continue
        if path.is_dir():
            _copy_folder(path, target / path.name, kept)
        elif path.suffix == ".db":
            with closing(sqlite3.connect(path)) as src, closing(sqlite3.connect(target / path.name)) as dst:
                src.backup(dst)
        else:
            shutil.copy2(path, target / path.name)


def rows(capsys: Any) -> list[dict]:
    return json.loads(cli(capsys, "list", "--json")[1])


def advance_rounds(capsys: Any, rounds: int, *, reply_yes: Callable[[str], None],
                   clock: Callable[[timedelta], None]) -> list[dict]:
    """Up to `rounds` of `advance --all --yes` (stopping once every customer is done); between rounds each brand
    waiting for its passcode gets the customer's YES (`reply_yes(key)`) and Twilio's clock moves 12 h. The rows."""
    listed = rows(capsys)
    for _ in range(rounds):
        if all(r["done"] for r in listed):
            break
        cli(capsys, "advance", "--all", "--yes")
        listed = rows(capsys)
        for row in listed:
            if row["step_status"] == "APPROVED/UNVERIFIED":
                with suppress(Exception):  # a lapsed or already given YES: the next round says what to do
                    reply_yes(row["key"])
        clock(timedelta(hours=12))
    return listed
