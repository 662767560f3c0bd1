"""Benchmark of the list's filter in the store alone: `Listing.first` per text typed (not a test).

    uv run python bench/bench_filter.py [--size 1000000] [--runs 7] [--data DIR] [--texts z,zo,…]

The store is bench_list.py's (generated into DIR/customers-SIZE when missing, reused else) and read once first, so
it is in the system's file cache. For each sort order and text, one Listing reads the first page as the list does
on a keystroke (its plan worked out afresh), `--runs` times; the median and the slowest are printed. Cheaper and
less noisy than bench_list.py's keystrokes through the app, which add the drawing.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

from bench_list import DATA, ensure_store

from storage.sqlite.pages import Listing, Query
from wizard.customer.search import search_query

TEXTS = "z,zo,zoe,m,ma,may,maya,maya patel,q,qu,c0004242,souza"
ORDERS = ("attention", "name")
PAGE = 120
"""Rows the list reads on a keystroke (screens.customer_list.FIRST_PAGE)."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--texts", default=TEXTS)
    args = parser.parse_args()
    home, _ = ensure_store(args.data, args.size)
    path = home / "a2p-wizard.db"
    with path.open("rb") as fh:
        while fh.read(1 << 24):
            pass
    listing = Listing(path)
    print(f"{args.size:,} customers, Listing.first({PAGE} rows), median / slowest of {args.runs} runs\n")
    print("| text | " + " | ".join(f"{order} order" for order in ORDERS) + " |")
    print("|---|" + "---:|" * len(ORDERS))
    worst: dict[str, list[float]] = {order: [] for order in ORDERS}
    for text in args.texts.split(","):
        cells = []
        for order in ORDERS:
            query = Query(search_query(text), order, due_before="2026-06-01T00:00:00+00:00")
            times = []
            for _ in range(args.runs):
                listing.first(Query(), 1)  # another text: the next read plans afresh, as a keystroke's does
                began = time.perf_counter()
                listing.first(query, PAGE)
                times.append((time.perf_counter() - began) * 1000)
            worst[order].append(max(times))
            cells.append(f"{statistics.median(times):.1f} / {max(times):.1f} ms")
        print(f"| `{text}` | " + " | ".join(cells) + " |")
    listing.close()
    print("\nslowest: " + ", ".join(f"{order} {max(ms):.1f} ms" for order, ms in worst.items()))


if __name__ == "__main__":
    sys.exit(main())
