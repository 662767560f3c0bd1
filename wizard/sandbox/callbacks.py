"""The sandbox tells, as Twilio does: a Trust Hub status callback to a profile's or bundle's `StatusCallback`,
and an Event Streams CloudEvent for a brand or campaign decision to the callback URL, each signed with the
sandbox's secret like Twilio signs with an auth token. Only loopback addresses are ever called.

A fault plan (A2P_SANDBOX_DELIVERY_FAULTS, e.g. `drop=0.2,repeat=0.3,reorder=1,seed=7`) drops, repeats and
reorders deliveries, as a network and Twilio's retries can.
"""

from __future__ import annotations

import ipaddress
import json
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

from wizard.sandbox.fake import Sandbox
from wizard.twilio import signature

REASONS = {
    18601: "The email address or business details could not be verified: check the customer's email and "
           "that the name matches the address.",
}
"""What the sandbox's status callback says of a profile rejection (the API's answer carries only the code)."""
PREFIX = "com.twilio.messaging.compliance."


@dataclass(frozen=True)
class Outgoing:
    """One signed delivery: where to, its headers, its body."""

    url: str
    headers: dict[str, str]
    body: bytes


@dataclass(frozen=True)
class DeliveryFaults:
    """How often a delivery is dropped or repeated, and whether a batch is sent in reverse order."""

    drop: float = 0
    repeat: float = 0
    reorder: bool = False
    seed: int | None = None

    @classmethod
    def parse(cls, spec: str) -> DeliveryFaults:
        """"drop=0.2,repeat=0.3,reorder=1,seed=7" ("" = none)."""
        values: dict[str, Any] = {}
        for item in filter(None, (part.strip() for part in spec.split(","))):
            key, _, raw = (s.strip() for s in item.partition("="))
            try:
                if key in ("drop", "repeat") and 0 <= float(raw) <= 1:
                    values[key] = float(raw)
                elif key in ("reorder", "seed"):
                    values[key] = bool(int(raw)) if key == "reorder" else int(raw)
                else:
                    raise ValueError
            except ValueError:
                raise ValueError(f"{item!r}: use drop=0..1, repeat=0..1, reorder=0|1, seed=N") from None
        return cls(**values)

    def apply(self, outgoing: list[Outgoing], rng: random.Random) -> list[Outgoing]:
        sent = [o for o in outgoing if rng.random() >= self.drop]
        sent = [o for o in sent for _ in range(2 if rng.random() < self.repeat else 1)]
        return sent[::-1] if self.reorder else sent


def loopback(url: str) -> bool:
    try:
        return ipaddress.ip_address(urlsplit(url).hostname or "").is_loopback
    except ValueError:
        return urlsplit(url).hostname == "localhost"


def form(url: str, token: str, params: dict[str, str]) -> Outgoing:
    return Outgoing(url, {"Content-Type": "application/x-www-form-urlencoded",
                          "X-Twilio-Signature": signature.sign(token, url, params.items())},
                    urlencode(params).encode())


def cloud_event(url: str, token: str, ident: str, kind: str, data: dict[str, Any], time: str) -> Outgoing:
    body = json.dumps({"specversion": "1.0", "type": PREFIX + kind, "source": "sandbox", "id": ident,
                       "time": time, "datacontenttype": "application/json", "data": data}).encode()
    signed = signature.with_body_hash(url, body)
    return Outgoing(signed, {"Content-Type": "application/json",
                             "X-Twilio-Signature": signature.sign(token, signed)}, body)


def deliveries(changes: list[tuple[str, dict[str, Any]]], callback_url: str | None, token: str) -> list[Outgoing]:
    """What Twilio would send for these status changes (to loopback addresses only)."""
    out: list[Outgoing] = []
    for kind, body in changes:
        when = body.get("date_updated") or ""
        if kind in ("customer_profiles", "trust_products"):
            target = body.get("status_callback")
            if not target or body["status"] == "draft" or not loopback(target):
                continue
            params = {"AccountSid": body["account_sid"], "Sid": body["sid"], "Status": body["status"],
                      "DateUpdated": when}
            if body.get("errors"):
                params["Errors"] = json.dumps([{"code": e.get("code"), "message": REASONS.get(e.get("code"), "")}
                                               for e in body["errors"]])
            out.append(form(target, token, params))
        elif callback_url and loopback(callback_url):
            event = _event(kind, body)
            if event:
                ident = f"sandbox-{body.get('messaging_service_sid') or body['sid']}-{event[0]}-{when}"
                out.append(cloud_event(callback_url, token, ident, event[0], event[1], when))
    return out


def _event(kind: str, body: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    """The Event Streams type and data for a brand's or campaign's status now (None: Twilio tells nothing)."""
    if kind == "brand_registrations":
        data: dict[str, Any] = {"accountsid": body["account_sid"], "brandsid": body["sid"]}
        if body["status"] == "FAILED":
            data |= {"brandstatus": "registration_failed", "brandregistrationerrors": [
                {"registrationerrorcode": e.get("error_code"), "registrationerrordescription": e.get("description"),
                 "registrationerrorfields": e.get("fields") or []} for e in body.get("errors") or []]}
            return "brand-registration.brand-failure", data
        if body["status"] == "APPROVED":
            verified = body.get("identity_status") == "VERIFIED"
            data |= {"brandstatus": "registered", "identitystatus": body.get("identity_status")}
            return f"brand-registration.brand-{'verified' if verified else 'unverified'}", data
        return None
    if kind == "campaigns" and body.get("campaign_status") in ("VERIFIED", "FAILED"):
        data = {"accountsid": body["account_sid"], "brandsid": body["brand_registration_sid"],
                "messagingservicesid": body["messaging_service_sid"],
                "campaignregistrationstatus": body["campaign_status"]}
        failed = body["campaign_status"] == "FAILED"
        return f"campaign-registration.campaign-{'failure' if failed else 'approved'}", data
    return None


class Notifier:
    """Sends what the sandbox's status changes would make Twilio send, through `post` (e.g. an httpx client)."""

    def __init__(self, sandbox: Sandbox, callback_url: str | None, token: str,
                 post: Callable[[Outgoing], Awaitable[int]], faults: DeliveryFaults | None = None) -> None:
        self.sandbox = sandbox
        self.callback_url = callback_url
        self._token = token
        self._post = post
        self._faults = faults or DeliveryFaults()
        self._rng = random.Random(self._faults.seed)

    async def tick(self) -> list[int]:
        """Send what changed since the last tick; the answers' status codes."""
        outgoing = deliveries(self.sandbox.status_changes(), self.callback_url, self._token)
        return [await self._post(o) for o in self._faults.apply(outgoing, self._rng)]
