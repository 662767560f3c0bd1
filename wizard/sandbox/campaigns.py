"""Messaging v1 US A2P campaign (Usa2p) of a messaging service: create, list, fetch, update, delete.

The campaign's `sid` is the constant CAMPAIGN_SID; a campaign is identified by its messaging service.
"""

from __future__ import annotations

from typing import Any

from wizard.sandbox import renderers, triggers
from wizard.sandbox.context import HEX, Answer, Ctx, Json, at
from wizard.sandbox.lifecycle import brand_phase, campaign_phase
from wizard.sandbox.paging import v1_page
from wizard.sandbox.request import Request, Routes, bad, invalid, not_found
from wizard.twilio import facts
from wizard.twilio.facts import CAMPAIGN_SID, USE_CASE

KIND = "campaigns"
TEXT_LIMITS = {
    "Description": facts.TEXT_LIMITS["description"],
    "MessageFlow": facts.TEXT_LIMITS["message_flow"],
    "OptInMessage": facts.TEXT_LIMITS["reply"],
    "OptOutMessage": facts.TEXT_LIMITS["reply"],
    "HelpMessage": facts.TEXT_LIMITS["reply"],
}
SAMPLE_LOW, SAMPLE_HIGH = facts.TEXT_LIMITS["sample"]
REUSE_WAIT_SECONDS = 5
"""After a campaign is deleted, a new one may be created on the same service only this much later."""


def _content(req: Request) -> Json:
    """The texts and flags both create and update require, with Twilio's prose-only limits (code 21705)."""
    fields: dict[str, Any] = {
        "description": req.text("Description", required=True),
        "message_flow": req.text("MessageFlow", required=True),
        "message_samples": req.texts("MessageSamples", required=True),
        "has_embedded_links": req.flag("HasEmbeddedLinks", required=True),
        "has_embedded_phone": req.flag("HasEmbeddedPhone", required=True),
    }
    for param, (low, high) in TEXT_LIMITS.items():
        if (value := req.text(param)) is not None and not low <= len(value) <= high:
            raise bad(21705, f"{param} must be {low}–{high} characters long (it has {len(value)})")
    samples = fields["message_samples"] or []
    if not facts.MIN_SAMPLES <= len(samples) <= facts.MAX_SAMPLES or any(
            not SAMPLE_LOW <= len(s) <= SAMPLE_HIGH for s in samples):
        raise bad(21705, f"MessageSamples must hold {facts.MIN_SAMPLES}–{facts.MAX_SAMPLES} samples of "
                         f"{SAMPLE_LOW}–{SAMPLE_HIGH} characters each")
    return fields


def _policies(req: Request) -> Json:
    """Since 2026-06-30 both policy URLs are required on create and update: 30933 / 30934 without them."""
    privacy, terms = req.uri("PrivacyPolicyUrl"), req.uri("TermsAndConditionsUrl")
    if privacy is None:
        raise bad(30933, "Campaign registration rejected: Privacy Policy URL is required for A2P 10DLC campaign "
                         "registration (PrivacyPolicyUrl)")
    if terms is None:
        raise bad(30934, "Campaign registration rejected: Terms and Conditions URL is required for A2P 10DLC "
                         "campaign registration (TermsAndConditionsUrl)")
    return {"privacy_policy_url": privacy, "terms_and_conditions_url": terms}


def _keywords(req: Request, name: str) -> list[str] | None:
    words = req.texts(name)
    if words is not None and any(not w.isalnum() or len(w) > 255 for w in words):
        raise invalid(name, "keywords must be alphanumeric, at most 255 characters each")
    return words


def _decide(ctx: Ctx, rec: Json) -> None:
    """(Re)submission: decide now whether the campaign will be FAILED."""
    errors = []
    if triggers.campaign_disallowed(rec["message_samples"]):
        errors.append(
            renderers.error_item(
                30897,
                "Disallowed content: the message samples describe content "
                'carriers do not allow (sandbox trigger: "cannabis"). Update the campaign.',
                "message_samples",
            )
        )
    rec |= {"_submitted_at": ctx.stamp(), "_errors": errors}


def _check_brand(ctx: Ctx, bn: str, usecase: str, mg: str) -> None:
    brand = ctx.state.get(bn, "brand_registrations")
    if brand is None:
        raise bad(21717, f"Brand Registration SID {bn} is not registered in this account")
    if usecase != USE_CASE:
        raise bad(21720, f"UsAppToPersonUsecase {usecase!r} is not valid here: use {USE_CASE}")
    phase = brand_phase(brand, ctx.now)
    if (
        brand["brand_type"] != USE_CASE
        or brand["mock"]
        or (phase.status, phase.identity_status) != ("APPROVED", "VERIFIED")
    ):
        kind = brand["brand_type"] + (", mock" if brand["mock"] else "")
        raise bad(
            21717,
            f"Brand {bn} ({kind}) is {phase.status}/{phase.identity_status}: a {USE_CASE} "
            f"campaign needs a non-mock {USE_CASE} brand that is APPROVED and VERIFIED",
        )
    if ctx.state.get(renderers.campaign_key(mg)) is not None:
        raise bad(21711, f"A US A2P campaign already exists on Messaging Service {mg}")
    deleted = ctx.state.meta_get(deleted_key(mg))
    if deleted is not None and (ctx.now - at(deleted)).total_seconds() < REUSE_WAIT_SECONDS:
        raise bad(21711, f"The campaign of Messaging Service {mg} was deleted less than {REUSE_WAIT_SECONDS} s ago: "
                         "wait before creating a new one on this service")
    if holder := next(iter(ctx.state.tagged(KIND, brand_campaign_tag(bn))), None):
        raise bad(
            21711,
            f"Brand {bn} already has its one campaign (Messaging Service {holder['messaging_service_sid']})",
        )
    if (count := len(ctx.state.list(f"service_numbers:{mg}"))) != 1:
        raise bad(
            21714,
            f"Messaging Service {mg} has {count} phone numbers: a {USE_CASE} campaign needs exactly one",
        )


def create_campaign(ctx: Ctx, req: Request, mg: str) -> Answer:
    ctx.load("messaging_services", mg, req.path)
    bn = str(req.sid("BrandRegistrationSid", "BN", required=True))
    usecase = str(req.text("UsAppToPersonUsecase", required=True))
    content = _content(req) | {
        "us_app_to_person_usecase": usecase,
        "opt_in_message": req.text("OptInMessage"),
        "opt_out_message": req.text("OptOutMessage"),
        "help_message": req.text("HelpMessage"),
        "opt_in_keywords": _keywords(req, "OptInKeywords"),
        "opt_out_keywords": _keywords(req, "OptOutKeywords"),
        "help_keywords": _keywords(req, "HelpKeywords"),
        "subscriber_opt_in": req.flag("SubscriberOptIn") or False,
        "age_gated": req.flag("AgeGated") or False,
        "direct_lending": req.flag("DirectLending") or False,
        **_policies(req),
    }
    _check_brand(ctx, bn, usecase, mg)
    now = ctx.stamp()
    rec = {
        "sid": CAMPAIGN_SID,
        "account_sid": ctx.account_sid,
        "brand_registration_sid": bn,
        "messaging_service_sid": mg,
        **content,
        "is_externally_registered": False,
        "mock": False,
        "date_created": now,
        "date_updated": now,
    }
    _decide(ctx, rec)
    ctx.state.put(KIND, renderers.campaign_key(mg), rec, tags=(brand_campaign_tag(bn),))
    return 201, renderers.campaign(ctx, rec)


def brand_campaign_tag(brand_sid: str) -> str:
    """The tag a campaign is found by from its brand (a brand has at most one)."""
    return f"brand:{brand_sid}"


def list_campaigns(ctx: Ctx, req: Request, mg: str) -> Answer:
    ctx.load("messaging_services", mg, req.path)
    found = ctx.state.get(renderers.campaign_key(mg), KIND)
    return 200, v1_page(req, [renderers.campaign(ctx, found)] if found else [], "compliance")


def _load(ctx: Ctx, req: Request, mg: str, qe: str) -> Json:
    ctx.load("messaging_services", mg, req.path)
    if qe != CAMPAIGN_SID:
        raise not_found(req.path)
    return ctx.load(KIND, renderers.campaign_key(mg), req.path)


def fetch_campaign(ctx: Ctx, req: Request, mg: str, qe: str) -> Answer:
    return 200, renderers.campaign(ctx, _load(ctx, req, mg, qe))


def update_campaign(ctx: Ctx, req: Request, mg: str, qe: str) -> Answer:
    """Only when FAILED (sandbox rule): back to PENDING, re-checked with the new data."""
    rec = _load(ctx, req, mg, qe)
    changes = _content(req) | {
        "age_gated": req.flag("AgeGated", required=True),
        "direct_lending": req.flag("DirectLending", required=True),
    } | _policies(req)
    if (status := campaign_phase(rec, ctx.now).status) != "FAILED":
        raise bad(20001, f"The campaign is {status}: the sandbox accepts campaign updates only when FAILED")
    rec |= changes | {"date_updated": ctx.stamp()}
    _decide(ctx, rec)
    ctx.state.put(KIND, renderers.campaign_key(mg), rec)
    return 200, renderers.campaign(ctx, rec)


def delete_campaign(ctx: Ctx, req: Request, mg: str, qe: str) -> Answer:
    _load(ctx, req, mg, qe)
    remove(ctx, mg)
    return 204, None


def deleted_key(mg: str) -> str:
    """Meta key: when the campaign of service `mg` was last deleted (sandbox time)."""
    return f"campaign_deleted:{mg}"


def remove(ctx: Ctx, mg: str) -> None:
    """Delete the service's campaign (if any), remembering when, for the wait before a new one."""
    if ctx.state.get(renderers.campaign_key(mg), KIND) is not None:
        ctx.state.delete(renderers.campaign_key(mg))
        ctx.state.meta_set(deleted_key(mg), ctx.stamp())


USA2P = f"/v1/Services/(?P<mg>MG{HEX})/Compliance/Usa2p"
ROUTES: Routes = [
    (USA2P, {"GET": list_campaigns, "POST": create_campaign}),
    (f"{USA2P}/(?P<qe>QE{HEX})", {"GET": fetch_campaign, "POST": update_campaign, "DELETE": delete_campaign}),
]
