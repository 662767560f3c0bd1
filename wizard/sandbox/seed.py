"""The pre-seeded account: the ISV's approved primary customer profile and five owned 10DLC numbers."""

from __future__ import annotations

from datetime import timedelta

from wizard.sandbox.context import Ctx, Json, iso
from wizard.sandbox.policies import PRIMARY_PROFILE_POLICY_SID

NUMBERS = tuple(f"+1206555010{i}" for i in range(5))
PRIMARY_NAME = "Acme Messaging ISV (primary)"
BUSINESS_INFORMATION = {
    "business_name": "Acme Messaging ISV LLC",
    "business_identity": "isv_reseller_or_partner",
    "business_type": "Limited Liability Corporation",
    "business_industry": "TECHNOLOGY",
    "business_registration_identifier": "EIN",
    "business_registration_number": "12-3456789",
    "business_regions_of_operation": "USA_AND_CANADA",
    "website_url": "https://acme-isv.example.com",
    "social_media_profile_urls": "",
}


def seed(ctx: Ctx) -> str:
    """Seed an empty state once; return the primary customer profile's SID."""
    if existing := ctx.state.meta_get("primary_profile_sid"):
        return existing
    now = ctx.stamp()
    profile, user = ctx.mint("BU"), ctx.mint("IT")
    ctx.state.put(
        "customer_profiles",
        profile,
        {
            "sid": profile,
            "account_sid": ctx.account_sid,
            "policy_sid": PRIMARY_PROFILE_POLICY_SID,
            "friendly_name": PRIMARY_NAME,
            "status": "twilio-approved",
            "valid_until": iso(ctx.now + timedelta(days=365)),
            "email": "compliance@acme-isv.example.com",
            "status_callback": None,
            "date_created": now,
            "date_updated": now,
        },
    )
    ctx.state.put(
        "end_users",
        user,
        {
            "sid": user,
            "account_sid": ctx.account_sid,
            "friendly_name": f"{PRIMARY_NAME} business information",
            "type": "customer_profile_business_information",
            "attributes": BUSINESS_INFORMATION,
            "date_created": now,
            "date_updated": now,
        },
    )
    assignment = ctx.mint("BV")
    ctx.state.put(
        f"assignments:{profile}",
        assignment,
        {
            "sid": assignment,
            "customer_profile_sid": profile,
            "account_sid": ctx.account_sid,
            "object_sid": user,
            "date_created": now,
        },
    )
    for number in NUMBERS:
        put_number(ctx, ctx.mint("PN"), number, f"({number[2:5]}) {number[5:8]}-{number[8:]}")
    ctx.state.meta_set("primary_profile_sid", profile)
    return profile


def own_numbers(ctx: Ctx) -> set[str]:
    """The account's incoming phone numbers (E.164)."""
    return {n["phone_number"] for n in ctx.state.list("incoming_phone_numbers")}


def put_number(ctx: Ctx, sid: str, number: str, friendly_name: str) -> Json:
    """An incoming phone number of the account, as the 2010 API keeps it (seeded or bought)."""
    now = ctx.stamp()
    rec = {
        "sid": sid,
        "account_sid": ctx.account_sid,
        "phone_number": number,
        "friendly_name": friendly_name,
        "origin": "twilio",
        "type": "local",
        "status": "in-use",
        "capabilities": {"voice": True, "sms": True, "mms": True, "fax": False},
        "address_requirements": "none",
        "address_sid": None,
        "api_version": "2010-04-01",
        "beta": False,
        "bundle_sid": None,
        "identity_sid": None,
        "trunk_sid": None,
        "emergency_status": "Inactive",
        "emergency_address_sid": None,
        "emergency_address_status": "unregistered",
        "sms_application_sid": None,  # the spec: ^AP…$ or null (not "")
        "sms_fallback_method": "POST",
        "sms_fallback_url": "",
        "sms_method": "POST",
        "sms_url": "",
        "status_callback": "",
        "status_callback_method": "POST",
        "voice_application_sid": None,
        "voice_caller_id_lookup": False,
        "voice_fallback_method": "POST",
        "voice_fallback_url": None,
        "voice_method": "POST",
        "voice_url": None,
        "voice_receive_mode": "voice",
        "date_created": now,
        "date_updated": now,
    }
    ctx.state.put("incoming_phone_numbers", sid, rec)
    return rec
