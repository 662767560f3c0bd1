"""Each of the four steps' state (the stepper's words), from the customer's statuses, problems and what the
planner says it waits for, at one moment (a passcode lapses)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from wizard.customer import stages
from wizard.customer.customer import Customer
from wizard.flow.plan import STARTER_PROFILE, TRUST_PRODUCT
from wizard.twilio.facts import otp_deadline

StepState = Literal["not_started", "in_progress", "twilio", "customer", "fix", "done", "offboarded"]

STATE_WORDS: dict[str, str] = {
    "not_started": "not started", "in_progress": "in progress", "twilio": "waiting on Twilio",
    "customer": "waiting on the customer", "fix": "needs a fix", "done": "done", "offboarded": "offboarded",
}
VERIFIED = ("VERIFIED", "VETTED_VERIFIED")
PROFILE_INPUTS = frozenset(STARTER_PROFILE.fields.values()) | {"street2", "city", "region", "postal_code", "country"}
BUNDLE_INPUTS = frozenset(TRUST_PRODUCT.fields.values())


def step_states(c: Customer, stage: int, kind: str, now: datetime) -> dict[int, StepState]:
    """The state of each step, given where the planner says the customer stands (`stage`, `kind`) at `now`.
    An offboarded customer's steps are all offboarded (advance onboards it again)."""
    if c.state.offboarded_at:
        return dict.fromkeys((1, 2, 3, 4), "offboarded")
    states: dict[int, StepState] = {
        1: _trust_hub(c, "profile", c.profile is not None),
        2: _trust_hub(c, "bundle", c.bundle is not None),
        3: _brand(c, now),
        4: _campaign(c),
    }
    if kind in ("fix", "otp") and stage in states and states[stage] != "done":
        states[stage] = "customer" if kind == "otp" and not otp_lapsed(c, now) else "fix"
    for problem in c.state.problems.get("brand", []):  # a failed brand is fixed in the step holding the field
        if problem.field in PROFILE_INPUTS:
            states[1] = "fix"
        elif problem.field in BUNDLE_INPUTS:
            states[2] = "fix"
    return states


def _failed_here(c: Customer, step: str) -> bool:
    return bool(c.state.last_error and (c.state.last_error_action or "").startswith(f"{step}."))


def _trust_hub(c: Customer, step: str, has_inputs: bool) -> StepState:
    if not has_inputs:
        return "in_progress" if c.drafts.get(step) else "not_started"
    status = c.state.statuses.get(step) or ""
    evaluation = c.state.evaluations.get(step)
    if status == "twilio-rejected" or _failed_here(c, step):
        return "fix"
    if status in ("", "draft") and evaluation and evaluation.status not in ("compliant", ""):
        return "fix"
    if status == "twilio-approved":
        return "done"
    if status in ("pending-review", "in-review"):
        return "twilio"
    return "in_progress"


def _brand(c: Customer, now: datetime) -> StepState:
    st = c.state.statuses
    if _failed_here(c, "brand"):
        return "fix"
    if not c.state.sids.get("brand"):
        return "not_started"
    status, identity = st.get("brand", ""), st.get("identity", "")
    if status == "APPROVED":
        if identity in VERIFIED:
            return "done"
        return "fix" if otp_lapsed(c, now) else "customer"
    if status in ("PENDING", "IN_REVIEW", ""):
        return "twilio"
    return "fix"


def _campaign(c: Customer) -> StepState:
    status = c.state.statuses.get("campaign", "")
    if c.campaign is None:
        return "in_progress" if c.drafts.get("campaign") else "not_started"
    if status in ("FAILED", "SUSPENDED") or _failed_here(c, "campaign") or "phone_number" in c.state.problems:
        return "fix"
    if status == "VERIFIED":
        return "done"
    if c.state.sids.get("campaign"):
        return "twilio"
    return "in_progress"


def otp_pending(c: Customer) -> bool:
    """The brand waits for the customer's YES (APPROVED, identity UNVERIFIED)."""
    st = c.state.statuses
    return st.get("brand") == "APPROVED" and st.get("identity") == "UNVERIFIED"


def otp_lapsed(c: Customer, now: datetime) -> bool:
    """The awaited passcode has lapsed at `now` (stages.otp_lapsed: the planner's and the list's test)."""
    return otp_pending(c) and stages.otp_lapsed(otp_deadline(c.state.otp_sent_at), now)
