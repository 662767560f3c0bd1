"""Twilio's API as the sandbox answers it, driven call by call: the fixtures `sandbox`/`api`/`steps` and the `Steps`
driver that the sandbox tests share."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from wizard.sandbox.fake import Sandbox
from wizard.sandbox.transport import SandboxTransport
from wizard.twilio.facts import (
    ADDRESS_DOCUMENT_TYPE,
    HOSTS,
    SOLE_PROPRIETOR_END_USER_TYPE,
    SOLE_PROPRIETOR_POLICY_SID,
    STARTER_END_USER_TYPE,
    STARTER_PROFILE_POLICY_SID,
)

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
TH, MS = HOSTS["trusthub"], HOSTS["messaging"]
API = f"{HOSTS['api']}/2010-04-01/Accounts/{Sandbox.ACCOUNT_SID}"
AUTH = (Sandbox.ACCOUNT_SID, "auth-token")
SAMPLES = [
    "Hi {name}, your table for two is booked for 7pm. Reply STOP to opt out.",
    "Reminder: your appointment at Jane's Salon is tomorrow at 10am. Reply STOP to opt out.",
]
CAMPAIGN = {
    "Description": "Appointment reminders and booking confirmations for Jane's Salon customers.",
    "MessageFlow": "Customers opt in by ticking an SMS consent box when they book on janesalon.example.com.",
    "UsAppToPersonUsecase": "SOLE_PROPRIETOR",
    "HasEmbeddedLinks": "false",
    "HasEmbeddedPhone": "false",
    "PrivacyPolicyUrl": "https://janesalon.example.com/privacy",
    "TermsAndConditionsUrl": "https://janesalon.example.com/terms",
}


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[Sandbox]:
    sb = Sandbox.open(tmp_path / "sandbox.db", now=lambda: NOW)
    yield sb
    sb.close()


@pytest.fixture
async def api(sandbox: Sandbox) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=SandboxTransport(sandbox), auth=AUTH) as client:
        yield client


def body(response: httpx.Response, status: int) -> Any:
    assert response.status_code == status, response.text
    return response.json() if response.content else None


def error(response: httpx.Response, status: int, code: int) -> str:
    """Assert Twilio's error shape; return the message."""
    data = body(response, status)
    assert data == {
        "code": code,
        "message": data["message"],
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }
    return data["message"]


class Steps:
    """Drives the flow exactly as docs/twilio-api.md §2 lists the calls."""

    def __init__(self, api: httpx.AsyncClient, sandbox: Sandbox) -> None:
        self.api, self.sb = api, sandbox

    async def post(self, url: str, data: dict[str, Any] | None = None, status: int = 201) -> Any:
        return body(await self.api.post(url, data=data), status)

    async def get(self, url: str, **params: Any) -> Any:
        return body(await self.api.get(url, params=params), 200)

    async def step1_parts(
        self, key: str = "c1", *, street: str = "1 Main St", email: str = "jane@example.com"
    ) -> dict[str, str]:
        """Calls 1.1–1.5: profile, end user, address, document, three assignments."""
        bu = await self.bundle("CustomerProfiles", f"{key} starter", STARTER_PROFILE_POLICY_SID)
        attributes = {
            "first_name": "Jane",
            "last_name": "Doe",
            "email": email,
            "phone_number": "+12065551234",
        }
        it = await self.post(
            f"{TH}/v1/EndUsers",
            {
                "FriendlyName": f"{key} info",
                "Type": STARTER_END_USER_TYPE,
                "Attributes": json.dumps(attributes),
            },
        )
        ad = await self.post(
            f"{API}/Addresses.json",
            {
                "CustomerName": "Jane Doe",
                "Street": street,
                "City": "Seattle",
                "Region": "WA",
                "PostalCode": "98101",
                "IsoCountry": "US",
                "FriendlyName": f"{key} address",
            },
        )
        rd = await self.post(
            f"{TH}/v1/SupportingDocuments",
            {
                "FriendlyName": f"{key} address doc",
                "Type": ADDRESS_DOCUMENT_TYPE,
                "Attributes": json.dumps({"address_sids": ad["sid"]}),
            },
        )
        for obj in (it["sid"], rd["sid"], self.sb.PRIMARY_PROFILE_SID):
            await self.post(f"{TH}/v1/CustomerProfiles/{bu['sid']}/EntityAssignments", {"ObjectSid": obj})
        return {"profile": bu["sid"], "end_user": it["sid"], "address": ad["sid"], "document": rd["sid"]}

    async def bundle(self, collection: str, name: str, policy: str) -> dict[str, Any]:
        """A new customer profile or trust product (`collection`) under `policy`."""
        return await self.post(f"{TH}/v1/{collection}",
                               {"FriendlyName": name, "Email": "ops@isv.example.com", "PolicySid": policy})

    async def evaluate(self, collection: str, sid: str, policy: str) -> dict[str, Any]:
        return await self.post(f"{TH}/v1/{collection}/{sid}/Evaluations", {"PolicySid": policy})

    async def submit(self, collection: str, sid: str, status: int = 200) -> Any:
        return await self.post(f"{TH}/v1/{collection}/{sid}", {"Status": "pending-review"}, status)

    async def step1(self, key: str = "c1", **kw: str) -> str:
        parts = await self.step1_parts(key, **kw)
        assert (await self.evaluate("CustomerProfiles", parts["profile"], STARTER_PROFILE_POLICY_SID))[
            "status"
        ] == "compliant"
        assert (await self.submit("CustomerProfiles", parts["profile"]))["status"] == "pending-review"
        return parts["profile"]

    async def step2_parts(
        self, profile: str, key: str = "c1", *, brand_name: str = "Jane's Salon", mobile: str = "+12065551234"
    ) -> dict[str, str]:
        """Calls 2.1–2.3: trust product, end user, two assignments."""
        tp = await self.bundle("TrustProducts", f"{key} trust product", SOLE_PROPRIETOR_POLICY_SID)
        attributes = {"brand_name": brand_name, "mobile_phone_number": mobile, "vertical": "RETAIL"}
        it = await self.post(
            f"{TH}/v1/EndUsers",
            {
                "FriendlyName": f"{key} sole prop",
                "Type": SOLE_PROPRIETOR_END_USER_TYPE,
                "Attributes": json.dumps(attributes),
            },
        )
        for obj in (it["sid"], profile):
            await self.post(f"{TH}/v1/TrustProducts/{tp['sid']}/EntityAssignments", {"ObjectSid": obj})
        return {"product": tp["sid"], "end_user": it["sid"]}

    async def step2(self, profile: str, key: str = "c1", **kw: str) -> str:
        parts = await self.step2_parts(profile, key, **kw)
        assert (await self.evaluate("TrustProducts", parts["product"], SOLE_PROPRIETOR_POLICY_SID))[
            "status"
        ] == "compliant"
        assert (await self.submit("TrustProducts", parts["product"]))["status"] == "pending-review"
        return parts["product"]

    async def brand(self, profile: str, product: str, **extra: str) -> dict[str, Any]:
        return await self.post(
            f"{MS}/v1/a2p/BrandRegistrations",
            {
                "CustomerProfileBundleSid": profile,
                "A2PProfileBundleSid": product,
                "BrandType": "SOLE_PROPRIETOR",
                "SkipAutomaticSecVet": "true",
                **extra,
            },
        )

    async def fetch_brand(self, sid: str) -> dict[str, Any]:
        return await self.get(f"{MS}/v1/a2p/BrandRegistrations/{sid}")

    async def verified_brand(self, key: str = "c1", **step2: str) -> str:
        profile = await self.step1(key)
        brand = await self.brand(profile, await self.step2(profile, key, **step2))
        self.sb.advance_clock(timedelta(minutes=5))
        self.sb.reply_yes(brand["sid"])
        return brand["sid"]

    async def service_with_number(self, key: str = "c1", number: str = "+12065550100") -> str:
        mg = await self.post(f"{MS}/v1/Services", {"FriendlyName": f"{key} service"})
        found = await self.get(f"{API}/IncomingPhoneNumbers.json", PhoneNumber=number)
        pn = found["incoming_phone_numbers"][0]["sid"]
        await self.post(f"{MS}/v1/Services/{mg['sid']}/PhoneNumbers", {"PhoneNumberSid": pn})
        return mg["sid"]

    async def campaign(self, mg: str, brand: str, samples: list[str] = SAMPLES, status: int = 201) -> Any:
        data = CAMPAIGN | {"BrandRegistrationSid": brand, "MessageSamples": samples}
        return await self.post(f"{MS}/v1/Services/{mg}/Compliance/Usa2p", data, status)


@pytest.fixture
def steps(api: httpx.AsyncClient, sandbox: Sandbox) -> Steps:
    return Steps(api, sandbox)
