"""Benchmark of "Twilio is the record of what exists" (wizard/flow/holdings.py): what looking at Twilio before every
create costs a run, and what a restored backup costs (not a test).

    uv run python bench/bench_holdings.py [--customers 10,1000] [--clone 10]

For each size N: N sandbox customers (bench_advance.py's: steps 1–3, own email, mobile and address each) imported
into a fresh data folder, whose store and journal mark are then backed up (as a machine backup copies the folder;
the sandbox, Twilio, is not). Then, timed, with the Twilio requests counted from the request log:

- **first run**: `advance --all` takes every customer through steps 1–3 (17 calls each); each list of what Twilio
  holds is read once, when the first create of its kind comes up;
- **every list**: what the index costs at most, read once: the 9 account-wide lists a run may read, with Twilio
  holding N customers' resources;
- **after a restore**: the backup put back (the store knows nothing of what was sent, and the restored mark agrees
  with it), `advance --all` again: every resource is found and adopted, none created twice (checked).

With `--clone K`, the largest size's sandbox then has every account-wide resource copied K-1 times under new SIDs
and names (K times the customers' worth of profiles, bundles, end users, addresses, documents, brands, services,
numbers), and "every list" is timed again there: what a run's index costs at K×N customers. Requests are counted
by the Twilio client's request log lines (a handler on its logger, not the rotated file).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import shutil
import sqlite3
import tempfile
import time
from collections import Counter
from contextlib import closing
from pathlib import Path

from bench_advance import customers_csv

from wizard.desk import Desk
from wizard.flow.holdings import LISTS, Holdings
from wizard.session.runtime import Runtime

ACCOUNT_WIDE = ("customer_profiles", "trust_products", "end_users", "addresses", "supporting_documents",
                "brand_registrations", "messaging_services", "incoming_phone_numbers")
"""The sandbox's kinds the index lists (its `resources.kind`)."""


class Requests(logging.Handler):
    """Counts the Twilio client's requests by operation (its log line starts with the operation's name)."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: Counter[str] = Counter()
        logger = logging.getLogger("wizard.twilio")
        logger.addHandler(self)
        logger.setLevel(logging.INFO)

    def emit(self, record: logging.LogRecord) -> None:
        self.sent[str(record.args[0]) if record.args else record.getMessage().split()[0]] += 1


REQUESTS = Requests()


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
        before = Counter(REQUESTS.sent)
        started = time.perf_counter()
        result = await work(rt)
        took = time.perf_counter() - started
        sent = REQUESTS.sent - before
    finally:
        await rt.aclose()
    print(f"  {what}: {took:.2f} s, {sum(sent.values()):,} requests "
          f"({sum(n for op, n in sent.items() if op.startswith('list_')):,} list pages); load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs; {dict(sent)}", flush=True)
    return took, sent, result


async def advance_all(rt: Runtime) -> list:
    runs = await Desk(rt).advance_many(Desk(rt).active_keys())
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


def clone(sandbox: Path, times: int) -> None:
    """Every account-wide resource of the sandbox copied `times - 1` times, under new SIDs and names."""
    with closing(sqlite3.connect(sandbox)) as db, db:
        rows = db.execute(f"SELECT sid, kind, body FROM resources WHERE kind IN ({','.join('?' * len(ACCOUNT_WIDE))})",
                          ACCOUNT_WIDE).fetchall()
        seq = db.execute("SELECT max(seq) FROM resources").fetchone()[0]
        for copy in range(1, times):
            for sid, kind, body in rows:
                seq += 1
                new = f"{sid[:2]}{copy:04x}{sid[6:]}"
                item = json.loads(body.replace(sid, new))
                if isinstance(item.get("friendly_name"), str):
                    item["friendly_name"] = item["friendly_name"].replace("a2p:", f"a2p:{copy}-")
                db.execute("INSERT INTO resources (sid, kind, seq, body) VALUES (?, ?, ?, ?)",
                           (new, kind, seq, json.dumps(item)))


async def size(n: int, scratch: Path) -> Path:
    print(f"{n:,} customers:", flush=True)
    home = scratch / f"home-{n}"
    rt = Runtime.open(home=home, mode="sandbox")
    try:
        with customers_csv(scratch / f"customers-{n}.csv", n).open(encoding="utf-8", newline="") as lines:
            assert (await Desk(rt).import_csv(lines, allow_duplicates=True)).created == n
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
    return home


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", default="10,1000")
    parser.add_argument("--clone", type=int, default=10)
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="bench-holdings-"))
    try:
        sizes = [int(x) for x in args.customers.split(",")]
        for n in sizes:
            home = await size(n, scratch)
        if args.clone > 1:
            clone(home / "sandbox.db", args.clone)
            print(f"{args.clone * sizes[-1]:,} customers' resources (cloned):", flush=True)
            print(f"  {await held(None, home)}", flush=True)
            await timed(home, "every list, read once", held)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    asyncio.run(main())
