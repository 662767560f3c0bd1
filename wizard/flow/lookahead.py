"""What the next advance may cost, found by planning before anything is sent (so the operator can say no).

One advance runs every action it can: submitting step 2 goes straight on to register the brand ($4), and a
brand the customer just verified goes straight on to the campaign ($15 vetting). So the look-ahead covers the
whole run, not just the next call.
"""

from __future__ import annotations

from dataclasses import dataclass

from wizard.customer.record import Customer
from wizard.flow.actions import Action
from wizard.flow.engine import Engine
from wizard.flow.plan import plan
from wizard.flow.status import ALL_FRESH, stage_of

WHAT = {"brand": "brand registration", "campaign_vetting": "campaign vetting"}
VERIFIED = ("VERIFIED", "VETTED_VERIFIED")


@dataclass(frozen=True)
class Fee:
    what: str  # "brand registration", "campaign vetting"
    amount: float
    certain: bool  # False: only if Twilio's checks on the way pass


def fees_ahead(engine: Engine, c: Customer) -> list[Fee]:
    """The fees an advance of `c` would pay, judged from the statuses as last read."""
    step = plan(c, engine.context(c, set(ALL_FRESH)))
    if not isinstance(step, Action):
        return []
    prices = {"brand": engine.prices.brand, "campaign_vetting": engine.prices.campaign_vetting}
    if step.charge:
        return [Fee(WHAT[step.charge], prices[step.charge], True)]
    stage, sids = stage_of(step), c.state.sids
    if stage in (1, 2) and c.bundle is not None and not sids.get("brand"):
        return [Fee(WHAT["brand"], prices["brand"], False)]
    if stage == 4 and c.campaign is not None and not sids.get("campaign"):
        return [Fee(WHAT["campaign_vetting"], prices["campaign_vetting"], False)]
    return []


def may_change_on_read(c: Customer) -> bool:
    """A read could open the way to a fee: the customer may have replied YES since the brand was last read."""
    st = c.state.statuses
    return (c.campaign is not None and bool(c.campaign.phone_number) and not c.state.sids.get("campaign")
            and st.get("brand") == "APPROVED" and st.get("identity") not in VERIFIED)


async def fees_ahead_fresh(engine: Engine, key: str) -> list[Fee]:
    """fees_ahead, after reading the statuses first when the last read may be out of date."""
    c = engine.load(key)
    if may_change_on_read(c):
        await engine.refresh(key)
        c = engine.load(key)
    return fees_ahead(engine, c)


def describe_fees(fees: list[Fee]) -> str:
    """One line per fee, e.g. "• $4.00 brand registration (once Twilio's checks before it pass)"."""
    return "\n".join(
        f"• ${fee.amount:,.2f} {fee.what}" + ("" if fee.certain else " (once Twilio's checks before it pass)")
        for fee in fees
    )
