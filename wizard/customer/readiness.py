"""Approval readiness of one customer: the checks run with what the store and the account know."""

from __future__ import annotations

from collections.abc import Mapping

from storage.customers import CustomerStore
from wizard.customer.addresses import address_key
from wizard.customer.csv_rows import BUNDLE_COLUMNS, COLUMNS, PROFILE_COLUMNS, models_to_row, row_to_models
from wizard.customer.record import Customer
from wizard.customer.rules import CheckContext, Finding, check

STEP_OF_FIELD = {**dict.fromkeys(PROFILE_COLUMNS, 1), **dict.fromkeys(BUNDLE_COLUMNS, 2)}
"""Fields of steps 1 and 2; every other field belongs to the campaign (step 4)."""


def context(store: CustomerStore, c: Customer, own_numbers: frozenset[str], *, live: bool = False) -> CheckContext:
    """Counts of brands already registered with this customer's mobile, email and address (others only)."""
    if c.profile is None:
        return CheckContext(own_numbers=own_numbers, live=live)
    count = store.count_registered
    return CheckContext(
        own_numbers=own_numbers, live=live,
        mobile_brand_uses=count("mobile", c.bundle.mobile_phone, exclude_key=c.key) if c.bundle else 0,
        email_brand_uses=count("email", c.profile.email, exclude_key=c.key),
        address_brand_uses=count("address_key", address_key(c.profile.model_dump()), exclude_key=c.key),
    )


def findings(c: Customer, ctx: CheckContext) -> list[Finding]:
    """Every finding for the customer's inputs so far (none before step 1 is filled in)."""
    if c.profile is None:
        return []
    return check(models_to_row(c.key, c.profile, c.bundle, c.campaign), ctx)


def step_of(finding: Finding) -> int:
    """The step whose submission a blocking finding stops (later steps are stopped too)."""
    return STEP_OF_FIELD.get(finding.field, 4)


def blockers(found: list[Finding]) -> list[tuple[int, str]]:
    """Blocking findings as (step, plain words)."""
    return [(step_of(f), f.message) for f in found if f.severity == "block"]


def lint_row(data: Mapping[str, object], *, live: bool = False) -> list[Finding]:
    """Findings for one customer given in the CSV import's column names (as `lint FILE.json` reads them).

    Values that fail validation are findings too (severity block, rule `input.invalid`), beside every readiness
    finding on the same field, so one command says everything that would stop the import or the registration.
    """
    parsed = row_to_models(data, 1)
    invalid = [Finding("input.invalid", "block", e.field, e.message, None) for e in parsed] \
        if isinstance(parsed, list) else []
    text = {k: "" if v is None else str(v).lower() if isinstance(v, bool) else str(v)
            for k, v in data.items() if k in COLUMNS}
    return invalid + check(text, CheckContext(live=live))
