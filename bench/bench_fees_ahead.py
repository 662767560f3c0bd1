"""Benchmark of the question `advance --all` asks before billable work: what the next advance of every active
customer would pay (not a test).

    uv run python bench/bench_fees_ahead.py [--customers 10000]

N sandbox customers with all four steps filled in are imported into a fresh data folder, and the fees ahead of
all of them are worked out twice, as `advance --all` does before it asks: at step 1 (each would register a brand),
and after an advance brought every one to step 3 (each brand PENDING, so each may have been approved and verified
since: the brands are read from Twilio's brand list first). Reported each time: the wall time, and the Twilio
requests it made (from the request log).
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import tempfile
import time
from collections import Counter
from pathlib import Path

from bench_import import write_csv

from wizard.customer.fees import count_fees
from wizard.desk import Desk
from wizard.session.runtime import Runtime


def requests(log: Path) -> list[str]:
    return [line.split()[4] for line in log.read_text().splitlines()] if log.exists() else []


async def measure(rt: Runtime, keys: list[str], label: str) -> None:
    log = rt.locations.log_file
    before = len(requests(log))
    started = time.perf_counter()
    ahead = await Desk(rt).fees_ahead_many(keys)
    took = time.perf_counter() - started
    sent = Counter(requests(log)[before:])
    fees = [fee for found in ahead.values() for fee in found]
    print(f"{label}: {len(keys):,} customers in {took:.2f} s ({took / len(keys) * 1000:.2f} ms each); "
          f"Twilio requests: {dict(sent) or 'none'}; {count_fees(fees)}", flush=True)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=10_000)
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="bench-fees-ahead-"))
    try:
        source = write_csv(scratch / "customers.csv", args.customers)
        rt = Runtime.open(home=scratch / "home", mode="sandbox")
        try:
            with source.open(encoding="utf-8", newline="") as lines:
                report = await Desk(rt).import_csv(lines, allow_duplicates=True)  # names and phones repeat
            assert report.created == args.customers and not report.errors, report.errors[:3]
            keys = Desk(rt).active_keys()
            await measure(rt, keys, "at step 1")
            started = time.perf_counter()
            runs = await Desk(rt).advance_many(keys)
            assert not any(r.failed for r in runs)
            print(f"(advanced all to step 3 in {time.perf_counter() - started:.0f} s)", flush=True)
            await measure(rt, keys, "at step 3, brands PENDING")
        finally:
            await rt.aclose()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    asyncio.run(main())
