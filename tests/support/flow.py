"""One drive loop for the flow tests: advance a customer the way an operator would, against a sandbox; and the
scenarios (a customer's inputs and the fix made when the flow asks for one) that cover every action of the flow.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from tests.support import factories as f
from wizard.customer.customer import Customer
from wizard.desk import Desk
from wizard.session.runtime import Runtime

CANNABIS = ["Zoë's Dog Walking: cannabis treats for Rex are in. Reply STOP to opt out.",
            "Zoë's Dog Walking: Rex had a great walk today! Reply STOP to opt out."]


@dataclass(frozen=True)
class Scenario:
    """One customer's way through the flow: starting inputs, the fix made when the flow asks for one."""

    name: str
    profile: dict[str, Any] = field(default_factory=dict)
    bundle: dict[str, Any] = field(default_factory=dict)
    campaign: dict[str, Any] = field(default_factory=dict)
    fix: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Step -> the factory's inputs with these overrides, saved when the flow first waits for a fix."""
    lapse_otp: bool = False


HAPPY = Scenario("happy")
SCENARIOS = (
    HAPPY,
    Scenario("noncompliant-address", profile={"street": "1 Noncompliant Way"}, fix={"profile": {}}),
    Scenario("failed-brand", bundle={"brand_name": "Failsafe Zoë"},
             fix={"profile": {"email": "zoe.lefevre@example.com"}, "bundle": {}}),
    Scenario("failed-campaign", campaign={"samples": CANNABIS}, fix={"campaign": {}}),
    Scenario("lapsed-otp", lapse_otp=True),
    Scenario("bought-number", campaign={"phone_number": "buy"}),
)

CREATES = {
    "customer_profiles": 1, "trust_products": 1, "end_users": 2, "addresses": 1, "supporting_documents": 1,
    "brand_registrations": 1, "messaging_services": 1, "campaigns": 1,
}
"""How many resources of each kind one customer owns in the sandbox at the end."""


def create(rt: Runtime, scenario: Scenario = HAPPY, key: str | None = None) -> str:
    """A new customer with the scenario's inputs; its key."""
    return Desk(rt).create(f.profile(**scenario.profile), f.bundle(**scenario.bundle),
                          f.campaign(**scenario.campaign), key=key).key


async def drive(rt: Runtime, key: str, scenario: Scenario = HAPPY, *, rounds: int = 16, sandbox: Any = None,
                command: list[str] | None = None, retry_failed: bool = False) -> Customer:
    """Advance like an operator would until the customer is done or waits for a fix nobody makes: answer the
    passcode, make the scenario's fix, let a passcode lapse once when the scenario says so and resend it, and let
    sandbox time pass while Twilio reviews.

    `sandbox` is the served sandbox of a live-mode runtime (default: the runtime's own); `command` (if given)
    holds the command running at each moment ("advance" or "otp resend"); with `retry_failed`, a call refused for
    want of an answer (an injected fault) is simply advanced again, and run errors are allowed.
    """
    sandbox = sandbox or rt.sandbox
    assert sandbox is not None
    command = command if command is not None else ["advance"]
    fixed = lapsed = False
    c = rt.engine.load(key)
    for _ in range(rounds):
        command[:] = ["advance"]
        report = await rt.engine.advance(key)
        assert retry_failed or report.error is None, report.error
        c = rt.engine.load(key)
        summary = rt.engine.summary(c)
        if summary.done:
            return c
        if summary.kind == "fix" and scenario.fix and not fixed:
            for step, values in scenario.fix.items():
                number, make = {"profile": (1, f.profile), "bundle": (2, f.bundle), "campaign": (4, f.campaign)}[step]
                c = Desk(rt).save_step(key, c.version, number, make(**values))
            fixed = True
            continue
        if summary.kind == "customer":
            if scenario.lapse_otp and not lapsed:
                sandbox.advance_clock(timedelta(hours=25))
                lapsed = True
                continue
            sandbox.reply_yes(c.state.sids["brand"])
        elif summary.kind == "otp":
            command[:] = ["otp", "resend"]
            report = await rt.engine.resend_otp(key)
            assert report.error is None, report.error
            continue
        elif summary.kind in ("fix", "operator") and not (retry_failed and c.state.last_error):
            return c
        sandbox.advance_clock(timedelta(hours=3))
    return c


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


async def two_verified(rt: Runtime) -> tuple[str, str]:
    """A customer with a number bought for them and another one on an account number, both verified."""
    keys = []
    for profile, bundle, campaign in ((f.profile(), f.bundle(), f.campaign(phone_number="buy:206")),
                                      (f.canadian_profile(), f.canadian_bundle(), f.canadian_campaign())):
        c = Desk(rt).create(profile, bundle, campaign)
        assert rt.engine.summary(await drive(rt, c.key)).done
        keys.append(c.key)
    return keys[0], keys[1]


def held(dump: dict[str, list[dict[str, Any]]], sids: dict[str, str]) -> dict[str, bool]:
    """Which of a customer's service, campaign and number the sandbox still holds."""
    return {"service": any(s["sid"] == sids["service"] for s in dump["messaging_services"]),
            "campaign": any(c["messaging_service_sid"] == sids["service"] for c in dump["campaigns"]),
            "number": any(n["sid"] == sids["phone_number"] for n in dump["incoming_phone_numbers"])}


async def advanced_to_otp(runtime: Runtime, **campaign: Any) -> str:
    """A customer whose brand is APPROVED and waits for the customer's YES."""
    c = Desk(runtime).create(f.profile(), f.bundle(), f.campaign(**campaign) if campaign else None)
    await runtime.engine.advance(c.key)
    assert runtime.sandbox is not None
    runtime.sandbox.advance_clock(timedelta(minutes=6))
    await runtime.engine.advance(c.key)
    c = runtime.engine.load(c.key)
    assert (c.state.statuses["brand"], c.state.statuses["identity"]) == ("APPROVED", "UNVERIFIED")
    return c.key
