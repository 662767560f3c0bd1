"""Helpers for the many-processes tests (tests/test_reliability_processes.py): what `/proc/PID/fd` says of a data
folder's SQLite files (once, or sampled all along by `FdWatch`), the `a2p-wizard` console script run on a folder,
or many times over through a `Forker` (each run a process of its own, forked from one that imported the app once),
and the log's witness of what every process had Twilio do (`answered_writes`)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import traceback
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
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


class Forker:
    """`a2p-wizard --data-dir HOME ARGV…` run after run, each in a child process of its own (own pid, own store
    connections), forked from a helper process that imported the app once and holds no connection: a run costs a
    fraction of a second instead of the seconds of importing the app on a busy machine. One run at a time."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self._lock = threading.Lock()
        self._helper = subprocess.Popen([sys.executable, "-m", "tests.support.procs"], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, text=True, cwd=ROOT, env=dict(os.environ))

    def run(self, *argv: str) -> subprocess.CompletedProcess[str]:
        assert self._helper.stdin is not None and self._helper.stdout is not None
        with self._lock:
            self._helper.stdin.write(json.dumps(["--data-dir", str(self.home), *argv]) + "\n")
            self._helper.stdin.flush()
            answer = json.loads(self._helper.stdout.readline())
        return subprocess.CompletedProcess(list(argv), answer["code"], answer["out"], answer["err"])

    def close(self) -> None:
        if self._helper.stdin is not None:
            self._helper.stdin.close()
        self._helper.wait(timeout=60)


def _serve_forks() -> None:
    """The Forker's helper: one JSON argv a line in, one {"code", "out", "err"} a line out."""
    import wizard.cli
    import wizard.cli.commands  # noqa: F401  (the whole app, imported once before forking)

    for line in sys.stdin:
        with tempfile.TemporaryDirectory() as folder:
            out, err = Path(folder, "out"), Path(folder, "err")
            sys.stdout.flush()
            pid = os.fork()
            if pid == 0:
                _child(wizard.cli.main, json.loads(line), out, err)
            _, status = os.waitpid(pid, 0)
            code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else -os.WTERMSIG(status)
            answer = {"code": code, "out": out.read_text(errors="replace"), "err": err.read_text(errors="replace")}
        print(json.dumps(answer), flush=True)


def _child(main: object, argv: list[str], out: Path, err: Path) -> None:
    code = 70
    try:
        for fd, path in ((1, out), (2, err)):
            target = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.dup2(target, fd)
            os.close(target)
        code = main(argv)  # type: ignore[operator]
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else 1
    except BaseException:
        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


if __name__ == "__main__":
    _serve_forks()
