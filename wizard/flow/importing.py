"""Importing customers from a CSV file: read as a stream and saved in batches, each batch one short transaction.

A file of any size takes the same memory: no line is read past csv_rows.LINE_LIMIT; of its bad rows' errors the
first KEPT_ERRORS are kept, the rest counted; the keys it names are held on disk (storage.key_set.KeySet); and
duplicates are looked for in the batch and in the store, never in a set of every row. Another operator's write
never waits behind the import for long: each batch of `BATCH` good rows is validated first, then saved at once. A
bad row is reported and never half imported; when the store fails (a full disk), the batches saved before are kept
and the report says so.
"""

from __future__ import annotations

from collections.abc import Callable, Container, Iterable
from dataclasses import dataclass, field

from storage.customers import StoreError
from wizard.customer.csv_rows import ParsedRow, RowError, iter_rows
from wizard.customer.customer import Customer
from wizard.flow import duplicates
from wizard.flow.write_path import BATCH, Saved, WritePath, batched

KEPT_ERRORS = 1_000
"""Errors (and warnings) an import keeps to show; beyond them it only counts."""


@dataclass
class ImportReport:
    """What an import did: how many customers it created (first and last key), and its bad rows (the first
    KEPT_ERRORS errors kept, all of them counted)."""

    created: int = 0
    first_key: str | None = None
    last_key: str | None = None
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    rejected_rows: int = 0
    """Rows with at least one error."""
    warnings: list[RowError] = field(default_factory=list)
    """Rows imported though they look like a customer already there (with allow_duplicates); the first ones."""
    warning_count: int = 0
    stopped: str | None = None
    """Why the import stopped before the end of the file (the store failed); what was created stays."""
    _last_rows: dict[bool, int] = field(default_factory=dict, repr=False)

    def error(self, error: RowError, *, parsing: bool = False) -> None:
        """Count a bad row's error (a row's errors come one after the other, from parsing or from the store)."""
        self.error_count += 1
        self.rejected_rows += self._last_rows.get(parsing) != error.row
        self._last_rows[parsing] = error.row
        if len(self.errors) < KEPT_ERRORS:
            self.errors.append(error)

    def warning(self, warning: RowError) -> None:
        self.warning_count += 1
        if len(self.warnings) < KEPT_ERRORS:
            self.warnings.append(warning)


def import_rows(write_path: WritePath, lines: Iterable[str], *, on_created: Callable[[int, Saved], None] | None = None,
                reserved: Container[str] = frozenset(), allow_duplicates: bool = False) -> ImportReport:
    """Create a customer for every good row of a CSV file; report every bad field of every bad row.

    A row that looks like a customer already there, or like an earlier row (same email, mobile, or phone and
    name), is refused unless `allow_duplicates` (then imported with a warning). Keys made for rows without one
    skip `reserved`: the keys the file names explicitly (read beforehand)."""
    report = ImportReport()
    keys = _KeyMaker(write_path, reserved)
    good = (item for item in _collect_errors(iter_rows(lines), report) if isinstance(item, ParsedRow))
    for batch in batched(good, BATCH):
        try:
            with write_path.store.transaction():
                fresh, seen = [], duplicates.Seen()  # earlier batches are in the store already
                for row in batch:
                    if row.key and write_path.store.exists(row.key):
                        report.error(RowError(row.row, "key", f"A customer with key {row.key!r} already exists.",
                                              who=row.who))
                        continue
                    person = duplicates.columns(row.profile, row.bundle)
                    if same := seen.match(person) or duplicates.in_store(write_path.store, person):
                        (report.warning if allow_duplicates else report.error)(
                            RowError(row.row, same.field, same.message + (
                                "" if allow_duplicates else
                                " Keep one; if they are two people, import with --allow-duplicates."), who=row.who))
                        if not allow_duplicates:
                            continue
                    key = row.key or keys.next()
                    seen.add(row.row, key, person)
                    fresh.append((row.row, Customer(key=key, profile=row.profile, bundle=row.bundle,
                                                    campaign=row.campaign)))
                saved = write_path.create_many(c for _, c in fresh)
        except StoreError as error:
            report.stopped = str(error)
            return report
        for (row_number, _), one in zip(fresh, saved, strict=True):
            report.created += 1
            report.first_key = report.first_key or one.customer.key
            report.last_key = one.customer.key
            if on_created:
                on_created(row_number, one)
    return report


def _collect_errors(items: Iterable[ParsedRow | RowError], report: ImportReport) -> Iterable[ParsedRow | RowError]:
    for item in items:
        if isinstance(item, RowError):
            report.error(item, parsing=True)
        yield item


class _KeyMaker:
    """Keys for rows without one: C00001, C00002, … skipping keys already taken."""

    def __init__(self, write_path: WritePath, reserved: Container[str]) -> None:
        self._write_path, self._reserved = write_path, reserved
        self._n = write_path.store.count()

    def next(self) -> str:
        while True:
            self._n += 1
            key = f"C{self._n:05d}"
            if key not in self._reserved and not self._write_path.store.exists(key):
                return key
