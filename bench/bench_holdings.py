"""Benchmark of "Twilio is the record of what exists" (wizard/flow/holdings.py): what looking at Twilio before every
create costs a run, and what a restored backup costs (not a test).

    uv run python bench/bench_holdings.py [--customers 10,1000,10000]

For each size N: N sandbox customers (bench_advance.py's: steps 1–3, own email, mobile and address each) imported
into a fresh data folder, whose store and journal mark are then backed up (as a machine backup copies the folder;
the sandbox, Twilio, is not). Then, timed, with the Twilio requests counted from the request log:

- **first run**: `advance --all` takes every customer through steps 1–3 (17 calls each); each list of what Twilio
  holds is read once, when the first create of its kind comes up;
- **every list**: what the index costs at most, read once: the 9 account-wide lists a run may read, with Twilio
  holding N customers' resources;
- **after a restore**: the backup put back (the store knows nothing of what was sent, and the restored mark agrees
  with it), `advance --all` again: every resource is found and adopted, none created twice (checked).
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sqlite3
import tempfile
import time
from collections import Counter
from contextlib import closing
from pathlib import Path

from bench_advance import customers_csv
from bench_fees_ahead import requests

from wizard.flow.holdings import LISTS, Holdings
from wizard.session.runtime import Runtime


def backup(home: Path, aside: Path, *, back: bool = False) -> None:
    """The store (SQLite's backup API) and the journal mark, copied aside (or `back`)."""
    source, target = (aside, home) if back else (home, aside)
    target.mkdir(parents=True, exist_ok=True)
    for stale in target.glob("a2p-wizard.db-*"):
        stale.unlink()
    with closing(sqlite3.connect(source / "a2p-wizard.db")) as src, \
            closing(sqlite3.connect(target / "a2p-wizard.db")) as dst:
        src.backup(dst)
    for mark in source.glob("a2p-wizard.journal-mark*"):
        if not mark.name.endswith(".lock"):
            shutil.copy2(mark, target / mark.name)


async def timed(home: Path, what: str, work) -> tuple[float, Counter, object]:
    rt = Runtime.open(home=home, mode="sandbox")
    try:
        before = len(requests(rt.locations.log_file))
        started = time.perf_counter()
        result = await work(rt)
        took = time.perf_counter() - started
        sent = Counter(requests(rt.locations.log_file)[before:])
    finally:
        await rt.aclose()
    print(f"  {what}: {took:.2f} s, {sum(sent.values()):,} requests "
          f"({sum(n for op, n in sent.items() if op.startswith('list_')):,} list pages)", flush=True)
    return took, sent, result


async def advance_all(rt: Runtime) -> list:
    runs = await rt.desk.advance_many(rt.desk.active_keys())
    assert not any(r.failed for r in runs), [r.error or r.calls[-1].detail for r in runs if r.failed][:3]
    return runs


async def held(rt: Runtime | None, home: Path | None = None) -> dict[str, int]:
    """Every account-wide list a run may read, read once through a run's Holdings: how many items each holds."""
    if rt is None:
        rt = Runtime.open(home=home, mode="sandbox")
        try:
            return await held(rt)
        finally:
            await rt.aclose()
    holdings = Holdings(rt.client)
    return {op: sum(map(len, (await holdings._index(op, dict(query))).values()))
            for op, query in sorted({(op, tuple(q.items())) for op, q in LISTS.values()})}


async def size(n: int, scratch: Path) -> None:
    print(f"{n:,} customers:", flush=True)
    home = scratch / f"home-{n}"
    rt = Runtime.open(home=home, mode="sandbox")
    try:
        with customers_csv(scratch / f"customers-{n}.csv", n).open(encoding="utf-8", newline="") as lines:
            assert rt.desk.import_csv(lines, allow_duplicates=True).created == n
    finally:
        await rt.aclose()
    backup(home, scratch / f"backup-{n}")
    await timed(home, "first run (steps 1–3)", advance_all)
    before = await timed(home, "every list, read once", held)
    backup(home, scratch / f"backup-{n}", back=True)
    _, _, runs = await timed(home, "after a restore", advance_all)
    adopted = sum("adopted" in c.detail for r in runs for c in r.calls)
    after = await held(rt=None, home=home)
    assert after == before[2], (before[2], after)
    print(f"  adopted {adopted:,} resources, created none twice: {after}", flush=True)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", default="10,1000,10000")
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="bench-holdings-"))
    try:
        for n in (int(x) for x in args.customers.split(",")):
            await size(n, scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    asyncio.run(main())
