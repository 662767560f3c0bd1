"""2010-04-01 API: addresses and the account's incoming phone numbers (`.json` paths, flat list pages)."""

from __future__ import annotations

import re

from wizard.sandbox import renderers
from wizard.sandbox.context import HEX, Answer, Ctx, Json
from wizard.sandbox.paging import v2010_page
from wizard.sandbox.request import Request, invalid

ACCOUNT = "/2010-04-01/Accounts/(?P<account>AC[0-9a-f]{32})"
_ADDRESS_TEXTS = {
    "CustomerName": "customer_name",
    "Street": "street",
    "City": "city",
    "Region": "region",
    "PostalCode": "postal_code",
}


def _address_changes(req: Request, *, create: bool) -> Json:
    changes: Json = {field: req.text(param, required=create) for param, field in _ADDRESS_TEXTS.items()}
    changes |= {
        "friendly_name": req.text("FriendlyName", max_len=64),
        "street_secondary": req.text("StreetSecondary"),
        "emergency_enabled": req.flag("EmergencyEnabled"),
    }
    req.flag("AutoCorrectAddress")  # accepted and validated; the sandbox never rewrites an address
    return changes


def create_address(ctx: Ctx, req: Request, account: str) -> Answer:
    changes = _address_changes(req, create=True)
    country = req.text("IsoCountry", required=True)
    if not re.fullmatch(r"[A-Z]{2}", str(country)):
        raise invalid("IsoCountry", f"{country!r} is not an ISO 3166-1 alpha-2 country code")
    now = ctx.stamp()
    rec = {
        "sid": ctx.mint("AD"),
        "account_sid": account,
        **changes,
        "iso_country": country,
        "emergency_enabled": bool(changes["emergency_enabled"]),
        "validated": True,
        "verified": False,
        "date_created": now,
        "date_updated": now,
    }
    ctx.state.put("addresses", rec["sid"], rec)
    return 201, renderers.address(ctx, rec)


def list_addresses(ctx: Ctx, req: Request, account: str) -> Answer:
    filters = {
        "friendly_name": req.text("FriendlyName"),
        "customer_name": req.text("CustomerName"),
        "iso_country": req.text("IsoCountry"),
    }
    items = [
        a for a in ctx.state.list("addresses") if all(v is None or a[k] == v for k, v in filters.items())
    ]
    return 200, v2010_page(req, [renderers.address(ctx, a) for a in items], "addresses")


def fetch_address(ctx: Ctx, req: Request, account: str, sid: str) -> Answer:
    return 200, renderers.address(ctx, ctx.load("addresses", sid, req.path))


def update_address(ctx: Ctx, req: Request, account: str, sid: str) -> Answer:
    rec = ctx.load("addresses", sid, req.path)
    rec |= {k: v for k, v in _address_changes(req, create=False).items() if v is not None}
    if "StreetSecondary" in req.params:  # sent empty: the second line is cleared
        rec["street_secondary"] = req.text("StreetSecondary")
    rec["date_updated"] = ctx.stamp()
    ctx.state.put("addresses", sid, rec)
    return 200, renderers.address(ctx, rec)


def list_numbers(ctx: Ctx, req: Request, account: str) -> Answer:
    """Filters: PhoneNumber (digits, `*` = any digit, matched anywhere: a full E.164 number matches exactly),
    FriendlyName (exact)."""
    pattern, name = req.text("PhoneNumber"), req.text("FriendlyName")
    regex = re.compile("".join(r"\d" if ch == "*" else re.escape(ch) for ch in pattern or ""))
    items = [
        n
        for n in ctx.state.list("incoming_phone_numbers")
        if (pattern is None or regex.search(n["phone_number"])) and name in (None, n["friendly_name"])
    ]
    return 200, v2010_page(req, [renderers.incoming_number(ctx, n) for n in items], "incoming_phone_numbers")


def fetch_number(ctx: Ctx, req: Request, account: str, sid: str) -> Answer:
    return 200, renderers.incoming_number(ctx, ctx.load("incoming_phone_numbers", sid, req.path))


ROUTES = [
    (rf"{ACCOUNT}/Addresses\.json", {"GET": list_addresses, "POST": create_address}),
    (rf"{ACCOUNT}/Addresses/(?P<sid>AD{HEX})\.json", {"GET": fetch_address, "POST": update_address}),
    (rf"{ACCOUNT}/IncomingPhoneNumbers\.json", {"GET": list_numbers}),
    (rf"{ACCOUNT}/IncomingPhoneNumbers/(?P<sid>PN{HEX})\.json", {"GET": fetch_number}),
]
