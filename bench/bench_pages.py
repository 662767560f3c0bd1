"""Micro-benchmark of the PostgreSQL list's reads alone (storage/postgres/pages.py), without the app (not a test).

    uv run python bench/bench_pages.py [--sizes 100000,1000000] [--runs 3] [--url URL] [--trace MS]

For every key bench_list.py types (TYPED) in both its orders, what the list screen reads: `first` (the rows on
screen), `total` (on a reader of its own, as the screen's count), the next `page` (the table reading on), and the
last page (End); then the header's `counts` and `due`. Each size is generated into a database of a PostgreSQL server
started for the run (tests/support/pg.py's; one COPY, as `insert_many` loads an empty store); `--url` reads an existing
store instead. `--trace MS` prints every statement that took MS or longer, with its plan (EXPLAIN ANALYZE, BUFFERS).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path[:0] = [str(Path(__file__).parent), str(Path(__file__).parents[1])]

from bench_list import SORTS, TYPED, TYPED_KEYS  # noqa: E402

from storage.pages import Query  # noqa: E402
from storage.postgres.pages import PostgresPages  # noqa: E402
from wizard.customer.search import search_query  # noqa: E402
from wizard.listing import due_before  # noqa: E402

ROWS = 120
"""The rows the list screen reads first (screens/customer_list.py's FIRST_PAGE)."""
DUE_BEFORE = due_before(datetime.now(UTC))
"""Passcodes sent before this are running out, as the app reads them now."""


def traced(pages: PostgresPages, slow_ms: float | None) -> None:
    """Print the statements of `pages` that take `slow_ms` or longer, with their plans."""
    if slow_ms is None:
        return
    run = pages._execute

    def execute(sql: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        began = time.perf_counter()
        rows = run(sql, params)
        if (ms := (time.perf_counter() - began) * 1000) >= slow_ms:
            plan = run(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
            print(f"\n{ms:.0f} ms: {sql}\n  {params}\n" + "\n".join(line for (line,) in plan), flush=True)
        return rows

    pages._execute = execute  # type: ignore[method-assign]


def timed(call: Callable[[], Any]) -> tuple[float, Any]:
    began = time.perf_counter()
    result = call()
    return (time.perf_counter() - began) * 1000, result


def measure(url: str, runs: int, slow_ms: float | None) -> dict[str, list[tuple[float, str]]]:
    """Milliseconds per read, each with what was typed, over `runs` runs."""
    import psycopg

    figures: dict[str, list[tuple[float, str]]] = defaultdict(list)
    listing, counting = (PostgresPages(lambda: psycopg.connect(url, autocommit=True)) for _ in range(2))
    for reader in (listing, counting):
        traced(reader, slow_ms)
    try:
        for _ in range(runs):
            for order in SORTS:
                for typed in TYPED_KEYS:
                    query = Query(search_query(typed), order, due_before=DUE_BEFORE)
                    ms, _ = timed(lambda query=query: listing.first(query, ROWS))
                    figures[f"first {order}"].append((ms, typed))
                    ms, total = timed(lambda query=query: counting.total(query))
                    figures[f"total {order}"].append((ms, typed))
                    ms, _ = timed(lambda query=query, total=total: listing.page(query, ROWS, ROWS, total=total))
                    figures[f"page {order}"].append((ms, typed))
                query = Query("", order, due_before=DUE_BEFORE)
                total = counting.total(query)
                ms, _ = timed(lambda query=query, total=total: listing.page(query, total - 40, 40, total=total))
                figures[f"End {order}"].append((ms, ""))
            figures["counts"].append(timed(listing.counts)[:1] + ("",))
            figures["due"].append(timed(lambda: listing.due(DUE_BEFORE))[:1] + ("",))
    finally:
        listing.close()
        counting.close()
    return figures


def report(size: int, figures: dict[str, list[tuple[float, str]]]) -> None:
    print(f"\n{size:,} customers | median | slowest (typed)\n---|---:|---:")
    for name, values in figures.items():
        worst = max(values)
        print(f"{name} | {statistics.median(ms for ms, _ in values):.1f} ms | {worst[0]:.1f} ms ({worst[1]!r})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--url", help="an existing PostgreSQL store to read instead of generated ones")
    parser.add_argument("--trace", type=float, metavar="MS", help="print statements this slow, with their plans")
    args = parser.parse_args()
    print(f"typed: {', '.join(map(repr, TYPED))}, one key at a time; {ROWS} rows a page", flush=True)
    if args.url:
        import psycopg

        with psycopg.connect(args.url) as db:
            size = db.execute("SELECT count(*) FROM customers").fetchone()[0]
        report(size, measure(args.url, args.runs, args.trace))
        return
    from fakes import build_store

    from storage.postgres.store import PostgresStore
    from tests.support import pg

    server = pg.start()
    try:
        for size in map(int, args.sizes.split(",")):
            url = server.url(server.create_database())
            began = time.perf_counter()
            build_store(PostgresStore(url), size)
            print(f"generated {size:,} customers in {time.perf_counter() - began:.1f} s", flush=True)
            report(size, measure(url, args.runs, args.trace))
    finally:
        server.stop()


if __name__ == "__main__":
    main()
