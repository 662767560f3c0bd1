"""What the command line prints around a batch: a progress line while it runs, short lists of many keys or rows,
and the table of where the customers stand after it."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from types import TracebackType
from typing import Any, TextIO

from wizard.desk import STEP_NAMES
from wizard.listing import NEEDS_ACTION

SHOWN = 10
"""How many items a short list names before it skips to the last one."""
WIDTH = 48
"""Characters the named items take at most, so the line stays short however long each item is (a row's key)."""


def few(items: Iterable[object]) -> str:
    """A list of any length on one short line, with its count: "4, 17, 23 (3)", "2, 3, … 1001 (1,000)"."""
    tally = Tally()
    for item in items:
        tally.add(item)
    return str(tally)


class Tally:
    """Items counted as they come, told as `few` tells them, without holding them all (an import of any size)."""

    def __init__(self) -> None:
        self.first: list[str] = []
        self.last = ""
        self.count = 0

    def add(self, item: object) -> None:
        self.last, shown = str(item), len(self.first)
        fits = shown < SHOWN and sum(len(named) + 2 for named in self.first) + len(self.last) <= WIDTH
        if shown == self.count and (fits or not shown):  # none skipped yet: named until one does not fit
            self.first.append(self.last)
        self.count += 1

    def __str__(self) -> str:
        named = list(self.first)
        skipped = self.count - len(named)
        if skipped:
            named.append(f"… {self.last}" if skipped > 1 else self.last)
        return f"{', '.join(named)} ({self.count:,})"


def stage_table(rows: Iterable[dict[str, Any]]) -> list[str]:
    """Customers (rows as `list --json` gives them, read once: any number) by stage: how many need the operator,
    wait, are done."""
    table = {stage: [0, 0, 0] for stage in STEP_NAMES}
    for row in rows:
        column = 2 if row["done"] else 0 if row["attention"] < NEEDS_ACTION else 1
        table[row["stage"]][column] += 1
    lines = [f"  {'stage':<20} {'needs you':>9} {'waiting':>9} {'done':>9} {'customers':>9}"]
    for stage, name in STEP_NAMES.items():
        counts = table[stage]
        lines.append(f"  {f'{stage} {name}':<20} " + " ".join(f"{n:>9,}" for n in [*counts, sum(counts)]))
    totals = [sum(counts[i] for counts in table.values()) for i in range(3)]
    lines.append(f"  {'all':<20} " + " ".join(f"{n:>9,}" for n in [*totals, sum(totals)]))
    return lines


class ProgressLine:
    """"Advancing 412/1,000 …" on one line of stderr, redrawn as each item is done; only in a terminal (a pipe or
    a log file gets nothing). Use it in a `with` block: the line is cleared at the end, whatever happens."""

    def __init__(self, what: str, total: int, stream: TextIO | None = None) -> None:
        self._stream = stream or sys.stderr
        self._on = total > 0 and self._stream.isatty()
        self._what, self._total, self._done = what, total, 0

    def __enter__(self) -> ProgressLine:
        self.draw()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.clear()

    def step(self, count: int = 1) -> None:
        """`count` more items done."""
        self._done += count
        self.draw()

    def draw(self) -> None:
        self._write(f"\r\x1b[K{self._what} {self._done:,}/{self._total:,} …")

    def clear(self) -> None:
        """Take the line away (before other output, and at the end)."""
        self._write("\r\x1b[K")

    def _write(self, text: str) -> None:
        if self._on:
            self._stream.write(text)
            self._stream.flush()
