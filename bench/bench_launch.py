"""Launch as a person sees it: from the command to the first customer row in a real terminal (not a test).

    uv run python bench/bench_launch.py [--sizes 20000,1000000] [--runs 7] [--data DIR] [--against COMMIT]

Each run starts one program in a new tmux session of 120×40 (a tmux server of the bench's own) and polls
`tmux capture-pane -p` until the screen shows what the operator waits for: for `a2p-wizard --sandbox`, a
customer's row (its key, C0000001…); for a bare Textual app, its one Label; for the floor (a DataTable of the
same store's first rows and a footer, the least a list-first app draws), its first row. The time is from the
command (the `new-session` call) to the first capture holding it; then the program is asked to quit (ctrl+q) and
waited for. The bare app, the floor and the app at each size take turns (one of each per round), so a machine
slowing down weighs on all alike. All run the project's Python with bytecode cached in DIR/pycache (a warm-up
round first, as an installed package's is after its first start). Stores are bench_list.py's, generated once
into DIR and reused.
`--against COMMIT` adds the app as it was at COMMIT (checked out in a temporary git worktree, run by the same
Python) to every round, so both are measured under the same load; the app is then started the same way for both
(`python -c` importing `wizard.cli.main` from its tree, as the `a2p-wizard` script does).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path[:0] = [str(Path(__file__).parent), str(Path(__file__).parents[1])]

from bench_list import DATA, ensure_store  # noqa: E402

SIZE = ("120", "40")
ROW = re.compile(r"\bC\d{7}\b")
"""A customer's key, as the list shows it in its row."""
BARE = """\
from textual.app import App
from textual.widgets import Label

class Bare(App[None]):
    def compose(self):
        yield Label("Hello from a bare app")

Bare().run()
"""
FLOOR = """\
import sqlite3, sys
from textual.app import App
from textual.widgets import DataTable, Footer

class Floor(App[None]):
    BINDINGS = [("n", "new", "New"), ("r", "refresh", "Refresh"), ("slash", "filter", "Filter"), ("q", "quit", "Quit")]

    def compose(self):
        yield DataTable()
        yield Footer()

    def on_mount(self):
        store = sqlite3.connect(f"file:{sys.argv[1]}/a2p-wizard.db?mode=ro", uri=True)
        table = self.query_one(DataTable)
        table.add_columns("Key", "Name", "Brand", "Stage", "Status", "Next", "Updated")
        table.add_rows(store.execute(
            "SELECT key, name, brand, stage, step_status, next_action, updated_at FROM customers "
            "WHERE offboarded = 0 ORDER BY attention, updated_at DESC, key LIMIT ?", (self.size.height,)))

Floor().run()
"""
"""The least a list-first app needs for the same first frame: a DataTable of the first rows read with sqlite3, and a
footer. The floor any design with the list as its first frame stands on (the README reads the app against it too)."""
LAUNCH = "import sys; sys.path.insert(0, sys.argv.pop(1)); from wizard.cli import main; sys.exit(main())"
"""The app from the tree named first (what the `a2p-wizard` script runs, with the tree's code first on the path)."""
POLL = 0.002
"""Seconds between two looks at the screen."""


class Terminal:
    """A tmux server of the bench's own (its socket in a temporary folder); `stop` kills it."""

    def __init__(self, folder: Path) -> None:
        self.tmux = ["tmux", "-S", str(folder / "tmux.sock"), "-f", "/dev/null"]
        self.count = 0
        subprocess.run([*self.tmux, "new-session", "-d", "-s", "keep", "sleep 86400"], check=True)

    def time_until(self, command: list[str], env: dict[str, str], shown: re.Pattern[str]) -> float:
        """Milliseconds from starting `command` in a new session to `shown` on its screen; then it quits."""
        self.count += 1
        name = f"run{self.count}"
        settings = [f"-e{key}={value}" for key, value in env.items()]
        began = time.perf_counter()
        subprocess.run([*self.tmux, "new-session", "-d", "-s", name, "-x", SIZE[0], "-y", SIZE[1], *settings,
                        "--", *command], check=True)
        while not shown.search(self.screen(name)):
            if time.perf_counter() - began > 120:
                raise RuntimeError(f"{shown.pattern!r} never showed:\n{self.screen(name)}")
            time.sleep(POLL)
        took = (time.perf_counter() - began) * 1000
        self.quit(name)
        return took

    def screen(self, name: str) -> str:
        return subprocess.run([*self.tmux, "capture-pane", "-p", "-t", name], capture_output=True, text=True).stdout

    def quit(self, name: str) -> None:
        """ctrl+q, then wait for the session to end (killed after 30 s)."""
        subprocess.run([*self.tmux, "send-keys", "-t", name, "C-q"], check=True)
        deadline = time.perf_counter() + 30
        while subprocess.run([*self.tmux, "has-session", "-t", name], capture_output=True).returncode == 0:
            if time.perf_counter() > deadline:
                subprocess.run([*self.tmux, "kill-session", "-t", name])
                break
            time.sleep(0.05)

    def stop(self) -> None:
        subprocess.run([*self.tmux, "kill-server"], capture_output=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="20000,1000000")
    parser.add_argument("--runs", type=int, default=7, help="rounds (one run of each program per round)")
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--against", metavar="COMMIT", help="also time the app as it was at COMMIT")
    args = parser.parse_args()
    if shutil.which("tmux") is None:
        sys.exit("tmux is needed: apt-get install tmux")
    sizes = [int(s) for s in args.sizes.split(",")]
    homes = {}
    for count in sizes:
        homes[count], built = ensure_store(args.data, count)
        if built is not None:
            print(f"generated {count:,} customers in {built:.1f} s", file=sys.stderr)
    env = {"PYTHONPYCACHEPREFIX": str(args.data / "pycache"), "PYTHONDONTWRITEBYTECODE": ""}
    root = Path(__file__).resolve().parents[1]
    with tempfile.TemporaryDirectory(prefix="a2p-launch-") as folder:
        trees, before = {"": root}, Path(folder) / "before"
        if args.against:
            trees[f" at {args.against}"] = before
            subprocess.run(["git", "-C", str(root), "worktree", "add", "--detach", "-q", str(before), args.against],
                           check=True)
        programs: dict[str, tuple[list[str], re.Pattern[str]]] = {
            "bare": ([sys.executable, "-c", BARE], re.compile("Hello from a bare app")),
            **{f"floor, {count:,} customers": ([sys.executable, "-c", FLOOR, str(homes[count])], ROW)
               for count in sizes},
            **{f"{count:,} customers{label}": (
                [sys.executable, "-c", LAUNCH, str(tree), "--data-dir", str(homes[count]), "--sandbox"], ROW)
               for count in sizes for label, tree in trees.items()},
        }
        times: dict[str, list[float]] = {name: [] for name in programs}
        terminal = Terminal(Path(folder))
        try:
            for round_ in range(1 + args.runs):
                for name, (command, shown) in programs.items():
                    took = terminal.time_until(command, env, shown)
                    if round_:
                        times[name].append(took)
                print(f"round {round_}: " + ", ".join(f"{n} {t[-1]:.0f} ms" for n, t in times.items() if round_),
                      file=sys.stderr, flush=True)
        finally:
            terminal.stop()
            if args.against:
                subprocess.run(["git", "-C", str(root), "worktree", "remove", "--force", str(before)])
    report(times, os.getloadavg()[0])


def report(times: dict[str, list[float]], load: float) -> None:
    bare = statistics.median(times["bare"])
    print(f"| {len(times['bare'])} rounds, load average {load:.1f} | median | fastest | slowest | median / bare |")
    print("|---|---:|---:|---:|---:|")
    for name, values in times.items():
        label = ("bare Textual app (one Label)" if name == "bare" else
                 f"floor: a DataTable of the first rows, {name.split(', ')[1]}" if name.startswith("floor") else
                 f"a2p-wizard, {name}")
        print(f"| {label} | {statistics.median(values):.0f} ms | {min(values):.0f} ms | {max(values):.0f} ms "
              f"| {statistics.median(values) / bare:.2f}× |")


if __name__ == "__main__":
    main()
