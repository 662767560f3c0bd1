"""Helpers for the many-processes tests (tests/test_reliability_processes.py): what `/proc/PID/fd` says of a data
folder's SQLite files, and the `a2p-wizard` console script run on a folder."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
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


def wizard(home: Path, *argv: str, env: dict[str, str] | None = None,
           timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """`a2p-wizard --data-dir HOME ARGV…` in a child process (the environment's A2P_STORE_URL applies)."""
    return subprocess.run([sys.executable, "-m", "wizard", "--data-dir", str(home), *argv], capture_output=True,
                          text=True, cwd=ROOT, env={**os.environ, **(env or {})}, timeout=timeout,
                          stdin=subprocess.DEVNULL)
