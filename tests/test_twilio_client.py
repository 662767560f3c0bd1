"""The Twilio client: form encoding, auth, both pagination styles, error mapping, retries."""

from __future__ import annotations

import base64
import json
import random
from urllib.parse import parse_qsl

import httpx
import pytest

from wizard.twilio.client import TwilioClient
from wizard.twilio.encoding import encode_form
from wizard.twilio.failures import TwilioError

ACCOUNT = "AC" + "0" * 32


def BN(tail: str) -> str:  # noqa: N802 (a SID's prefix)
    return "BN" + tail.encode().hex().rjust(32, "0")


def AD(tail: str) -> str:  # noqa: N802
    return "AD" + tail.encode().hex().rjust(32, "0")


def make_client(handler, *, base_url=None, retries=3):
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    client = TwilioClient(ACCOUNT, ("SKkey", "s3cret"), base_url=base_url, transport=httpx.MockTransport(handler),
                          retries=retries, sleep=sleep, rng=random.Random(1))
    return client, slept


def test_encode_form_follows_twilio_conventions():
    pairs = encode_form({
        "FriendlyName": "Zoë", "Mock": True, "SkipAutomaticSecVet": False, "MessageSamples": ["a b", "c&d"],
        "Attributes": {"first_name": "José", "email": "j@example.com"}, "Missing": None, "PageSize": 5,
    })
    assert pairs == [
        ("FriendlyName", "Zoë"), ("Mock", "true"), ("SkipAutomaticSecVet", "false"),
        ("MessageSamples", "a b"), ("MessageSamples", "c&d"),
        ("Attributes", '{"first_name":"José","email":"j@example.com"}'), ("PageSize", "5"),
    ]


async def test_post_sends_form_body_basic_auth_and_real_hosts():
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(201, json={"sid": "BN" + "1" * 32})

    client, _ = make_client(handler)
    body = await client.call("create_campaign", {"MessageSamples": ["one sample", "two sample"],
                                                 "HasEmbeddedLinks": False}, sid="MG" + "2" * 32)
    assert body["sid"].startswith("BN")
    request = seen[0]
    assert str(request.url) == f"https://messaging.twilio.com/v1/Services/MG{'2' * 32}/Compliance/Usa2p"
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert request.headers["Authorization"].startswith("Basic ")
    assert parse_qsl(request.content.decode()) == [
        ("MessageSamples", "one sample"), ("MessageSamples", "two sample"), ("HasEmbeddedLinks", "false")]
    await client.call("create_address", {"Street": "1 Main"})
    assert str(seen[1].url) == f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT}/Addresses.json"
    await client.call("create_end_user", {"Type": "x"})
    assert seen[2].url.host == "trusthub.twilio.com"


async def test_base_url_override_sends_every_host_to_one_place():
    seen: list[httpx.Request] = []

    def handler(request):
        seen.append(request)
        if "CustomerProfiles" in request.url.path:
            return httpx.Response(200, json={"sid": "BU" + "1" * 32})
        return httpx.Response(200, json={"incoming_phone_numbers": []})

    client, _ = make_client(handler, base_url="http://127.0.0.1:4010/")
    await client.call("fetch_customer_profile", sid="BU" + "1" * 32)
    await client.call("list_incoming_phone_numbers", None, {"PhoneNumber": "+12065550100"})
    assert str(seen[0].url) == f"http://127.0.0.1:4010/v1/CustomerProfiles/BU{'1' * 32}"
    assert seen[1].url.params["PhoneNumber"] == "+12065550100"
    assert "%2B1206" in str(seen[1].url)


async def test_paginate_follows_v1_meta_next_page_url():
    pages = {
        None: {"data": [{"sid": BN("a")}, {"sid": BN("b")}],
               "meta": {"key": "data", "next_page_url": "https://messaging.twilio.com/v1/a2p/BrandRegistrations?PageToken=p2"}},
        "p2": {"data": [{"sid": BN("c")}], "meta": {"key": "data", "next_page_url": None}},
    }
    seen = []

    def handler(request):
        seen.append(request.url)
        return httpx.Response(200, json=pages[request.url.params.get("PageToken")])

    client, _ = make_client(handler)
    assert [i["sid"] async for i in client.paginate("list_brand_registrations")] == [BN("a"), BN("b"), BN("c")]
    assert seen[0].params["PageSize"] == "1000"


async def test_paginate_follows_2010_relative_next_page_uri():
    base = f"/2010-04-01/Accounts/{ACCOUNT}/Addresses.json"

    def handler(request):
        if request.url.params.get("Page") == "1":
            return httpx.Response(200, json={"addresses": [{"sid": AD("2")}], "next_page_uri": None})
        return httpx.Response(200, json={"addresses": [{"sid": AD("1")}],
                                         "next_page_uri": f"{base}?Page=1&PageSize=1&PageToken=PA1"})

    client, _ = make_client(handler, base_url="http://127.0.0.1:9")
    assert [i["sid"] async for i in client.paginate("list_addresses")] == [AD("1"), AD("2")]


async def test_twilio_error_body_becomes_typed_error():
    def handler(request):
        return httpx.Response(400, json={"code": 21725, "message": "Brand not in FAILED state",
                                         "more_info": "https://www.twilio.com/docs/errors/21725", "status": 400})

    client, slept = make_client(handler)
    with pytest.raises(TwilioError) as info:
        await client.call("resubmit_brand_registration", sid="BN" + "1" * 32)
    assert (info.value.status, info.value.code, info.value.message) == (400, 21725, "Brand not in FAILED state")
    assert info.value.more_info.endswith("21725")
    assert slept == []


async def test_problem_details_and_non_json_errors_are_read_too():
    def handler(request):
        if request.url.path.endswith("1" * 32):
            return httpx.Response(404, json={"type": "https://x/404", "title": "Not Found", "status": 404,
                                             "code": 20404, "detail": "No such brand"})
        return httpx.Response(502, text="<html>bad gateway</html>")

    client, _ = make_client(handler, retries=0)
    with pytest.raises(TwilioError) as info:
        await client.call("fetch_brand_registration", sid="BN" + "1" * 32)
    assert (info.value.code, info.value.message) == (20404, "No such brand")
    with pytest.raises(TwilioError) as info:
        await client.call("fetch_brand_registration", sid="BN" + "2" * 32)
    assert info.value.status == 502 and info.value.code is None


async def test_reads_retry_on_5xx_timeouts_and_429_honouring_retry_after():
    answers = [httpx.Response(503, json={"code": 20500, "message": "x"}),
               httpx.Response(429, headers={"Retry-After": "7"}, json={"code": 20429, "message": "slow"}),
               "timeout",
               httpx.Response(200, json={"sid": BN("1")})]

    def handler(request):
        answer = answers.pop(0)
        if answer == "timeout":
            raise httpx.ReadTimeout("slow", request=request)
        return answer

    client, slept = make_client(handler)
    assert (await client.call("fetch_brand_registration", sid=BN("1")))["sid"] == BN("1")
    assert len(slept) == 3 and slept[1] == 7.0
    assert 0.25 <= slept[0] <= 0.75 and 1.0 <= slept[2] <= 3.0


async def test_reads_give_up_after_the_retry_budget():
    calls = []

    def handler(request):
        calls.append(1)
        return httpx.Response(500, json={"code": 20500, "message": "down"})

    client, slept = make_client(handler, retries=2)
    with pytest.raises(TwilioError):
        await client.call("fetch_customer_profile", sid="BU1")
    assert len(calls) == 3 and len(slept) == 2


async def test_creates_retry_on_429_but_never_on_timeouts_or_5xx():
    answers = [httpx.Response(429, json={"code": 20429, "message": "busy"}), "timeout"]
    calls = []

    def handler(request):
        calls.append(request)
        answer = answers.pop(0)
        if answer == "timeout":
            raise httpx.ConnectError("dropped", request=request)
        return answer

    client, _ = make_client(handler)
    with pytest.raises(TwilioError) as info:
        await client.call("create_customer_profile", {"FriendlyName": "x"})
    assert info.value.status == 0 and info.value.retryable
    assert len(calls) == 2

    def server_error(request):
        calls.append(request)
        return httpx.Response(500, json={"code": 20500, "message": "oops"})

    client, _ = make_client(server_error)
    calls.clear()
    with pytest.raises(TwilioError):
        await client.call("create_brand_registration", {"BrandType": "SOLE_PROPRIETOR"})
    assert len(calls) == 1


async def test_no_content_answer_is_an_empty_body():
    client, _ = make_client(lambda r: httpx.Response(204))
    assert await client.call("fetch_campaign", sid="MG1", campaign="QE1") == {}


def test_secret_is_never_in_the_error_text():
    error = TwilioError(401, 20003, "Authenticate")
    assert "s3cret" not in str(error) and json.dumps(error.__dict__).find("s3cret") == -1


async def test_paginate_stops_after_the_page_limit_with_a_message():
    from wizard.twilio.client import MAX_PAGES

    seen = []

    def handler(request):
        seen.append(request.url)
        token = int(request.url.params.get("PageToken") or 0) + 1
        return httpx.Response(200, json={"data": [], "meta": {
            "next_page_url": f"https://messaging.twilio.com/v1/a2p/BrandRegistrations?PageToken={token}"}})

    client, _ = make_client(handler)
    with pytest.raises(TwilioError, match=f"has more than {MAX_PAGES} pages; stopped there"):
        [i async for i in client.paginate("list_brand_registrations")]
    assert len(seen) == MAX_PAGES


async def test_paginate_refuses_a_page_of_more_items_than_asked_for():
    def handler(request):
        return httpx.Response(200, json={"data": [{"sid": BN(str(i))} for i in range(1001)], "meta": {}})

    client, _ = make_client(handler)
    with pytest.raises(TwilioError, match="sent a page of more than 1,000 items; stopped there"):
        [i async for i in client.paginate("list_brand_registrations")]


async def test_paginate_stops_when_the_lists_text_passes_its_cap_before_yielding_that_page(monkeypatch):
    from wizard.twilio import client as client_module

    monkeypatch.setattr(client_module, "MAX_LIST_TEXT", 100_000)

    def handler(request):
        token = int(request.url.params.get("PageToken") or 0) + 1
        return httpx.Response(200, json={"data": [{"sid": BN(str(token)), "failure_reason": "x" * 40_000}], "meta": {
            "next_page_url": f"https://messaging.twilio.com/v1/a2p/BrandRegistrations?PageToken={token}"}})

    client, _ = make_client(handler)
    got = []
    with pytest.raises(TwilioError, match="holds more than 100,000 characters of text; stopped there"):
        async for item in client.paginate("list_brand_registrations"):
            got.append(item)
    assert len(got) == 2  # the third page, past the cap, is not handed on


async def test_an_answers_strings_are_redacted_of_the_requests_credentials_and_made_visible():
    pair = base64.b64encode(b"SKkey:s3cret").decode()

    def handler(request):
        return httpx.Response(200, json={"sid": BN("1"), "status": f"s3cret SKkey:s3cret {pair} \x1b[31m",
                                         "failure_reason": "ok", "unread": "s3cret"})

    client, _ = make_client(handler)
    body = await client.call("fetch_brand_registration", sid=BN("1"))
    assert body == {"sid": BN("1"), "status": "[redacted] [redacted] [redacted] \\u001b[31m", "failure_reason": "ok"}


async def test_an_answers_ordinary_words_that_look_like_a_header_are_kept_and_only_the_credentials_redacted():
    words = "Bearer Creek Landscaping: Basic Marketing package, Authorization: pending"

    def handler(request):
        return httpx.Response(200, json={"sid": BN("1"), "status": "FAILED", "failure_reason": f"{words} (s3cret)"})

    client, _ = make_client(handler)
    body = await client.call("fetch_brand_registration", sid=BN("1"))
    assert body["failure_reason"] == f"{words} ([redacted])"


async def test_a_declared_length_over_the_cap_is_refused_before_reading():
    def handler(request):
        return httpx.Response(200, headers={"Content-Length": str(10**12)}, content=b"{}")

    client = TwilioClient(ACCOUNT, ("SKkey", "s3cret"), transport=httpx.MockTransport(handler), max_body=1000)
    with pytest.raises(TwilioError, match="larger than 0.000953674 MB and was not read"):
        await client.call("fetch_brand_registration", sid=BN("1"))


async def test_the_client_trusts_the_system_or_certifi_store_and_pins_no_certificate() -> None:
    """Twilio's REST certificates move to AWS Certificate Manager from 2027-01-26: the client must verify against the
    ordinary CA store — httpx's default, the system's (SSL_CERT_FILE / SSL_CERT_DIR) or else certifi's — never a
    pinned certificate or a CA of its own."""
    import ssl

    import httpx

    from wizard.twilio.client import TwilioClient

    client = TwilioClient("AC" + "0" * 32, ("AC" + "0" * 32, "token"))
    try:
        context = client._http._transport._pool._ssl_context  # httpx's default transport, as the client builds it
        assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
        store = httpx.create_ssl_context().get_ca_certs()  # the system's, or certifi's where none is named
        assert len(store) > 100  # every public root, Amazon's among them: nothing pinned
        assert {c["serialNumber"] for c in context.get_ca_certs()} == {c["serialNumber"] for c in store}
    finally:
        await client.aclose()
