"""Benchmark of the store's integrity checks at 100,000 / 1,000,000 customers (not a test).

    uv run python bench/bench_check.py [--sizes 100000,1000000] [--runs 3] [--data DIR]

The quick check runs once per session before the first Twilio call of a run (and in the app's connecting thread);
the full check runs on `reconcile`. Stores are the list benchmark's (bench_list.py), built once into DIR.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from bench_list import DATA, ensure_store

from storage.sqlite.store import Store


def timed(store: Store, *, full: bool, runs: int) -> float:
    """The median seconds of `runs` checks (the first one reads the file into the page cache too)."""
    took = []
    for _ in range(runs):
        began = time.perf_counter()
        store.check(full=full)
        took.append(time.perf_counter() - began)
    return statistics.median(took)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--data", type=Path, default=DATA)
    args = parser.parse_args()
    print(f"{'customers':>10} {'file MB':>8} {'quick s':>8} {'full s':>8}")
    for size in (int(s) for s in args.sizes.split(",")):
        home, _ = ensure_store(args.data, size)
        path = home / "a2p-wizard.db"
        store = Store(path)
        try:
            quick, full = timed(store, full=False, runs=args.runs), timed(store, full=True, runs=args.runs)
        finally:
            store.close()
        print(f"{size:>10,} {path.stat().st_size / 1e6:>8.0f} {quick:>8.2f} {full:>8.2f}")


if __name__ == "__main__":
    main()
