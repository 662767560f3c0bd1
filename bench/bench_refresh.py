"""Benchmark of the keyboard while `r` refreshes every status, at 10,000 customers (not a test).

    uv run python bench/bench_refresh.py [--customers 10000] [--runs 3] [--gap 0.1] [--data DIR]
                                         [--collector 700,10,10]

The data folder is built once into DIR (default: the temp folder) and copied afresh for every run: N sandbox
customers (bench_advance.py's: own email, mobile and address each) imported and advanced by the engine through
steps 1–3 against the sandbox (17 Twilio calls each), so the sandbox holds every profile, bundle and brand; then
the sandbox clock is moved an hour on, so the sandbox has approved every brand that the store still has PENDING.
The sandbox clock is held still (A2P_SANDBOX_SPEED, here and in the children) so that every run finds the same.
(Advancing in 2 or 4 processes at once was no faster on 2 CPUs: their writes to the store and the sandbox take
turns; so the build is one `advance_many`, done once.)

Each run is a fresh process that starts the app as `a2p-wizard` does (WizardApp on Startup.open), headless with
Pilot at 120×40, presses `r` and, while the refresh runs (the list's progress line is up), types as an operator
would, one key at a time, `--gap` seconds after the one before was drawn: `/`, a name, a pause for the filter,
`down` into the list and five rows down, `esc`, and again. Per key:

- handled: from the moment it is pressed to its effect (the filter's value, the highlighted row, the focus);
- drawn: from the moment it is pressed to the first frame composed after that effect.

A key is sent from a thread of its own at a moment set in advance, as a terminal driver's input thread sends it,
so it may come while the refresh's thread holds the interpreter or a garbage collection runs, and waits as a real
key would. The same keys follow once the refresh is over, for comparison. Reported: median, 95th percentile and
maximum per kind of key, the refresh's time (from `r` to the progress line gone), the Twilio requests it made, the
statuses before and after, the full garbage collections during the refresh, and how busy the machine was
meanwhile (load average, CPUs used by other processes). `--collector` runs the app with other garbage collector
thresholds than its own (screens/app.py COLLECTOR), e.g. Python's.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import itertools
import json
import math
import os
import platform
import queue
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import suppress
from datetime import timedelta
from pathlib import Path
from typing import Any

from bench_advance import customers_csv
from bench_fees_ahead import requests
from bench_list import DATA, SIZE, rows, schema

from wizard.desk import Desk

STILL = "1e-9"
"""The sandbox clock's speed: still, so that statuses do not move on between runs (or while one runs)."""
NAMES = ("hannah", "grace", "priya", "omar")
"""What the operator types in the filter (first names: each matches a twelfth of the customers)."""
MOVES = 5
"""Rows moved down the list after each name."""
PAUSE = 0.4
"""Seconds the operator stops after a name (longer than the filter's typing pause: the filter is applied)."""
AFTER = 60
"""Keys timed once the refresh is over."""
TIMEOUT = 10.0
"""Seconds a key may take before the run is given up."""
BUILT = "built.json"


# -- the data folder -------------------------------------------------------------------------------------


def ensure_customers(root: Path, count: int) -> Path:
    """A data folder of `count` sandbox customers at step 3 whose brands the sandbox has approved since the store
    last looked; built (and timed) when missing."""
    home = root / f"refresh-{count}"
    store = home / "a2p-wizard.db"
    if (home / BUILT).exists() and schema(store) == schema(None) and rows(store) == count:
        return home
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    took = asyncio.run(build(home, count))
    (home / BUILT).write_text(json.dumps(took))
    print(f"built {count:,} customers in {took['import_s'] + took['advance_s']:.0f} s "
          f"(import {took['import_s']:.0f} s, advance {took['advance_s']:.0f} s)", file=sys.stderr)
    return home


async def build(home: Path, count: int) -> dict[str, float]:
    from wizard.session.runtime import Runtime

    with tempfile.TemporaryDirectory() as folder:
        source = customers_csv(Path(folder) / "customers.csv", count)
        rt = Runtime.open(home=home, mode="sandbox")
        try:
            began = time.perf_counter()
            with source.open(encoding="utf-8", newline="") as lines:
                report = await Desk(rt).import_csv(lines, allow_duplicates=True)  # they share the shop's phone
            assert report.created == count and not report.errors, report.errors[:3]
            imported = time.perf_counter()
            done = itertools.count(1)

            def advanced(_: object) -> None:
                if (n := next(done)) % 1000 == 0:
                    print(f"advanced {n:,} of {count:,} ({time.perf_counter() - imported:.0f} s)", file=sys.stderr,
                          flush=True)

            runs = await Desk(rt).advance_many(Desk(rt).active_keys(), advanced)
            assert not any(r.failed for r in runs), next(r for r in runs if r.failed)
            took = {"import_s": imported - began, "advance_s": time.perf_counter() - imported}
            Desk(rt).move_clock(timedelta(hours=1))
        finally:
            await rt.aclose()
    return took


def statuses(store: Path) -> Counter[str]:
    """How many customers have each status of their current step."""
    db = sqlite3.connect(store)
    try:
        return Counter(dict(db.execute("SELECT step_status, count(*) FROM customers GROUP BY step_status")))
    finally:
        db.close()


# -- the child: the app, and an operator at its keyboard -------------------------------------------------


def script() -> Iterator[tuple[str, str] | float]:
    """The operator's keys, each with what it changes ("value" of the filter, "cursor" of the list, "focus"),
    and pauses (seconds)."""
    for name in itertools.cycle(NAMES):
        yield "slash", "focus"
        yield from ((c, "value") for c in name)
        yield PAUSE
        yield "down", "focus"
        yield from [("down", "cursor")] * MOVES
        yield "escape", "value"


CHARACTERS = {"slash": "/", "escape": "\x1b"}


class Keyboard:
    """Presses keys as a terminal does (from a thread of its own, at moments set in advance) and times each one's
    effect and the frame that shows it."""

    def __init__(self, app: Any, screen: Any) -> None:
        from textual.widgets import Input

        self.app, self.screen = app, screen
        self.changes: dict[str, list[float]] = {"value": [], "cursor": [], "focus": []}
        self.busy: list[tuple[float, bool]] = []
        self.frames: list[float] = []
        self.collections: list[tuple[float, float]] = []
        """(start, end) of each full garbage collection."""
        self.keys: list[tuple[str, float, float, float]] = []
        """(what it changes, pressed, handled, drawn) per key, perf_counter seconds."""
        self._news = asyncio.Event()
        self._pressing: queue.SimpleQueue[tuple[float, Any] | None] = queue.SimpleQueue()
        self._terminal = threading.Thread(target=self._send, name="terminal", daemon=True)
        for kind, node, attribute in (("value", screen.query_one("#filter", Input), "value"),
                                      ("cursor", screen.table, "cursor"), ("focus", screen, "focused")):
            app.watch(node, attribute, self._noted(kind), init=False)
        app.watch(screen, "busy", lambda busy: self._saw(self.busy, (time.perf_counter(), bool(busy))), init=False)
        display = app._display

        def displayed(on: Any, renderable: Any) -> None:
            if renderable is not None:
                self._saw(self.frames, time.perf_counter())
            display(on, renderable)

        app._display = displayed

    def _noted(self, kind: str) -> Callable[[], None]:
        return lambda: self._saw(self.changes[kind], time.perf_counter())

    def _saw(self, into: list[Any], item: Any) -> None:
        into.append(item)
        self._news.set()

    def _collected(self, phase: str, info: dict[str, int]) -> None:
        if info["generation"] == 2:
            if phase == "start":
                self.collections.append((time.perf_counter(), math.inf))
            else:
                self.collections[-1] = (self.collections[-1][0], time.perf_counter())

    def _send(self) -> None:
        while (press := self._pressing.get()) is not None:
            at, event = press
            time.sleep(max(0.0, at - time.perf_counter()))
            self.app._driver.send_message(event)

    async def _until(self, done: Callable[[], bool], what: str) -> None:
        deadline = time.perf_counter() + TIMEOUT
        while not done():
            self._news.clear()
            if (left := deadline - time.perf_counter()) <= 0:
                raise TimeoutError(f"no {what} within {TIMEOUT} s")
            with suppress(TimeoutError):
                await asyncio.wait_for(self._news.wait(), left)

    def send(self, key: str, after: float = 0.0) -> float:
        """Press `key` `after` seconds from now; the moment it is pressed."""
        from textual import events

        event = events.Key(key, CHARACTERS.get(key, key if len(key) == 1 else None))
        event.set_sender(self.app)
        at = time.perf_counter() + after
        self._pressing.put((at, event))
        return at

    async def press(self, key: str, kind: str, after: float) -> None:
        seen, shown = len(self.changes[kind]), len(self.frames)
        pressed = self.send(key, after)
        await asyncio.sleep(after)
        await self._until(lambda: len(self.changes[kind]) > seen, f"{kind} change after {key!r}")
        handled = self.changes[kind][seen]
        await self._until(lambda: self.frames[-1] > handled if len(self.frames) > shown else False,
                          f"frame after {key!r}")
        self.keys.append((kind, pressed, handled, next(t for t in self.frames[shown:] if t > handled)))

    async def type(self, keys: Iterator[tuple[str, str] | float], gap: float, *, until: Callable[[], bool]) -> None:
        """Press the operator's keys, each `gap` seconds after the one before was drawn, until `until()`."""
        after = gap
        while not until():
            step = next(keys)
            if isinstance(step, float):
                after = step
                continue
            await self.press(*step, after)
            after = gap

    async def run(self, gap: float) -> dict[str, Any]:
        keys = script()
        self._terminal.start()
        gc.callbacks.append(self._collected)
        try:
            pressed = self.send("r")
            await self._until(lambda: any(up for _, up in self.busy), "progress line after 'r'")
            await self.type(keys, gap, until=lambda: bool(self.busy) and not self.busy[-1][1])
            ended = self.busy[-1][0]
            while any(not w.is_finished for w in self.app.workers):  # the list read again after the refresh
                await asyncio.sleep(0.05)
            during = len(self.keys)
            await self.type(keys, gap, until=lambda: len(self.keys) >= during + AFTER)
        finally:
            gc.callbacks.remove(self._collected)
            self._pressing.put(None)
        started = next(t for t, up in self.busy if up)
        return {"refresh_s": ended - pressed, "started": started, "ended": ended, "keys": self.keys,
                "collections": [(a, b) for a, b in self.collections if started <= a <= ended]}


async def measure(home: Path, gap: float, collector: tuple[int, ...]) -> dict[str, Any]:
    """Child process: the app as `a2p-wizard` starts it on `home`, and the operator's keys during `r`; with the
    garbage collector's thresholds `collector` instead of the app's when given."""
    from screens.app import WizardApp
    from screens.customer_list import CustomersScreen
    from wizard.session.startup import Startup

    startup = Startup.open(home=home, mode="sandbox")
    try:
        app = WizardApp(startup)
        async with app.run_test(size=SIZE) as pilot:
            await app.connected()
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert isinstance(app.screen, CustomersScreen)
            if collector:
                gc.set_threshold(*collector)
            result = await Keyboard(app, app.screen).run(gap)
    finally:
        startup.close()
    result["maxrss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return result


# -- the parent --------------------------------------------------------------------------------------------


def cpu_seconds() -> tuple[float, float]:
    """(busy, all) CPU seconds of the whole machine since boot (Linux /proc/stat)."""
    fields = [int(n) for n in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    tick = os.sysconf("SC_CLK_TCK")
    return (sum(fields) - fields[3] - fields[4]) / tick, sum(fields) / tick


def one_run(home: Path, scratch: Path, gap: float, collector: str) -> dict[str, Any]:
    """A fresh copy of the data folder, a fresh process on it; with the statuses, requests and load around it."""
    from wizard.session.locations import Locations

    copy = scratch / "run"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(home, copy)
    log = Locations.resolve(copy).log_file
    for old in log.parent.glob(log.name + "*"):
        old.unlink()  # the build's requests
    before = statuses(copy / "a2p-wizard.db")
    load, (busy, every), ours = os.getloadavg()[0], cpu_seconds(), resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run([sys.executable, __file__, "--child", str(copy), str(gap), collector], capture_output=True,
                         text=True, timeout=3600)
    if out.returncode:
        sys.exit(f"the child failed:\n{out.stderr[-3000:]}")
    done, (busy_after, every_after) = resource.getrusage(resource.RUSAGE_CHILDREN), cpu_seconds()
    child = done.ru_utime + done.ru_stime - ours.ru_utime - ours.ru_stime
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result.update(before=before, after=statuses(copy / "a2p-wizard.db"), requests=Counter(requests(log)),
                  load=(load, os.getloadavg()[0]),
                  others_cpus=max(0.0, (busy_after - busy - child) / (every_after - every) * os.cpu_count()))
    return result


def during(run: dict[str, Any], pressed: float, handled: float) -> bool:
    """The key was pressed and handled while the refresh ran."""
    return run["started"] <= pressed and handled <= run["ended"]


def describe(n: int, run: dict[str, Any]) -> str:
    keys = sum(during(run, pressed, handled) for _, pressed, handled, _ in run["keys"])
    paused = [(end - start) * 1000 for start, end in run["collections"]]
    before, after = (", ".join(f"{s} {c:,}" for s, c in sorted(run[when].items())) for when in ("before", "after"))
    return (f"run {n}: refresh {run['refresh_s']:.1f} s, {keys} keys during it"
            f"{' (too few: 20 or fewer)' if keys <= 20 else ''}; statuses {before} → {after}; requests "
            f"{dict(run['requests'])}; {len(paused)} full garbage collections meanwhile ({sum(paused):.0f} ms in all, "
            f"the longest {max(paused, default=0):.0f} ms); load average {run['load'][0]:.2f} → {run['load'][1]:.2f}, "
            f"other processes used {run['others_cpus']:.2f} CPUs; peak RSS {run['maxrss_mb']:.0f} MB")


def spread(values: list[float]) -> str:
    """`median / p95 / max` in milliseconds."""
    if not values:
        return "–"
    p95 = statistics.quantiles(values, n=20, method="inclusive")[-1] if len(values) > 1 else values[0]
    return f"{statistics.median(values):.1f} / {p95:.1f} / {max(values):.1f} ms"


def report(runs: list[dict[str, Any]], customers: int) -> None:
    refreshing: dict[str, list[tuple[float, float]]] = {"value": [], "cursor": [], "all": []}
    after: list[tuple[float, float]] = []
    for run in runs:
        for kind, pressed, handled, drawn in run["keys"]:
            times = ((handled - pressed) * 1000, (drawn - pressed) * 1000)
            if during(run, pressed, handled):
                refreshing["all"].append(times)
                if kind in refreshing:
                    refreshing[kind].append(times)
            elif pressed > run["ended"]:
                after.append(times)
    print(f"\n| {customers:,} customers, {len(runs)} runs | keys | handled: median / p95 / max | "
          "drawn: median / p95 / max |")
    print("|---|---:|---:|---:|")
    for label, found in (("typed into the filter, during the refresh", refreshing["value"]),
                         ("`down` in the list, during the refresh", refreshing["cursor"]),
                         ("every key during the refresh (also `/`, `esc`, focus moves)", refreshing["all"]),
                         ("every key after the refresh", after)):
        print(f"| {label} | {len(found)} | {spread([h for h, _ in found])} | {spread([d for _, d in found])} |")
    refresh = [r["refresh_s"] for r in runs]
    print(f"\nrefresh (from `r` to the progress line gone): median {statistics.median(refresh):.1f} s "
          f"({', '.join(f'{s:.1f}' for s in refresh)})")
    slowest = max(h for h, _ in refreshing["all"]) if refreshing["all"] else None
    if slowest is not None:
        verdict = "met" if slowest < 50 else "MISSED"
        print(f"target: every key during the refresh handled in under 50 ms: {verdict} (slowest {slowest:.1f} ms)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--gap", type=float, default=0.1, help="seconds between one key drawn and the next sent")
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--collector", default="", metavar="T0,T1,T2",
                        help="the garbage collector's thresholds in the app instead of its own (Python's: 700,10,10)")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    os.environ["A2P_SANDBOX_SPEED"] = STILL
    if args.child:
        home, gap, collector = args.child
        thresholds = tuple(int(n) for n in collector.split(",")) if collector else ()
        print(json.dumps(asyncio.run(measure(Path(home), float(gap), thresholds))))
        return

    print(f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, {platform.machine()}, "
          f"{len(os.sched_getaffinity(0))} CPUs; {args.runs} runs; data in {args.data}; a key every "
          f"{args.gap * 1000:.0f} ms after the last one was drawn; garbage collector thresholds: "
          f"{args.collector or 'the app’s'}\n")
    home = ensure_customers(args.data, args.customers)
    runs = []
    with tempfile.TemporaryDirectory(dir=args.data) as scratch:
        for n in range(1, args.runs + 1):
            run = one_run(home, Path(scratch), args.gap, args.collector)
            runs.append(run)
            print(describe(n, run), flush=True)
    report(runs, args.customers)


if __name__ == "__main__":
    main()
