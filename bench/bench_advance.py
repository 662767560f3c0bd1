"""Benchmark of the engine at batch scale: `advance --all` over N sandbox customers (not a test).

    uv run python bench/bench_advance.py [--customers 1000] [--runs 3] [--against d9f8f26]

Each run imports the same N customers (steps 1 and 2 filled in, every one with its own email, mobile and address)
into a fresh data folder and times one `a2p-wizard advance --all --yes` (`--all` alone in revisions before `--yes`
existed): steps 1–3 for each customer, 17 Twilio calls each (the sandbox's brand stays PENDING at the end).
`--against REV` checks that revision out into a temporary git worktree and times it the same way, alternating with
this checkout, so both are measured on the same machine in the same minutes; the result is the ratio of the
medians.
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]
COLUMNS = ("key", "first_name", "last_name", "email", "phone", "street", "city", "region", "postal_code",
           "brand_name", "mobile_phone")
FIRST = ("Maya", "Luis", "Grace", "Ana", "José", "Priya", "Omar", "Hannah", "Wei", "Fatima", "Noah", "Chloé")
LAST = ("Patel", "Ortega", "Kim", "Souza", "Nguyễn", "Sharma", "Haddad", "Miller", "Chen", "Okafor", "Brown")


def customers_csv(path: Path, count: int) -> Path:
    """N customers who share no email, mobile or address (so no TCR limit is reached)."""
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(COLUMNS)
        for i in range(count):
            first, last = FIRST[i % len(FIRST)], LAST[i // len(FIRST) % len(LAST)]
            out.writerow((f"B{i:05d}", first, last, f"c{i}@example.com", "(206) 555-0134", f"{i + 1} Pine St",
                          "Seattle", "WA", "98101", f"{first} {last}", f"+1312{200 + i // 10000:03d}{i % 10000:04d}"))
    return path


def cli(project: Path, home: Path, *args: str) -> float:
    """Run `a2p-wizard ARGS` of `project` with its data in `home`; seconds it took."""
    env = {**os.environ, "A2P_WIZARD_HOME": str(home), "A2P_MODE": "sandbox"}
    started = time.perf_counter()
    done = subprocess.run(["uv", "run", "--project", str(project), "--locked", "--quiet", "a2p-wizard", *args],
                          env=env, capture_output=True, text=True)
    took = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"{project}: a2p-wizard {' '.join(args)} failed:\n{done.stderr[-2000:]}")
    return took


def advance_all(project: Path) -> list[str]:
    """`advance --all`, with `--yes` where the revision has it (so it pays for the brands without asking, as
    revisions before it did)."""
    helped = subprocess.run(["uv", "run", "--project", str(project), "--locked", "--quiet", "a2p-wizard", "advance",
                             "--help"], capture_output=True, text=True)
    return ["advance", "--all", *(["--yes"] if "--yes" in helped.stdout else [])]


def one_run(project: Path, source: Path, scratch: Path, advance: list[str]) -> float:
    home = Path(tempfile.mkdtemp(dir=scratch))
    cli(project, home, "import", str(source))
    took = cli(project, home, *advance)
    shutil.rmtree(home)
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--against", metavar="REV", help="also time this git revision, alternating")
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="bench-advance-"))
    projects = {"this checkout": HERE}
    try:
        if args.against:
            other = scratch / "against"
            subprocess.run(["git", "-C", str(HERE), "worktree", "add", "--detach", str(other), args.against],
                           check=True, capture_output=True)
            projects[args.against] = other
        source = customers_csv(scratch / "customers.csv", args.customers)
        times: dict[str, list[float]] = {name: [] for name in projects}
        advance = {name: advance_all(project) for name, project in projects.items()}
        for run in range(args.runs):
            for name, project in projects.items():
                took = one_run(project, source, scratch, advance[name])
                times[name].append(took)
                print(f"run {run + 1}: {name}: advance --all of {args.customers:,} customers in {took:.1f} s",
                      flush=True)
        medians = {name: statistics.median(t) for name, t in times.items()}
        for name, median in medians.items():
            calls = args.customers * 17
            print(f"{name}: median {median:.1f} s ({calls / median:,.0f} Twilio calls/s)")
        if args.against:
            print(f"speed-up: {medians[args.against] / medians['this checkout']:.2f}× "
                  f"({args.against} / this checkout, medians of {args.runs} runs)")
    finally:
        if args.against:
            subprocess.run(["git", "-C", str(HERE), "worktree", "remove", "--force", str(scratch / "against")],
                           capture_output=True)
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
