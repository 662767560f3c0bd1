"""Benchmark of `a2p-wizard list --json --limit 100` at 1,000,000 customers (not a test).

    uv run python bench/bench_cli_list.py [--sizes 1000000] [--runs 5] [--data DIR] [--store sqlite|postgres]

The command reads the app's list (wizard.listing.CustomerList's first rows, through the store's pages), so what it
costs does not grow with the store. Stores are bench_list.py's (SQLite: generated once into DIR and reused;
PostgreSQL: a server started for the run, a database per size). For every size, each run is one process of the
command as an operator types it: `wall` is from launching it (the `a2p-wizard` script) to its exit (imports,
start-up, the read, the printing); then, in a child process of this file, `imports` the modules `list` loads and
`list` the command's own work (`main` with its imports done: the store opened, the rows read and the JSON
printed). Compiled bytecode is cached
(in DIR/pycache) by a warm-up run first, as an installed package's is. The median of the runs is shown, and the
slowest.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path[:0] = [str(Path(__file__).parent), str(Path(__file__).parents[1])]

from bench_list import DATA, ensure_store, postgres_store  # noqa: E402

ARGV = ("--sandbox", "list", "--json", "--limit", "100")


def child(home: str) -> None:
    """The command in this process, the time of its imports and of its own work on stderr (as JSON)."""
    import contextlib
    import io

    began = time.perf_counter()
    import wizard.cli.list_command  # noqa: F401  (what `main` imports to run `list`)
    from wizard.cli import main

    imported = time.perf_counter()
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["--data-dir", home, *ARGV])
    done = time.perf_counter()
    assert code == 0 and len(json.loads(out.getvalue())) == 100, code
    print(json.dumps({"imports_ms": (imported - began) * 1000, "list_ms": (done - imported) * 1000}),
          file=sys.stderr)


def run_once(home: Path, env: dict[str, str]) -> dict[str, float]:
    """The command itself (the `a2p-wizard` script) from launch to exit, then its parts in a child of this file."""
    began = time.perf_counter()
    subprocess.run([str(Path(sys.executable).with_name("a2p-wizard")), "--data-dir", str(home), *ARGV], env=env,
                   capture_output=True, check=True)
    wall = (time.perf_counter() - began) * 1000
    done = subprocess.run([sys.executable, __file__, "--child", str(home)], env=env, capture_output=True,
                          text=True, check=True)
    return {"wall_ms": wall, **json.loads(done.stderr.strip().splitlines()[-1])}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000000")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--store", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    server: Any = None
    if args.store == "postgres":
        from tests.support import pg

        server = pg.start()
    try:
        for count in (int(s) for s in args.sizes.split(",")):
            env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
            env["PYTHONPYCACHEPREFIX"] = str(args.data / "pycache")  # compiled once (the warm-up run), as installed
            if server is not None:
                home, url, built = postgres_store(server, args.data, count)
                env["A2P_STORE_URL"] = url
            else:
                home, built = ensure_store(args.data, count)
            if built is not None:
                print(f"generated {count:,} customers in {built:.1f} s", file=sys.stderr)
            runs = [run_once(home, env) for _ in range(1 + args.runs)][1:]
            for name in ("wall_ms", "imports_ms", "list_ms"):
                values = [r[name] for r in runs]
                print(f"{args.store} {count:>9,}  {name[:-3]:<7} median {statistics.median(values):7.0f} ms   "
                      f"slowest {max(values):7.0f} ms", flush=True)
    finally:
        if server is not None:
            server.stop()


if __name__ == "__main__":
    main()
