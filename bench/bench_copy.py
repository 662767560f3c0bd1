"""Benchmark of `a2p-wizard store copy`: a generated store SQLite → PostgreSQL → SQLite (not a test).

    uv run python bench/bench_copy.py [--customers 100000] [--data DIR]

Each leg is the real command in a process of its own (`--data-dir A store copy --to URL`, then `--data-dir B store
copy --from URL`), timed from its start to its exit, with its peak RSS. The PostgreSQL server is one the tests
would start (tests/support/pg.py: initdb into /tmp, a Unix socket), but durable: fsync, full-page writes and synchronous
commits on again. At the end the two SQLite files are compared by SQLite itself, every column of every row (the
rows of each table that one holds and the other does not: none), and the checksums the two legs printed.
The source store (customers from bench/fakes.py, with their journal) is built once into DIR and reused.
"""

from __future__ import annotations

import argparse
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from fakes import build_store

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from storage.sqlite.store import Store  # noqa: E402
from tests.support import pg  # noqa: E402 (the tests' PostgreSQL kit, from the repository's root)

TABLES = ("customers", "journal")


def ensure_source(root: Path, count: int) -> Path:
    """A data folder holding `count` generated customers and their journal; built when missing."""
    home = root / f"copy-{count}"
    path = home / "a2p-wizard.db"
    if not path.exists():
        home.mkdir(parents=True, exist_ok=True)
        began = time.perf_counter()
        build_store(Store(path), count, with_journal=True)
        print(f"built {path} in {time.perf_counter() - began:.0f} s")
    return home


def leg(home: Path, *argv: str) -> tuple[float, float, str]:
    """(seconds, peak RSS in MB, stdout) of `a2p-wizard --data-dir HOME store copy ARGV` in a process of its own."""
    env = {k: v for k, v in os.environ.items() if k != "A2P_STORE_URL"}
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        began = time.perf_counter()
        child = subprocess.Popen([sys.executable, "-m", "wizard", "--data-dir", str(home), "store", "copy", *argv],
                                 stdout=out, stderr=err, env=env)
        _, status, usage = os.wait4(child.pid, 0)
        took = time.perf_counter() - began
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0), err.seek(0)
        if child.returncode:
            raise SystemExit(f"store copy failed: {err.read()}")
        return took, usage.ru_maxrss / 1024, out.read()


def checksums(out: str) -> dict[str, str]:
    return dict(re.findall(r"^(\w+)\s+[\d,]+\s+ok (\w+)$", out, re.M))


def differences(a: Path, b: Path) -> dict[str, tuple[int, int, int]]:
    """Per table: (rows in a, rows only in a, rows only in b), comparing every column."""
    db = sqlite3.connect(a)
    db.execute("ATTACH ? AS b", (str(b),))
    found = {}
    for table in TABLES:
        found[table] = tuple(db.execute(sql).fetchone()[0] for sql in (
            f"SELECT count(*) FROM main.{table}",
            f"SELECT count(*) FROM (SELECT * FROM main.{table} EXCEPT SELECT * FROM b.{table})",
            f"SELECT count(*) FROM (SELECT * FROM b.{table} EXCEPT SELECT * FROM main.{table})"))
    db.close()
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--data", type=Path, default=Path(tempfile.gettempdir()) / "a2p-wizard-bench")
    args = parser.parse_args()
    source = ensure_source(args.data, args.customers)
    server = pg.start()
    try:
        with server.admin() as db:
            for setting in ("fsync", "full_page_writes", "synchronous_commit"):
                db.execute(f"ALTER SYSTEM SET {setting} = on")
            db.execute("SELECT pg_reload_conf()")
        url = server.url(server.create_database())
        with tempfile.TemporaryDirectory() as folder:
            back = Path(folder) / "back"
            there = leg(source, "--to", url)
            home = leg(back, "--from", url)
            size = (source / "a2p-wizard.db").stat().st_size / 1e6
            print(f"{args.customers:,} customers, store {size:.0f} MB")
            print(f"{'leg':<22} {'time':>8} {'peak RSS':>9}")
            for name, (took, rss, _) in (("SQLite -> PostgreSQL", there), ("PostgreSQL -> SQLite", home)):
                print(f"{name:<22} {took:>7.1f}s {rss:>7.0f}MB")
            for table, (rows, only_a, only_b) in differences(source / "a2p-wizard.db",
                                                              back / "a2p-wizard.db").items():
                print(f"{table}: {rows:,} rows; only in the original: {only_a}, only in the copy's copy: {only_b}")
            same = checksums(there[2]) == checksums(home[2])
            print(f"checksums of both legs equal: {same} {checksums(home[2])}")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
