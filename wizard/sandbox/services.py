"""Messaging v1 services and the phone numbers in them."""

from __future__ import annotations

from functools import partial
from typing import Any

from wizard.sandbox import campaigns, renderers
from wizard.sandbox.context import HEX, Answer, Ctx
from wizard.sandbox.paging import v1_page
from wizard.sandbox.request import Request, Routes, bad

KIND = "messaging_services"
USECASES = ("notifications", "marketing", "verification", "discussion", "poll", "undeclared")
_FLAGS = {
    "StickySender": ("sticky_sender", True),
    "MmsConverter": ("mms_converter", True),
    "SmartEncoding": ("smart_encoding", True),
    "FallbackToLongCode": ("fallback_to_long_code", True),
    "AreaCodeGeomatch": ("area_code_geomatch", True),
    "SynchronousValidation": ("synchronous_validation", False),
    "UseInboundWebhookOnNumber": ("use_inbound_webhook_on_number", False),
}


def list_services(ctx: Ctx, req: Request) -> Answer:
    return 200, v1_page(req, ctx.state.list(KIND), "services", partial(renderers.service, ctx))


def create_service(ctx: Ctx, req: Request) -> Answer:
    now, methods = ctx.stamp(), ("GET", "POST")
    rec: dict[str, Any] = {
        "sid": ctx.mint("MG"),
        "account_sid": ctx.account_sid,
        "friendly_name": req.text("FriendlyName", required=True, max_len=64),
        "date_created": now,
        "date_updated": now,
        "inbound_request_url": req.uri("InboundRequestUrl"),
        "inbound_method": req.choice("InboundMethod", methods) or "POST",
        "fallback_url": req.uri("FallbackUrl"),
        "fallback_method": req.choice("FallbackMethod", methods) or "POST",
        "status_callback": req.uri("StatusCallback"),
        "scan_message_content": req.choice("ScanMessageContent", ("inherit", "enable", "disable"))
        or "inherit",
        "validity_period": req.integer("ValidityPeriod", 1, 36000) or 36000,
        "usecase": req.choice("Usecase", USECASES) or "undeclared",
    }
    for param, (field, default) in _FLAGS.items():
        rec[field] = default if (value := req.flag(param)) is None else value
    ctx.state.put(KIND, rec["sid"], rec)
    return 201, renderers.service(ctx, rec)


def fetch_service(ctx: Ctx, req: Request, mg: str) -> Answer:
    return 200, renderers.service(ctx, ctx.load(KIND, mg, req.path))


def add_number(ctx: Ctx, req: Request, mg: str) -> Answer:
    """21421 not owned, 80104 already in this service, 21712 already in another one."""
    ctx.load(KIND, mg, req.path)
    pn = str(req.sid("PhoneNumberSid", "PN", required=True))
    number = ctx.state.get(pn, "incoming_phone_numbers")
    if number is None:
        raise bad(21421, f"PhoneNumberSid {pn} is not a phone number of this account")
    if (holder := number.get("_service_sid")) == mg:
        raise bad(80104, f"Phone number {number['phone_number']} is already in this Messaging Service")
    if holder:
        raise bad(
            21712,
            f"Phone number {number['phone_number']} is already in Messaging Service {holder}; "
            "remove it there first",
        )
    now = ctx.stamp()
    rec = {
        "sid": pn,
        "account_sid": ctx.account_sid,
        "service_sid": mg,
        "phone_number": number["phone_number"],
        "country_code": "US",
        "capabilities": ["MMS", "SMS", "Voice"],
        "date_created": now,
        "date_updated": now,
    }
    ctx.state.put(f"service_numbers:{mg}", f"{mg}/{pn}", rec)
    ctx.state.put("incoming_phone_numbers", pn, number | {"_service_sid": mg})
    return 201, renderers.service_number(ctx, rec)


def remove_number(ctx: Ctx, req: Request, mg: str, pn: str) -> Answer:
    """Take a number out of the service (it stays the account's, free for another service)."""
    ctx.load(f"service_numbers:{mg}", f"{mg}/{pn}", req.path)
    free(ctx, mg, pn)
    return 204, None


def free(ctx: Ctx, mg: str, pn: str) -> None:
    """Forget that number `pn` is in service `mg`."""
    ctx.state.delete(f"{mg}/{pn}")
    if (number := ctx.state.get(pn, "incoming_phone_numbers")) is not None:
        number.pop("_service_sid", None)
        ctx.state.put("incoming_phone_numbers", pn, number)


def delete_service(ctx: Ctx, req: Request, mg: str) -> Answer:
    """Deleting a service deletes its campaign and frees its numbers."""
    ctx.load(KIND, mg, req.path)
    campaigns.remove(ctx, mg)
    for item in ctx.state.list(f"service_numbers:{mg}"):
        free(ctx, mg, item["sid"])
    ctx.state.delete(mg)
    return 204, None


def list_numbers(ctx: Ctx, req: Request, mg: str) -> Answer:
    ctx.load(KIND, mg, req.path)
    items = [renderers.service_number(ctx, n) for n in ctx.state.list(f"service_numbers:{mg}")]
    return 200, v1_page(req, items, "phone_numbers")


def fetch_number(ctx: Ctx, req: Request, mg: str, pn: str) -> Answer:
    return 200, renderers.service_number(ctx, ctx.load(f"service_numbers:{mg}", f"{mg}/{pn}", req.path))


MG = f"/v1/Services/(?P<mg>MG{HEX})"
ROUTES: Routes = [
    ("/v1/Services", {"GET": list_services, "POST": create_service}),
    (MG, {"GET": fetch_service, "DELETE": delete_service}),
    (f"{MG}/PhoneNumbers", {"GET": list_numbers, "POST": add_number}),
    (f"{MG}/PhoneNumbers/(?P<pn>PN{HEX})", {"GET": fetch_number, "DELETE": remove_number}),
]
