"""Creating customers, saving the operator's inputs, importing CSV files."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from pydantic import BaseModel

from storage.store import Record
from wizard.customer.csv_rows import RowError, parse_rows
from wizard.customer.models import Campaign, SoleProprietor, StarterProfile
from wizard.customer.record import Customer
from wizard.customer.state import FlowState
from wizard.flow.engine import Engine


def new_key(engine: Engine) -> str:
    """The next free key of the form C00001."""
    n = engine.store.count() + 1
    while engine.store.exists(f"C{n:05d}"):
        n += 1
    return f"C{n:05d}"


def create(
    engine: Engine,
    profile: StarterProfile,
    bundle: SoleProprietor | None = None,
    campaign: Campaign | None = None,
    *,
    key: str | None = None,
) -> Customer:
    """Save a new customer (no Twilio call is made)."""
    c = Customer(key=key or new_key(engine), profile=profile, bundle=bundle, campaign=campaign)
    record = Record(c.key, inputs=c.inputs_json(), state=FlowState().model_dump(mode="json"),
                    summary=engine.summary_columns(c))
    engine.store.insert(record)
    return engine.load(c.key)


def save_inputs(engine: Engine, key: str, expected_version: int, **steps: BaseModel | None) -> Customer:
    """Replace some steps' inputs (profile=, bundle=, campaign=); refused if the customer changed since."""
    return _change(engine, key, expected_version, lambda c: [setattr(c, k, v) for k, v in steps.items()])


def save_draft(engine: Engine, key: str, expected_version: int, step: str, values: dict[str, Any]) -> Customer:
    """Keep what was typed in an unfinished form, so leaving the form loses nothing."""
    return _change(engine, key, expected_version, lambda c: c.drafts.__setitem__(step, values))


def _change(engine: Engine, key: str, expected_version: int, edit: Any) -> Customer:
    result: list[Customer] = []

    def mutate(record: Record) -> Record:
        c = Customer.from_record(record)
        edit(c)
        result.append(c)
        return replace(record, inputs=c.inputs_json(), summary=engine.summary_columns(c))

    engine.store.mutate(key, mutate, expected_version=expected_version)
    return engine.load(key)


@dataclass
class ImportReport:
    created_rows: list[tuple[int, str]] = field(default_factory=list)
    """(CSV row number, key) of every customer created."""
    errors: list[RowError] = field(default_factory=list)

    @property
    def created(self) -> list[str]:
        return [key for _, key in self.created_rows]


def import_csv(engine: Engine, text: str) -> ImportReport:
    """Create a customer for every good row; report every bad field of every bad row.

    The good rows are saved in one transaction: if the store fails half-way (a full disk), none is.
    """
    rows, errors = parse_rows(text)
    report = ImportReport(errors=list(errors))
    with engine.store.transaction():
        for row in rows:
            if row.key and engine.store.exists(row.key):
                report.errors.append(RowError(row.row, "key", f"A customer with key {row.key!r} already exists."))
                continue
            created = create(engine, row.profile, row.bundle, row.campaign, key=row.key)
            report.created_rows.append((row.row, created.key))
    return report

