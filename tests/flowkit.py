"""Helpers to drive customers through the flow against the sandbox in tests."""

from __future__ import annotations

from datetime import timedelta

from wizard.customer.record import Customer
from wizard.session.runtime import Runtime

CREATES = {
    "customer_profiles": 1, "trust_products": 1, "end_users": 2, "addresses": 1, "supporting_documents": 1,
    "brand_registrations": 1, "messaging_services": 1, "campaigns": 1,
}
"""How many resources of each kind one customer owns in the sandbox at the end."""


async def drive(rt: Runtime, key: str, *, rounds: int = 12) -> Customer:
    """Advance, move the sandbox clock and answer the OTP until the customer is done (or stuck)."""
    assert rt.sandbox is not None
    for _ in range(rounds):
        report = await rt.engine.advance(key)
        assert report.error is None, report.error
        c = rt.engine.load(key)
        summary = rt.engine.summary(c)
        if summary.done:
            return c
        if summary.kind == "customer":
            rt.sandbox.reply_yes(c.state.sids["brand"])
        elif summary.kind in ("fix", "operator", "otp"):
            return c
        rt.sandbox.advance_clock(timedelta(hours=3))
    return rt.engine.load(key)


def owned(rt: Runtime, key: str) -> dict[str, int]:
    """How many sandbox resources of each kind carry this customer's SIDs or friendly names."""
    assert rt.sandbox is not None
    c = rt.engine.load(key)
    sids = set(c.state.sids.values())
    dump = rt.sandbox.dump()
    counts = {}
    for kind in CREATES:
        items = dump[kind]
        if kind == "campaigns":
            counts[kind] = sum(1 for i in items if i.get("messaging_service_sid") == c.state.sids.get("service"))
        elif kind == "brand_registrations":
            counts[kind] = sum(1 for i in items if i.get("customer_profile_bundle_sid") == c.state.sids.get("profile"))
        else:
            counts[kind] = sum(1 for i in items if f"a2p:{key}:" in (i.get("friendly_name") or "")
                               or i.get("sid") in sids)
    return counts
