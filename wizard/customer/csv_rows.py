"""The CSV import/export format: one customer per row, columns named after the model fields."""

import csv
import dataclasses
import difflib
import io
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from typing import TextIO, TypeVar

from pydantic import BaseModel, ValidationError

from wizard.customer.models import Campaign, SoleProprietor, StarterProfile, default_brand_name, field_issues
from wizard.customer.spreadsheet import restore_formula
from wizard.visible import cut

# fmt: off
PROFILE_COLUMNS = (
    "first_name", "last_name", "email", "phone", "street", "street2", "city", "region", "postal_code",
    "country",
)
BUNDLE_COLUMNS = ("brand_name", "mobile_phone", "vertical")
SAMPLE_COLUMNS = ("sample_1", "sample_2", "sample_3", "sample_4", "sample_5")
CAMPAIGN_COLUMNS = (
    "service_name", "campaign_description", "message_flow", *SAMPLE_COLUMNS,
    "has_embedded_links", "has_embedded_phone", "opt_in_message", "opt_in_keywords", "opt_out_message",
    "opt_out_keywords", "help_message", "help_keywords", "privacy_policy_url", "terms_url", "phone_number",
)
# fmt: on
COLUMNS = ("key", *PROFILE_COLUMNS, *BUNDLE_COLUMNS, *CAMPAIGN_COLUMNS)
REQUIRED_COLUMNS = tuple(c for c in PROFILE_COLUMNS if c not in ("street2", "country"))
_KEYWORD_COLUMNS = ("opt_in_keywords", "opt_out_keywords", "help_keywords")
_KEY = re.compile(r"(?!\.+$)[A-Za-z0-9._-]{1,40}")
"""A key also names a folder (`policy KEY`), so it is never dots only (`.`, `..`)."""
_M = TypeVar("_M", bound=BaseModel)


@dataclass(frozen=True)
class RowError:
    row: int  # as a spreadsheet shows it: the header is row 1, the first data row is row 2
    field: str  # column name, or "" for a problem with the whole row (or file)
    message: str
    kind: str = dataclasses.field(default="", compare=False)
    """The validation error's kind (pydantic's type or our code, e.g. "too_long"); "" for the row's other errors."""
    who: str = dataclasses.field(default="", compare=False)
    """The row's key, else its first and last name, as the file gives them (at most 40 characters; "" if none)."""

    @property
    def named(self) -> str:
        """"row 7 (C00012)", "row 8 (Maya Patel)", or "row 9" for a row with neither."""
        return f"row {self.row}" + (f" ({self.who})" if self.who else "")


@dataclass(frozen=True)
class ParsedRow:
    row: int
    key: str | None
    profile: StarterProfile
    bundle: SoleProprietor | None
    campaign: Campaign | None

    @property
    def who(self) -> str:
        """The row's key, else the customer's name (as RowError.who)."""
        return cut(self.key or f"{self.profile.first_name} {self.profile.last_name}", 40)


def _validate(
    model: type[_M], data: dict[str, object], row_number: int, errors: list[RowError], skip: str = ""
) -> _M | None:
    """The validated model, or None after adding one RowError per bad field (except skip)."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors.extend(RowError(row_number, f, m, kind) for f, (kind, m) in field_issues(exc).items() if f != skip)
        return None


def row_to_models(row: Mapping[str, object], row_number: int) -> ParsedRow | list[RowError]:
    """Validate one row (column name -> cell); every bad cell becomes its own RowError."""
    cells = {name: "" if value is None else str(value) for name, value in row.items()}
    errors = [
        RowError(
            row_number, cut(name, 40), "Unknown column." if name else "This cell has no column name in the header."
        )
        for name, value in cells.items()
        if name not in COLUMNS and value.strip()
    ]
    get = {name: cells.get(name, "").strip() for name in COLUMNS}.__getitem__

    key = get("key") or None
    if key is not None and not _KEY.fullmatch(key):
        errors.append(
            RowError(row_number, "key", "A key is 1-40 letters, digits, dots, underscores or hyphens, not dots only.")
        )

    profile_data: dict[str, object] = {c: get(c) for c in PROFILE_COLUMNS if c != "country" or get(c)}
    profile = _validate(StarterProfile, profile_data, row_number, errors)

    bundle = None
    if any(get(c) for c in BUNDLE_COLUMNS):
        bundle_data: dict[str, object] = {c: get(c) for c in BUNDLE_COLUMNS}
        if not bundle_data["brand_name"] and profile is not None:
            bundle_data["brand_name"] = default_brand_name(profile)
        # A blank brand name defaults to the profile's name: nothing to report while the profile is invalid.
        skip = "brand_name" if not bundle_data["brand_name"] else ""
        bundle = _validate(SoleProprietor, bundle_data, row_number, errors, skip)

    campaign = None
    if any(get(c) for c in CAMPAIGN_COLUMNS):
        campaign_data: dict[str, object] = {c: get(c) for c in CAMPAIGN_COLUMNS if c not in SAMPLE_COLUMNS}
        campaign_data["samples"] = [get(c) for c in SAMPLE_COLUMNS]
        campaign = _validate(Campaign, campaign_data, row_number, errors)

    if errors or profile is None:
        who = cut(get("key") or " ".join(part for part in (get("first_name"), get("last_name")) if part), 40)
        return [replace(error, who=who) for error in errors]
    return ParsedRow(row_number, key, profile, bundle, campaign)


def _header_errors(header: list[str]) -> list[str]:
    problems = []
    if unknown := [name for name in header if name and name not in COLUMNS]:
        hints = [
            f"'{cut(name, 40)}' (did you mean {close[0]}?)"
            if (close := difflib.get_close_matches(name, COLUMNS, 1, 0.8))
            else f"'{cut(name, 40)}'"
            for name in unknown
        ]
        problems.append(f"Unknown column(s): {', '.join(hints)}.")
    if repeated := sorted({name for name in header if name and header.count(name) > 1}):
        problems.append(f"Column(s) appear more than once: {', '.join(cut(name, 40) for name in repeated)}.")
    if missing := [name for name in REQUIRED_COLUMNS if name not in header]:
        problems.append(f"Missing required column(s): {', '.join(missing)}.")
    return problems


def parse_rows(text_or_lines: Iterable[str] | str) -> tuple[list[ParsedRow], list[RowError]]:
    """Parse a CSV file with a header row; good rows are returned even when other rows have errors."""
    parsed: list[ParsedRow] = []
    errors: list[RowError] = []
    for item in iter_rows(io.StringIO(text_or_lines) if isinstance(text_or_lines, str) else text_or_lines):
        if isinstance(item, RowError):
            errors.append(item)
        else:
            parsed.append(item)
    return parsed, errors


def explicit_keys(lines: Iterable[str]) -> Iterator[str]:
    """The keys a CSV file names in its `key` column, one by one (a first pass, so made keys never take one)."""
    reader = csv.reader(lines)
    try:
        header = [name.removeprefix("\ufeff").strip().lower() for name in next(reader, [])]
        if "key" not in header:
            return
        at = header.index("key")
        yield from (cells[at].strip() for cells in reader if len(cells) > at and cells[at].strip())
    except (csv.Error, LineTooLong):
        return  # the import reports it


LINE_LIMIT = 1_000_000
"""Characters a line of a CSV file may hold (a customer's row is a few thousand): a longer one is never read whole."""


class LineTooLong(ValueError):
    """A line of the file is longer than LINE_LIMIT."""


def bounded_lines(stream: TextIO, limit: int = LINE_LIMIT) -> Iterator[str]:
    """The lines of `stream`, none read past `limit` characters: LineTooLong instead of a longer one."""
    number = 0
    while line := stream.readline(limit + 1):
        number += 1
        if len(line) > limit:
            raise LineTooLong(f"line {number:,} of the file is longer than {limit:,} characters")
        yield line


def iter_rows(lines: Iterable[str]) -> Iterator[ParsedRow | RowError]:
    """Each row of a CSV file with a header row, validated, as it is read (the file is never held whole):
    a ParsedRow for a good row, one RowError per bad field of a bad row."""
    reader = csv.reader(lines)
    row_number = 1
    try:
        header = next(reader, None)
        if header is None:
            yield RowError(1, "", "The file is empty: it needs a header row with the column names.")
            return
        header = [name.removeprefix("\ufeff").strip().lower() for name in header]
        if problems := _header_errors(header):
            yield from (RowError(1, "", problem) for problem in problems)
            return
        keys: dict[str, int] = {}
        for row_number, cells in enumerate(reader, start=2):
            if not any(cell.strip() for cell in cells):
                continue
            if any(cell.strip() for cell in cells[len(header) :]):
                yield RowError(row_number, "", f"This row has {len(cells)} cells; the header has {len(header)}.")
                continue
            result = row_to_models(dict(zip(header, map(restore_formula, cells), strict=False)), row_number)
            if isinstance(result, list):
                yield from result
            elif result.key is not None and result.key in keys:
                yield RowError(row_number, "key", f"Key {result.key} is already used on row {keys[result.key]}.",
                               who=result.who)
            else:
                if result.key is not None:
                    keys[result.key] = row_number
                yield result
    except (csv.Error, LineTooLong) as exc:
        yield RowError(row_number + 1, "", f"This row could not be read as CSV ({exc}); the rest of the file was "
                                           "skipped.")


def models_to_row(
    key: str | None, profile: StarterProfile, bundle: SoleProprietor | None, campaign: Campaign | None
) -> dict[str, str]:
    """The inverse of row_to_models: every column, empty cells for steps not filled in yet."""
    values: dict[str, object] = {"key": key, **profile.model_dump(mode="json")}
    if bundle is not None:
        values |= bundle.model_dump(mode="json")
    if campaign is not None:
        data = campaign.model_dump(mode="json")
        values |= {c: data[c] for c in CAMPAIGN_COLUMNS if c in data}
        values |= dict(zip(SAMPLE_COLUMNS, campaign.samples, strict=False))
        values |= {c: ",".join(data[c]) for c in _KEYWORD_COLUMNS}
        values |= {c: "true" if data[c] else "false" for c in ("has_embedded_links", "has_embedded_phone")}
    return {c: "" if values.get(c) is None else str(values[c]) for c in COLUMNS}
