"""Benchmark of the Customers list at 1,000 / 100,000 / 1,000,000 customers (not a test).

    uv run python bench/bench_list.py [--sizes 1000,100000,1000000] [--runs 3] [--data DIR] [--bytecode]
                                      [--store sqlite|postgres]

SQLite stores are generated once into DIR (default: the temp folder) and reused. With `--store postgres` a
PostgreSQL server is started for the run in a folder of its own under /tmp (tests/support/pg.py's, as the tests start
it), the customers are generated into a database per size (one COPY; then VACUUM ANALYZE, as autovacuum would
soon do), its files read once so that they are in the system's file cache, and the app is opened on it
(A2P_STORE_URL), its data folder in DIR. Every measurement runs headless with Pilot, in a fresh process per size,
so start time and peak memory are the app's alone:

- first paint: from opening the installation (Startup.open, as `a2p-wizard` does) to the first customer row
  drawn, against the same for a bare Textual app with one Label (from creating it to its first paint); and from
  launching the process to that paint, imports included, which is what the operator waits for;
- ready: from launching the process to the app connected (settings, sandbox, engine: `n` and `enter` work);
- filter: per keystroke, from the filter being applied (once the typing pause has run out) to the new rows
  drawn, while typing a name, a key, and two characters few customers hold (one in 1,000), in the needs-action
  order and then in the name order (where a name's matches gather in one place);
- end: from pressing End to the last customer drawn;
- memory: peak resident set size of the process (getrusage).

With --bytecode the children may write compiled bytecode (into DIR/pycache) and one warm-up run of each kind
goes first, as on a machine without PYTHONDONTWRITEBYTECODE after the first launch.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

SIZE = (120, 40)
DATA = Path(tempfile.gettempdir()) / "a2p-wizard-bench"
"""Where generated stores are kept, and reused by every bench that reads them (`--data`)."""
TYPED = ("maya patel", "c0004242", "qu", "zoe")
"""What the operator types in the filter, one key at a time: a name, a key, two characters few customers hold
("q": one in 1,000), a first name many hold."""
SORTS = ("attention", "name")
TYPED_KEYS = [text[:n] for text in TYPED for n in range(1, len(text) + 1)]


async def until(pilot: Any, done: Callable[[], bool]) -> None:
    while not done():
        await pilot.pause()


async def measure_app(home: Path, launched: float) -> dict[str, Any]:
    """Child process: open the installation at `home` and start the app as `a2p-wizard` does, then time the
    list's first paint, the connection, filter and End."""
    from textual.widgets import Input

    from screens.app import WizardApp
    from screens.customer_list import CustomersScreen
    from screens.widgets.virtual_table import VirtualTable
    from wizard.session.startup import Startup

    painted: list[tuple[float, int, int, int]] = []  # (when, first row on screen, total, listings shown so far)
    shows = 0
    draw, show = VirtualTable.render_line, VirtualTable.show

    def watched(self: VirtualTable, y: int) -> Any:
        if y == 1:
            painted.append((time.perf_counter(), round(self.scroll_y), self.total, shows))
        return draw(self, y)

    def counted(self: VirtualTable, *args: Any, **kwargs: Any) -> None:
        nonlocal shows
        shows += 1
        show(self, *args, **kwargs)

    VirtualTable.render_line = watched  # type: ignore[method-assign]
    VirtualTable.show = counted  # type: ignore[method-assign]
    result: dict[str, Any] = {}
    start = time.perf_counter()
    startup = Startup.open(home=home, mode="sandbox")
    try:
        app = WizardApp(startup)
        async with app.run_test(size=SIZE) as pilot:
            await until(pilot, lambda: any(total for _, _, total, _ in painted))
            first = next(t for t, _, total, _ in painted if total)
            result["first_paint_ms"] = (first - start) * 1000
            result["launch_ms"] = since_launch(first, launched)
            await app.connected()
            result["ready_ms"] = since_launch(time.perf_counter(), launched)
            screen = app.screen
            assert isinstance(screen, CustomersScreen)
            table, field = screen.table, screen.query_one("#filter", Input)
            await app.workers.wait_for_complete()  # the stage counts, read after the first paint
            await pilot.pause()
            painted.clear()
            for sort in SORTS:
                if sort != screen.list_query.sort:
                    shown = shows
                    screen.action_next_sort()
                    await until(pilot, lambda shown=shown: shows > shown)
                    await app.workers.wait_for_complete()
                keystrokes = []
                for text in (*TYPED, ""):
                    for n in range(1, len(text) + 1) if text else [0]:
                        with field.prevent(Input.Changed):
                            field.value = text[:n]
                        await pilot.pause()  # the key is drawn while the typing pause runs out
                        painted.clear()
                        shown = shows
                        began = time.perf_counter()
                        screen.apply_filter()
                        await until(pilot, lambda shown=shown: any(n > shown for *_, n in painted))
                        if text:
                            keystrokes.append((next(t for t, *_, n in painted if n > shown) - began) * 1000)
                        painted.clear()
                result[f"filter_ms_{sort}"] = keystrokes
                result[f"filter_worst_{sort}"] = TYPED_KEYS[keystrokes.index(max(keystrokes))]
            began = time.perf_counter()
            await pilot.press("end")
            await until(pilot, lambda: any(first + table.size.height - 1 >= total for _, first, total, _ in painted))
            result["end_ms"] = (next(t for t, first, total, _ in painted if first + table.size.height - 1 >= total)
                                - began) * 1000
            result["total"] = table.total
    finally:
        startup.close()
    result["maxrss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return result


def since_launch(moment: float, launched: float) -> float:
    """Milliseconds from the process's launch (wall clock, in the parent) to `moment` (perf_counter, here)."""
    return (time.time() - (time.perf_counter() - moment) - launched) * 1000


async def measure_bare(launched: float) -> dict[str, Any]:
    """Child process: the same first paint for a bare Textual app with one Label."""
    from textual.app import App, ComposeResult
    from textual.widgets import Label

    painted: list[float] = []

    class Watched(Label):
        def render_line(self, y: int) -> Any:
            painted.append(time.perf_counter())
            return super().render_line(y)

    class Bare(App[None]):
        def compose(self) -> ComposeResult:
            yield Watched("Hello")

    start = time.perf_counter()
    app = Bare()
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: bool(painted))
    return {"first_paint_ms": (painted[0] - start) * 1000, "launch_ms": since_launch(painted[0], launched),
            "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def child(args: list[str], env: dict[str, str]) -> dict[str, Any]:
    launched = str(time.time())
    out = subprocess.run([sys.executable, __file__, "--child", launched, *args], capture_output=True, text=True,
                         check=True, timeout=600, env=env)
    return json.loads(out.stdout.strip().splitlines()[-1])


def ensure_store(root: Path, count: int) -> tuple[Path, float | None]:
    """A data folder holding `count` generated customers of today's schema; built (and timed) when missing."""
    from fakes import build_store

    from storage.sqlite.store import Store

    home = root / f"customers-{count}"
    store = home / "a2p-wizard.db"
    if store.exists() and schema(store) == schema(None) and rows(store) == count:
        return home, None
    for path in home.glob("*.db*"):
        path.unlink()
    home.mkdir(parents=True, exist_ok=True)
    began = time.perf_counter()
    build_store(Store(store), count)
    return home, time.perf_counter() - began


def postgres_store(server: Any, root: Path, count: int) -> tuple[Path, str, float]:
    """A new data folder, and the URL of a new database on `server` holding `count` generated customers (in the
    file cache); how long generating them took."""
    import psycopg
    from fakes import build_store

    from storage.postgres.store import PostgresStore

    home = root / f"postgres-{count}"
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    url = server.url(server.create_database())
    began = time.perf_counter()
    build_store(PostgresStore(url), count)
    built = time.perf_counter() - began
    with psycopg.connect(url, autocommit=True) as db:
        db.execute("VACUUM ANALYZE customers")
    for path in server.data.rglob("*"):
        if path.is_file():
            with path.open("rb") as data:
                while data.read(1 << 20):
                    pass
    return home, url, built


def schema(path: Path | None) -> list[str]:
    """The tables, indexes and triggers of the store at `path` (None: of a new store)."""
    from storage.sqlite.store import Store

    with tempfile.TemporaryDirectory() as folder:
        if path is None:
            path = Path(folder) / "new.db"
            Store(path).close()
        db = sqlite3.connect(path)
        try:
            return sorted(sql for (sql,) in db.execute("SELECT sql FROM sqlite_master WHERE sql IS NOT NULL"))
        finally:
            db.close()


def rows(path: Path) -> int:
    db = sqlite3.connect(path)
    try:
        return db.execute("SELECT count(*) FROM customers").fetchone()[0]
    finally:
        db.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,100000,1000000")
    parser.add_argument("--runs", type=int, default=3, help="runs per size; the median is shown")
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--bytecode", action="store_true", help="let the children cache compiled bytecode")
    parser.add_argument("--store", choices=("sqlite", "postgres"), default="sqlite",
                        help="the customers' store: the data folder's SQLite file, or a PostgreSQL server")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        launched, target = float(args.child[0]), args.child[1]
        work = measure_bare(launched) if target == "bare" else measure_app(Path(target), launched)
        print(json.dumps(asyncio.run(work)))
        return

    sizes = [int(s) for s in args.sizes.split(",")]
    env = dict(os.environ)
    if args.bytecode:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = str(args.data / "pycache")
    server, engine = None, f"SQLite {sqlite3.sqlite_version}"
    if args.store == "postgres":
        import psycopg

        from tests.support import pg

        server = pg.start()
        with psycopg.connect(server.url("postgres", user="postgres")) as db:
            engine = f"PostgreSQL {db.execute('SHOW server_version').fetchone()[0]}"
    try:
        print(f"Python {platform.python_version()}, {engine}, {platform.machine()}, "
              f"{len(os.sched_getaffinity(0))} CPUs; median of {args.runs} runs; stores in "
              f"{'a PostgreSQL server of the run' if server else args.data}; bytecode "
              f"{'cached' if args.bytecode else 'as the environment says'}\n")
        runs = measure(args, sizes, env, server)
    finally:
        if server is not None:
            server.stop()
    report(sizes, runs)


def measure(args: argparse.Namespace, sizes: list[int], env: dict[str, str],
            server: Any) -> dict[str | int, list[dict[str, Any]]]:
    """Every run of every size (and of the bare app), each in a process of its own."""
    warm = 1 if args.bytecode else 0
    homes, envs = {}, {}
    for count in sizes:
        if server is not None:
            homes[count], url, built = postgres_store(server, args.data, count)
            envs[count] = env | {"A2P_STORE_URL": url}
        else:
            (homes[count], built), envs[count] = ensure_store(args.data, count), env
        if built is not None:
            print(f"generated {count:,} customers in {built:.1f} s", file=sys.stderr)
    runs: dict[str | int, list[dict[str, Any]]] = {"bare": [], **{count: [] for count in sizes}}
    for run in range(warm + args.runs):  # alternating, so a machine slowing down weighs on both alike
        for name, target in (("bare", "bare"), *((count, str(homes[count])) for count in sizes)):
            result = child([target], env if name == "bare" else envs[name])
            if run >= warm:
                runs[name].append(result)
    return runs


def report(sizes: list[int], runs: dict[str | int, list[dict[str, Any]]]) -> None:
    bare = summarise(runs["bare"])
    rows = [(count, None, summarise(runs[count])) for count in sizes]
    print("| customers | first paint | launch to first paint | launch to ready | filter per key, needs-action order "
          "(median / max) | filter per key, name order | End key | peak RSS |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    print(f"| bare Textual app (one Label) | {bare['paint']:.0f} ms | {bare['launch']:.0f} ms | – | – | – | – "
          f"| {bare['rss']:.0f} MB |")
    for count, _, r in rows:
        filters = " | ".join(f"{r[f'median_{sort}']:.0f} / {r[f'max_{sort}']:.0f} ms ({r[f'worst_{sort}']!r})"
                             for sort in SORTS)
        print(f"| {count:,} | {r['paint']:.0f} ms ({r['paint'] / bare['paint']:.1f}×) "
              f"| {r['launch']:.0f} ms ({r['launch'] / bare['launch']:.2f}×) | {r['ready']:.0f} ms "
              f"| {filters} | {r['end']:.0f} ms | {r['rss']:.0f} MB |")
    if len(rows) > 1:
        print(f"\nPeak memory from {rows[0][0]:,} to {rows[-1][0]:,} customers: "
              f"{rows[-1][2]['rss'] - rows[0][2]['rss']:+.1f} MB")


def summarise(runs: list[dict[str, Any]]) -> dict[str, float]:
    """Medians over the runs (the slowest keystroke of all runs for the filter's max, with the text typed)."""
    filters: dict[str, Any] = {}
    for sort in SORTS:
        keys = [(ms, r[f"filter_worst_{sort}"] if ms == max(r[f"filter_ms_{sort}"]) else "")
                for r in runs for ms in r.get(f"filter_ms_{sort}", [])] or [(0.0, "")]
        filters |= {f"median_{sort}": statistics.median(ms for ms, _ in keys), f"max_{sort}": max(keys)[0],
                    f"worst_{sort}": max(keys)[1]}
    return {
        "paint": statistics.median(r["first_paint_ms"] for r in runs),
        "launch": statistics.median(r["launch_ms"] for r in runs),
        "ready": statistics.median(r.get("ready_ms", 0.0) for r in runs),
        **filters,
        "end": statistics.median(r.get("end_ms", 0.0) for r in runs),
        "rss": statistics.median(r["maxrss_mb"] for r in runs),
    }

if __name__ == "__main__":
    main()
