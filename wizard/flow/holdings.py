"""What Twilio holds: before a create, the engine looks here and adopts what is already there.

Twilio, not the store, is the record of what exists: a store restored with its data folder (journal mark and all),
a PostgreSQL dump, a second folder holding the same keys — none of them may create a resource twice. So before a
create of a kind the account holds once per customer (starter profile, trust product, end users, address, supporting
document, brand, Messaging Service, bought number) the kind's list endpoint is read — once per run, paged through the
client, the first time such a create comes up — and indexed by the customer's deterministic names (`a2p:<key>:…`;
a brand by its pair of bundles, a service by the name's `a2p:<key>:service` end). Creates under a parent (a bundle's
assignments, a service's number) look at the parent's list, unless this run made the parent. A campaign is looked
for through every service named for the customer: a brand has one campaign, perhaps on a duplicate service that a
restored store forgot; then that service and its number are adopted, and the duplicates become the customer's
`strays` for `reconcile` to remove (flow.strays).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from wizard.customer.customer import Customer
from wizard.customer.state import FlowState
from wizard.flow.actions import Action, Body
from wizard.flow.plan import friendly
from wizard.twilio import facts as C
from wizard.twilio.client import TwilioClient

LISTS: dict[str, tuple[str, dict[str, str]]] = {
    "profile.create": ("list_customer_profiles", {"PolicySid": C.STARTER_PROFILE_POLICY_SID}),
    "profile.end_user": ("list_end_users", {}),
    "bundle.end_user": ("list_end_users", {}),
    "profile.address": ("list_addresses", {}),
    "profile.document": ("list_supporting_documents", {}),
    "bundle.create": ("list_trust_products", {"PolicySid": C.SOLE_PROPRIETOR_POLICY_SID}),
    "brand.create": ("list_brand_registrations", {}),
    "campaign.service": ("list_services", {}),
    "campaign.buy_number": ("list_incoming_phone_numbers", {}),
}
"""The creates looked up in an account-wide list, and that list (operation, query)."""
UNDER_PARENT = ("profile.assign_", "bundle.assign_", "campaign.add_number")
"""Creates under a parent resource (its SID is the action's path `sid`): looked up with the action's finder."""
SEPARATOR = " · "
"""Between a Messaging Service's label and its deterministic name (plan.service_name)."""


@dataclass(frozen=True)
class Found:
    """A resource Twilio already holds for the customer, and what adopting it changes beyond the action's own
    answer (`also`: another service and its number taken over, duplicates marked as strays)."""

    body: Body
    also: Callable[[FlowState], None] | None = None
    note: str = ""


def _name(op: str, item: Body) -> str:
    """The index key of a listed resource."""
    if op == "list_brand_registrations":
        return f"{item.get('customer_profile_bundle_sid')}|{item.get('a2p_profile_bundle_sid')}"
    name = str(item.get("friendly_name") or "")
    return name.rpartition(SEPARATOR)[2] if op == "list_services" else name


def _wanted(c: Customer, action: Action) -> str:
    """The index key the action's resource would have."""
    if action.name == "brand.create":
        params = action.params or {}
        return f"{params.get('CustomerProfileBundleSid')}|{params.get('A2PProfileBundleSid')}"
    if action.name == "campaign.service":
        return friendly(c.key, "service")
    return action.friendly_name or ""


class Holdings:
    """One run's view of what Twilio holds: each list read at most once (concurrent customers share the read)."""

    def __init__(self, client: TwilioClient) -> None:
        self.client = client
        self.made: set[str] = set()
        """SIDs this run created: nothing can be under them yet."""
        self._reads: dict[tuple[Any, ...], asyncio.Task[list[Body]]] = {}
        self._indexes: dict[str, dict[str, list[Body]]] = {}

    async def find(self, c: Customer, action: Action) -> Found | None:
        """What Twilio already holds of the resource `action` would create for `c` (None: nothing, create it)."""
        if action.name == "campaign.create":
            return await self._campaign(c, action)
        if action.name in LISTS:
            held = (await self._index(*LISTS[action.name])).get(_wanted(c, action), [])
            if action.name == "campaign.service":
                return await self._service(c, held)
            if action.name == "campaign.buy_number":
                return await self._number(c, held)
            return Found(held[0]) if held else None
        if action.name.startswith(UNDER_PARENT) and action.find is not None:
            if action.path.get("sid") in self.made:
                return None
            body = await action.find(self.client, action.friendly_name)
            return Found(body) if body is not None else None
        return None

    # -- the Messaging Service, its number and its campaign ------------------------------------------------------

    async def _service(self, c: Customer, held: list[Body]) -> Found | None:
        """The customer's service; of several, the one holding the brand's campaign (the others are strays)."""
        if len(held) <= 1:
            return Found(held[0]) if held else None
        brand, chosen, others = c.state.sids.get("brand"), held[0], []
        for service in held:
            if brand and await self._brand_campaign(service["sid"], brand):
                chosen = service
                break
        for service in held:
            if service is not chosen and not await self._campaigns(service["sid"]):
                others.append(service["sid"])
        return Found(chosen, _strays(others), _stray_note(others))

    async def _number(self, c: Customer, held: list[Body]) -> Found | None:
        """The number bought for the customer; of several, the one in its service (the others are strays)."""
        if len(held) <= 1:
            return Found(held[0]) if held else None
        service = c.state.sids.get("service")
        inside = {n.get("sid") for n in await self._under("list_service_phone_numbers", service)} if service else set()
        chosen = next((n for n in held if n["sid"] in inside), held[0])
        others = [n["sid"] for n in held if n is not chosen]
        return Found(chosen, _strays(others), _stray_note(others))

    async def _campaign(self, c: Customer, action: Action) -> Found | None:
        """The brand's campaign on any service named for the customer; on another one than the store's, that service
        and its number are adopted and the store's service (with a number bought for it) become strays."""
        s = c.state.sids
        brand, current = (action.params or {}).get("BrandRegistrationSid"), s.get("service")
        named = [item["sid"] for item in (await self._index(*LISTS["campaign.service"])).get(
            friendly(c.key, "service"), [])]
        for service in [sid for sid in dict.fromkeys([current, *named]) if sid]:  # the store's first
            if service in self.made or not (campaign := await self._brand_campaign(service, str(brand))):
                continue
            if service == current:
                return Found(campaign)
            numbers = await self._under("list_service_phone_numbers", service)
            bought = {n["sid"] for n in (await self._index(*LISTS["campaign.buy_number"])).get(
                friendly(c.key, "number"), [])}
            strays = [sid for sid in (current, s.get("phone_number")) if sid and (sid == current or sid in bought)]
            return Found(campaign, _moved(service, numbers[0] if numbers else None, strays),
                         f"on Messaging Service {service}; " + _stray_note(strays))
        return None

    async def _brand_campaign(self, service: str, brand: str) -> Body | None:
        return next((k for k in await self._campaigns(service) if k.get("brand_registration_sid") == brand), None)

    async def _campaigns(self, service: str) -> list[Body]:
        return await self._under("list_campaigns", service)

    # -- reading each list once --------------------------------------------------------------------------------

    async def _index(self, op: str, query: dict[str, str]) -> dict[str, list[Body]]:
        key = f"{op}?{sorted(query.items())}"
        if key not in self._indexes:
            index: dict[str, list[Body]] = {}
            for item in await self._read(op, query):
                index.setdefault(_name(op, item), []).append(item)
            self._indexes.setdefault(key, index)
        return self._indexes[key]

    async def _under(self, op: str, parent: str) -> list[Body]:
        return await self._read(op, {}, sid=parent)

    async def _read(self, op: str, query: dict[str, str], **path: str) -> list[Body]:
        """Every item of a list (the read shared by whoever asks while it runs; a failed read is tried again by the
        next one who asks)."""
        key = (op, tuple(sorted(query.items())), tuple(sorted(path.items())))
        task = self._reads.get(key)
        if task is None:
            task = self._reads[key] = asyncio.ensure_future(self._pages(op, query, path))
        try:
            return await asyncio.shield(task)
        except Exception:
            if self._reads.get(key) is task:
                del self._reads[key]
            raise

    async def _pages(self, op: str, query: dict[str, str], path: dict[str, str]) -> list[Body]:
        return [item async for item in self.client.paginate(op, query=query or None, **path)]


def _strays(sids: list[str]) -> Callable[[FlowState], None] | None:
    if not sids:
        return None

    def apply(state: FlowState) -> None:
        state.strays = list(dict.fromkeys([*state.strays, *sids]))

    return apply


def _moved(service: str, number: Body | None, strays: list[str]) -> Callable[[FlowState], None]:
    def apply(state: FlowState) -> None:
        state.sids["service"] = service
        if number is not None:
            state.sids["service_number"] = state.sids["phone_number"] = number["sid"]
            state.number = number.get("phone_number") or state.number
        state.strays = list(dict.fromkeys([*state.strays, *strays]))

    return apply


def _stray_note(sids: list[str]) -> str:
    return f"duplicates left for `reconcile` to remove: {', '.join(sids)}" if sids else ""
