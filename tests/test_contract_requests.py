"""Every request the client builds conforms to Twilio's official OpenAPI specs (tests/twilio-oai).

The requests are the real httpx.Requests of the real flow (tests/support/contract_flows.py: the flow cases, happy and
unhappy paths, a Canadian customer, lost answers, paging, direct calls), judged by openapi-core against the
matching spec operation — host, path, method, path/query/form parameters, required fields, patterns, enums,
types, security, form encoding — plus Twilio's conventions the spec leaves implicit (tests/support/oas.py).
"""

from __future__ import annotations

import json
from urllib.parse import parse_qsl

import httpx
import pytest

from tests.support import oas
from tests.support.contract_flows import Traffic, run_all
from wizard.twilio import facts as C
from wizard.twilio.operations import OPERATIONS

pytestmark = pytest.mark.contract

ACCOUNT = "AC" + "1" * 32
BU, MG, BN = "BU" + "a" * 32, "MG" + "b" * 32, "BN" + "c" * 32


@pytest.fixture(scope="session")
def traffic() -> Traffic:
    return run_all()


def _forms(exchanges: list[oas.Exchange]) -> list[list[tuple[str, str]]]:
    return [oas.form_pairs(e.request) for e in exchanges]


# -- the oracle itself -----------------------------------------------------------------------------------


@pytest.mark.slow
def test_specs_are_twilios_verbatim_files_and_the_patch_stays_in_memory():
    for host in oas.SPEC_FILES:
        before = oas.raw_bytes.__wrapped__(host)  # re-read from disk, sha256-checked
        original = oas.raw(host)
        patched, done = oas.patch_array_encoding(original)
        assert original == json.loads(before), "the patch must work on a deep copy"
        assert patched is not original
        assert (oas.SPEC_DIR / oas.SPEC_FILES[host]).read_bytes() == before
    usa2p = "POST /v1/Services/{MessagingServiceSid}/Compliance/Usa2p"
    assert {f"{usa2p}: {name}" for name in ("MessageSamples", "OptInKeywords", "OptOutKeywords", "HelpKeywords")} \
        <= set(oas.patch_array_encoding(oas.raw("messaging"))[1])
    encoding = oas.spec("messaging")["paths"]["/v1/Services/{MessagingServiceSid}/Compliance/Usa2p"]["post"][
        "requestBody"]["content"][oas.FORM]["encoding"]
    assert encoding["MessageSamples"] == {"style": "form", "explode": True, "allowReserved": True}


@pytest.mark.parametrize("name", OPERATIONS)
def test_every_client_operation_is_an_operation_of_twilios_spec(name):
    op = OPERATIONS[name]
    path, method, found = oas.spec_operation(op)
    codes = set(found["responses"])
    if op.creates:
        assert "201" in codes, f"{name} creates, but the spec answers {codes}"
    if op.list_key:
        schema = oas.response_schema(op, 200)
        assert schema and schema["properties"][op.list_key]["type"] == "array", (
            f"{name}: the spec's list body has no array `{op.list_key}`")
    assert oas.host_for_path(op.render(account=ACCOUNT, sid=BU, campaign=C.CAMPAIGN_SID, country="US",
                                          number="PN" + "0" * 32)) == op.host


BAD_REQUESTS = {
    "missing required": ("POST", "https://trusthub.twilio.com/v1/CustomerProfiles",
                         {"data": {"Email": "a@example.com", "PolicySid": C.STARTER_PROFILE_POLICY_SID}}),
    "pattern": ("POST", "https://trusthub.twilio.com/v1/CustomerProfiles",
                {"data": {"FriendlyName": "x", "Email": "a@example.com", "PolicySid": "RN123"}}),
    "enum": ("POST", f"https://trusthub.twilio.com/v1/CustomerProfiles/{BU}", {"data": {"Status": "submitted"}}),
    "boolean spelling": ("POST", f"https://messaging.twilio.com/v1/Services/{MG}/Compliance/Usa2p", {"data": {
        "BrandRegistrationSid": BN, "Description": "d", "MessageFlow": "m", "MessageSamples": ["a", "b"],
        "UsAppToPersonUsecase": C.USE_CASE, "HasEmbeddedLinks": "yes", "HasEmbeddedPhone": "false"}}),
    "missing array": ("POST", f"https://messaging.twilio.com/v1/Services/{MG}/Compliance/Usa2p", {"data": {
        "BrandRegistrationSid": BN, "Description": "d", "MessageFlow": "m", "UsAppToPersonUsecase": C.USE_CASE,
        "HasEmbeddedLinks": "true", "HasEmbeddedPhone": "false"}}),
    "JSON body": ("POST", "https://trusthub.twilio.com/v1/CustomerProfiles",
                  {"json": {"FriendlyName": "x", "Email": "a@example.com", "PolicySid": C.STARTER_PROFILE_POLICY_SID}}),
    "no Basic auth": ("POST", "https://trusthub.twilio.com/v1/CustomerProfiles", {"auth": False, "data": {
        "FriendlyName": "x", "Email": "a@example.com", "PolicySid": C.STARTER_PROFILE_POLICY_SID}}),
    "unknown path": ("GET", "https://trusthub.twilio.com/v1/CustomerProfile", {}),
    "unknown method": ("DELETE", f"https://messaging.twilio.com/v1/a2p/BrandRegistrations/{BN}", {}),
    "path parameter pattern": ("GET", f"https://trusthub.twilio.com/v1/CustomerProfiles/IT{'a' * 32}", {}),
    "query minimum": ("GET", "https://trusthub.twilio.com/v1/CustomerProfiles", {"params": {"PageSize": 0}}),
    "wrong host": ("GET", "https://trusthub.twilio.com/v1/Services", {}),
    "2010 path without .json": ("GET", f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT}/Addresses", {}),
    "country format": ("POST", f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT}/Addresses.json", {"data": {
        "CustomerName": "José Nguyễn", "Street": "200 Wellington St W", "City": "Toronto", "Region": "ON",
        "PostalCode": "M5V 2T6", "IsoCountry": "Canada"}}),
    "uri format": ("POST", "https://trusthub.twilio.com/v1/CustomerProfiles", {"data": {
        "FriendlyName": "x", "Email": "a@example.com", "PolicySid": C.STARTER_PROFILE_POLICY_SID,
        "StatusCallback": "example.com/hook"}}),
    "undocumented parameter": ("POST", "https://trusthub.twilio.com/v1/CustomerProfiles", {"data": {
        "FriendlyName": "x", "Email": "a@example.com", "PolicySid": C.STARTER_PROFILE_POLICY_SID, "Emial": "x"}}),
    "Attributes not a JSON object": ("POST", "https://trusthub.twilio.com/v1/EndUsers", {"data": {
        "FriendlyName": "x", "Type": C.STARTER_END_USER_TYPE, "Attributes.first_name": "Zoë"}}),
    "integer": ("POST", "https://messaging.twilio.com/v1/Services", {"data": {"FriendlyName": "x",
                                                                               "ValidityPeriod": "ten"}}),
}


def _build(method: str, url: str, options: dict) -> httpx.Request:
    options = dict(options)
    auth = httpx.BasicAuth(ACCOUNT, "token") if options.pop("auth", True) else None
    request = httpx.Client().build_request(method, url, **options)
    if auth is not None:
        request = next(auth.sync_auth_flow(request))
    request.read()
    return request


@pytest.mark.parametrize("case", BAD_REQUESTS)
def test_the_oracle_refuses_what_twilio_would(case):
    method, url, options = BAD_REQUESTS[case]
    assert oas.request_errors(_build(method, url, options)), f"{case}: a bad request passed the validator"


def test_the_oracle_accepts_a_good_request_with_repeated_keys_and_unicode():
    request = _build("POST", f"https://messaging.twilio.com/v1/Services/{MG}/Compliance/Usa2p", {"data": {
        "BrandRegistrationSid": BN, "Description": "Zoë's reminders", "MessageFlow": "Opt in at example.com",
        "MessageSamples": ["Zoë: walk at 3pm + treats", "Nguyễn: 50% off"], "UsAppToPersonUsecase": C.USE_CASE,
        "HasEmbeddedLinks": "true", "HasEmbeddedPhone": "false", "OptInKeywords": ["JOIN", "START"]}})
    assert oas.request_errors(request) == []


# -- the app's requests ----------------------------------------------------------------------------------


@pytest.mark.slow
def test_every_scenario_ran_to_its_end(traffic):
    assert not traffic.failures, "\n\n".join(f"{name}:\n{tb}" for name, tb in traffic.failures.items())


@pytest.mark.slow
def test_every_client_operation_is_covered(traffic):
    missing = [name for name in OPERATIONS if not traffic.of(name)]
    assert not missing, f"operations no scenario sent (add one to tests/support/contract_flows.py): {missing}"


@pytest.mark.parametrize("name", OPERATIONS)
def test_requests_conform_to_the_spec(traffic, name):
    exchanges = traffic.of(name)
    assert exchanges, f"{name} was never sent: add a scenario to tests/support/contract_flows.py"
    problems = {}
    for exchange in exchanges:
        if errors := oas.request_errors(exchange.request):
            problems.setdefault(exchange.label(), errors)
    assert not problems, "\n\n".join(f"{label}\n" + "\n".join(errors) for label, errors in problems.items())


def test_unicode_and_canadian_inputs_reach_the_wire_intact(traffic):
    canada = [e for e in traffic.exchanges if e.scenario == "canada"]
    [address] = _forms([e for e in canada if e.operation.name == "create_address"])
    assert dict(address) | {"FriendlyName": ""} == {
        "CustomerName": "José Nguyễn", "Street": "200 Wellington St W", "StreetSecondary": "Suite 400",
        "City": "Toronto", "Region": "ON", "PostalCode": "M5V 2T6", "IsoCountry": "CA", "FriendlyName": ""}
    users = [json.loads(dict(form)["Attributes"]) for form in _forms(
        [e for e in canada if e.operation.name == "create_end_user"])]
    assert {"first_name": "José", "last_name": "Nguyễn", "email": "jose.nguyen@example.ca",
            "phone_number": "+14165550134"} in users
    assert {"brand_name": "Nguyễn Tutoring", "mobile_phone_number": "+16475550188", "vertical": "EDUCATION"} in users
    [campaign] = _forms([e for e in canada if e.operation.name == "create_campaign"])
    samples = [v for k, v in campaign if k == "MessageSamples"]
    assert len(samples) == 3 and samples[0].startswith("Nguyễn Tutoring") and "https://" in samples[1]
    assert [v for k, v in campaign if k == "OptInKeywords"] == ["JOIN", "START"]
    assert ("HasEmbeddedLinks", "true") in campaign and ("HasEmbeddedPhone", "true") in campaign


def test_booleans_are_lowercase_words_and_arrays_repeat_their_key(traffic):
    booleans = {"Mock", "SkipAutomaticSecVet", "HasEmbeddedLinks", "HasEmbeddedPhone", "AgeGated",
                "DirectLending", "SubscriberOptIn", "EmergencyEnabled", "AutoCorrectAddress"}
    sent = [(k, v) for e in traffic.exchanges for k, v in oas.form_pairs(e.request)]
    assert {v for k, v in sent if k in booleans} <= {"true", "false"}
    assert any(k == "SkipAutomaticSecVet" for k, _ in sent)
    for exchange in traffic.of("create_campaign") + traffic.of("update_campaign"):
        keys = [k for k, _ in oas.form_pairs(exchange.request)]
        assert 2 <= keys.count("MessageSamples") <= 5, exchange.label()


def test_list_calls_send_their_filters_and_follow_both_paging_styles(traffic):
    queries = {name: [dict(parse_qsl(e.request.url.query.decode())) for e in traffic.of(name)]
               for name, op in OPERATIONS.items() if op.list_key}
    assert any(q.get("PageToken") for q in queries["list_end_users"]), "v1 next_page_url never followed"
    assert any(q.get("PageToken") for q in queries["list_addresses"]), "2010 next_page_uri never followed"
    assert any(q.get("Status") and q.get("PolicySid") for q in queries["list_customer_profiles"])
    assert any(q.get("FriendlyName") for q in queries["list_trust_products"])
    assert any(q.get("ObjectType") for q in queries["list_customer_profile_entities"])
    assert any(q.get("IsoCountry") == "CA" for q in queries["list_addresses"])
    assert any(q.get("PhoneNumber") == "+12065550100" for q in queries["list_incoming_phone_numbers"])


def test_requests_go_to_the_host_of_their_operation(traffic):
    for exchange in traffic.exchanges:
        op = exchange.operation
        url = exchange.request.url
        assert f"{url.scheme}://{url.host}" == C.HOSTS[op.host], exchange.label()
        assert exchange.request.headers["Authorization"].startswith("Basic ")
