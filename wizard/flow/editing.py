"""Editing a customer's steps in a form: what may still change, and a form's values in the checks' shape.

The rules of what may change follow the planner: Trust Hub resources accept updates before submission, after
a rejection, or when the brand failed; a campaign only before submission or after it FAILED, and then only the
fields Twilio's campaign update takes.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from dataclasses import replace
from typing import Any

from pydantic import ValidationError

from storage.customers import CustomerStore
from wizard.customer.csv_rows import COLUMNS, SAMPLE_COLUMNS, models_to_row
from wizard.customer.customer import STEP_MODELS, Customer
from wizard.customer.models import Campaign
from wizard.customer.readiness import CheckContext, lint_row
from wizard.customer.rules import Finding
from wizard.flow import duplicates
from wizard.flow.plan import CAMPAIGN_UPDATE, editable

STEP_INPUTS = {1: "profile", 2: "bundle", 4: "campaign"}
"""The steps with a form, and the name of their inputs (Customer attribute, draft key)."""


def locked_reason(c: Customer | None, step: int) -> str | None:
    """Why step `step`'s form can't be changed now, or None when it can."""
    if step == 1:
        return _trust_hub_lock(c, "profile", "starter profile") if c else None
    if c is None or c.profile is None:
        return "Save step 1 (the starter profile) first."
    st = c.state.statuses
    if step == 2:
        return _trust_hub_lock(c, "bundle", "sole-proprietor bundle")
    status = st.get("campaign")
    if status == "VERIFIED":
        return "The campaign is verified: the number can send. Nothing here can change any more."
    if c.state.sids.get("campaign") and status != "FAILED":
        return (f"The campaign was submitted to Twilio ({status or 'PENDING'}): it can't be changed now. "
                "If Twilio fails it, you can correct it here and resubmit.")
    return None


def _trust_hub_lock(c: Customer, step: str, label: str) -> str | None:
    if editable(c, step):
        return None
    status = c.state.statuses.get(step)
    return (f"The {label} was submitted to Twilio ({status}): it can't be changed now. "
            "If Twilio rejects it, or the brand fails, you can correct it here.")


def locked_fields(c: Customer | None, step: int) -> dict[str, str]:
    """Fields of an editable form that still can't change, with the reason."""
    if c is None or step != 4:
        return {}
    fixed: dict[str, str] = {}
    if c.state.sids.get("service_number"):
        fixed["phone_number"] = "The number is already in the campaign's Messaging Service."
    if c.state.sids.get("campaign"):
        for name in Campaign.model_fields.keys() - CAMPAIGN_UPDATE.keys() - {"use_case"}:
            fixed.setdefault(name, "Twilio doesn't take changes to this on a submitted campaign.")
    return fixed


def form_row(step: int, values: dict[str, Any]) -> dict[str, str]:
    """A form's values (shaped like its model's input) as CSV columns, the shape the checks read."""
    row: dict[str, str] = {}
    for name, value in values.items():
        if name == "samples":
            row |= {f"sample_{n}": str(text or "") for n, text in enumerate(value, start=1)}
        elif isinstance(value, bool):
            row[name] = "true" if value else "false"
        elif isinstance(value, list | tuple):
            row[name] = ",".join(str(v) for v in value)
        else:
            row[name] = "" if value is None else str(value)
    return row


def form_findings(c: Customer | None, step: int, values: dict[str, Any], *, store: CustomerStore,
                  context: Callable[[Customer], CheckContext]) -> list[Finding]:
    """Approval-readiness findings for the customer as step `step`'s form would make it (saved steps + typed
    values), with `context` giving the checks' view of the account for a customer, and a warning when the typed
    person is already one of `store`'s customers."""
    row = models_to_row(c.key, c.profile, c.bundle, c.campaign) if c and c.profile else dict.fromkeys(COLUMNS, "")
    if step == 4:  # the form holds every sample: drop the saved ones it no longer has
        row |= dict.fromkeys(SAMPLE_COLUMNS, "")
    row |= {k: v for k, v in form_row(step, values).items() if k in COLUMNS}  # the form's fields
    trial = c or Customer(key="")
    name = STEP_INPUTS[step]
    with suppress(ValidationError):  # count registrations with the typed mobile, email, address once valid
        typed: dict[str, Any] = {name: STEP_MODELS[name].model_validate(values)}
        trial = replace(trial, **typed)
    # the lint's findings; a value that does not validate is said under its field by the form itself
    found = [f for f in lint_row(row, context(trial)) if f.rule != "input.invalid"]
    person = duplicates.columns(trial.profile, trial.bundle)
    if step in (1, 2) and (same := duplicates.in_store(store, person, exclude_key=c.key if c else None)):
        found.append(Finding("customer.duplicate", "warn", same.field,
                             f"{same.message} Check before saving: a person registered twice pays twice.", None))
    return found
