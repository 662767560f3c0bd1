"""Find a resource whose create call's answer was lost, through Twilio's list endpoints.

Twilio documents no idempotency for these creates, so each one carries a unique friendly name (or, for a
brand, a unique pair of bundles) that a list call can match. Filters are re-checked client-side because
whether Twilio's FriendlyName filter is exact is not documented.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from wizard.flow.actions import Body, Finder
from wizard.twilio.client import TwilioClient


def _first(op: str, match: Callable[[Body, str | None], bool], *, query: dict[str, Any] | None = None,
           **path: str) -> Finder:
    async def find(client: TwilioClient, friendly_name: str | None) -> Body | None:
        async for item in client.paginate(op, query=query, **path):
            if match(item, friendly_name):
                return item
        return None

    return find


def by_friendly_name(op: str, *, filter_by_name: bool = True, **extra: str) -> Finder:
    """Match `friendly_name` (and any `extra` fields, e.g. policy_sid or type)."""

    def match(item: Body, name: str | None) -> bool:
        return item.get("friendly_name") == name and all(item.get(k) == v for k, v in extra.items())

    async def find(client: TwilioClient, friendly_name: str | None) -> Body | None:
        query: dict[str, Any] = {"FriendlyName": friendly_name} if filter_by_name else {}
        if "policy_sid" in extra:
            query["PolicySid"] = extra["policy_sid"]
        return await _first(op, match, query=query or None)(client, friendly_name)

    return find


def assignment(op: str, bundle_sid: str, object_sid: str) -> Finder:
    """An entity assignment of `object_sid` to a bundle."""
    return _first(op, lambda item, _: item.get("object_sid") == object_sid, sid=bundle_sid)


def brand(profile_sid: str, trust_product_sid: str) -> Finder:
    """The brand built on this pair of bundles (the list has no filters)."""
    return _first(
        "list_brand_registrations",
        lambda item, _: item.get("customer_profile_bundle_sid") == profile_sid
        and item.get("a2p_profile_bundle_sid") == trust_product_sid,
    )


def service_number(service_sid: str, number_sid: str) -> Finder:
    return _first("list_service_phone_numbers", lambda item, _: item.get("sid") == number_sid, sid=service_sid)


def campaign(service_sid: str) -> Finder:
    """At most one campaign lives on a sole-proprietor Messaging Service."""
    return _first("list_campaigns", lambda item, _: True, sid=service_sid)


def fetched(op: str, performed: Callable[[Body], bool] | None = None, **path: str) -> Finder:
    """For updates whose answer was lost: read the resource as it is now.

    `performed` tells from that body whether the update took effect (a submitted bundle is no longer a draft,
    a resubmitted brand no longer FAILED); if it did not — the process died before sending it — the finder
    answers None and the update is sent again, instead of recording as done an update Twilio never got.
    """

    async def find(client: TwilioClient, _: str | None) -> Body | None:
        body = await client.call(op, **path)
        return body if performed is None or performed(body) else None

    return find
