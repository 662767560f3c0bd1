"""Messaging v1 brand registrations: create, fetch, list, resubmit when FAILED, resend the OTP."""

from __future__ import annotations

from functools import partial

from wizard.sandbox import renderers, triggers
from wizard.sandbox.context import HEX, Answer, Ctx, Json
from wizard.sandbox.evaluation import assigned
from wizard.sandbox.lifecycle import SUBMITTED, brand_phase, brand_tag, bundle_phase, mobile_tag
from wizard.sandbox.paging import v1_page
from wizard.sandbox.request import ApiError, Request, Routes, bad
from wizard.sandbox.seed import own_numbers
from wizard.sandbox.state_file import SandboxState
from wizard.twilio.facts import MOBILE_BRAND_LIMIT, SMS_OTP_PER_SECOND, SOLE_PROPRIETOR_END_USER_TYPE

KIND = "brand_registrations"


def list_brands(ctx: Ctx, req: Request) -> Answer:
    return 200, v1_page(req, ctx.state.list(KIND), "data", partial(renderers.brand, ctx))


def create_brand(ctx: Ctx, req: Request) -> Answer:
    """Both bundles must be submitted; BrandType defaults to STANDARD like Twilio's (send SOLE_PROPRIETOR)."""
    profile = str(req.sid("CustomerProfileBundleSid", "BU", required=True))
    product = str(req.sid("A2PProfileBundleSid", "BU", required=True))
    brand_type = req.choice("BrandType", ("STANDARD", "SOLE_PROPRIETOR")) or "STANDARD"
    mock, skip_vet = req.flag("Mock") or False, req.flag("SkipAutomaticSecVet") or False
    for param, sid, kind in (
        ("CustomerProfileBundleSid", profile, "customer_profiles"),
        ("A2PProfileBundleSid", product, "trust_products"),
    ):
        bundle = ctx.state.get(sid, kind)
        status = bundle_phase(ctx, bundle).status if bundle else None
        if status not in SUBMITTED:
            where = f"is {status}" if status else f"is not a {kind[:-1].replace('_', ' ')} of this account"
            raise bad(20001, f"{param} {sid} {where}: submit it (pending-review) before registering a brand")
    now = ctx.stamp()
    rec = {
        "sid": ctx.mint("BN"),
        "account_sid": ctx.account_sid,
        "customer_profile_bundle_sid": profile,
        "a2p_profile_bundle_sid": product,
        "brand_type": brand_type,
        "mock": mock,
        "skip_automatic_sec_vet": skip_vet,
        "date_created": now,
        "date_updated": now,
    }
    _decide(ctx, rec)
    store(ctx.state, rec)
    return 201, renderers.brand(ctx, rec)


def store(state: SandboxState, rec: Json) -> None:
    """Store a brand, found again by its bundles and its mobile number."""
    tags = (brand_tag(rec["customer_profile_bundle_sid"]), brand_tag(rec["a2p_profile_bundle_sid"]),
            *((mobile_tag(rec["_mobile"]),) if rec.get("_mobile") else ()))
    state.put(KIND, rec["sid"], rec, tags=tags)


def _decide(ctx: Ctx, rec: Json) -> None:
    """(Re)submission: decide now, from the trust product's current data, whether the brand will fail."""
    info: Json = next(
        (
            o.get("attributes") or {}
            for o in assigned(ctx, rec["a2p_profile_bundle_sid"])
            if o.get("type") == SOLE_PROPRIETOR_END_USER_TYPE
        ),
        {},
    )
    name, mobile = str(info.get("brand_name", "")), str(info.get("mobile_phone_number", ""))
    uses = sum(
        1
        for b in (ctx.state.tagged(KIND, mobile_tag(mobile)) if mobile else [])
        if b["sid"] != rec["sid"] and not b["_errors"]
    )
    errors = []
    if uses >= MOBILE_BRAND_LIMIT:
        errors.append(
            renderers.error_item(
                30794,
                f"The mobile phone number {mobile} already backs {uses} sole "
                f"proprietor brands (limit {MOBILE_BRAND_LIMIT}); use another mobile "
                "number.",
                "mobile_phone_number",
            )
        )
    ours = bool(mobile) and mobile in own_numbers(ctx)
    if mobile and (ours or triggers.cpaas_mobile(mobile)):
        errors.append(
            renderers.error_item(
                30751,
                f"The mobile phone number {mobile} is not a valid wireless number for the OTP: it is "
                f"{'a number of this account' if ours else 'a CPaaS provider number'}. Use the "
                "customer's own US or Canadian mobile.",
                "mobile_phone_number",
            )
        )
    if triggers.brand_fails(name):
        errors.append(
            renderers.error_item(
                30701,
                f"The brand name {name!r} was rejected by TCR (sandbox trigger: "
                'it contains "Fail"). Fix brand_name on the sole-proprietor end user, '
                "then resubmit the brand.",
                "brand_name",
            )
        )
    rec |= {
        "_submitted_at": ctx.stamp(),
        "_errors": errors,
        "_mobile": mobile,
        "_name": name,
        "_verified_at": None,
        "_otp_sent_at": None,
        "_otp_resends": 0,
        "_failure_reason": errors[0]["description"] if errors else None,
    }


def fetch_brand(ctx: Ctx, req: Request, sid: str) -> Answer:
    return 200, renderers.brand(ctx, ctx.load(KIND, sid, req.path))


def resubmit_brand(ctx: Ctx, req: Request, sid: str) -> Answer:
    rec = ctx.load(KIND, sid, req.path)
    status = brand_phase(rec, ctx.now).status
    if status != "FAILED":
        raise bad(21725, f"Brand {sid} is {status}: a brand can be updated (resubmitted) only when FAILED")
    _decide(ctx, rec)
    rec["date_updated"] = ctx.stamp()
    store(ctx.state, rec)
    return 202, renderers.brand(ctx, rec)


def send_otp(ctx: Ctx, req: Request, sid: str) -> Answer:
    """Resend the OTP (restarts the 24 h window); only for a non-mock APPROVED + UNVERIFIED brand."""
    if not ctx.otp_requests.admits():  # Twilio: 10 /SmsOtp requests a second per account
        raise ApiError(429, 20429, f"Too many requests: /SmsOtp is limited to {SMS_OTP_PER_SECOND} requests per "
                                   "second per account")
    rec = ctx.load(KIND, sid, req.path)
    phase = brand_phase(rec, ctx.now)
    if phase.otp_sent_at is None:
        state = f"{phase.status}/{phase.identity_status}" + (" (mock)" if rec["mock"] else "")
        raise bad(
            30752,
            f"Brand {sid} is {state}: an OTP can be sent only for a non-mock sole proprietor "
            "brand that is APPROVED with identity_status UNVERIFIED",
        )
    rec |= {"_otp_sent_at": ctx.stamp(), "_otp_resends": rec["_otp_resends"] + 1}
    ctx.state.put(KIND, sid, rec)
    return 201, {"account_sid": ctx.account_sid, "brand_registration_sid": sid}


BN = f"/v1/a2p/BrandRegistrations/(?P<sid>BN{HEX})"
ROUTES: Routes = [
    ("/v1/a2p/BrandRegistrations", {"GET": list_brands, "POST": create_brand}),
    (BN, {"GET": fetch_brand, "POST": resubmit_brand}),
    (f"{BN}/SmsOtp", {"POST": send_otp}),
]
