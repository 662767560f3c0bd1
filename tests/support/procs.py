"""Helpers for the many-processes tests (tests/test_reliability_processes.py): what `/proc/PID/fd` says of a data
folder's SQLite files (once, or sampled all along by `FdWatch`), and the log's witness of what every process had
Twilio do (`answered_writes`). Their commands run through tests/support/commands.py."""

from __future__ import annotations

import os
import re
import threading
from collections import Counter
from pathlib import Path

SQLITE_FILES = ("a2p-wizard.db", "sandbox.db")
"""The data folder's SQLite files; each comes with its `-wal` and `-shm`."""


def open_files(pid: int | str, folder: Path) -> list[str]:
    """The files under `folder` that process `pid` has open, as `/proc/PID/fd` names them (a file removed from
    the disk while open ends in " (deleted)"); empty when the process is gone."""
    found = []
    try:
        descriptors = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return []
    for fd in descriptors:
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue  # closed meanwhile
        if target.startswith(f"{folder}/"):
            found.append(target)
    return found


def deleted_store_files(pid: int | str, folder: Path) -> list[str]:
    """The data folder's SQLite files (and their -wal, -shm) that process `pid` holds open though they are no
    longer on the disk: the sign that another process removed them under it."""
    names = {f"{folder}/{name}{tail}" for name in SQLITE_FILES for tail in ("", "-wal", "-shm", "-journal")}
    return [target for target in open_files(pid, folder)
            if target.endswith(" (deleted)") and target.removesuffix(" (deleted)") in names]


class FdWatch(threading.Thread):
    """Samples every process's `/proc/PID/fd` every `every` seconds while it runs: who held the data folder's
    SQLite files, and any held though deleted (pid, command line, file)."""

    def __init__(self, folder: Path, every: float = 0.25) -> None:
        super().__init__(daemon=True)
        self.folder, self.every = folder, every
        self.samples = 0
        self.holders: set[int] = set()
        self.deleted: list[tuple[int, str, str]] = []
        self._halt = threading.Event()

    def run(self) -> None:
        names = {f"{self.folder}/{name}" for name in SQLITE_FILES}
        while not self._halt.wait(self.every):
            for pid in (int(p) for p in os.listdir("/proc") if p.isdigit()):
                files = open_files(pid, self.folder)
                if names & set(files):
                    self.holders.add(pid)
                self.deleted += [(pid, _cmdline(pid), target) for target in deleted_store_files(pid, self.folder)]
            self.samples += 1

    def stop(self) -> None:
        self._halt.set()
        self.join(timeout=30)


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return "?"


WRITE = re.compile(r" wizard\.twilio (\w+) (POST|DELETE) (\S+) -> (2\d\d) ")


def answered_writes(log_dir: Path) -> Counter[tuple[str, str]]:
    """Every POST and DELETE Twilio (the sandbox) answered with success, by (method, path), as every process logged
    them: a witness kept outside the store (each such call has a journal entry written before it was sent)."""
    found: Counter[tuple[str, str]] = Counter()
    for log in sorted(log_dir.glob("a2p-wizard.log*")):
        for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
            if match := WRITE.search(line):
                found[match[2], match[3]] += 1
    return found
