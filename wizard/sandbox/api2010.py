"""2010-04-01 API: addresses and the account's incoming phone numbers (`.json` paths, flat list pages)."""

from __future__ import annotations

import re
from functools import partial

from phonenumbers import parse, region_code_for_number

from wizard.sandbox import renderers, services
from wizard.sandbox.context import HEX, Answer, Ctx, Json
from wizard.sandbox.paging import v2010_page
from wizard.sandbox.request import Request, Routes, bad, invalid
from wizard.sandbox.seed import own_numbers, put_number

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
    return 200, v2010_page(req, items, "addresses", partial(renderers.address, ctx))


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
    return 200, v2010_page(req, items, "incoming_phone_numbers", partial(renderers.incoming_number, ctx))


FOR_SALE_LINES = range(200, 300)
"""Numbers the sandbox has for sale in every US area code: NPA-555-0200 … NPA-555-0299."""


def for_sale(ctx: Ctx, area_code: str | None) -> list[str]:
    """US local numbers not yet bought, in `area_code` (the seeded account's 206 when None), in order."""
    npa = area_code or "206"
    if not re.fullmatch(r"[2-9]\d\d", npa) or region_code_for_number(parse(f"+1{npa}5550200")) != "US":
        return []
    owned = own_numbers(ctx)
    return [number for line in FOR_SALE_LINES if (number := f"+1{npa}555{line:04d}") not in owned]


def list_available(ctx: Ctx, req: Request, account: str) -> Answer:
    """AvailablePhoneNumbers/US/Local: the sandbox's inventory (AreaCode, SmsEnabled and PageSize honoured)."""
    area = req.text("AreaCode")
    req.flag("SmsEnabled")  # every number the sandbox sells can send SMS
    items = [{"friendly_name": f"({n[2:5]}) {n[5:8]}-{n[8:]}", "phone_number": n, "lata": "674",
              "locality": None, "rate_center": "SANDBOX", "latitude": None, "longitude": None, "region": None,
              "postal_code": None, "iso_country": "US", "address_requirements": "none", "beta": False,
              "capabilities": {"voice": True, "sms": True, "mms": True, "fax": False}}
             for n in for_sale(ctx, area)]
    size = int(req.text("PageSize") or 50)  # like Twilio's: one page of candidates, never a next one
    return 200, v2010_page(req, items[:size], "available_phone_numbers")


def buy_number(ctx: Ctx, req: Request, account: str) -> Answer:
    """Provision a number: the given PhoneNumber when it is for sale, else the first one in AreaCode."""
    wanted, area = req.text("PhoneNumber"), req.text("AreaCode")
    name = req.text("FriendlyName", max_len=64)
    if wanted is None and area is None:
        raise bad(21604, "A 'PhoneNumber' or 'AreaCode' is required")
    if wanted is not None:
        if wanted not in for_sale(ctx, wanted[2:5] if wanted.startswith("+1") else ""):
            raise bad(21422, f"PhoneNumber {wanted} is not available")
        number = wanted
    else:
        offered = for_sale(ctx, area)
        if not offered:
            raise bad(21452, f"No phone numbers found in area code {area}")
        number = offered[0]
    sid = ctx.mint("PN")
    rec = put_number(ctx, sid, number, name or f"({number[2:5]}) {number[5:8]}-{number[8:]}")
    return 201, renderers.incoming_number(ctx, rec)


def fetch_number(ctx: Ctx, req: Request, account: str, sid: str) -> Answer:
    return 200, renderers.incoming_number(ctx, ctx.load("incoming_phone_numbers", sid, req.path))


def release_number(ctx: Ctx, req: Request, account: str, sid: str) -> Answer:
    """Release a number: out of its service, no longer the account's (nor billed)."""
    number = ctx.load("incoming_phone_numbers", sid, req.path)
    if holder := number.get("_service_sid"):
        services.free(ctx, holder, sid)
    ctx.state.delete(sid)
    return 204, None


ROUTES: Routes = [
    (rf"{ACCOUNT}/Addresses\.json", {"GET": list_addresses, "POST": create_address}),
    (rf"{ACCOUNT}/Addresses/(?P<sid>AD{HEX})\.json", {"GET": fetch_address, "POST": update_address}),
    (rf"{ACCOUNT}/IncomingPhoneNumbers\.json", {"GET": list_numbers, "POST": buy_number}),
    (rf"{ACCOUNT}/AvailablePhoneNumbers/US/Local\.json", {"GET": list_available}),
    (rf"{ACCOUNT}/IncomingPhoneNumbers/(?P<sid>PN{HEX})\.json", {"GET": fetch_number, "DELETE": release_number}),
]
