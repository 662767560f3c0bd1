"""Sandbox unhappy paths: every trigger, OTP expiry and resend, brand resubmit, campaign update and limits."""

from __future__ import annotations

import json
from datetime import timedelta

import httpx
import pytest

from tests.support.sandbox_api import API, CAMPAIGN, MS, SAMPLES, TH, Steps, body, error
from wizard.sandbox.fake import Sandbox, SandboxError
from wizard.twilio.facts import CAMPAIGN_SID, SOLE_PROPRIETOR_POLICY_SID, STARTER_PROFILE_POLICY_SID


async def test_noncompliant_street_fails_step1_until_the_address_is_fixed(steps: Steps) -> None:
    parts = await steps.step1_parts(street="12 Noncompliant Way")
    evaluation = await steps.evaluate("CustomerProfiles", parts["profile"], STARTER_PROFILE_POLICY_SID)
    assert evaluation["status"] == "noncompliant"
    [failed] = [r for r in evaluation["results"] if not r["passed"]]
    assert failed["requirement_name"] == "customer_profile_address" and failed["error_code"] == 22217
    assert failed["invalid"][0] | {"failure_reason": None} == {
        "object_field": "address_sids",
        "friendly_name": "address sids",
        "failure_reason": None,
        "error_code": 22217,
        "passed": False,
    }
    error(
        await steps.api.post(
            f"{TH}/v1/CustomerProfiles/{parts['profile']}", data={"Status": "pending-review"}
        ),
        400,
        22218,
    )
    await steps.post(f"{API}/Addresses/{parts['address']}.json", {"Street": "12 Compliant Way"}, 200)
    again = await steps.evaluate("CustomerProfiles", parts["profile"], STARTER_PROFILE_POLICY_SID)
    assert again["status"] == "compliant"
    assert (await steps.submit("CustomerProfiles", parts["profile"]))["status"] == "pending-review"


async def test_missing_objects_give_twilio_evaluation_codes(steps: Steps) -> None:
    profile = await steps.post(
        f"{TH}/v1/CustomerProfiles",
        {"FriendlyName": "bare", "Email": "a@b.co", "PolicySid": STARTER_PROFILE_POLICY_SID},
    )
    evaluation = await steps.evaluate("CustomerProfiles", profile["sid"], STARTER_PROFILE_POLICY_SID)
    assert [r["error_code"] for r in evaluation["results"]] == [22214, 22216, 22219]
    assert [i["object_field"] for i in evaluation["results"][0]["invalid"]] == [
        "first_name",
        "last_name",
        "email",
        "phone_number",
    ]
    assert {i["error_code"] for i in evaluation["results"][0]["invalid"]} == {22215}
    product = await steps.post(
        f"{TH}/v1/TrustProducts",
        {"FriendlyName": "bare tp", "Email": "a@b.co", "PolicySid": SOLE_PROPRIETOR_POLICY_SID},
    )
    sp = await steps.evaluate("TrustProducts", product["sid"], SOLE_PROPRIETOR_POLICY_SID)
    assert sp["trust_product_sid"] == product["sid"]
    assert [r["error_code"] for r in sp["results"]] == [22214, 22219]
    error(
        await steps.api.post(f"{TH}/v1/TrustProducts/{product['sid']}", data={"Status": "pending-review"}),
        400,
        22218,
    )


async def test_plus_reject_email_gets_the_profile_rejected_after_two_hours(
    steps: Steps, sandbox: Sandbox
) -> None:
    parts = await steps.step1_parts(email="jane+reject@example.com")
    await steps.evaluate("CustomerProfiles", parts["profile"], STARTER_PROFILE_POLICY_SID)
    await steps.submit("CustomerProfiles", parts["profile"])
    url = f"{TH}/v1/CustomerProfiles/{parts['profile']}"
    sandbox.advance_clock(timedelta(minutes=1))
    assert (await steps.get(url))["status"] == "in-review"
    sandbox.advance_clock(timedelta(hours=2))
    rejected = await steps.get(url)
    assert (rejected["status"], rejected["errors"]) == ("twilio-rejected", [{"code": 18601}])
    fixed = {
        "first_name": "Jane",
        "last_name": "Doe",
        "email": "jane@example.com",
        "phone_number": "+12065551234",
    }
    await steps.post(f"{TH}/v1/EndUsers/{parts['end_user']}", {"Attributes": json.dumps(fixed)}, 200)
    await steps.evaluate("CustomerProfiles", parts["profile"], STARTER_PROFILE_POLICY_SID)
    assert (await steps.submit("CustomerProfiles", parts["profile"]))["status"] == "pending-review"
    sandbox.advance_clock(timedelta(hours=3))
    assert (await steps.get(url))["status"] == "in-review"


async def test_resubmitting_an_in_review_bundle_is_refused(steps: Steps) -> None:
    profile = await steps.step1()
    message = error(
        await steps.api.post(f"{TH}/v1/CustomerProfiles/{profile}", data={"Status": "pending-review"}),
        400,
        20001,
    )
    assert "pending-review" in message
    error(
        await steps.api.post(
            f"{TH}/v1/CustomerProfiles/{profile}/EntityAssignments", data={"ObjectSid": "IT" + "0" * 32}
        ),
        400,
        20001,
    )


async def test_noncompliant_brand_name_fails_step2_until_fixed(steps: Steps) -> None:
    profile = await steps.step1()
    parts = await steps.step2_parts(profile, brand_name="Noncompliant Nails")
    evaluation = await steps.evaluate("TrustProducts", parts["product"], SOLE_PROPRIETOR_POLICY_SID)
    assert evaluation["status"] == "noncompliant"
    [failed] = [r for r in evaluation["results"] if not r["passed"]]
    assert [i["object_field"] for i in failed["invalid"]] == ["brand_name"]
    assert failed["error_code"] == 22217
    fixed = {"brand_name": "Jane's Nails", "mobile_phone_number": "+12065551234"}
    await steps.post(f"{TH}/v1/EndUsers/{parts['end_user']}", {"Attributes": json.dumps(fixed)}, 200)
    assert (await steps.evaluate("TrustProducts", parts["product"], SOLE_PROPRIETOR_POLICY_SID))[
        "status"
    ] == "compliant"


async def test_brand_name_with_fail_fails_then_resubmit_after_fix(steps: Steps, sandbox: Sandbox) -> None:
    profile = await steps.step1()
    parts = await steps.step2_parts(profile, brand_name="Failing Fitness")
    await steps.evaluate("TrustProducts", parts["product"], SOLE_PROPRIETOR_POLICY_SID)
    await steps.submit("TrustProducts", parts["product"])
    brand = await steps.brand(profile, parts["product"])
    url = f"{MS}/v1/a2p/BrandRegistrations/{brand['sid']}"
    error(await steps.api.post(url), 400, 21725)  # PENDING: not resubmittable
    sandbox.advance_clock(timedelta(minutes=5))
    failed = await steps.fetch_brand(brand["sid"])
    assert failed["status"] == "FAILED" and failed["failure_reason"]
    [err] = failed["errors"]
    assert (err["error_code"], err["fields"], err["url"]) == (
        30701,
        ["brand_name"],
        "https://www.twilio.com/docs/api/errors/30701",
    )
    fixed = {"brand_name": "Jane's Fitness", "mobile_phone_number": "+12065551234"}
    await steps.post(f"{TH}/v1/EndUsers/{parts['end_user']}", {"Attributes": json.dumps(fixed)}, 200)
    again = await steps.post(url, status=202)
    assert (again["status"], again["errors"], again["identity_status"]) == ("PENDING", [], None)
    sandbox.advance_clock(timedelta(minutes=5))
    approved = await steps.fetch_brand(brand["sid"])
    assert (approved["status"], approved["identity_status"]) == ("APPROVED", "UNVERIFIED")
    error(await steps.api.post(url), 400, 21725)  # APPROVED: not resubmittable either


async def test_otp_expires_after_24h_and_a_resend_restarts_the_window(steps: Steps, sandbox: Sandbox) -> None:
    profile = await steps.step1()
    brand = await steps.brand(profile, await steps.step2(profile))
    otp_url = f"{MS}/v1/a2p/BrandRegistrations/{brand['sid']}/SmsOtp"
    error(await steps.api.post(otp_url), 400, 30752)  # still PENDING
    with pytest.raises(SandboxError, match="APPROVED"):
        sandbox.reply_yes(brand["sid"])
    sandbox.advance_clock(timedelta(minutes=5) + timedelta(hours=25))
    with pytest.raises(SandboxError, match="expired.*resend"):
        sandbox.reply_yes(brand["sid"])
    assert await steps.post(otp_url) == {
        "account_sid": Sandbox.ACCOUNT_SID,
        "brand_registration_sid": brand["sid"],
    }
    sandbox.advance_clock(timedelta(hours=23))
    sandbox.reply_yes(brand["sid"])
    assert (await steps.fetch_brand(brand["sid"]))["identity_status"] == "VERIFIED"
    error(await steps.api.post(otp_url), 400, 30752)  # VERIFIED: no more OTPs
    with pytest.raises(SandboxError):
        sandbox.reply_yes("BN" + "0" * 32)


async def test_fourth_brand_on_one_mobile_number_fails(steps: Steps, sandbox: Sandbox) -> None:
    brands = []
    for n in range(4):
        profile = await steps.step1(f"c{n}")
        brands.append((await steps.brand(profile, await steps.step2(profile, f"c{n}")))["sid"])
    sandbox.advance_clock(timedelta(minutes=5))
    states = [await steps.fetch_brand(sid) for sid in brands]
    assert [b["status"] for b in states] == ["APPROVED", "APPROVED", "APPROVED", "FAILED"]
    assert states[3]["errors"][0]["error_code"] == 30794
    assert states[3]["errors"][0]["fields"] == ["mobile_phone_number"]


async def test_mock_brand_gets_no_otp_and_no_campaign(steps: Steps, sandbox: Sandbox) -> None:
    profile = await steps.step1()
    brand = await steps.brand(profile, await steps.step2(profile), Mock="true")
    assert brand["mock"] is True
    sandbox.advance_clock(timedelta(minutes=5))
    assert (await steps.fetch_brand(brand["sid"]))["identity_status"] == "UNVERIFIED"
    error(await steps.api.post(f"{MS}/v1/a2p/BrandRegistrations/{brand['sid']}/SmsOtp"), 400, 30752)
    with pytest.raises(SandboxError, match="mock"):
        sandbox.reply_yes(brand["sid"])
    error(
        await steps.api.post(
            f"{MS}/v1/Services/{await steps.service_with_number()}/Compliance/Usa2p",
            data=CAMPAIGN | {"BrandRegistrationSid": brand["sid"], "MessageSamples": SAMPLES},
        ),
        400,
        21717,
    )


async def test_brand_needs_submitted_bundles(steps: Steps) -> None:
    parts = await steps.step1_parts()
    product = await steps.post(
        f"{TH}/v1/TrustProducts",
        {"FriendlyName": "tp", "Email": "a@b.co", "PolicySid": SOLE_PROPRIETOR_POLICY_SID},
    )
    response = await steps.api.post(
        f"{MS}/v1/a2p/BrandRegistrations",
        data={"CustomerProfileBundleSid": parts["profile"], "A2PProfileBundleSid": product["sid"]},
    )
    assert "draft" in error(response, 400, 20001)


async def test_cannabis_campaign_fails_then_an_update_fixes_it(steps: Steps, sandbox: Sandbox) -> None:
    mg = await steps.service_with_number()
    brand = await steps.verified_brand()
    bad_samples = ["Our cannabis gummies are back in stock, order today!", SAMPLES[1]]
    await steps.campaign(mg, brand, bad_samples)
    url = f"{MS}/v1/Services/{mg}/Compliance/Usa2p/{CAMPAIGN_SID}"
    update = {k: v for k, v in CAMPAIGN.items() if k not in ("UsAppToPersonUsecase",)} | {
        "MessageSamples": SAMPLES,
        "AgeGated": "false",
        "DirectLending": "false",
    }
    assert "PENDING" in error(await steps.api.post(url, data=update), 400, 20001)
    sandbox.advance_clock(timedelta(hours=2))
    failed = await steps.get(url)
    assert failed["campaign_status"] == "FAILED"
    assert [(e["error_code"], e["fields"]) for e in failed["errors"]] == [(30897, ["message_samples"])]
    without = {k: v for k, v in update.items() if k != "PrivacyPolicyUrl"}
    error(await steps.api.post(url, data=without), 400, 30933)  # an update needs the policy URLs too
    updated = await steps.post(url, update, 200)
    assert (updated["campaign_status"], updated["message_samples"], updated["errors"]) == (
        "PENDING",
        SAMPLES,
        [],
    )
    sandbox.advance_clock(timedelta(hours=2))
    assert (await steps.get(url))["campaign_status"] == "VERIFIED"


async def test_campaign_rules(steps: Steps, sandbox: Sandbox) -> None:
    brand = await steps.verified_brand()
    empty = (await steps.post(f"{MS}/v1/Services", {"FriendlyName": "empty"}))["sid"]
    assert "has 0 phone numbers" in error(
        await steps.api.post(
            f"{MS}/v1/Services/{empty}/Compliance/Usa2p",
            data=CAMPAIGN | {"BrandRegistrationSid": brand, "MessageSamples": SAMPLES},
        ),
        400,
        21714,
    )
    mg = await steps.service_with_number()
    url = f"{MS}/v1/Services/{mg}/Compliance/Usa2p"

    async def post(**changes: object) -> httpx.Response:
        return await steps.api.post(
            url, data=CAMPAIGN | {"BrandRegistrationSid": brand, "MessageSamples": SAMPLES} | changes
        )

    assert "Description" in error(await post(Description="too short"), 400, 21705)
    error(await post(MessageSamples=[SAMPLES[0]]), 400, 21705)
    error(await post(MessageSamples=["short", SAMPLES[1]]), 400, 21705)
    error(await post(OptInMessage="short"), 400, 21705)
    error(await post(UsAppToPersonUsecase="MARKETING"), 400, 21720)
    error(await post(BrandRegistrationSid="BN" + "0" * 32), 400, 21717)
    error(await post(HasEmbeddedLinks="maybe"), 400, 20001)
    for missing, code in (("PrivacyPolicyUrl", 30933), ("TermsAndConditionsUrl", 30934)):  # since 2026-06-30
        assert missing in error(await post(**{missing: ""}), 400, code)
    assert "HasEmbeddedPhone" in error(
        await steps.api.post(
            url,
            data={
                k: v
                for k, v in (CAMPAIGN | {"BrandRegistrationSid": brand, "MessageSamples": SAMPLES}).items()
                if k != "HasEmbeddedPhone"
            },
        ),
        400,
        20001,
    )
    await steps.campaign(mg, brand)
    assert "already exists" in error(await post(), 400, 21711)
    other = await steps.service_with_number("c2", "+12065550101")
    assert "already has" in error(
        await steps.api.post(
            f"{MS}/v1/Services/{other}/Compliance/Usa2p",
            data=CAMPAIGN | {"BrandRegistrationSid": brand, "MessageSamples": SAMPLES},
        ),
        400,
        21711,
    )
    unverified_profile = await steps.step1("c3")
    unverified = await steps.brand(
        unverified_profile, await steps.step2(unverified_profile, "c3", mobile="+12065559999")
    )
    third = await steps.service_with_number("c3", "+12065550102")
    assert "PENDING" in error(
        await steps.api.post(
            f"{MS}/v1/Services/{third}/Compliance/Usa2p",
            data=CAMPAIGN | {"BrandRegistrationSid": unverified["sid"], "MessageSamples": SAMPLES},
        ),
        400,
        21717,
    )


async def test_phone_number_rules(steps: Steps, sandbox: Sandbox) -> None:
    mg = await steps.service_with_number("c1", "+12065550100")
    pn = sandbox.owned_numbers()[0]["sid"]
    numbers_url = f"{MS}/v1/Services/{mg}/PhoneNumbers"
    error(await steps.api.post(numbers_url, data={"PhoneNumberSid": pn}), 400, 80104)
    other = (await steps.post(f"{MS}/v1/Services", {"FriendlyName": "other"}))["sid"]
    error(
        await steps.api.post(f"{MS}/v1/Services/{other}/PhoneNumbers", data={"PhoneNumberSid": pn}),
        400,
        21712,
    )
    error(await steps.api.post(numbers_url, data={"PhoneNumberSid": "PN" + "0" * 32}), 400, 21421)
    listed = await steps.get(numbers_url)
    assert [n["sid"] for n in listed["phone_numbers"]] == [pn] and listed["meta"]["key"] == "phone_numbers"
    assert (await steps.get(f"{numbers_url}/{pn}"))["phone_number"] == "+12065550100"
    assert body(await steps.api.get(f"{API}/IncomingPhoneNumbers/{pn}.json"), 200)["sid"] == pn
