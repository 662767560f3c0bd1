"""Benchmark of `a2p-wizard import` at batch scale (not a test).

    uv run python bench/bench_import.py [--rows 12500,50000] [--megabytes 0]

For each size, a CSV of that many valid customers (all four steps' columns, every one with its own email, mobile
and address) is imported into a fresh data folder by a real `a2p-wizard import` process, while a second process
writes to the same store every 50 ms as another operator would. Reported per size: the import's wall time, its
peak resident memory (getrusage of the child), and the longest the other writer waited for the store. With
several sizes, the time ratio of the largest to the smallest tells whether import time grows linearly.
`--megabytes N` also imports a file of about N MB, to show that memory does not grow with the file.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]
FIRST = ("Maya", "Luis", "Grace", "Ana", "José", "Priya", "Omar", "Hannah", "Wei", "Fatima", "Noah", "Chloé")
LAST = ("Patel", "Ortega", "Kim", "Souza", "Nguyễn", "Sharma", "Haddad", "Miller", "Chen", "Okafor", "Brown")
COLUMNS = ("key", "first_name", "last_name", "email", "phone", "street", "city", "region", "postal_code",
           "brand_name", "mobile_phone", "campaign_description", "message_flow", "sample_1", "sample_2",
           "privacy_policy_url", "terms_url", "phone_number")


def write_csv(path: Path, rows: int) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(COLUMNS)
        for i in range(rows):
            first, last = FIRST[i % len(FIRST)], LAST[i // len(FIRST) % len(LAST)]
            brand = f"{first} {last}"
            mobile = f"+1{312 + i // 8_000_000:03d}{200 + i // 10000 % 800:03d}{i % 10000:04d}"
            out.writerow((  # each row its own phone: rows sharing a phone and a name are refused as duplicates
                f"I{i:07d}", first, last, f"c{i}@example.com", mobile, f"{i + 1} Pine St", "Seattle",
                "WA", "98101", brand, mobile,
                f"Appointment reminders and booking updates for {brand}'s clients.",
                f"Clients opt in by ticking the SMS consent box on {brand}'s booking form.",
                f"{brand}: your appointment is booked for 3pm tomorrow. Reply STOP to opt out.",
                f"{brand}: we are running 10 minutes late today, sorry! Reply HELP for help.",
                f"https://business{i}.com/privacy", f"https://business{i}.com/terms", f"+1206555{i % 10000:04d}"))
    return path


WRITER = """
import json, signal, sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=120)
longest = 0.0
def report(*_):
    print(json.dumps(longest), flush=True)
    sys.exit(0)
signal.signal(signal.SIGTERM, report)
while True:
    started = time.monotonic()
    db.execute("BEGIN IMMEDIATE"); db.execute("SELECT count(*) FROM journal"); db.execute("COMMIT")
    longest = max(longest, time.monotonic() - started)
    time.sleep(0.05)
"""
"""Another operator: a short write transaction every 50 ms; on SIGTERM it prints its longest wait (seconds)."""

IMPORTER = """
import atexit, resource, runpy, sys
atexit.register(lambda: print("peak-rss-kb", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr))
sys.argv = ["a2p-wizard", "import", sys.argv[1]]
runpy.run_module("wizard", run_name="__main__")
"""
"""`a2p-wizard import FILE` in this interpreter, reporting its own peak memory on exit."""


def import_once(source: Path, scratch: Path) -> dict[str, float]:
    home = Path(tempfile.mkdtemp(dir=scratch))
    env = {**os.environ, "A2P_WIZARD_HOME": str(home), "A2P_MODE": "sandbox"}
    subprocess.run([sys.executable, "-m", "wizard", "list"], env=env, cwd=HERE, check=True, capture_output=True)
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(home / "a2p-wizard.db")], stdout=subprocess.PIPE,
                              text=True)
    time.sleep(0.5)  # the writer is running
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", IMPORTER, str(source)], env=env, cwd=HERE, capture_output=True,
                          text=True)
    took = time.perf_counter() - started
    writer.terminate()
    waited = float(writer.communicate()[0] or 0)
    if done.returncode != 0:
        sys.exit(f"import failed:\n{done.stderr[-2000:]}")
    peak = int(done.stderr.rsplit("peak-rss-kb", 1)[1].split()[0])
    db = sqlite3.connect(home / "a2p-wizard.db")
    count = db.execute("SELECT count(*) FROM customers").fetchone()[0]
    db.close()
    shutil.rmtree(home)
    return {"seconds": took, "peak_mb": peak / 1024, "imported": count, "other_writer_waited_s": waited}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", default="12500,50000", help="comma-separated numbers of rows")
    parser.add_argument("--megabytes", type=int, default=0, help="also import a file of about this size")
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="bench-import-"))
    try:
        sizes = [int(n) for n in args.rows.split(",")]
        if args.megabytes:
            probe = write_csv(scratch / "probe.csv", 1000)
            sizes.append(args.megabytes * 1_000_000 * 1000 // probe.stat().st_size)
        results = {}
        for rows in sizes:
            source = write_csv(scratch / f"{rows}.csv", rows)
            result = import_once(source, scratch)
            result["file_mb"] = source.stat().st_size / 1e6
            results[rows] = result
            print(f"{rows:>9,} rows ({result['file_mb']:.0f} MB): {result['seconds']:.1f} s, "
                  f"peak RSS {result['peak_mb']:.0f} MB, imported {result['imported']:,}, "
                  f"the other writer waited at most {result['other_writer_waited_s']:.2f} s", flush=True)
            source.unlink()
        small, large = min(sizes), max(sizes)
        if small != large:
            ratio = results[large]["seconds"] / results[small]["seconds"]
            print(f"time ratio {large:,} / {small:,} rows: {ratio:.2f} for {large / small:.1f}× the rows")
        print(json.dumps({str(k): r for k, r in results.items()}))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
