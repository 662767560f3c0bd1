"""What the next advance may cost, found by planning before anything is sent (so the operator can say no).

One advance runs every action it can: submitting step 2 goes straight on to register the brand ($4.50), and a
brand the customer just verified goes straight on to the campaign ($15 vetting). So the look-ahead covers the
whole run, not just the next call. The fees are the planner's (each billable action's `charge`), which is also
what the engine holds back when it does free work only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace

from wizard.customer.customer import Customer
from wizard.customer.fees import Fee
from wizard.customer.models import buys_number
from wizard.flow.actions import Action
from wizard.flow.engine import Engine
from wizard.flow.plan import brand_read_action, plan
from wizard.flow.status import ALL_FRESH, stage_of

VERIFIED = ("VERIFIED", "VETTED_VERIFIED")


def fees_ahead(engine: Engine, c: Customer) -> list[Fee]:
    """The fees an advance of `c` would pay, judged from the statuses as last read: the next call's (certain), and
    those the same run goes on to when Twilio's checks on the way pass."""
    step = plan(c, engine.context(c, set(ALL_FRESH)))
    if not isinstance(step, Action):
        return []
    later: list[str] = []
    stage, sids = stage_of(step), c.state.sids
    if stage in (1, 2) and c.bundle is not None and not sids.get("brand"):
        later.append("brand")
    if stage == 4 and c.campaign is not None:
        if buys_number(c.campaign.phone_number) and not sids.get("phone_number"):
            later.append("number_monthly")
        if not sids.get("campaign"):
            later.append("campaign_vetting")
    items = [step.charge, *(i for i in later if i != step.charge)] if step.charge else later
    return [engine.prices.fee(i, certain=i == step.charge) for i in items]


def may_change_on_read(c: Customer) -> bool:
    """A read could open the way to a fee: the brand may have been approved and the customer may have replied YES
    since the brand was last read (a FAILED brand waits for a fix)."""
    st = c.state.statuses
    return (c.campaign is not None and bool(c.campaign.phone_number) and not c.state.sids.get("campaign")
            and bool(c.state.sids.get("brand")) and st.get("brand") != "FAILED" and st.get("identity") not in VERIFIED)


async def fees_ahead_fresh(engine: Engine, key: str) -> list[Fee]:
    """fees_ahead, after reading the statuses first when the last read may be out of date."""
    c = engine.load(key)
    if may_change_on_read(c):
        await engine.refresh(key)
        c = engine.load(key)
    step = plan(c, engine.context(c, set(ALL_FRESH)))
    if isinstance(step, Action) and step.name == "campaign.number_lookup":  # a typed number is checked first
        c = await engine.read(key, step)
    return fees_ahead(engine, c)


async def fees_ahead_many(engine: Engine, keys: Iterable[str], on_each: Callable[[], None] | None = None
                          ) -> dict[str, list[Fee]]:
    """fees_ahead of many customers, each judged as if its brand had been read just now: the brands come from
    Twilio's brand list (1,000 a page, read once and only when some brand may have moved), never from a read per
    customer. The account's numbers are read first, as an advance reads them (a brand for a mobile that is one of
    them is blocked). Nothing is saved. Only the customers with a fee ahead are in the answer; `on_each` is told as
    each customer is done."""
    await engine.load_own_numbers()
    brands: dict[str, dict] | None = None
    ahead: dict[str, list[Fee]] = {}
    for key in keys:
        c = engine.load(key)
        if may_change_on_read(c):
            brands = brands if brands is not None else await engine.index("list_brand_registrations")
            sid = c.state.sids["brand"]
            if (body := brands.get(sid)) is not None:
                c = replace(c, state=c.state.model_copy(deep=True))
                brand_read_action(sid).apply(c.state, body)
        if fees := fees_ahead(engine, c):
            ahead[key] = fees
        if on_each:
            on_each()
    return ahead
