"""A customer's progress as the Customer screen shows it: each step's state, problems with what to do, the
journal as a timeline, and the one-time-passcode window. Plain data; no formatting for one medium only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from storage.customers import JournalEntry
from wizard.customer.customer import Customer
from wizard.customer.playbooks import playbook
from wizard.customer.rules import policy_url_missing, sample_in_question
from wizard.customer.stages import STEP_NAMES
from wizard.customer.state import Problem
from wizard.flow.plan import BRAND_STOPPED, PICK_NUMBER, STARTER_PROFILE, TRUST_PRODUCT
from wizard.flow.status import ACTION_WORDS, Summary
from wizard.twilio.facts import FREE_BRAND_RESUBMITS, OTP_SENDER, otp_deadline

StepState = Literal["not_started", "in_progress", "twilio", "customer", "fix", "done", "offboarded"]

STATE_WORDS: dict[str, str] = {
    "not_started": "not started", "in_progress": "in progress", "twilio": "waiting on Twilio",
    "customer": "waiting on the customer", "fix": "needs a fix", "done": "done", "offboarded": "offboarded",
}
VERIFIED = ("VERIFIED", "VETTED_VERIFIED")
PROFILE_INPUTS = frozenset(STARTER_PROFILE.fields.values()) | {"street2", "city", "region", "postal_code", "country"}
BUNDLE_INPUTS = frozenset(TRUST_PRODUCT.fields.values())
_STEP_OF_RESOURCE = {"profile": 1, "bundle": 2, "brand": 3, "campaign": 4, "phone_number": 4}


def step_states(c: Customer, summary: Summary, now: datetime) -> dict[int, StepState]:
    """The state of each of the four steps, from the statuses, problems and the planner's summary."""
    states: dict[int, StepState] = {
        1: _trust_hub(c, "profile", c.profile is not None),
        2: _trust_hub(c, "bundle", c.bundle is not None),
        3: _brand(c, now),
        4: _campaign(c),
    }
    if summary.kind in ("fix", "otp") and summary.stage in states and states[summary.stage] != "done":
        lapsed = summary.kind == "otp" and not otp_lapsed(c, now)
        states[summary.stage] = "customer" if lapsed else "fix"
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
    if c.state.offboarded_at:  # what it held at Twilio was deleted (the journal says what)
        return "offboarded"
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


# -- problems ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Issue:
    """Something wrong with a customer, in plain words, with what to do about it."""

    step: int
    text: str
    todo: str
    field: str | None = None
    code: int | None = None


def issues(c: Customer, now: datetime | None) -> list[Issue]:
    """Every current problem: the last refused call, failed requirements, Twilio's rejections, and (given the
    time) a lapsed OTP."""
    found: list[Issue] = []
    error, action = c.state.last_error, c.state.last_error_action
    if error and action:
        step = _STEP_OF_RESOURCE.get(action.split(".", 1)[0], 1)
        found.append(_issue(step, error, f"Twilio refused to {ACTION_WORDS.get(action, action)}",
                            "Correct the details if the message names one, then advance to try again."))
    for resource, step in (("profile", 1), ("bundle", 2)):
        evaluation = c.state.evaluations.get(resource)
        if evaluation and evaluation.status not in ("compliant", "") and c.state.statuses.get(resource) in (
            None, "", "draft", "twilio-rejected"
        ):
            for p in evaluation.problems:
                found.append(_issue(step, p, "Not compliant", _RECHECK))
    for resource, problems in c.state.problems.items():
        step = _STEP_OF_RESOURCE.get(resource, 1)
        for p in problems:
            if resource == "brand" and p.field in PROFILE_INPUTS | BUNDLE_INPUTS:
                where = 1 if p.field in PROFILE_INPUTS else 2
                todo = (f"Correct the field in step {where} ({STEP_NAMES[where]}) and save: the brand is then "
                        "resubmitted.")
                found.append(_issue(step, p, _REJECTED[resource], todo, specific=True))
            else:
                found.append(_issue(step, p, _REJECTED.get(resource, "Rejected"), _TODO.get(resource, "")))
    if now is not None and otp_lapsed(c, now):
        found.append(Issue(3, "The one-time passcode lapsed: the customer did not reply YES within 24 hours.",
                           "Resend the passcode (o) and ask the customer to reply YES to the new text."))
    return found


_RECHECK = ("Correct the field and save (ctrl+s): Twilio checks it again, and the same resources are "
            "updated, not created anew.")


_REJECTED = {"profile": "Starter profile rejected", "bundle": "Bundle rejected", "brand": "Brand FAILED",
             "campaign": "Campaign FAILED", "phone_number": "Phone number refused"}
_TODO = {
    "profile": "Correct the details and save (ctrl+s): the profile is submitted again.",
    "bundle": "Correct the details and save (ctrl+s): the bundle is submitted again.",
    "brand": "Correct the details in steps 1–2 and save: the brand is then resubmitted.",
    "campaign": "Change the campaign and save (ctrl+s): it is resubmitted ($15 vetting).",
    "phone_number": "Pick one of the account's numbers, then save (ctrl+s).",
}


def _issue(step: int, problem: Problem, what: str, todo: str, *, specific: bool = False) -> Issue:
    """The problem in plain words; Twilio's playbook for its code says what to do, unless `specific`."""
    pb = playbook(problem.code) if problem.code else None
    message = " ".join(problem.message.split())
    if pb is None:
        code = f" ({problem.code})" if problem.code else ""
        return Issue(step, f"{what}{code}: {message}", todo, problem.field, problem.code)
    redo = f" Redo step {pb.redo_step}." if pb.redo_step else ""
    todo = todo if specific and todo else f"{pb.fix}{redo}"
    return Issue(step, f"{what}: {pb.code} {pb.title} — {message}", f"{todo} Fee: {pb.fee}.", problem.field,
                 problem.code)


def field_problems(c: Customer, step: int) -> dict[str, str]:
    """Twilio's problems that concern one field of the step's form, by field name, and what the flow waits for
    in the form (a saved campaign without its phone number or policy URLs)."""
    found = {_form_field(c, i.field): i.text for i in issues(c, None) if i.field and _field_step(i.field, step)}
    return _missing(c) | found if step == 4 else found


def _form_field(c: Customer, name: str) -> str:
    """The form field a problem is shown under: one about the samples as a whole goes under the sample it most
    likely concerns."""
    return sample_in_question(c.campaign.samples) if name == "samples" and c.campaign else name


def _missing(c: Customer) -> dict[str, str]:
    """The inputs a saved campaign still lacks before it can be sent, by field name (in the words of the readiness
    rules and of the flow's wait)."""
    k = c.campaign
    if k is None:
        return {}
    found = {name: policy_url_missing(name) for name in ("privacy_policy_url", "terms_url") if not getattr(k, name)}
    return found | ({"phone_number": PICK_NUMBER} if not k.phone_number else {})


def _field_step(name: str, step: int) -> bool:
    if step == 1:
        return name in PROFILE_INPUTS
    if step == 2:
        return name in BUNDLE_INPUTS
    return step == 4 and name not in PROFILE_INPUTS | BUNDLE_INPUTS


# -- timeline ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TimelineEntry:
    day: str  # "2026-11-20" (UTC)
    time: str  # "15:04" (UTC)
    what: str  # the action in plain words
    state: str  # sent | done | failed | told (Twilio told us: a callback or event)
    detail: str  # the SID made or read, or the error in plain words


def timeline(entries: list[JournalEntry]) -> list[TimelineEntry]:
    """The journal in plain words, newest first."""
    out = []
    for e in reversed(entries):
        if e.method == "EVENT":  # a callback or event Twilio sent (wizard.events): what it said
            day, _, time = e.started_at.partition("T")
            pb = playbook(e.error_code) if e.error_code else None
            out.append(TimelineEntry(day, time[:5], f"Twilio told us: {e.error_message or e.action}", "told",
                                     f"{e.error_code} {pb.title}" if pb else e.sid or ""))
            continue
        if e.state == "failed":
            pb = playbook(e.error_code) if e.error_code else None
            message = " ".join((e.error_message or "").split())
            detail = f"{e.error_code} {pb.title}: {message}" if pb else " ".join(
                part for part in (str(e.error_code or ""), message) if part)
        elif e.state == "done":
            detail = e.sid or ""
        else:
            detail = "sent; the answer is not known yet (checked before anything is sent again)"
        day, _, time = e.started_at.partition("T")
        out.append(TimelineEntry(day, time[:5], ACTION_WORDS.get(e.action, e.action), e.state, detail))
    return out


# -- one-time passcode ------------------------------------------------------------------------------------


def otp_pending(c: Customer) -> bool:
    """The brand waits for the customer's YES (APPROVED, identity UNVERIFIED)."""
    st = c.state.statuses
    return st.get("brand") == "APPROVED" and st.get("identity") == "UNVERIFIED"


def otp_lapsed(c: Customer, now: datetime) -> bool:
    deadline = otp_deadline(c.state.otp_sent_at)
    return otp_pending(c) and deadline is not None and now >= deadline


def customer_message(c: Customer) -> str:
    """What the operator can send the customer so they expect the passcode text and answer it."""
    brand = c.brand_name or c.name
    return (f"You'll get a text from {OTP_SENDER} asking you to confirm your brand {brand} for text "
            "messaging. Please reply YES within 24 hours.")


# -- brand and side panel ---------------------------------------------------------------------------------


def brand_words(c: Customer) -> str:
    """Where the brand stands and what to do, in a sentence or two."""
    st = c.state.statuses
    status, identity = st.get("brand", ""), st.get("identity", "")
    if not c.state.sids.get("brand"):
        return ("The brand is registered right after steps 1 and 2 are submitted (a fee you confirm first). "
                "Twilio then reviews it, and texts the customer a passcode.")
    if status in ("PENDING", "IN_REVIEW", ""):
        return "Twilio is reviewing the brand; this usually takes minutes. Refresh (r) to check."
    if status == "FAILED":
        return ("The brand FAILED (see the problems above). Correct the details in step 1 or 2 and save: "
                f"the brand is resubmitted, free up to {FREE_BRAND_RESUBMITS} times.")
    if status == "APPROVED" and identity in VERIFIED:
        return "✓ The customer confirmed the brand by replying YES. Go on with the campaign (step 4)."
    if otp_pending(c):
        return ("The brand is approved. Twilio texted the customer's mobile a passcode; they must reply YES "
                "within 24 hours. If they lose the text or the time runs out, resend it (o).")
    return BRAND_STOPPED.get(status) or f"The brand is {status}/{identity or '-'}: refresh later (r)."


def brand_facts(c: Customer) -> list[tuple[str, str]]:
    st, paid = c.state.statuses, c.state.paid("brand")
    facts = [
        ("Brand name", c.brand_name or "—"),
        ("Brand status", st.get("brand") or "not registered"),
        ("Identity", st.get("identity") or "—"),
        ("Brand SID", c.state.sids.get("brand") or "—"),
        ("Fee paid", f"${paid:,.2f}" if paid else "—"),
    ]
    if c.state.brand_resubmits:
        facts.append(("Resubmitted", f"{c.state.brand_resubmits} of {FREE_BRAND_RESUBMITS} free times"))
    return facts


SID_LABELS = {
    "profile": "Profile", "profile_end_user": "End user", "address": "Address", "address_document": "Document",
    "bundle": "Bundle", "bundle_end_user": "Bundle user", "brand": "Brand", "service": "Service",
    "phone_number": "Number", "campaign": "Campaign",
}


def status_facts(c: Customer) -> list[tuple[str, str]]:
    st = c.state.statuses
    brand = "/".join(s for s in (st.get("brand"), st.get("identity")) if s)
    return [("Profile", st.get("profile") or "—"), ("Bundle", st.get("bundle") or "—"), ("Brand", brand or "—"),
            ("Campaign", st.get("campaign") or "—"), ("Fees paid", f"${c.state.paid():,.2f}")]


def sid_facts(c: Customer) -> list[tuple[str, str]]:
    return [(label, c.state.sids[slot]) for slot, label in SID_LABELS.items() if c.state.sids.get(slot)]
