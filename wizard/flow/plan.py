"""The planner: given a customer, the one next Twilio call to make, or what the customer waits for.

Steps and their calls follow Twilio's sole-proprietor walkthrough (docs/twilio-api.md §2):
1 starter profile, 2 sole-proprietor trust bundle, 3 brand + OTP, 4 Messaging Service + number + campaign.
The planner is pure: it reads the customer and returns an Action or a Wait; the engine runs it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from wizard.customer.customer import Customer
from wizard.customer.models import buys_number
from wizard.customer.stages import OTP_LAPSED, otp_lapsed
from wizard.customer.state import Evaluation, FlowState, Problem, digest
from wizard.flow import finders
from wizard.flow.actions import Action, Body, Step, Wait
from wizard.twilio import facts as C
from wizard.twilio.encoding import Value
from wizard.twilio.facts import otp_deadline

SUBMITTED = ("pending-review", "in-review", "twilio-approved")


@dataclass
class Context:
    """What the planner needs beyond the customer."""

    now: datetime
    primary_profile_sid: str
    mock_brand: bool = False
    fresh: set[str] = field(default_factory=set)
    """Resources whose status was read in this run (read each at most once per run)."""
    blockers: list[tuple[int, str]] = field(default_factory=list)
    """Approval-readiness findings that block submission: (step of the field, plain words)."""
    callback_url: str | None = None
    """Where Twilio tells of a profile's or bundle's review (their StatusCallback); None: polling only."""

    def blocking(self, step: int) -> list[str]:
        """What stops the submission of `step`: blocking findings of that step or an earlier one."""
        return [message for at, message in self.blockers if at <= step]


def friendly(key: str, what: str) -> str:
    """The deterministic friendly name of one of a customer's resources (embeds the key)."""
    return f"a2p:{key}:{what}"


def service_name(key: str, label: str) -> str:
    """The Messaging Service's friendly name: the operator's label, then the key (Twilio allows 64 chars)."""
    suffix = f" · {friendly(key, 'service')}"
    return label[: 64 - len(suffix)].rstrip() + suffix


def plan(c: Customer, ctx: Context) -> Step:
    """The next call for this customer, or why there is none."""
    if c.state.offboarded_at:
        return Wait(4, "operator", f"Offboarded on {c.state.offboarded_at[:10]}: advance to onboard it again.")
    if c.state.offboarding:
        return Wait(4, "fix", "Offboarding was interrupted: run offboard again to finish it.")
    for step in (_step1, _step2, _step3, _step4):
        result = step(c, ctx)
        if result is not None:
            return result
    return Wait(4, "done", "Done: the campaign is verified and the number can send.")


# -- shared pieces ---------------------------------------------------------------------------------------


def _record_sid(slot: str, *, status: str | None = None) -> Any:
    def apply(state: FlowState, body: Body) -> None:
        state.sids[slot] = body["sid"]
        if status:
            state.statuses[status] = body.get("status") or state.statuses.get(status, "")

    return apply


def _applied(slot: str, values: Any, then: Any = None) -> Any:
    """Mark `values` as what the resource `slot` now holds (after a create or an update)."""

    def apply(state: FlowState, body: Body) -> None:
        if then:
            then(state, body)
        state.applied[slot] = digest(values)

    return apply


def _evaluation(step: str, inputs_hash: str, fields: dict[str, str]) -> Any:
    def apply(state: FlowState, body: Body) -> None:
        state.evaluations[step] = Evaluation(
            sid=body["sid"],
            status=body.get("status", ""),
            problems=_evaluation_problems(body, fields),
            inputs_hash=inputs_hash,
        )

    return apply


def _evaluation_problems(body: Body, fields: dict[str, str]) -> list[Problem]:
    """Failed requirements of an evaluation, mapped onto the form fields they concern."""
    problems = []
    for result in body.get("results") or []:
        if result.get("passed"):
            continue
        invalid = [i for i in result.get("invalid") or [] if not i.get("passed", False)]
        for item in invalid or [result]:
            name = item.get("object_field") or result.get("requirement_name") or ""
            problems.append(Problem(
                code=item.get("error_code") or result.get("error_code"),
                message=item.get("failure_reason") or result.get("failure_reason") or "Requirement not met",
                field=fields.get(name) or fields.get(result.get("requirement_name", "")),
            ))
    return problems


def _submitted(step: str, inputs_hash: str) -> Any:
    def apply(state: FlowState, body: Body) -> None:
        state.statuses[step] = body.get("status") or "pending-review"
        state.submitted[step] = inputs_hash
        state.problems.pop(step, None)

    return apply


def _bundle_read(step: str) -> Any:
    def apply(state: FlowState, body: Body) -> None:
        state.statuses[step] = body.get("status") or ""
        errors = body.get("errors") or []
        if state.statuses[step] == "twilio-rejected":
            state.problems[step] = [
                Problem(code=e.get("code"), message=e.get("message") or "Rejected in Twilio's review")
                for e in errors
            ] or [Problem(message="Rejected in Twilio's review")]

    return apply


def _was_submitted(body: Body) -> bool:
    """A submit took effect: the bundle is no longer a draft (or rejected)."""
    return body.get("status") in SUBMITTED


def _not_failed(field_name: str) -> Any:
    """A resubmission took effect: the brand or campaign is no longer FAILED."""
    return lambda body: body.get(field_name) != "FAILED"


def editable(c: Customer, step: str) -> bool:
    """Trust Hub resources can be changed before submission, after a rejection, or when the brand failed."""
    status = c.state.statuses.get(step)
    return status in (None, "", "draft", "twilio-rejected") or c.state.statuses.get("brand") == "FAILED"


def _update_or_none(c: Customer, slot: str, values: dict[str, Any], action: Action) -> Action | None:
    if c.state.sids.get(slot) and c.state.applied.get(slot) != digest(values):
        return action
    return None


@dataclass(frozen=True)
class Bundle:
    """A Trust Hub bundle (step 1's starter profile, step 2's trust product): how it is reviewed."""

    step: str
    stage: int
    label: str
    policy: str
    fields: dict[str, str]
    """Which form field each evaluation requirement concerns."""
    evaluate_op: str
    update_op: str
    fetch_op: str

    def read(self, sid: str) -> Action:
        return Action(f"{self.step}.read", self.fetch_op, _bundle_read(self.step), path={"sid": sid}, read=True)


def _review(c: Customer, ctx: Context, b: Bundle, sid: str, updates: list[Action | None], inputs_hash: str
            ) -> Step | None:
    """The shared end of steps 1 and 2: watch the review, keep the bundle in sync, evaluate, submit."""
    status = c.state.statuses.get(b.step) or "draft"
    if b.step not in ctx.fresh and status in SUBMITTED and _waiting_on_bundles(c):
        return b.read(sid)
    if editable(c, b.step):
        for action in updates:
            if action is not None:
                return action
    submitted_hash = c.state.submitted.get(b.step)
    if status in SUBMITTED and submitted_hash is not None:
        return None
    if status == "twilio-rejected" and submitted_hash == inputs_hash:
        reasons = "; ".join(p.message for p in c.state.problems.get(b.step, [])) or "no reason given"
        return Wait(b.stage, "fix", f"{b.label} rejected by Twilio ({reasons}): correct the details and advance again.")
    evaluation = c.state.evaluations.get(b.step)
    if evaluation is None or evaluation.inputs_hash != inputs_hash:
        return Action(f"{b.step}.evaluate", b.evaluate_op, _evaluation(b.step, inputs_hash, b.fields),
                      path={"sid": sid}, params={"PolicySid": b.policy})
    if evaluation.status != "compliant":
        reasons = "; ".join(p.message.rstrip(".") for p in evaluation.problems) or "see the evaluation"
        return Wait(b.stage, "fix", f"{b.label} is not compliant: {reasons}. Fix the fields and advance again.")
    if blocked := ctx.blocking(b.stage):
        return Wait(b.stage, "fix", "Not submitted: " + " ".join(blocked))
    return Action(f"{b.step}.submit", b.update_op, _submitted(b.step, inputs_hash), path={"sid": sid},
                  params={"Status": "pending-review"}, find=finders.fetched(b.fetch_op, _was_submitted, sid=sid))


# -- step 1: starter customer profile --------------------------------------------------------------------

STARTER_PROFILE = Bundle(
    "profile", 1, "The starter profile", C.STARTER_PROFILE_POLICY_SID,
    {"first_name": "first_name", "last_name": "last_name", "email": "email", "phone_number": "phone",
     "address_sids": "street", "customer_profile_address": "street", "street": "street"},
    "evaluate_customer_profile", "update_customer_profile", "fetch_customer_profile",
)


def _step1(c: Customer, ctx: Context) -> Step | None:
    p = c.profile
    if p is None:
        return Wait(1, "operator", "Enter the customer's name, email, phone and address (step 1).")
    s, key = c.state.sids, c.key
    profile = s.get("profile")
    end_user = {"first_name": p.first_name, "last_name": p.last_name, "email": p.email, "phone_number": p.phone}
    address = {
        "CustomerName": p.full_name, "Street": p.street, "StreetSecondary": p.street2,
        "City": p.city, "Region": p.region, "PostalCode": p.postal_code,
    }
    profile_values = {"Email": p.email}
    inputs_hash = digest(p.model_dump(mode="json"))

    creates: list[Action | None] = [
        None if profile else Action(
            "profile.create", "create_customer_profile",
            _applied("profile", profile_values, _record_sid("profile", status="profile")),
            params={"FriendlyName": friendly(key, "starter-profile"), "Email": p.email,
                    "PolicySid": C.STARTER_PROFILE_POLICY_SID, "StatusCallback": ctx.callback_url},
            friendly_name=friendly(key, "starter-profile"),
            find=finders.by_friendly_name("list_customer_profiles", policy_sid=C.STARTER_PROFILE_POLICY_SID),
        ),
        None if s.get("profile_end_user") else Action(
            "profile.end_user", "create_end_user",
            _applied("profile_end_user", end_user, _record_sid("profile_end_user")),
            params={"FriendlyName": friendly(key, "starter-end-user"), "Type": C.STARTER_END_USER_TYPE,
                    "Attributes": end_user},
            friendly_name=friendly(key, "starter-end-user"),
            find=finders.by_friendly_name("list_end_users", filter_by_name=False, type=C.STARTER_END_USER_TYPE),
        ),
        None if s.get("address") else Action(
            "profile.address", "create_address",
            _applied("address", address, _applied("address_country", p.country, _record_sid("address"))),
            params={**address, "IsoCountry": p.country, "FriendlyName": friendly(key, "address")},
            friendly_name=friendly(key, "address"),
            find=finders.by_friendly_name("list_addresses"),
        ),
        None if s.get("address_document") else Action(
            "profile.document", "create_supporting_document", _record_sid("address_document"),
            params={"FriendlyName": friendly(key, "address-document"), "Type": C.ADDRESS_DOCUMENT_TYPE,
                    "Attributes": {"address_sids": s["address"]}},
            friendly_name=friendly(key, "address-document"),
            find=finders.by_friendly_name("list_supporting_documents", filter_by_name=False,
                                          type=C.ADDRESS_DOCUMENT_TYPE),
        ) if s.get("address") else None,
    ]
    for slot, obj in (("profile_end_user", s.get("profile_end_user")),
                      ("address_document", s.get("address_document")),
                      ("primary", ctx.primary_profile_sid)):
        assign_slot = f"profile_assign_{slot}"
        if profile and obj and not s.get(assign_slot):
            creates.append(Action(
                f"profile.assign_{slot}", "assign_customer_profile_entity", _record_sid(assign_slot),
                path={"sid": profile}, params={"ObjectSid": obj},
                find=finders.assignment("list_customer_profile_entities", profile, obj),
            ))
            break
    if any(a is not None for a in creates):
        return next(a for a in creates if a is not None)
    if c.state.applied.get("address_country", digest(p.country)) != digest(p.country):
        return Wait(1, "fix", "Twilio cannot move an address to another country once it exists: set the country "
                              "back, or register the customer again as a new customer with the new address.")

    updates = [
        _update_or_none(c, "profile_end_user", end_user, Action(
            "profile.update_end_user", "update_end_user", _applied("profile_end_user", end_user),
            path={"sid": s.get("profile_end_user", "")}, params={"Attributes": end_user},
        )),
        _update_or_none(c, "address", address, Action(
            "profile.update_address", "update_address", _applied("address", address),
            path={"sid": s.get("address", "")}, params={**address, "StreetSecondary": p.street2 or ""},
        )),
        _update_or_none(c, "profile", profile_values, Action(
            "profile.update", "update_customer_profile", _applied("profile", profile_values),
            path={"sid": profile or ""}, params=profile_values,
        )),
    ]
    return _review(c, ctx, STARTER_PROFILE, profile or "", updates, inputs_hash)


def _waiting_on_bundles(c: Customer) -> bool:
    """Bundles are worth re-reading until the brand is verified (a rejection may still come)."""
    return c.state.statuses.get("identity") != "VERIFIED"


# -- step 2: sole-proprietor trust bundle ----------------------------------------------------------------

TRUST_PRODUCT = Bundle(
    "bundle", 2, "The sole-proprietor bundle", C.SOLE_PROPRIETOR_POLICY_SID,
    {"brand_name": "brand_name", "mobile_phone_number": "mobile_phone", "vertical": "vertical"},
    "evaluate_trust_product", "update_trust_product", "fetch_trust_product",
)


def _step2(c: Customer, ctx: Context) -> Step | None:
    b, p = c.bundle, c.profile
    assert p is not None
    if b is None:
        return Wait(2, "operator", "Enter the brand name and the customer's mobile number (step 2).")
    s, key = c.state.sids, c.key
    bundle = s.get("bundle")
    end_user: dict[str, Any] = {"brand_name": b.brand_name, "mobile_phone_number": b.mobile_phone}
    if b.vertical:
        end_user["vertical"] = b.vertical
    bundle_values = {"Email": p.email}
    inputs_hash = digest({"bundle": b.model_dump(mode="json"), "email": p.email})

    creates: list[Action | None] = [
        None if bundle else Action(
            "bundle.create", "create_trust_product",
            _applied("bundle", bundle_values, _record_sid("bundle", status="bundle")),
            params={"FriendlyName": friendly(key, "sole-prop-bundle"), "Email": p.email,
                    "PolicySid": C.SOLE_PROPRIETOR_POLICY_SID, "StatusCallback": ctx.callback_url},
            friendly_name=friendly(key, "sole-prop-bundle"),
            find=finders.by_friendly_name("list_trust_products", policy_sid=C.SOLE_PROPRIETOR_POLICY_SID),
        ),
        None if s.get("bundle_end_user") else Action(
            "bundle.end_user", "create_end_user",
            _applied("bundle_end_user", end_user, _record_sid("bundle_end_user")),
            params={"FriendlyName": friendly(key, "sole-prop-end-user"), "Type": C.SOLE_PROPRIETOR_END_USER_TYPE,
                    "Attributes": end_user},
            friendly_name=friendly(key, "sole-prop-end-user"),
            find=finders.by_friendly_name("list_end_users", filter_by_name=False,
                                          type=C.SOLE_PROPRIETOR_END_USER_TYPE),
        ),
    ]
    for slot, obj in (("end_user", s.get("bundle_end_user")), ("profile", s.get("profile"))):
        assign_slot = f"bundle_assign_{slot}"
        if bundle and obj and not s.get(assign_slot):
            creates.append(Action(
                f"bundle.assign_{slot}", "assign_trust_product_entity", _record_sid(assign_slot),
                path={"sid": bundle}, params={"ObjectSid": obj},
                find=finders.assignment("list_trust_product_entities", bundle, obj),
            ))
            break
    if any(a is not None for a in creates):
        return next(a for a in creates if a is not None)
    updates = [
        _update_or_none(c, "bundle_end_user", end_user, Action(
            "bundle.update_end_user", "update_end_user", _applied("bundle_end_user", end_user),
            path={"sid": s.get("bundle_end_user", "")}, params={"Attributes": end_user},
        )),
        _update_or_none(c, "bundle", bundle_values, Action(
            "bundle.update", "update_trust_product", _applied("bundle", bundle_values),
            path={"sid": bundle or ""}, params=bundle_values,
        )),
    ]
    return _review(c, ctx, TRUST_PRODUCT, bundle or "", updates, inputs_hash)


# -- step 3: brand registration and OTP ------------------------------------------------------------------


def _brand_read(state: FlowState, body: Body) -> None:
    state.statuses["brand"] = body.get("status") or ""
    state.statuses["identity"] = body.get("identity_status") or ""
    if (state.statuses["brand"], state.statuses["identity"]) == ("APPROVED", "UNVERIFIED") and not state.otp_sent_at:
        # Twilio texts the first passcode when the brand turns APPROVED: its last update, not when we looked.
        state.otp_sent_at = _moment(body.get("date_updated"))
    if state.statuses["brand"] == "FAILED":
        state.problems["brand"] = [
            Problem(code=e.get("error_code"), message=e.get("description") or "Brand registration failed",
                    field=_brand_field(e.get("fields") or []))
            for e in body.get("errors") or []
        ] or [Problem(message=body.get("failure_reason") or "Brand registration failed")]
    else:
        state.problems.pop("brand", None)


def brand_read_action(brand_sid: str) -> Action:
    return Action("brand.read", "fetch_brand_registration", _brand_read, path={"sid": brand_sid}, read=True)


def _brand_field(fields: list[str]) -> str | None:
    mapping = {"brand_name": "brand_name", "display_name": "brand_name", "mobile_phone": "mobile_phone",
               "first_name": "first_name", "last_name": "last_name", "email": "email", "phone": "phone",
               "street": "street", "city": "city", "state": "region", "postal_code": "postal_code",
               "country": "country"}
    return next((mapping[f.lower()] for f in fields if f.lower() in mapping), None)


_CAMPAIGN_FIELDS = {
    "messagesamples": "samples", "samples": "samples", "description": "campaign_description",
    "campaigndescription": "campaign_description", "messageflow": "message_flow",
    "privacypolicyurl": "privacy_policy_url", "termsandconditionsurl": "terms_url", "termsurl": "terms_url",
    "optinmessage": "opt_in_message", "optoutmessage": "opt_out_message", "helpmessage": "help_message",
    "optinkeywords": "opt_in_keywords", "optoutkeywords": "opt_out_keywords", "helpkeywords": "help_keywords",
    "hasembeddedlinks": "has_embedded_links", "hasembeddedphone": "has_embedded_phone",
}
"""A campaign error's field, as Twilio names it in any case or spelling (MessageSamples, message_samples), ->
the input it concerns ("samples": the samples as a whole)."""


def _campaign_field(fields: list[str]) -> str | None:
    return next((_CAMPAIGN_FIELDS[key] for f in fields if (key := str(f).lower().replace("_", "")) in
                 _CAMPAIGN_FIELDS), None)


def _moment(value: object) -> str | None:
    """A v1 API timestamp as ISO-8601 with offset, or None when it is missing or unreadable."""
    try:
        return datetime.fromisoformat(str(value)).isoformat() if value else None
    except ValueError:
        return None


def _step3(c: Customer, ctx: Context) -> Step | None:
    s, st = c.state.sids, c.state.statuses
    if not s.get("brand"):
        for step in ("profile", "bundle"):
            if st.get(step) == "twilio-rejected":
                return Wait(1 if step == "profile" else 2, "fix", "Rejected by Twilio: fix and advance again.")
        if blocked := ctx.blocking(2):
            return Wait(3, "fix", "Brand not registered: " + " ".join(blocked))
        params: dict[str, Value] = {
            "CustomerProfileBundleSid": s["profile"], "A2PProfileBundleSid": s["bundle"],
            "BrandType": C.USE_CASE, "SkipAutomaticSecVet": True,
        }
        if ctx.mock_brand:
            params["Mock"] = True
        return Action(
            "brand.create", "create_brand_registration", _brand_created(digest_inputs(c)),
            params=params, find=finders.brand(s["profile"], s["bundle"]), charge="brand",
        )
    brand = s["brand"]
    status, identity = st.get("brand", ""), st.get("identity", "")
    if status == "APPROVED" and identity in ("VERIFIED", "VETTED_VERIFIED"):
        return None
    if "brand" not in ctx.fresh:
        return brand_read_action(brand)
    if status == "FAILED":
        if c.state.submitted.get("brand") == digest_inputs(c):
            return _failed_wait(3, "Brand", c.state.problems.get("brand", []),
                                "correct the details and advance to resubmit.")
        if blocked := ctx.blocking(2):
            return Wait(3, "fix", "Brand not resubmitted: " + " ".join(blocked))
        return Action("brand.resubmit", "resubmit_brand_registration", _brand_created(digest_inputs(c)),
                      path={"sid": brand}, find=finders.fetched("fetch_brand_registration", _not_failed("status"),
                                                                 sid=brand))
    if status == "APPROVED" and identity == "SELF_DECLARED":
        return Wait(3, "twilio", "The brand is APPROVED with identity SELF_DECLARED (not confirmed by the passcode): "
                                 "refresh later; if it stays so, ask Twilio Support whether it needs the passcode.")
    if status == "APPROVED":
        if otp_lapsed(otp_deadline(c.state.otp_sent_at), ctx.now):
            return Wait(3, "fix", OTP_LAPSED)
        return Wait(3, "customer", f"Waiting for the customer to reply YES to the text from {C.OTP_SENDER}.")
    if status in BRAND_STOPPED:
        return Wait(3, "fix", BRAND_STOPPED[status])
    return Wait(3, "twilio", "Waiting for Twilio to review the brand.")


def _failed_wait(stage: int, what: str, problems: list[Problem], todo: str) -> Wait:
    """A FAILED brand or campaign sent as it stands: Twilio's codes and what to do. Its reasons, each with its
    code's playbook, are the customer's problems (flow.progress.issues), shown once, where they are fixed."""
    codes = ", ".join(dict.fromkeys(str(p.code) for p in problems if p.code))
    return Wait(stage, "fix", f"{what} FAILED{f' ({codes})' if codes else ''}: {todo}")


BRAND_STOPPED = {
    "SUSPENDED": "Brand SUSPENDED by Twilio or TCR: no campaign of it can send. Contact Twilio Support with the "
                 "brand SID; registering again needs a new brand.",
    "DELETION_PENDING": "Brand DELETION_PENDING: Twilio is deleting it, so nothing can go on with it. Once it is "
                        "gone, register the customer again (a new brand fee).",
    "DELETION_FAILED": "Brand DELETION_FAILED: Twilio could not delete it. Contact Twilio Support with the brand SID.",
    "EXPIRED": "Brand EXPIRED: TCR expires a brand whose customer did not confirm the passcode within 30 days. Ask the "
               "customer to confirm this time, then register a new brand (its fee again): Twilio Support can remove "
               "the expired one.",
}
"""What a brand Twilio stopped means, and the next action, by status."""


def digest_inputs(c: Customer) -> str:
    """Hash of everything a brand is built from: both steps' inputs."""
    return digest({"profile": c.profile.model_dump(mode="json") if c.profile else None,
                   "bundle": c.bundle.model_dump(mode="json") if c.bundle else None})


def _brand_created(inputs_hash: str) -> Any:
    def apply(state: FlowState, body: Body) -> None:
        if body.get("sid", "").startswith("BN"):
            state.sids["brand"] = body["sid"]
        state.statuses["brand"] = body.get("status") or "PENDING"
        state.statuses["identity"] = body.get("identity_status") or ""
        state.submitted["brand"] = inputs_hash
        state.problems.pop("brand", None)

    return apply


# -- step 4: Messaging Service, number, campaign ---------------------------------------------------------


CAMPAIGN_UPDATE = {
    "has_embedded_links": "HasEmbeddedLinks", "has_embedded_phone": "HasEmbeddedPhone", "samples": "MessageSamples",
    "message_flow": "MessageFlow", "campaign_description": "Description", "privacy_policy_url": "PrivacyPolicyUrl",
    "terms_url": "TermsAndConditionsUrl",
}
"""What Twilio's campaign update takes (docs/twilio-api.md, 4.7): the campaign's field -> its parameter. Every other
field is fixed once the campaign was submitted."""


def _campaign_params(c: Customer) -> dict[str, Value]:
    k = c.campaign
    assert k is not None
    params: dict[str, Value] = {
        "Description": k.campaign_description, "MessageFlow": k.message_flow, "MessageSamples": list(k.samples),
        "HasEmbeddedLinks": k.has_embedded_links, "HasEmbeddedPhone": k.has_embedded_phone,
        "OptInMessage": k.opt_in_message, "OptOutMessage": k.opt_out_message, "HelpMessage": k.help_message,
        "OptInKeywords": list(k.opt_in_keywords) or None, "OptOutKeywords": list(k.opt_out_keywords) or None,
        "HelpKeywords": list(k.help_keywords) or None,
        "PrivacyPolicyUrl": k.privacy_policy_url, "TermsAndConditionsUrl": k.terms_url,
    }
    return params


def _campaign_read(state: FlowState, body: Body) -> None:
    state.statuses["campaign"] = body.get("campaign_status") or ""
    if state.statuses["campaign"] == "FAILED":
        state.problems["campaign"] = [
            Problem(code=e.get("error_code"), message=e.get("description") or "Campaign rejected",
                    field=_campaign_field(e.get("fields") or []))
            for e in body.get("errors") or []
        ] or [Problem(message="Campaign rejected")]
    else:
        state.problems.pop("campaign", None)


def _campaign_sent(inputs_hash: str) -> Any:
    def apply(state: FlowState, body: Body) -> None:
        state.sids["campaign"] = body.get("sid") or C.CAMPAIGN_SID
        state.statuses["campaign"] = body.get("campaign_status") or "PENDING"
        state.submitted["campaign"] = inputs_hash
        state.problems.pop("campaign", None)

    return apply


def _number_bought(state: FlowState, body: Body) -> None:
    state.sids["phone_number"] = body["sid"]
    state.number = body.get("phone_number")
    state.problems.pop("phone_number", None)


def _number_added(state: FlowState, body: Body) -> None:
    """The number is in the Messaging Service: it is the customer's (a picked SID too), with its E.164 form."""
    state.sids["service_number"] = state.sids["phone_number"] = body["sid"]
    if body.get("phone_number"):
        state.number = body["phone_number"]


def _number_found(number: str) -> Any:
    def apply(state: FlowState, body: Body) -> None:
        found = body.get("incoming_phone_numbers") or []
        if found:
            state.sids["phone_number"] = found[0]["sid"]
            state.number = found[0].get("phone_number")
            state.problems.pop("phone_number", None)
        else:
            state.sids.pop("phone_number", None)
            state.problems["phone_number"] = [Problem(
                message=f"{number} is not a number of this Twilio account", field="phone_number")]

    return apply


PICK_NUMBER = "Pick the phone number the campaign will send from (step 4)."
"""What step 4 waits for while the campaign has no phone number."""


def _step4(c: Customer, ctx: Context) -> Step | None:
    k = c.campaign
    if k is None:
        return Wait(4, "operator", "Enter the campaign: description, message flow, samples and phone number (step 4).")
    if not k.phone_number:
        return Wait(4, "operator", PICK_NUMBER)
    s, st, key = c.state.sids, c.state.statuses, c.key
    number = k.phone_number
    if not buys_number(number) and not number.startswith("PN"):  # a typed number: is it the account's? (free)
        if c.state.applied.get("phone_lookup") != digest(number):
            return Action("campaign.number_lookup", "list_incoming_phone_numbers",
                          _applied("phone_lookup", number, _number_found(number)),
                          query={"PhoneNumber": number}, read=True)
        if problem := c.state.problems.get("phone_number"):
            return Wait(4, "fix", problem[0].message + ": pick one of the account's numbers.")
    service = s.get("service")
    if not service:
        name = service_name(key, k.service_name or c.brand_name or c.name)
        return Action("campaign.service", "create_service", _record_sid("service"),
                      params={"FriendlyName": name}, friendly_name=name,
                      find=finders.by_friendly_name("list_services", filter_by_name=False))
    if buys_number(number):
        if not s.get("phone_number"):
            if blocked := ctx.blocking(4):  # nothing is bought for a campaign that can't be submitted
                return Wait(4, "fix", "Number not bought: " + " ".join(blocked))
            area = number.partition(":")[2] or (c.profile.phone[2:5] if c.profile else "")
            name = friendly(key, "number")
            return Action("campaign.buy_number", "buy_incoming_phone_number", _number_bought,
                          params={"AreaCode": area, "FriendlyName": name}, friendly_name=name,
                          find=finders.by_friendly_name("list_incoming_phone_numbers"), charge="number_monthly")
        number = s["phone_number"]
    elif not number.startswith("PN"):
        number = s["phone_number"]
    if not s.get("service_number"):
        return Action("campaign.add_number", "add_service_phone_number", _number_added,
                      path={"sid": service}, params={"PhoneNumberSid": number},
                      find=finders.service_number(service, number))
    inputs_hash = digest(k.model_dump(mode="json"))
    if not s.get("campaign"):
        if blocked := ctx.blocking(4):
            return Wait(4, "fix", "Campaign not submitted: " + " ".join(blocked))
        return Action("campaign.create", "create_campaign", _campaign_sent(inputs_hash), path={"sid": service},
                      params={"BrandRegistrationSid": s["brand"], "UsAppToPersonUsecase": C.USE_CASE,
                              **_campaign_params(c)},
                      find=finders.campaign(service), charge="campaign_vetting")
    status = st.get("campaign", "")
    if status == "VERIFIED":
        return None
    if "campaign" not in ctx.fresh:
        return campaign_read_action(service, s["campaign"])
    if status == "FAILED":
        if c.state.submitted.get("campaign") == inputs_hash:
            return _failed_wait(4, "Campaign", c.state.problems.get("campaign", []),
                                "change the campaign and advance to resubmit.")
        if blocked := ctx.blocking(4):
            return Wait(4, "fix", "Campaign not resubmitted: " + " ".join(blocked))
        k_params = _campaign_params(c)
        update = {name: k_params[name] for name in CAMPAIGN_UPDATE.values()}
        return Action("campaign.update", "update_campaign", _campaign_sent(inputs_hash),
                      path={"sid": service, "campaign": s["campaign"]},
                      params={**update, "AgeGated": False, "DirectLending": False},
                      find=finders.fetched("fetch_campaign", _not_failed("campaign_status"), sid=service,
                                           campaign=s["campaign"]),
                      charge="campaign_vetting")
    if status == "SUSPENDED":
        return Wait(4, "fix", "Campaign SUSPENDED: contact Twilio Support.")
    return Wait(4, "twilio", "Waiting for the campaign review (usually 10–15 days).")


# -- status reads ----------------------------------------------------------------------------------------


def campaign_read_action(service_sid: str, campaign_sid: str) -> Action:
    return Action("campaign.read", "fetch_campaign", _campaign_read,
                  path={"sid": service_sid, "campaign": campaign_sid}, read=True)


def status_reads(c: Customer) -> list[Action]:
    """The reads that bring every submitted resource's status up to date (nothing else)."""
    s, st = c.state.sids, c.state.statuses
    reads = []
    if s.get("profile") and st.get("profile") not in (None, "", "draft"):
        reads.append(STARTER_PROFILE.read(s["profile"]))
    if s.get("bundle") and st.get("bundle") not in (None, "", "draft"):
        reads.append(TRUST_PRODUCT.read(s["bundle"]))
    if s.get("brand"):
        reads.append(brand_read_action(s["brand"]))
    if s.get("campaign") and s.get("service"):
        reads.append(campaign_read_action(s["service"], s["campaign"]))
    return reads
