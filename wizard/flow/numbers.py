"""The account's phone numbers a campaign can still use: the account's own, not held by another customer."""

from __future__ import annotations

from dataclasses import dataclass

from wizard.flow.engine import Engine


@dataclass(frozen=True)
class PhoneNumber:
    sid: str
    number: str  # E.164
    label: str  # as Twilio shows it, e.g. "(206) 555-0100"


async def account_numbers(engine: Engine) -> list[PhoneNumber]:
    """Every incoming phone number of the Twilio account (the sandbox answers with its five)."""
    return [
        PhoneNumber(item["sid"], item["phone_number"], item.get("friendly_name") or item["phone_number"])
        async for item in engine.client.paginate("list_incoming_phone_numbers")
    ]


async def available_numbers(engine: Engine, key: str | None = None) -> list[PhoneNumber]:
    """The account's numbers that no active customer but `key` holds (an offboarded customer's kept number is
    free for another; `key`'s own stays listed)."""
    taken = engine.store.held_numbers(exclude_key=key)
    return [n for n in await account_numbers(engine) if n.sid not in taken and n.number not in taken]


async def numbers_for_sale(engine: Engine, area_code: str, *, limit: int = 20) -> list[PhoneNumber]:
    """US local numbers Twilio has for sale in `area_code` that can send SMS (nothing is bought)."""
    found: list[PhoneNumber] = []
    async for item in engine.client.paginate("list_available_local_numbers", country="US",
                                             query={"AreaCode": area_code, "SmsEnabled": True, "PageSize": limit}):
        found.append(PhoneNumber("", item["phone_number"], item.get("friendly_name") or item["phone_number"]))
        if len(found) >= limit:
            break
    return found
