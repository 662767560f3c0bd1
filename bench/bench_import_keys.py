"""Benchmark of the keys an import holds (not a test).

    uv run python bench/bench_import_keys.py [--rows 1000000]

`a2p-wizard import` first reads the keys a file names, so that keys made for its keyless rows skip them. A CSV of
`--rows` keyed customer rows (bench_import's) is read that way in a fresh process twice: holding the keys in a
Python set, as the import did, and in a `storage.key_set.KeySet`, as it does now; each process reports its peak
resident memory (getrusage) and how long the read took. The whole import of such a file: bench_import.py.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_import import HERE, write_csv  # noqa: E402 (a sibling script, not a package)

READER = """
import json, resource, sys, time
from storage.key_set import KeySet
from wizard.customer.csv_rows import bounded_lines, explicit_keys
started = time.perf_counter()
with open(sys.argv[1], encoding="utf-8-sig", newline="") as stream:
    held = (set if sys.argv[2] == "set" else KeySet)(explicit_keys(bounded_lines(stream)))
    found = "I0000007" in held and len(held)
print(json.dumps({"seconds": time.perf_counter() - started, "keys": found,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""
"""Read the file's keys into a set or a KeySet; print the time, the count and the peak RSS."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-keys-") as scratch:
        source = write_csv(Path(scratch) / "keyed.csv", args.rows)
        print(f"{args.rows:,} keyed rows, {source.stat().st_size / 1e6:.0f} MB")
        for way in ("set", "KeySet"):
            done = subprocess.run([sys.executable, "-c", READER, str(source), way], cwd=HERE, check=True,
                                  capture_output=True, text=True)
            result = json.loads(done.stdout)
            print(f"  {way:>6}: peak RSS {result['peak_mb']:.0f} MB, {result['seconds']:.1f} s, "
                  f"{result['keys']:,} keys", flush=True)


if __name__ == "__main__":
    main()
