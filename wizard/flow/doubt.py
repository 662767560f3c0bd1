"""Doubt about the store: a restored backup (or a replaced file) must never cause a second Twilio resource.

The data folder keeps, beside the store, the highest journal entry it has seen the store hold (a "watermark",
raised when a session starts and before each call is sent). A store whose journal ends below it is older than what
was sent: it was restored from a backup or replaced. Then the folder records the doubt, and until `a2p-wizard
reconcile --all` has run for every customer, every create is preceded by a look at Twilio by its deterministic
friendly name (or bundle pair), which adopts a resource already there instead of making another.

A team's database is one journal written from many data folders (one per machine), each with its own mark per
store (`Startup.journal_mark`, keyed by the database's identity: switching stores never compares one store's journal
with another's mark). A machine's mark covers every entry the store held when that machine last started a session or
a call, its colleagues' entries too; so a restored database is found out by every machine that saw an entry the
restore lost. A machine that saw none of them cannot tell: after restoring a team's database, run `reconcile --all`.
"""

from __future__ import annotations

import fcntl
import json
import os
from pathlib import Path

from storage.customers import CustomerStore


class Watermark:
    """The file `path` ({"journal": highest entry started, "doubt": bool}), read and written under a lock."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.doubt = False

    def check(self, store: CustomerStore) -> bool:
        """Whether the store is in doubt: it was already, or its journal ends below the watermark. Else the mark
        rises to the store's journal: entries other machines wrote are now seen too."""
        with self._locked() as mark:
            last = store.last_journal_id()
            if last < mark["journal"]:
                mark["doubt"] = True
            mark["journal"] = max(mark["journal"], last)
            self.doubt = bool(mark["doubt"])
        return self.doubt

    def started(self, entry: int) -> None:
        """A journal entry is about to be sent: raise the watermark to it."""
        with self._locked() as mark:
            mark["journal"] = max(mark["journal"], entry)

    def clear(self, store: CustomerStore) -> None:
        """Every customer was reconciled: trust the store again from its current journal."""
        with self._locked() as mark:
            mark["doubt"], mark["journal"] = False, store.last_journal_id()
        self.doubt = False

    def _locked(self) -> _Locked:
        return _Locked(self.path)


def _parsed(text: str) -> dict[str, int | bool]:
    """The mark a file holds; ValueError unless it is {"journal": a whole number ≥ 0, "doubt": true or false}."""
    found = json.loads(text)
    journal = found.get("journal", 0) if isinstance(found, dict) else None
    doubt = found.get("doubt", False) if isinstance(found, dict) else None
    if type(journal) is not int or journal < 0 or not isinstance(doubt, bool):
        raise ValueError("not a journal mark")
    return {"journal": journal, "doubt": doubt}


class _Locked:
    """The mark, read under an exclusive lock (a file beside it) and replaced atomically when the block ends.

    Replaced, not synced to the disk: a killed process loses nothing the kernel has. A power loss may cost the mark
    its last raises, as it may cost a SQLite store its last commits (WAL with `synchronous = NORMAL`), the entry of a
    call just sent with them: then nothing doubts that call. What guards it is Twilio, not the mark: a create is
    looked for first (flow.holdings), and an advance reads a step's status before it resubmits or updates (a sent
    resubmission is no longer FAILED). A mark the loss left empty or torn is unreadable: doubt, the safe side. The
    fsync was 178 s of a 600 s run in cProfile (1,000 customers, docs/performance.md); without it the measured rate
    did not change on a loaded machine (52 and 53 requests a second)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __enter__(self) -> dict[str, int | bool]:
        self._lock = os.open(self.path.with_name(self.path.name + ".lock"), os.O_CREAT | os.O_RDWR, 0o600)
        fcntl.flock(self._lock, fcntl.LOCK_EX)
        try:
            self._before = _parsed(self.path.read_text(encoding="utf-8")) if self.path.exists() else {
                "journal": 0, "doubt": False}
        except (OSError, ValueError):
            self._before = {"journal": 0, "doubt": True}  # unreadable: doubt, the safe side
        self._mark = dict(self._before)
        return self._mark

    def __exit__(self, *exc: object) -> None:
        try:
            if self._mark != self._before:
                temporary = self.path.with_name(self.path.name + ".new")
                fd = os.open(temporary, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
                try:
                    os.write(fd, json.dumps(self._mark).encode())
                finally:
                    os.close(fd)
                os.replace(temporary, self.path)
        finally:
            os.close(self._lock)
