"""Stored records → the JSON Twilio answers: derived statuses, formatted dates, `url`/`uri` and `links`.

Records keep Twilio's snake_case fields plus private `_…` keys (timestamps, trigger outcomes) never shown.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime, timedelta

from wizard.sandbox.context import Ctx, Json, at, iso, rfc2822
from wizard.sandbox.lifecycle import brand_phase, bundle_phase, campaign_phase
from wizard.twilio.facts import CAMPAIGN_SID

BUNDLE_PATHS = {"customer_profiles": "CustomerProfiles", "trust_products": "TrustProducts"}
BUNDLE_KEYS = {"customer_profile_sid": "CustomerProfiles", "trust_product_sid": "TrustProducts"}
SP_RATE_LIMITS = {"att": {"mps": 0.25, "msg_class": "A"}, "tmobile": {"brand_tier": "LOW"}}
SERVICE_LINKS = {
    "phone_numbers": "PhoneNumbers", "short_codes": "ShortCodes", "alpha_senders": "AlphaSenders",
    "messages": "Messages", "us_app_to_person": "Compliance/Usa2p",
    "us_app_to_person_usecases": "Compliance/Usa2p/Usecases", "channel_senders": "ChannelSenders",
    "destination_alpha_senders": "DestinationAlphaSenders",
}


def campaign_key(service_sid: str) -> str:
    """Storage key of a service's campaign (the campaign SID is the same constant for every service)."""
    return f"{service_sid}/{CAMPAIGN_SID}"


def error_item(code: int, description: str, field: str) -> Json:
    """One entry of a brand's or campaign's `errors[]`."""
    url = f"https://www.twilio.com/docs/api/errors/{code}"
    return {"error_code": code, "description": description, "fields": [field], "url": url}


def _public(rec: Json) -> Json:
    return {k: v for k, v in rec.items() if not k.startswith("_")}


def _updated(rec: Json, since: datetime | None) -> str:
    """date_updated: the last write, or the derived status change if later."""
    return iso(max(at(rec["date_updated"]), since or at(rec["date_updated"])))


def _tcr_id(letter: str, sid: str) -> str:
    return letter + hashlib.sha256(sid.encode()).hexdigest()[:6].upper()


def _bundle(kind: str) -> Callable[[Ctx, Json], Json]:
    segment = BUNDLE_PATHS[kind]

    def render(ctx: Ctx, rec: Json) -> Json:
        phase = bundle_phase(ctx, rec)
        url = ctx.url("trusthub", f"/v1/{segment}/{rec['sid']}")
        out = _public(rec) | {
            "status": phase.status,
            "date_created": iso(rec["date_created"]),
            "date_updated": _updated(rec, phase.since),
            "errors": [{"code": 18601}] if phase.status == "twilio-rejected" else None,
            "url": url,
            "links": {
                f"{kind}_entity_assignments": f"{url}/EntityAssignments",
                f"{kind}_evaluations": f"{url}/Evaluations",
                f"{kind}_channel_endpoint_assignment": f"{url}/ChannelEndpointAssignments",
            },
        }
        if phase.status == "twilio-approved" and phase.since is not None:
            out["valid_until"] = iso(phase.since + timedelta(days=365))
        return out

    return render


def _trusthub(path: str) -> Callable[[Ctx, Json], Json]:
    def render(ctx: Ctx, rec: Json) -> Json:
        return _public(rec) | {
            "date_created": iso(rec["date_created"]),
            "date_updated": iso(rec["date_updated"]),
            "url": ctx.url("trusthub", f"/v1/{path}/{rec['sid']}"),
        }

    return render


def bundle_child(ctx: Ctx, rec: Json, collection: str) -> Json:
    """An entity assignment or evaluation, under /v1/{CustomerProfiles|TrustProducts}/{BU}/{collection}."""
    fk = next(key for key in BUNDLE_KEYS if key in rec)
    return _public(rec) | {
        "date_created": iso(rec["date_created"]),
        "url": ctx.url("trusthub", f"/v1/{BUNDLE_KEYS[fk]}/{rec[fk]}/{collection}/{rec['sid']}"),
    }


def brand(ctx: Ctx, rec: Json) -> Json:
    phase = brand_phase(rec, ctx.now)
    url = ctx.url("messaging", f"/v1/a2p/BrandRegistrations/{rec['sid']}")
    failed = phase.status == "FAILED"
    return _public(rec) | {
        "status": phase.status,
        "identity_status": phase.identity_status,
        "tcr_id": _tcr_id("B", rec["sid"]) if phase.status == "APPROVED" else None,
        "failure_reason": rec["_failure_reason"] if failed else None,
        "errors": rec["_errors"] if failed else [],
        "brand_score": None,
        "brand_feedback": None,
        "russell_3000": None,
        "government_entity": None,
        "tax_exempt_status": None,
        "date_created": iso(rec["date_created"]),
        "date_updated": _updated(rec, phase.since),
        "url": url,
        "links": {"brand_vettings": f"{url}/Vettings", "brand_registration_otps": f"{url}/SmsOtp"},
    }


def service(ctx: Ctx, rec: Json) -> Json:
    url = ctx.url("messaging", f"/v1/Services/{rec['sid']}")
    links = {name: f"{url}/{path}" for name, path in SERVICE_LINKS.items()}
    return _public(rec) | {
        "date_created": iso(rec["date_created"]),
        "date_updated": iso(rec["date_updated"]),
        "url": url,
        "links": links,
        "us_app_to_person_registered": ctx.state.get(campaign_key(rec["sid"])) is not None,
    }


def service_number(ctx: Ctx, rec: Json) -> Json:
    return _public(rec) | {
        "date_created": iso(rec["date_created"]),
        "date_updated": iso(rec["date_updated"]),
        "url": ctx.url("messaging", f"/v1/Services/{rec['service_sid']}/PhoneNumbers/{rec['sid']}"),
    }


def campaign(ctx: Ctx, rec: Json) -> Json:
    phase = campaign_phase(rec, ctx.now)
    return _public(rec) | {
        "campaign_status": phase.status,
        "campaign_id": None if phase.status == "PENDING" else _tcr_id("C", rec["messaging_service_sid"]),
        "errors": rec["_errors"] if phase.status == "FAILED" else [],
        "rate_limits": SP_RATE_LIMITS,
        "date_created": iso(rec["date_created"]),
        "date_updated": _updated(rec, phase.since),
        "url": ctx.url(
            "messaging", f"/v1/Services/{rec['messaging_service_sid']}/Compliance/Usa2p/{CAMPAIGN_SID}"
        ),
    }


def _api2010(collection: str) -> Callable[[Ctx, Json], Json]:
    def render(ctx: Ctx, rec: Json) -> Json:
        return _public(rec) | {
            "date_created": rfc2822(rec["date_created"]),
            "date_updated": rfc2822(rec["date_updated"]),
            "uri": f"/2010-04-01/Accounts/{rec['account_sid']}/{collection}/{rec['sid']}.json",
        }

    return render


address = _api2010("Addresses")
incoming_number = _api2010("IncomingPhoneNumbers")

RENDER: dict[str, Callable[[Ctx, Json], Json]] = {
    "customer_profiles": _bundle("customer_profiles"),
    "trust_products": _bundle("trust_products"),
    "end_users": _trusthub("EndUsers"),
    "addresses": address,
    "supporting_documents": _trusthub("SupportingDocuments"),
    "brand_registrations": brand,
    "messaging_services": service,
    "campaigns": campaign,
    "incoming_phone_numbers": incoming_number,
}
"""Top-level kinds, in the order and with the keys of Sandbox.dump()."""
