"""Every answer the sandbox gives in the full flow conforms to Twilio's official OpenAPI specs.

Success bodies are judged by openapi-core against the operation's schema for that status code (nullable
fields honoured, enums, patterns, types) and must carry exactly the documented fields; the one value where
Twilio's schema contradicts Twilio's own example is listed in tests/support/oas.py SPEC_CONFLICTS. Lists carry their
list key and Twilio's paging fields; errors carry Twilio's {code, message, more_info, status}.
"""

from __future__ import annotations

import base64
import copy

import httpx
import pytest

from tests.support import oas
from tests.support.contract_flows import Traffic, run_all
from wizard.sandbox.fake import Sandbox
from wizard.sandbox.faults import FaultPlan
from wizard.sandbox.transport import SandboxTransport
from wizard.twilio.operations import OPERATIONS

pytestmark = pytest.mark.contract


@pytest.fixture(scope="session")
def traffic() -> Traffic:
    return run_all()


def _answered(exchanges: list[oas.Exchange]) -> list[oas.Exchange]:
    return [e for e in exchanges if e.response is not None]


@pytest.mark.parametrize("name", OPERATIONS)
@pytest.mark.slow
def test_sandbox_responses_conform_to_the_spec(traffic, name):
    exchanges = _answered(traffic.of(name))
    assert any(e.response.is_success for e in exchanges), f"no successful answer to {name} was captured"
    problems = {}
    for exchange in exchanges:
        if errors := oas.response_errors(exchange.request, exchange.response):
            problems.setdefault(exchange.label(), errors)
    assert not problems, "\n\n".join(f"{label}\n" + "\n".join(errors) for label, errors in problems.items())


def test_success_codes_are_the_specs(traffic):
    for exchange in _answered(traffic.exchanges):
        if exchange.response.is_success:
            _, _, found = oas.spec_operation(exchange.operation)
            assert str(exchange.response.status_code) in found["responses"], exchange.label()
    assert {e.response.status_code for e in _answered(traffic.of("resubmit_brand_registration"))
            if e.response.is_success} == {202}


@pytest.mark.parametrize("name", [name for name, op in OPERATIONS.items() if op.list_key])
def test_lists_carry_their_key_and_twilios_paging_fields(traffic, name):
    op = OPERATIONS[name]
    pages = [e for e in _answered(traffic.of(name)) if e.response.status_code == 200]
    assert pages, f"no page of {name} was captured"
    for exchange in pages:
        body = exchange.response.json()
        assert isinstance(body[op.list_key], list), exchange.label()
        if op.host == "api":
            assert "meta" not in body, exchange.label()
            assert {"first_page_uri", "next_page_uri", "previous_page_uri", "page", "page_size", "start", "end",
                    "uri"} <= set(body), exchange.label()
            for key in ("first_page_uri", "next_page_uri", "previous_page_uri", "uri"):
                assert body[key] is None or body[key].startswith("/2010-04-01/Accounts/"), exchange.label()
            assert body["end"] - body["start"] == max(len(body[op.list_key]) - 1, 0)
        else:
            meta = body["meta"]
            assert meta["key"] == op.list_key, exchange.label()
            assert {"page", "page_size", "first_page_url", "previous_page_url", "next_page_url", "url"} <= set(meta)
            origin = f"{exchange.request.url.scheme}://{exchange.request.url.host}"
            for key in ("first_page_url", "next_page_url", "previous_page_url", "url"):
                assert meta[key] is None or meta[key].startswith(origin + exchange.request.url.path), exchange.label()
        assert body["page_size" if op.host == "api" else "meta"] is not None


def test_next_page_links_were_followed_to_later_pages(traffic):
    pages = {(e.operation.host, e.response.json().get("page", e.response.json().get("meta", {}).get("page")))
             for e in _answered(traffic.exchanges) if e.operation.list_key and e.response.status_code == 200}
    assert ("trusthub", 1) in pages and ("messaging", 1) in pages and ("api", 1) in pages


def test_error_answers_have_twilios_shape(traffic):
    errors = [e for e in _answered(traffic.exchanges) if e.response.status_code >= 400]
    codes = {e.response.json()["code"] for e in errors}
    assert {20404, 20001, 21481, 21725} <= codes, codes
    for exchange in errors:
        assert oas.twilio_error_problems(exchange.response) == [], exchange.label()


def _sandbox_answer(sandbox: Sandbox, method: str, url: str, *, auth: bool = True, **options) -> httpx.Response:
    request = httpx.Client().build_request(method, url, **options)
    if auth:
        token = base64.b64encode(f"{Sandbox.ACCOUNT_SID}:sandbox".encode()).decode()
        request.headers["Authorization"] = f"Basic {token}"
    status, headers, content = sandbox.handle(method, str(request.url), request.headers, request.read())
    return httpx.Response(status, headers=headers, content=content, request=request)


@pytest.mark.slow
def test_refusals_of_malformed_requests_have_twilios_shape(runtime):
    sandbox = runtime.sandbox
    profiles = "https://trusthub.twilio.com/v1/CustomerProfiles"
    answers = [
        (401, _sandbox_answer(sandbox, "POST", profiles, auth=False, data={"FriendlyName": "x"})),
        (400, _sandbox_answer(sandbox, "POST", profiles, data={"FriendlyName": "Zoë"})),  # missing Email
        (400, _sandbox_answer(sandbox, "POST", profiles, json={"FriendlyName": "x"})),  # not form-encoded
        (404, _sandbox_answer(sandbox, "GET", "https://trusthub.twilio.com/v1/Nothing")),
        (405, _sandbox_answer(sandbox, "DELETE", profiles)),
    ]
    for expected, response in answers:
        assert response.status_code == expected, response.text
        assert oas.twilio_error_problems(response) == [], (expected, response.text)


async def test_injected_faults_have_twilios_shape(tmp_path):
    sandbox = Sandbox.open(tmp_path / "faulty", faults=FaultPlan(too_many=0.5, server_error=0.5, retry_after=1, seed=3))
    transport = SandboxTransport(sandbox)
    seen = set()
    for _ in range(20):
        request = httpx.Request("GET", "https://trusthub.twilio.com/v1/CustomerProfiles",
                                headers={"Authorization": "Basic " + base64.b64encode(b"AC:x").decode()})
        response = await transport.handle_async_request(request)
        await response.aread()
        seen.add(response.status_code)
        assert oas.twilio_error_problems(response) == [], response.text
    assert 429 in seen and seen & {500, 503}
    sandbox.close()


# -- the oracle itself -----------------------------------------------------------------------------------


def test_each_tolerated_conflict_is_what_twilios_own_example_shows():
    for conflict in oas.SPEC_CONFLICTS:
        shown = oas.example_values(conflict.host, conflict.component, conflict.field)
        assert conflict.example in shown and conflict.value in shown[conflict.example], conflict


def _mutated(traffic: Traffic, name: str, change) -> list[str]:
    exchange = next(e for e in _answered(traffic.of(name)) if e.response.is_success)
    body = copy.deepcopy(exchange.response.json())
    change(body)
    response = httpx.Response(exchange.response.status_code, json=body, request=exchange.request)
    return oas.response_errors(exchange.request, response)


@pytest.mark.parametrize(("name", "change"), [
    ("fetch_brand_registration", lambda b: b.update(status="ACTIVE")),
    ("fetch_brand_registration", lambda b: b.update(identity_status="PENDING")),
    ("fetch_brand_registration", lambda b: b.update(errors="none")),
    ("fetch_customer_profile", lambda b: b.update(status="submitted")),
    ("fetch_customer_profile", lambda b: b.pop("links")),
    ("create_end_user", lambda b: b.update(invented=1)),
    ("create_address", lambda b: b.update(validated="yes")),
    ("list_brand_registrations", lambda b: b.pop("meta")),
    ("list_brand_registrations", lambda b: b.update(results=b.pop("data"))),
    ("list_addresses", lambda b: b.pop("next_page_uri")),
    ("create_campaign", lambda b: b.update(message_samples="one sample")),
    ("create_service", lambda b: b.update(sid="MG123")),
], ids=lambda v: v if isinstance(v, str) else "")
def test_the_oracle_refuses_a_body_twilio_would_not_send(traffic, name, change):
    assert _mutated(traffic, name, change), f"a bad {name} body passed the validator"


def test_a_null_identity_status_is_tolerated_only_as_twilios_example_shows(traffic):
    assert _mutated(traffic, "fetch_brand_registration", lambda b: b.update(identity_status=None)) == []
    assert _mutated(traffic, "fetch_brand_registration", lambda b: b.update(status=None))


def test_errors_not_in_twilios_shape_are_caught():
    request = httpx.Request("GET", "https://trusthub.twilio.com/v1/CustomerProfiles")
    problem = {"type": "https://stoplight.io/prism/errors#UNPROCESSABLE_ENTITY", "title": "Invalid request",
               "status": 422, "detail": "Your request is not valid"}
    assert oas.twilio_error_problems(httpx.Response(422, json=problem, request=request))
    shaped = {"code": 20404, "message": "not found", "more_info": "https://www.twilio.com/docs/errors/20404",
              "status": 404}
    assert oas.twilio_error_problems(httpx.Response(404, json=shaped, request=request)) == []
    assert oas.twilio_error_problems(httpx.Response(404, json={**shaped, "status": 400}, request=request))
    assert oas.TWILIO_ERROR_SCHEMA["required"] == ["code", "message", "more_info", "status"]
