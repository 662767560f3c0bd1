"""What the next advance may cost, found by planning before anything is sent (so the operator can say no).

One advance runs every action it can: submitting step 2 goes straight on to register the brand ($4.50), and a
brand the customer just verified goes straight on to the campaign ($15 vetting). So the look-ahead covers the
whole run, not just the next call.
"""

from __future__ import annotations

from wizard.customer.fees import WHAT, Fee
from wizard.customer.record import Customer
from wizard.flow.actions import Action
from wizard.flow.engine import Engine
from wizard.flow.plan import plan
from wizard.flow.status import ALL_FRESH, stage_of

VERIFIED = ("VERIFIED", "VETTED_VERIFIED")


def fees_ahead(engine: Engine, c: Customer) -> list[Fee]:
    """The fees an advance of `c` would pay, judged from the statuses as last read."""
    step = plan(c, engine.context(c, set(ALL_FRESH)))
    if not isinstance(step, Action):
        return []
    prices = engine.prices
    if step.charge:
        return [Fee(WHAT[step.charge], prices.of(step.charge), True)]
    stage, sids = stage_of(step), c.state.sids
    if stage in (1, 2) and c.bundle is not None and not sids.get("brand"):
        return [Fee(WHAT["brand"], prices.brand, False)]
    if stage == 4 and c.campaign is not None and not sids.get("campaign"):
        return [Fee(WHAT["campaign_vetting"], prices.campaign_vetting, False)]
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
