"""Approval readiness of one customer: the checks run with what the store and the account know."""

from __future__ import annotations

from collections.abc import Mapping

from storage.customers import CustomerStore
from wizard.customer.addresses import address_key
from wizard.customer.csv_rows import BUNDLE_COLUMNS, COLUMNS, PROFILE_COLUMNS, models_to_row, row_to_models
from wizard.customer.customer import Customer
from wizard.customer.rules import CheckContext, Finding, check

STEP_OF_FIELD = {**dict.fromkeys(PROFILE_COLUMNS, 1), **dict.fromkeys(BUNDLE_COLUMNS, 2)}
"""Fields of steps 1 and 2; every other field belongs to the campaign (step 4)."""


def context(store: CustomerStore, c: Customer, own_numbers: frozenset[str], *, live: bool = False,
            cpaas_prefix: str | None = None) -> CheckContext:
    """Counts of brands already registered with this customer's mobile, email and address (others only)."""
    if c.profile is None:
        return CheckContext(own_numbers=own_numbers, live=live, cpaas_prefix=cpaas_prefix)
    count = store.count_registered
    return CheckContext(
        own_numbers=own_numbers, live=live, cpaas_prefix=cpaas_prefix,
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


RESTATED: dict[str, tuple[tuple[str, str | None], ...]] = {
    "campaign.length": (("too_long", None), ("too_short", None), ("blank", None)),
    "campaign.privacy-url-missing": (("policy_missing", None),),
    "campaign.terms-url-missing": (("policy_missing", None),),
    "campaign.sample-count": (("samples_count", "samples"),),
    "campaign.keywords": (("keyword", None), ("keywords_too_long", None)),
    **{f"campaign.{reply.replace('_', '-')}-keywords-without-message":
       (("keywords_without_message", f"{reply}_keywords"),) for reply in ("opt_in", "opt_out", "help")},
    "brand.name-not-a-name": (("brand_email", None), ("brand_sid", None)),
}
"""Readiness rules that say again what a validation error says: rule -> (the error's kind, its field; None: the
finding's own field). The kind is the model's error code, so rewording a message never says a problem twice."""


def lint_row(data: Mapping[str, object], ctx: CheckContext) -> list[Finding]:
    """The findings for one customer given in the CSV import's column names: `lint FILE.json`, the form (saved
    steps and typed values) and the import (through `findings`, the same for a row that validates) all read them here.

    A row that validates is checked as the import would store it (`findings` of its customer). Otherwise its values
    that fail validation are findings too (severity block, rule `input.invalid`), each problem once: a validation
    error a readiness rule restates (RESTATED: a length, a missing policy URL, the sample count …) gets that rule's
    finding alone; another rule's finding on the field (a company suffix, markup) stands beside the error.
    """
    parsed = row_to_models(data, 1)
    if not isinstance(parsed, list):
        return findings(Customer(key=parsed.key or "", profile=parsed.profile, bundle=parsed.bundle,
                                 campaign=parsed.campaign), ctx)
    text = {k: "" if v is None else str(v).lower() if isinstance(v, bool) else str(v)
            for k, v in data.items() if k in COLUMNS}
    found = check(text, ctx)
    restated = {(kind, where or f.field) for f in found for kind, where in RESTATED.get(f.rule, ())}
    invalid = [Finding("input.invalid", "block", e.field, e.message, None) for e in parsed
               if (e.kind, e.field) not in restated]
    return invalid + found


def trial(data: Mapping[str, object]) -> Customer:
    """The customer a row would make (no key; empty where the row does not validate), for the checks' counts."""
    parsed = row_to_models(data, 1)
    if isinstance(parsed, list):
        return Customer(key="")
    return Customer(key="", profile=parsed.profile, bundle=parsed.bundle, campaign=parsed.campaign)
