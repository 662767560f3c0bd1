"""A customer's stage, Twilio status and next action in plain words, derived without any call."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from wizard.customer.customer import Customer
from wizard.customer.stages import ATTENTION, OTP_LAPSED, otp_urgent
from wizard.flow.actions import Action
from wizard.flow.plan import Context, plan
from wizard.flow.stepstates import STATE_WORDS, step_states
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


def step_status(c: Customer, stage: int, kind: str, now: datetime) -> str:
    """The list's status of the current step: Twilio's status of its resource (`in-review`, `APPROVED/UNVERIFIED`,
    `VERIFIED`, an evaluation's `noncompliant`), else the stepper's words for that step ("in progress"), so the two
    never disagree."""
    if c.state.offboarded_at:
        return STATE_WORDS["offboarded"]
    st = c.state.statuses
    if stage in (1, 2):
        step = "profile" if stage == 1 else "bundle"
        evaluation = c.state.evaluations.get(step)
        if st.get(step) and st[step] != "draft":
            return st[step]
        if evaluation:
            return evaluation.status
    elif stage == 3 and st.get("brand"):
        return f"{st['brand']}/{st['identity']}" if st.get("identity") else st["brand"]
    elif stage == 4 and st.get("campaign"):
        return st["campaign"]
    return STATE_WORDS[step_states(c, stage, kind, now)[stage]]


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
        if kind == "fix" and message == OTP_LAPSED:
            kind = "otp"
    if kind == "customer" and otp_urgent(otp_deadline(c.state.otp_sent_at), ctx.now):
        kind = "otp"
    return Summary(stage, step_status(c, stage, kind, ctx.now), message, kind, kind == "done", ATTENTION[kind])


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
