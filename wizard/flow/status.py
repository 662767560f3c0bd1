"""A customer's stage, Twilio status and next action in plain words, derived without any call."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from wizard.customer.customer import Customer
from wizard.customer.stages import ATTENTION
from wizard.flow.actions import Action
from wizard.flow.plan import Context, plan
from wizard.twilio import facts as C
from wizard.twilio.facts import otp_deadline

ALL_FRESH = frozenset({"profile", "bundle", "brand", "campaign"})
STAGE_OF = {"profile": 1, "bundle": 2, "brand": 3, "campaign": 4, "offboard": 4}


@dataclass(frozen=True)
class Summary:
    """What the list shows of a customer."""

    stage: int
    step_status: str
    next_action: str
    kind: str
    done: bool
    attention: int

    def columns(self) -> dict[str, Any]:
        return {"stage": self.stage, "step_status": self.step_status, "next_action": self.next_action,
                "attention": self.attention, "done": int(self.done)}


def stage_of(action: Action) -> int:
    return STAGE_OF[action.name.split(".", 1)[0]]


def step_status(c: Customer, stage: int) -> str:
    """Twilio's status of the current step's resource, e.g. `in-review`, `APPROVED/UNVERIFIED`, `VERIFIED`."""
    st = c.state.statuses
    if stage in (1, 2):
        step = "profile" if stage == 1 else "bundle"
        evaluation = c.state.evaluations.get(step)
        if st.get(step) and st[step] != "draft":
            return st[step]
        if evaluation:
            return evaluation.status
        return st.get(step) or "not started"
    if stage == 3:
        if not st.get("brand"):
            return "not started"
        return f"{st['brand']}/{st['identity']}" if st.get("identity") else st["brand"]
    return st.get("campaign") or "not started"


def summarize(c: Customer, ctx: Context) -> Summary:
    """Plan with every status taken as fresh: an Action means "ready to advance", a Wait says what for."""
    quiet = Context(**{**ctx.__dict__, "fresh": set(ALL_FRESH)})
    step = plan(c, quiet)
    if isinstance(step, Action):
        stage = stage_of(step)
        error = c.state.last_error if c.state.last_error_action == step.name else None
        if error:
            message = f"Twilio refused the last call ({error.code or 'no code'}: {error.message}); advance to retry."
            kind = "fix"
        else:
            message = f"Ready to {describe(step)}."
            kind = "ready"
    else:
        stage, message, kind = step.stage, step.message, step.kind
        if kind == "fix" and "lapsed" in message:
            kind = "otp"
    if kind == "customer" and _otp_hours_left(c, ctx.now) < C.OTP_URGENT_HOURS:
        kind = "otp"
    status = "offboarded" if c.state.offboarded_at else step_status(c, stage)
    return Summary(stage, status, message, kind, kind == "done", ATTENTION[kind])


def _otp_hours_left(c: Customer, now: datetime) -> float:
    deadline = otp_deadline(c.state.otp_sent_at)
    return (deadline - now).total_seconds() / 3600 if deadline else 24.0


def describe(action: Action) -> str:
    """An action in plain words."""
    return ACTION_WORDS.get(action.name, action.name)


ACTION_WORDS = {
    "profile.create": "create the starter profile",
    "profile.end_user": "add the customer's details to the profile",
    "profile.address": "create the address",
    "profile.document": "attach the address document",
    "profile.assign_profile_end_user": "assign the customer's details to the profile",
    "profile.assign_address_document": "assign the address to the profile",
    "profile.assign_primary": "link the profile to your primary profile",
    "profile.update_end_user": "send the corrected customer details",
    "profile.update_address": "send the corrected address",
    "profile.update": "update the profile's email",
    "profile.evaluate": "check the profile against Twilio's policy",
    "profile.submit": "submit the starter profile for review",
    "profile.read": "read the profile's review status",
    "bundle.create": "create the sole-proprietor bundle",
    "bundle.end_user": "add the brand and mobile number",
    "bundle.assign_end_user": "assign the brand details to the bundle",
    "bundle.assign_profile": "link the bundle to the starter profile",
    "bundle.update_end_user": "send the corrected brand details",
    "bundle.update": "update the bundle's email",
    "bundle.evaluate": "check the bundle against Twilio's policy",
    "bundle.submit": "submit the bundle for review",
    "bundle.read": "read the bundle's review status",
    "brand.create": "register the brand",
    "brand.read": "read the brand status",
    "brand.resubmit": "resubmit the brand",
    "brand.otp_resend": "resend the one-time passcode",
    "campaign.service": "create the Messaging Service",
    "campaign.number_lookup": "look up the phone number",
    "campaign.buy_number": "buy a phone number for the customer",
    "campaign.add_number": "add the phone number to the service",
    "campaign.create": "submit the campaign for vetting",
    "campaign.read": "read the campaign status",
    "campaign.update": "resubmit the corrected campaign for vetting",
    "offboard.campaign": "delete the campaign",
    "offboard.release_number": "release the phone number",
    "offboard.remove_number": "take the phone number out of the Messaging Service",
    "offboard.service": "delete the Messaging Service",
    "reconcile.delete_service": "delete the duplicate Messaging Service",
    "reconcile.release_number": "release the phone number bought for the duplicate",
}
