"""Benchmark of "Twilio is the record of what exists" (wizard/flow/holdings.py): what looking at Twilio before every
create costs a run, and what a restored backup costs (not a test).

    uv run python bench/bench_holdings.py [--customers 10,1000,10000]

For each size N: N sandbox customers (bench_advance.py's: steps 1–3, own email, mobile and address each) imported
into a fresh data folder in a temporary folder (a real SQLite store), whose store and journal mark are then backed
up (as a machine backup copies the folder; the sandbox, Twilio, is not). Then, timed, with every request counted
where it reaches the sandbox (its httpx transport: retries and list pages included):

- **first run**: `advance --all` takes every customer through steps 1–3 (17 calls each); each list of what Twilio
  holds is read once, when the first create of its kind comes up;
- **every list**: what the index costs at most, read once: the account-wide lists a run may read, with Twilio
  holding N customers' resources;
- **after a restore**: the backup put back (the store knows nothing of what was sent, and the restored mark agrees
  with it), `advance --all` again: every resource is found and adopted, none created twice (checked).

The commit measured is printed first (with `+` when the work tree differs from it).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sqlite3
import subprocess
import tempfile
import time
from collections import Counter
from contextlib import closing
from pathlib import Path

import httpx
from bench_advance import HERE, customers_csv

from wizard.desk import Desk
from wizard.flow.holdings import LISTS, Holdings
from wizard.sandbox.fake import route
from wizard.sandbox.transport import SandboxTransport
from wizard.session.runtime import Runtime


class Requests:
    """Every request that reaches the sandbox's transport, counted by the handler that answers it."""

    def __init__(self) -> None:
        self.sent: Counter[str] = Counter()
        answer = SandboxTransport.handle_async_request

        async def counted(transport: SandboxTransport, request: httpx.Request) -> httpx.Response:
            self.sent[_handler(request)] += 1
            return await answer(transport, request)

        SandboxTransport.handle_async_request = counted  # type: ignore[method-assign]


def _handler(request: httpx.Request) -> str:
    """`list_entities(end_users)`, `create_brand`, …: what the sandbox runs for the request."""
    found = route(request.url.path)
    handler = found[0].get(request.method) if found else None
    if handler is None:
        return f"{request.method} (no route)"
    kind = getattr(handler, "keywords", {}).get("kind")
    name = getattr(handler, "func", handler).__name__
    return f"{name}({kind})" if kind else name


REQUESTS = Requests()


def commit() -> str:
    """The commit measured (`+`: the work tree differs from it)."""
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=HERE, capture_output=True, text=True).stdout.strip()
    return git("rev-parse", "--short", "HEAD") + ("+" if git("status", "--porcelain", "--untracked-files=no") else "")


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
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs; {dict(sorted(sent.items()))}", flush=True)
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


async def size(n: int, scratch: Path) -> None:
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


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", default="10,1000,10000")
    args = parser.parse_args()
    print(f"commit {commit()}", flush=True)
    scratch = Path(tempfile.mkdtemp(prefix="bench-holdings-"))
    try:
        for n in (int(x) for x in args.customers.split(",")):
            await size(n, scratch)
            shutil.rmtree(scratch, ignore_errors=True)
            scratch.mkdir()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    asyncio.run(main())
