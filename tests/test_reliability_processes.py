"""Many processes on one data folder: the app's refresh, a shell's `a2p-wizard`, a served tab, all at once.

SQLite keeps its locks as POSIX advisory locks, which a process loses on a file as soon as it closes *any*
descriptor of it (https://www.sqlite.org/howtocorrupt.html, section 2.2). A process that read a store's header with
Python's `open()` while it held connections lost its locks; the next process to close its last connection believed
itself the last user, and removed the `-wal` and `-shm` the first one still wrote to. See storage's docstring.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import shlex
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from tests.support import factories as f
from tests.support.browser import CHROMIUM, SCREEN_TEXT, TERMINAL_HOOK
from tests.support.commands import ROOT, Forker, cli
from tests.support.prism import LOOPBACK, die_with_parent, free_port, in_ci
from tests.support.procs import FdWatch, answered_writes, deleted_store_files
from tests.support.reliability import check_one_of_each
from wizard.cli import main
from wizard.desk import Desk
from wizard.sandbox.fake import SandboxError
from wizard.session.runtime import Runtime

pytestmark = pytest.mark.usefixtures("on_both_stores")


@pytest.mark.slow  # ~4 s alone, three times that on a busy machine
async def test_the_refresh_apart_then_a_shell_command_leave_the_process_files_and_writes(isolated: Path) -> None:
    """The app's timed refresh (`refresh_all_apart`, which opens a store and a sandbox of its own beside the app's)
    and then `a2p-wizard list` in another terminal: the app's files stay on the disk, its next write is seen."""
    rt = Runtime.open(home=isolated, mode="sandbox")
    try:
        Desk(rt).create(f.profile(), key="K1")
        await asyncio.to_thread(Desk(rt).refresh_all_apart)
        listed = cli(isolated, "list", "--json")
        assert listed.returncode == 0, listed.stderr

        deleted = deleted_store_files("self", isolated)
        Desk(rt).create(f.profile(email="second@example.com"), key="K2")
        listed = cli(isolated, "list", "--json")
        assert sorted(row["key"] for row in json.loads(listed.stdout)) == ["K1", "K2"], "the app's write was lost"
        assert deleted == []
    finally:
        await rt.aclose()


@pytest.mark.parametrize(("command", "name"), [("import", "sandbox.db"), ("lint", "sandbox.db-wal"),
                                               ("import", "a2p-wizard.db")])
def test_a_command_never_reads_one_of_the_folders_sqlite_files(isolated: Path, capsys, on_both_stores, command,
                                                               name) -> None:
    """`import` and `lint` read a file the user names: the process holds connections to the folder's SQLite files,
    so one of them (here through a link of another name; made while the command runs) is refused before it is
    opened. On PostgreSQL, where the folder has no store file, the store's case is the sandbox's -shm."""
    assert main(["import", str(f.write_csv(isolated.parent / "one.csv", [f.csv_row("K1")]))]) == 0
    if on_both_stores and name == "a2p-wizard.db":
        name = "sandbox.db-shm"
    link = isolated.parent / "customers.csv"
    link.symlink_to(isolated / name)
    capsys.readouterr()
    assert main([command, str(link)]) == 1
    err = capsys.readouterr().err
    assert f"{link} is one of this data folder's SQLite files" in err and "left untouched" in err


# -- the soak: the app, a served tab and a loop of commands on one folder, with faults -------------------------

SOAK_SECONDS = float(os.environ.get("PROCS_SOAK_SECONDS", 75))
"""How long every process runs at once (the whole test stays under 3 minutes per store)."""
SOAK_ENV = {"A2P_MODE": "sandbox", "A2P_SANDBOX_SPEED": "600", "A2P_REFRESH_MINUTES": "0.1",
            "A2P_SANDBOX_FAULTS": "lost=0.1,5xx=0.1,429=0.1,seed=20"}
"""Sandbox time 600x (a review of minutes takes a second, the 24 h passcode 2.4 minutes), the app's timed refresh
every 6 s, and faults in every process."""
FIRST, LATER = 5, 4
"""Customers imported before the processes start, and one by one by the loop."""


def _needs(program: str, path: Path | None = None) -> None:
    """Skip, saying why, where a program is missing; under CI fail instead."""
    if (shutil.which(program) if path is None else path.exists()):
        return
    reason = f"{program} is not installed: the soak runs wherever it is, and always under CI"
    if in_ci():
        pytest.fail(reason)
    pytest.skip(reason)


class CommandLoop(threading.Thread):
    """A shell's operator, over and over: list, advance --all --yes, reply YES or resend a passcode, import one
    more customer, reconcile, offboard a done customer, show one; as a `reader`: list, show, refresh --all (short
    processes, each closing its connections as the others work). Keeps every command's outcome."""

    def __init__(self, home: Path, *, reader: bool = False) -> None:
        super().__init__(daemon=True)
        self.home, self.reader, self.forker = home, reader, Forker()
        self.ran: list[tuple[tuple[str, ...], int, str]] = []
        self.offboarded: list[str] = []
        self._unfinished = False
        self._halt = threading.Event()

    def run(self) -> None:
        for i in itertools.count():
            if self._halt.is_set():
                return
            rows = json.loads(self._run("list", "--json").stdout or "[]")
            if rows:
                self._run("show", rows[i % len(rows)]["key"], "--json")
            if self.reader:
                self._run("refresh", "--all")
            else:
                self._operate(i, rows)

    def _operate(self, i: int, rows: list[dict]) -> None:
        self._run("advance", "--all", "--yes")
        active = [r for r in rows if not r["offboarded"]]
        for key in [r["key"] for r in active if "reply YES" in (r["next_action"] or "")][:2]:
            self._run("sandbox", "reply-yes", key)
        for key in [r["key"] for r in active if "lapsed" in (r["next_action"] or "")][:1]:
            self._run("otp", "resend", key)
        if i < LATER:
            self._run("import", str(f.write_csv(self.home.parent / f"more{i}.csv", [_row(f"N{i}")])))
        if i % 3 == 2:
            self._run("reconcile", "--all", "--yes")
        done = [r["key"] for r in active if r["done"]]
        if self.offboarded and self._unfinished:  # a fault stopped it: offboard again, as the operator would
            self._unfinished = self._run("offboard", self.offboarded[-1], "--yes").returncode != 0
        elif i % 2 == 1 and done and len(self.offboarded) < 2:
            self.offboarded.append(done[0])
            self._unfinished = self._run("offboard", done[0], "--yes").returncode != 0

    def _run(self, *argv: str) -> subprocess.CompletedProcess[str]:
        result = self.forker.run("--data-dir", str(self.home), *argv)
        self.ran.append((argv, result.returncode, result.stderr))
        return result

    def stop(self) -> None:
        self._halt.set()
        self.join(timeout=120)
        self.forker.close()


def _row(key: str) -> dict[str, str]:
    return f.csv_row(key, phone_number="buy:206")


@pytest.mark.slow
@pytest.mark.serial  # many processes of its own, and /proc sampled: alone on the machine (.ci/run's serial lane)
def test_the_app_a_served_tab_and_a_loop_of_commands_share_one_data_folder(isolated: Path, tmp_path: Path,
                                                                           monkeypatch, capsys, on_both_stores) -> None:
    """For SOAK_SECONDS: the app in a terminal (tmux; its timed refresh every 6 s, `r` pressed every 5 s), the app
    in a headless Chromium tab of `serve` (`r` too), and a loop of commands; the sandbox's faults in all of them.
    Meanwhile no process ever holds a deleted store or sandbox file. Then, faults off, every customer is driven to
    the end, and: every write Twilio answered (each process's log) has its journal entry in the store, SQLite's
    integrity check is ok, and the sandbox holds exactly one of each resource per customer."""
    _needs("tmux")
    _needs("chromium", CHROMIUM)
    from playwright.sync_api import sync_playwright

    for name, value in SOAK_ENV.items():
        monkeypatch.setenv(name, value)
    home = isolated.resolve()
    home.mkdir(parents=True)
    (home / "welcomed").touch()  # no welcome offer in the app: the list at once
    imported = cli(home, "import", str(f.write_csv(tmp_path / "first.csv", [_row(f"F{i}") for i in range(FIRST)])))
    assert imported.returncode == 0, imported.stderr

    watch, loop, reader = FdWatch(home), CommandLoop(home), CommandLoop(home, reader=True)
    tmux = ["tmux", "-S", str(tmp_path / "tmux.sock")]
    env = " ".join(f"{k}={shlex.quote(v)}" for k, v in os.environ.items() if k.startswith(("A2P_", "PG")))
    subprocess.run([*tmux, "new-session", "-d", "-s", "app", "-x", "120", "-y", "30", "-c", str(ROOT),
                    f"env {env} TERM=xterm-256color {shlex.quote(sys.executable)} -m wizard"], check=True)
    port, serve_log = free_port(), tmp_path / "serve.log"
    with serve_log.open("wb") as out:
        server = subprocess.Popen([sys.executable, "-m", "wizard", "serve", "--port", str(port)], stdout=out,
                                  stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
                                  preexec_fn=die_with_parent(), cwd=ROOT)
    screens: list[str] = []
    try:
        watch.start()
        _wait(lambda: "Serving a2p-wizard on" in serve_log.read_text(errors="replace"), "serve to start")
        _wait(lambda: "F0" in _pane(tmux), "the app's list")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
            page = browser.new_page(viewport={"width": 1200, "height": 720})
            page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(f"http://{LOOPBACK}")
                       else route.abort())
            page.add_init_script(TERMINAL_HOOK)
            page.goto(f"http://{LOOPBACK}:{port}")
            _wait(lambda: "F0" in page.evaluate(SCREEN_TEXT), "the served tab's list", pause=page.wait_for_timeout)
            loop.start()
            reader.start()
            end = time.monotonic() + SOAK_SECONDS
            while time.monotonic() < end:
                subprocess.run([*tmux, "send-keys", "-t", "app", "r"], check=True)
                page.focus(".xterm-helper-textarea")
                page.keyboard.press("r")
                page.wait_for_timeout(5000)
                screens.append(_pane(tmux))
            loop.stop()
            reader.stop()
            screens.append(page.evaluate(SCREEN_TEXT))
            browser.close()
        subprocess.run([*tmux, "send-keys", "-t", "app", "C-q"], check=True)
        _wait(lambda: subprocess.run([*tmux, "has-session", "-t", "app"], capture_output=True).returncode != 0,
              "the app to quit")
    finally:
        loop.stop()
        reader.stop()
        subprocess.run([*tmux, "kill-server"], capture_output=True)
        server.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            server.wait(timeout=10)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=10)
        watch.stop()

    runs = Counter(argv[0] for argv, _, _ in loop.ran + reader.ran)
    with capsys.disabled():
        print(f"\n\nProcesses soak ({'PostgreSQL' if on_both_stores else 'SQLite'}): {SOAK_SECONDS:.0f} s; "
              f"{len(watch.holders)} processes seen holding the folder's SQLite files in {watch.samples} samples of "
              f"/proc; commands: {dict(runs)}; offboarded {loop.offboarded}")
    assert watch.deleted == []
    assert watch.samples > SOAK_SECONDS and len(watch.holders) >= 8  # sampled all along, many processes seen
    ran = loop.ran + reader.ran
    assert [(argv, err) for argv, _, err in ran if "Traceback" in err or "damaged" in err] == []
    assert {code for _, code, _ in ran} <= {0, 1}  # done, or a handled error (a fault: done again later)
    commands = {argv[0] for argv, _, _ in ran}
    assert commands >= {"list", "advance", "import", "reconcile", "offboard", "show", "sandbox", "refresh"}, ran
    assert any("Statuses read for" in screen for screen in screens)  # the app's `r` ran its refresh
    monkeypatch.delenv("A2P_SANDBOX_FAULTS")  # what is checked, and the drive to the end, without faults
    asyncio.run(_finish_and_check(home, loop.offboarded))


async def _finish_and_check(home: Path, offboarded: list[str]) -> None:
    """Every customer not offboarded driven to the end; then the log's witness, the integrity checks and one of
    each resource per customer (none left running for an offboarded one)."""
    rt = Runtime.open(home=home, mode="sandbox")
    try:
        keys = list(rt.store.keys())
        assert len(keys) == FIRST + LATER and set(offboarded) <= set(keys)
        for key in offboarded:  # one a fault interrupted is finished, as the operator would
            for _ in range(6):
                if not (await Desk(rt).offboard(key, release_number=False)).error:
                    break
        active = [key for key in keys if key not in offboarded]
        await _drive_to_the_end(rt, active)
        problems = {key: found for key in active if (found := await check_one_of_each(rt, key))}
        journal = Counter((e.method, e.path) for key in [*active, *offboarded] for e in rt.store.journal(key))
        dump = rt.sandbox.dump()
    finally:
        await rt.aclose()
    assert problems == {}
    written = answered_writes(home / "logs")
    assert sum(written.values()) > 100
    assert {call: n for call, n in written.items() if journal[call] < n} == {}  # no process's entries were lost
    for key in offboarded:
        assert [s for s in dump["messaging_services"] if f"a2p:{key}:" in s.get("friendly_name", "")] == []
    for name in ("a2p-wizard.db", "sandbox.db"):
        if (home / name).exists():
            with contextlib.closing(sqlite3.connect(home / name)) as db:
                assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]


async def _drive_to_the_end(rt: Runtime, keys: list[str], rounds: int = 24) -> None:
    """Advance every customer, answer its passcode (or resend a lapsed one) and let 3 h of sandbox time pass, round
    after round, until all are done (what another process left half-way is the engine's to pick up)."""
    assert rt.sandbox is not None
    for _ in range(rounds):
        pending = [key for key in keys if not rt.engine.summary(rt.engine.load(key)).done]
        if not pending:
            return
        await rt.engine.advance_many(pending)
        for key in pending:
            c = rt.engine.load(key)
            kind = rt.engine.summary(c).kind
            if kind == "customer" and c.state.sids.get("brand"):
                with contextlib.suppress(SandboxError):  # the store has not seen the brand's latest status yet
                    rt.sandbox.reply_yes(c.state.sids["brand"])
            elif kind == "otp":
                await rt.engine.resend_otp(key)
        rt.sandbox.advance_clock(timedelta(hours=3))


def _pane(tmux: list[str]) -> str:
    return subprocess.run([*tmux, "capture-pane", "-p", "-t", "app"], capture_output=True, text=True).stdout


def _wait(check: Callable[[], bool], what: str, seconds: float = 60,
          pause: Callable[[float], object] | None = None) -> None:
    end = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < end, f"waited {seconds} s for {what}"
        (pause or (lambda ms: time.sleep(ms / 1000)))(100)
