"""The built-in sandbox: auth, validation, pages, filters, the happy path of the four steps, persistence.

The fixtures `sandbox`/`api`/`steps` and the `Steps` driver live in tests/support/sandbox_api.py.
"""

from __future__ import annotations

import json
import os
import sqlite3
import stat
from datetime import timedelta
from pathlib import Path

import httpx
import phonenumbers
import pytest

from tests.support import sandbox_api as common
from tests.support.sandbox_api import API, AUTH, CAMPAIGN, MS, NOW, SAMPLES, TH, Steps, body, error
from wizard.sandbox.fake import Sandbox
from wizard.sandbox.transport import SandboxTransport
from wizard.sandbox.triggers import TRIGGERS
from wizard.twilio.facts import (
    CAMPAIGN_SID,
    HOSTS,
    SOLE_PROPRIETOR_POLICY_SID,
    STARTER_END_USER_TYPE,
    STARTER_PROFILE_POLICY_SID,
)

sandbox, api, steps = common.sandbox, common.api, common.steps  # the shared fixtures


async def test_happy_path_all_four_steps(steps: Steps, sandbox: Sandbox) -> None:
    policy = await steps.get(f"{TH}/v1/Policies/{STARTER_PROFILE_POLICY_SID}")  # 1.0
    assert policy["requirements"]["end_user"][0]["type"] == STARTER_END_USER_TYPE
    parts = await steps.step1_parts()  # 1.1–1.5
    profile = parts["profile"]
    evaluation = await steps.evaluate("CustomerProfiles", profile, STARTER_PROFILE_POLICY_SID)  # 1.6
    assert evaluation["status"] == "compliant" and evaluation["customer_profile_sid"] == profile
    assert [r["requirement_name"] for r in evaluation["results"]] == [
        STARTER_END_USER_TYPE,
        "customer_profile_address",
        "primary_customer_profile",
    ]
    assert (await steps.submit("CustomerProfiles", profile))["status"] == "pending-review"  # 1.7

    sp_policy = await steps.get(f"{TH}/v1/Policies/{SOLE_PROPRIETOR_POLICY_SID}")  # 2.0
    assert sp_policy["requirements"]["end_user"][0]["fields"] == [
        "brand_name",
        "mobile_phone_number",
        "vertical",
    ]
    product = (await steps.step2_parts(profile))["product"]  # 2.1–2.3
    assert (await steps.evaluate("TrustProducts", product, SOLE_PROPRIETOR_POLICY_SID))[
        "status"
    ] == "compliant"
    assert (await steps.submit("TrustProducts", product))["status"] == "pending-review"  # 2.5

    brand = await steps.brand(profile, product)  # 3.1
    assert (brand["status"], brand["identity_status"], brand["skip_automatic_sec_vet"]) == (
        "PENDING",
        None,
        True,
    )
    sandbox.advance_clock(timedelta(minutes=1))
    assert (await steps.get(f"{TH}/v1/CustomerProfiles/{profile}"))["status"] == "in-review"
    sandbox.advance_clock(timedelta(minutes=4))
    polled = await steps.fetch_brand(brand["sid"])  # 3.2
    assert (polled["status"], polled["identity_status"]) == ("APPROVED", "UNVERIFIED")
    sandbox.reply_yes(brand["sid"])
    polled = await steps.fetch_brand(brand["sid"])
    assert (polled["status"], polled["identity_status"]) == ("APPROVED", "VERIFIED")
    assert polled["tcr_id"] and polled["date_updated"] == "2026-11-26T10:05:00Z"
    for collection, sid in (("CustomerProfiles", profile), ("TrustProducts", product)):
        assert (await steps.get(f"{TH}/v1/{collection}/{sid}"))["status"] == "twilio-approved"

    mg = await steps.post(f"{MS}/v1/Services", {"FriendlyName": "c1 service"})  # 4.1
    assert mg["us_app_to_person_registered"] is False
    owned = await steps.get(f"{API}/IncomingPhoneNumbers.json", PhoneNumber="+12065550103")  # 4.2
    pn = owned["incoming_phone_numbers"][0]["sid"]
    entry = await steps.post(f"{MS}/v1/Services/{mg['sid']}/PhoneNumbers", {"PhoneNumberSid": pn})  # 4.3
    assert (entry["sid"], entry["phone_number"], entry["service_sid"]) == (pn, "+12065550103", mg["sid"])
    campaign = await steps.campaign(mg["sid"], brand["sid"])  # 4.4
    assert (campaign["sid"], campaign["campaign_status"], campaign["messaging_service_sid"]) == (
        CAMPAIGN_SID,
        "PENDING",
        mg["sid"],
    )
    assert campaign["message_samples"] == SAMPLES and campaign["has_embedded_links"] is False
    url = f"{MS}/v1/Services/{mg['sid']}/Compliance/Usa2p/{CAMPAIGN_SID}"
    sandbox.advance_clock(timedelta(minutes=10))
    assert (await steps.get(url))["campaign_status"] == "IN_PROGRESS"  # 4.5
    sandbox.advance_clock(timedelta(hours=2))
    final = await steps.get(url)
    assert final["campaign_status"] == "VERIFIED" and len(final["campaign_id"]) == 7
    assert (await steps.get(f"{MS}/v1/Services/{mg['sid']}"))["us_app_to_person_registered"] is True
    listed = await steps.get(f"{MS}/v1/Services/{mg['sid']}/Compliance/Usa2p")
    assert [c["brand_registration_sid"] for c in listed["compliance"]] == [brand["sid"]]


async def test_campaign_delete(steps: Steps) -> None:
    mg = await steps.service_with_number()
    await steps.campaign(mg, await steps.verified_brand())
    url = f"{MS}/v1/Services/{mg}/Compliance/Usa2p/{CAMPAIGN_SID}"
    assert (await steps.api.delete(url)).status_code == 204
    error(await steps.api.get(url), 404, 20404)
    error(await steps.api.delete(url), 404, 20404)
    assert (await steps.get(f"{MS}/v1/Services/{mg}"))["us_app_to_person_registered"] is False


async def test_new_campaign_on_a_service_waits_5_seconds_after_a_delete(steps: Steps, sandbox: Sandbox) -> None:
    mg = await steps.service_with_number()
    brand = await steps.verified_brand()
    await steps.campaign(mg, brand)
    assert (await steps.api.delete(f"{MS}/v1/Services/{mg}/Compliance/Usa2p/{CAMPAIGN_SID}")).status_code == 204
    sandbox.advance_clock(timedelta(seconds=4))
    assert "wait" in error(await steps.api.post(f"{MS}/v1/Services/{mg}/Compliance/Usa2p",
                                                data=CAMPAIGN | {"BrandRegistrationSid": brand,
                                                                 "MessageSamples": SAMPLES}), 400, 21711)
    sandbox.advance_clock(timedelta(seconds=1))
    assert (await steps.campaign(mg, brand))["brand_registration_sid"] == brand


async def test_service_delete_removes_its_campaign_and_frees_its_number(steps: Steps, sandbox: Sandbox) -> None:
    mg = await steps.service_with_number()
    other = await steps.service_with_number("c2", "+12065550101")
    await steps.campaign(mg, await steps.verified_brand())
    pn = (await steps.get(f"{MS}/v1/Services/{mg}/PhoneNumbers"))["phone_numbers"][0]["sid"]
    assert (await steps.api.delete(f"{MS}/v1/Services/{mg}")).status_code == 204
    for url in (f"{MS}/v1/Services/{mg}", f"{MS}/v1/Services/{mg}/Compliance/Usa2p/{CAMPAIGN_SID}"):
        error(await steps.api.get(url), 404, 20404)
    error(await steps.api.delete(f"{MS}/v1/Services/{mg}"), 404, 20404)
    dump = sandbox.dump()
    assert [s["sid"] for s in dump["messaging_services"]] == [other] and dump["campaigns"] == []
    assert (await steps.get(f"{API}/IncomingPhoneNumbers/{pn}.json"))["sid"] == pn  # kept by the account
    added = await steps.post(f"{MS}/v1/Services/{other}/PhoneNumbers", {"PhoneNumberSid": pn})  # and free
    assert added["service_sid"] == other


async def test_number_removed_from_a_service_or_released(steps: Steps, sandbox: Sandbox) -> None:
    mg = await steps.service_with_number()
    pn = (await steps.get(f"{MS}/v1/Services/{mg}/PhoneNumbers"))["phone_numbers"][0]["sid"]
    entry = f"{MS}/v1/Services/{mg}/PhoneNumbers/{pn}"
    assert (await steps.api.delete(entry)).status_code == 204
    error(await steps.api.delete(entry), 404, 20404)
    assert (await steps.get(f"{MS}/v1/Services/{mg}/PhoneNumbers"))["phone_numbers"] == []
    await steps.post(f"{MS}/v1/Services/{mg}/PhoneNumbers", {"PhoneNumberSid": pn})
    number = f"{API}/IncomingPhoneNumbers/{pn}.json"
    before = len(sandbox.dump()["incoming_phone_numbers"])
    assert (await steps.api.delete(number)).status_code == 204
    error(await steps.api.get(number), 404, 20404)
    error(await steps.api.delete(number), 404, 20404)
    assert (await steps.get(f"{MS}/v1/Services/{mg}/PhoneNumbers"))["phone_numbers"] == []
    assert len(sandbox.dump()["incoming_phone_numbers"]) == before - 1


async def test_auth_is_required(sandbox: Sandbox) -> None:
    async with httpx.AsyncClient(transport=SandboxTransport(sandbox)) as anonymous:
        error(await anonymous.get(f"{TH}/v1/CustomerProfiles"), 401, 20003)
        bad = await anonymous.get(f"{TH}/v1/CustomerProfiles", headers={"Authorization": "Basic !!!"})
        error(bad, 401, 20003)
        error(await anonymous.get(f"{TH}/v1/NoSuchThing"), 401, 20003)


async def test_form_validation_like_twilio(api: httpx.AsyncClient) -> None:
    missing = await api.post(
        f"{TH}/v1/CustomerProfiles", data={"Email": "a@b.co", "PolicySid": STARTER_PROFILE_POLICY_SID}
    )
    assert error(missing, 400, 20001) == "Missing required parameter FriendlyName in the post body"
    bad_sid = await api.post(
        f"{TH}/v1/CustomerProfiles", data={"FriendlyName": "x", "Email": "a@b.co", "PolicySid": "RN123"}
    )
    assert "PolicySid" in error(bad_sid, 400, 20001)
    bad_bool = await api.post(
        f"{MS}/v1/a2p/BrandRegistrations",
        data={
            "CustomerProfileBundleSid": "BU" + "a" * 32,
            "A2PProfileBundleSid": "BU" + "b" * 32,
            "Mock": "yes",
        },
    )
    assert error(bad_bool, 400, 20001).startswith("Invalid value for Mock")
    as_json = await api.post(f"{TH}/v1/EndUsers", json={"FriendlyName": "x", "Type": STARTER_END_USER_TYPE})
    assert "application/x-www-form-urlencoded" in error(as_json, 400, 20001)
    bad_attributes = await api.post(
        f"{TH}/v1/EndUsers",
        data={"FriendlyName": "x", "Type": STARTER_END_USER_TYPE, "Attributes": "first_name=Jane"},
    )
    assert "Attributes" in error(bad_attributes, 400, 20001)
    bad_type = await api.post(f"{TH}/v1/EndUsers", data={"FriendlyName": "x", "Type": "nobody"})
    assert "Type" in error(bad_type, 400, 20001)


async def test_unknown_paths_sids_and_methods(api: httpx.AsyncClient) -> None:
    assert (
        error(await api.get(f"{TH}/v1/Nope"), 404, 20404) == "The requested resource /v1/Nope was not found"
    )
    error(await api.get(f"{TH}/v1/CustomerProfiles/BU{'0' * 32}"), 404, 20404)
    error(await api.get(f"{TH}/v1/CustomerProfiles/BUnot-a-sid"), 404, 20404)
    error(await api.get(f"{MS}/v1/Services/MG{'0' * 32}/Compliance/Usa2p/{CAMPAIGN_SID}"), 404, 20404)
    error(await api.get(f"{HOSTS['api']}/2010-04-01/Accounts/ACnope/Addresses.json"), 404, 20404)
    error(await api.delete(f"{TH}/v1/CustomerProfiles"), 405, 20004)


async def test_v1_pages_follow_next_and_previous(sandbox: Sandbox) -> None:
    base = "http://127.0.0.1:8123"
    async with httpx.AsyncClient(transport=SandboxTransport(sandbox), auth=AUTH, base_url=base) as api:
        for n in range(3):
            body(
                await api.post("/v1/EndUsers", data={"FriendlyName": f"u{n}", "Type": STARTER_END_USER_TYPE}),
                201,
            )
        page = body(await api.get("/v1/EndUsers", params={"PageSize": 1}), 200)
        seen, pages = [], [page]
        while True:
            assert page["meta"]["key"] == "results" and page["meta"]["page_size"] == 1
            seen += [u["friendly_name"] for u in page["results"]]
            if page["meta"]["next_page_url"] is None:
                break
            assert page["meta"]["next_page_url"].startswith(f"{base}/v1/EndUsers?PageSize=1&Page=")
            assert "PageToken=" in page["meta"]["next_page_url"]
            page = body(await api.get(page["meta"]["next_page_url"]), 200)
            pages.append(page)
        seeded = "Acme Messaging ISV (primary) business information"
        assert seen == [seeded, "u0", "u1", "u2"]
        assert [p["meta"]["page"] for p in pages] == [0, 1, 2, 3]
        assert pages[0]["meta"]["previous_page_url"] is None
        back = body(await api.get(pages[2]["meta"]["previous_page_url"]), 200)
        assert [u["friendly_name"] for u in back["results"]] == ["u0"]
        assert pages[0]["meta"]["first_page_url"] == f"{base}/v1/EndUsers?PageSize=1&Page=0"
        error(await api.get("/v1/EndUsers", params={"PageToken": "PAnope"}), 400, 21481)
        error(await api.get("/v1/EndUsers", params={"PageSize": 0}), 400, 20001)


async def test_2010_pages_are_flat_with_relative_uris(api: httpx.AsyncClient) -> None:
    for n in range(3):
        body(
            await api.post(
                f"{API}/Addresses.json",
                data={
                    "CustomerName": f"Customer {n}",
                    "Street": f"{n} Main St",
                    "City": "Seattle",
                    "Region": "WA",
                    "PostalCode": "98101",
                    "IsoCountry": "US",
                },
            ),
            201,
        )
    page = body(await api.get(f"{API}/Addresses.json", params={"PageSize": 1}), 200)
    names = []
    while True:
        assert set(page) == {
            "addresses",
            "first_page_uri",
            "next_page_uri",
            "previous_page_uri",
            "page",
            "page_size",
            "start",
            "end",
            "uri",
        }
        assert page["start"] == page["end"] == page["page"]
        names += [a["customer_name"] for a in page["addresses"]]
        if page["next_page_uri"] is None:
            break
        assert page["next_page_uri"].startswith(f"/2010-04-01/Accounts/{Sandbox.ACCOUNT_SID}/Addresses.json?")
        page = body(await api.get(HOSTS["api"] + page["next_page_uri"]), 200)
    assert names == ["Customer 0", "Customer 1", "Customer 2"]
    assert page["previous_page_uri"] is not None


async def test_list_filters(steps: Steps, sandbox: Sandbox) -> None:
    profile = await steps.step1("c1")
    await steps.step1_parts("c2", street="9 Elm St")
    profiles = await steps.get(f"{TH}/v1/CustomerProfiles", FriendlyName="c2 starter")
    assert [p["friendly_name"] for p in profiles["results"]] == ["c2 starter"]
    approved = await steps.get(f"{TH}/v1/CustomerProfiles", Status="twilio-approved")
    assert [p["sid"] for p in approved["results"]] == [sandbox.PRIMARY_PROFILE_SID]
    starters = await steps.get(
        f"{TH}/v1/CustomerProfiles", PolicySid=STARTER_PROFILE_POLICY_SID, Status="pending-review"
    )
    assert [p["sid"] for p in starters["results"]] == [profile]
    await steps.step2(profile, "c1")
    assert len((await steps.get(f"{TH}/v1/TrustProducts", FriendlyName="c1 trust product"))["results"]) == 1
    assert (await steps.get(f"{TH}/v1/TrustProducts", FriendlyName="nope"))["results"] == []
    addresses = await steps.get(
        f"{API}/Addresses.json", CustomerName="Jane Doe", IsoCountry="US", FriendlyName="c2 address"
    )
    assert [a["street"] for a in addresses["addresses"]] == ["9 Elm St"]
    owned = await steps.get(f"{API}/IncomingPhoneNumbers.json", PhoneNumber="+12065550102")
    assert [n["phone_number"] for n in owned["incoming_phone_numbers"]] == ["+12065550102"]
    assert owned["uri"].endswith("PhoneNumber=%2B12065550102&PageSize=50&Page=0")
    assert (await steps.get(f"{API}/IncomingPhoneNumbers.json", PhoneNumber="+14155550100"))[
        "incoming_phone_numbers"
    ] == []
    raw_plus = await steps.api.get(f"{API}/IncomingPhoneNumbers.json?PhoneNumber=+12065550102")
    assert body(raw_plus, 200)["incoming_phone_numbers"] == []  # an unencoded + is a space, as on Twilio
    named = await steps.get(f"{API}/IncomingPhoneNumbers.json", FriendlyName="(206) 555-0104")
    assert [n["phone_number"] for n in named["incoming_phone_numbers"]] == ["+12065550104"]
    assignments = await steps.get(
        f"{TH}/v1/CustomerProfiles/{profile}/EntityAssignments", ObjectType=STARTER_END_USER_TYPE
    )
    assert len(assignments["results"]) == 1


def test_seeded_account(sandbox: Sandbox) -> None:
    dump = sandbox.dump()
    assert list(dump) == [
        "customer_profiles",
        "trust_products",
        "end_users",
        "addresses",
        "supporting_documents",
        "brand_registrations",
        "messaging_services",
        "campaigns",
        "incoming_phone_numbers",
    ]
    [primary] = dump["customer_profiles"]
    assert primary["sid"] == sandbox.PRIMARY_PROFILE_SID and primary["status"] == "twilio-approved"
    assert primary["policy_sid"] == "RNdfbf3fae0e1107f8aded0e7cead80bf5"
    assert primary["friendly_name"] == "Acme Messaging ISV (primary)"
    [info] = dump["end_users"]
    assert info["type"] == "customer_profile_business_information"
    assert info["attributes"]["business_identity"] == "isv_reseller_or_partner"
    numbers = sandbox.owned_numbers()
    assert numbers == dump["incoming_phone_numbers"] and len(numbers) == 5
    for n in numbers:
        assert phonenumbers.is_valid_number(phonenumbers.parse(n["phone_number"]))
        assert n["sid"].startswith("PN") and n["friendly_name"]
        assert n["capabilities"] | {"fax": False} == {"sms": True, "mms": True, "voice": True, "fax": False}
    assert Sandbox.ACCOUNT_SID.startswith("AC") and int(Sandbox.ACCOUNT_SID[2:], 16) >= 0
    assert len(Sandbox.ACCOUNT_SID) == 34


async def test_sync_client_and_other_base(sandbox: Sandbox) -> None:
    with httpx.Client(
        transport=SandboxTransport(sandbox), auth=AUTH, base_url="http://localhost:1"
    ) as client:
        created = body(client.post("/v1/Services", data={"FriendlyName": "sync"}), 201)
        assert created["url"] == f"http://localhost:1/v1/Services/{created['sid']}"
        assert body(client.get(f"/v1/Services/{created['sid']}"), 200)["friendly_name"] == "sync"


async def test_state_survives_reopen(tmp_path: Path, steps: Steps, sandbox: Sandbox) -> None:
    profile = await steps.step1()
    sandbox.advance_clock(timedelta(hours=3))
    reopened = Sandbox.open(tmp_path / "sandbox.db", now=lambda: NOW)
    try:
        assert reopened.PRIMARY_PROFILE_SID == sandbox.PRIMARY_PROFILE_SID
        assert reopened.clock() == NOW + timedelta(hours=3)
        assert reopened.dump() == sandbox.dump()
        assert profile in [p["sid"] for p in reopened.dump()["customer_profiles"]]
        async with httpx.AsyncClient(transport=SandboxTransport(reopened), auth=AUTH) as api:
            fresh = body(await api.post(f"{MS}/v1/Services", data={"FriendlyName": "after reopen"}), 201)
        sids = [r["sid"] for rows in sandbox.dump().values() for r in rows]
        assert fresh["sid"] in sids and len(sids) == len(set(sids))  # the SID counter carried on
    finally:
        reopened.close()


async def test_every_create_is_committed_before_the_answer(tmp_path: Path, steps: Steps) -> None:
    await steps.post(f"{MS}/v1/Services", {"FriendlyName": "committed"})
    with sqlite3.connect(tmp_path / "sandbox.db") as other:  # another process would see the same
        rows = other.execute("SELECT body FROM resources WHERE kind = 'messaging_services'").fetchall()
    assert [json.loads(b)["friendly_name"] for (b,) in rows] == ["committed"]


def test_state_file_is_private(tmp_path: Path, sandbox: Sandbox) -> None:
    assert stat.S_IMODE(os.stat(tmp_path / "sandbox.db").st_mode) == 0o600


def test_sids_are_deterministic(tmp_path: Path) -> None:
    first, second = (Sandbox.open(tmp_path / f"{n}.db", now=lambda: NOW) for n in (1, 2))
    try:
        assert first.dump() == second.dump()
        assert first.PRIMARY_PROFILE_SID[2:] == first.PRIMARY_PROFILE_SID[2:].lower()
    finally:
        first.close()
        second.close()


def test_clock_only_moves_forward(sandbox: Sandbox) -> None:
    assert sandbox.clock() == NOW
    assert sandbox.advance_clock(timedelta(hours=25)) == NOW + timedelta(hours=25)
    with pytest.raises(ValueError):
        sandbox.advance_clock(timedelta(seconds=-1))


def test_triggers_table_is_documented() -> None:
    assert {
        "noncompliant_address",
        "rejected_profile",
        "noncompliant_brand_name",
        "failed_brand",
        "failed_campaign",
        "mobile_limit",
        "cpaas_mobile",
        "company_name",
    } == set(TRIGGERS)
    assert all(set(row) == {"field", "value", "effect"} for row in TRIGGERS.values())


async def test_a_company_brand_names_campaign_is_refused_with_30915(steps: Steps) -> None:
    brand = await steps.verified_brand(brand_name="Acme Plumbing LLC")
    mg = await steps.service_with_number()
    refused = await steps.campaign(mg, brand, status=400)
    assert refused["code"] == 30915 and "Acme Plumbing LLC" in refused["message"]


@pytest.mark.parametrize("mobile", ["+12065550942", "+12065550100"])  # a CPaaS range number; an account number
async def test_an_otp_mobile_of_a_cpaas_or_of_the_account_fails_the_brand_with_30751(
        steps: Steps, sandbox: Sandbox, mobile: str) -> None:
    profile = await steps.step1()
    brand = await steps.brand(profile, await steps.step2(profile, mobile=mobile))
    sandbox.advance_clock(timedelta(minutes=5))
    polled = await steps.fetch_brand(brand["sid"])
    assert polled["status"] == "FAILED" and [e["error_code"] for e in polled["errors"]] == [30751]


async def test_a_brand_unverified_for_30_days_expires(steps: Steps, sandbox: Sandbox) -> None:
    profile = await steps.step1()
    brand = await steps.brand(profile, await steps.step2(profile))
    sandbox.advance_clock(timedelta(minutes=5, days=30) - timedelta(seconds=1))
    assert (await steps.fetch_brand(brand["sid"]))["status"] == "APPROVED"
    sandbox.advance_clock(timedelta(seconds=1))
    polled = await steps.fetch_brand(brand["sid"])
    assert (polled["status"], polled["identity_status"]) == ("EXPIRED", "UNVERIFIED")


async def test_sms_otp_is_limited_to_10_requests_a_second(steps: Steps, sandbox: Sandbox) -> None:
    profile = await steps.step1()
    brand = await steps.brand(profile, await steps.step2(profile))
    sandbox.advance_clock(timedelta(minutes=5))
    now = [1000.0]
    sandbox.otp_requests.clock = lambda: now[0]
    url = f"{MS}/v1/a2p/BrandRegistrations/{brand['sid']}/SmsOtp"
    for _ in range(10):
        await steps.post(url)
    assert (await steps.post(url, status=429))["code"] == 20429  # the 11th within the second
    now[0] += 1.0
    await steps.post(url)  # a second later: allowed again
