"""What the engine knows of a customer's Twilio resources: SIDs, statuses, evaluations, errors, OTP, fees."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from pydantic import BaseModel, Field


class Problem(BaseModel):
    """A failed requirement or an error Twilio reported, tied to the input field it concerns when known."""

    code: int | None = None
    message: str
    field: str | None = None


class Evaluation(BaseModel):
    sid: str
    status: str
    problems: list[Problem] = Field(default_factory=list)
    inputs_hash: str


class Charge(BaseModel):
    """One billable call in the fee ledger."""

    what: str
    amount: float
    at: str
    item: str | None = None
    """What was billed ("brand", "campaign_vetting"); None in ledgers written before it was recorded."""


class Stop(BaseModel):
    """A monthly fee that stopped (offboarding): what, how much a month, when."""

    item: str
    """"campaign_monthly" or "number_monthly"."""
    monthly: float
    at: str


class FlowState(BaseModel):
    """The engine's half of a customer record (the operator's inputs are the other half)."""

    sids: dict[str, str] = Field(default_factory=dict)
    applied: dict[str, str] = Field(default_factory=dict)
    """Hash of the values last sent to each resource, to know when an update is due."""
    statuses: dict[str, str] = Field(default_factory=dict)
    evaluations: dict[str, Evaluation] = Field(default_factory=dict)
    submitted: dict[str, str] = Field(default_factory=dict)
    """Hash of the step's inputs when the step was last submitted (profile, bundle, brand, campaign)."""
    problems: dict[str, list[Problem]] = Field(default_factory=dict)
    """Asynchronous rejections Twilio reported per resource (profile, bundle, brand, campaign)."""
    last_error: Problem | None = None
    last_error_action: str | None = None
    otp_sent_at: str | None = None
    number: str | None = None
    """The campaign's phone number (E.164), once bought or found on the account."""
    otp_resends: int = 0
    brand_resubmits: int = 0
    ledger: list[Charge] = Field(default_factory=list)
    offboarding: str | None = None
    """When offboarding started (its deletions may not all be done yet)."""
    offboarded_at: str | None = None
    """When offboarding finished: the customer's campaign and Messaging Service are deleted."""
    stopped: list[Stop] = Field(default_factory=list)
    """Monthly fees that stopped when the customer was offboarded."""
    strays: list[str] = Field(default_factory=list)
    """SIDs of the customer's duplicates at Twilio that it does not use (a Messaging Service left without the brand's
    campaign, a number bought for it): found by flow.holdings, removed by `reconcile` (flow.strays)."""

    def paid(self, item: str | None = None) -> float:
        """Fees paid for this customer, in dollars (only for `item`, e.g. "brand", when given)."""
        return round(sum(c.amount for c in self.ledger if item is None or c.item == item
                         or (c.item is None and item in c.what)), 2)


def monthly_items(state: FlowState) -> list[str]:
    """What Twilio bills every month for the customer's resources: its campaign and its number."""
    if state.offboarded_at:
        return []
    return [item for item, slot in (("campaign_monthly", "campaign"), ("number_monthly", "phone_number"))
            if state.sids.get(slot)]


def digest(value: Any) -> str:
    """A stable short hash of JSON-able values."""
    return hashlib.sha256(json.dumps(value, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16]
