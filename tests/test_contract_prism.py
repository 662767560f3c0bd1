"""The client in live mode against an independent mock: Stoplight Prism serving Twilio's three specs.

Prism refuses what the spec refuses (422 with its reasons, 401 without Basic auth, 415 for a non-form body,
404 for an unknown path), so zero 4xx means Twilio's spec accepts every request. tests/support/prism.py starts one
Prism per spec (from a temporary copy with the array `encoding` patch) and a loopback router that gives the
app one base URL (A2P_TWILIO_BASE_URL). Prism answers with the specs' static examples: it checks request
shapes, not flows.

Run alone: `uv run pytest -m prism`. Without Node/Prism these tests skip locally; under CI=true (or
A2P_REQUIRE_PRISM=1, which .ci/run sets) they fail instead.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from tests.support import factories as f
from tests.support import oas
from tests.support import prism as P
from tests.support.contract_flows import Traffic, run_all
from wizard.desk import Desk
from wizard.flow.engine import Engine
from wizard.session.runtime import Runtime
from wizard.twilio import facts as C
from wizard.twilio.failures import TwilioError
from wizard.twilio.operations import OPERATIONS

pytestmark = [pytest.mark.prism, pytest.mark.slow]

ACCOUNT = "AC" + "0123456789abcdef" * 2
PRIMARY = "BU" + "fedcba9876543210" * 2

SOLE_PROPRIETOR_EXAMPLES = [
    (r"POST /v1/CustomerProfiles/BU\w+/Evaluations", "example=createCompliantStarterCustomerProfile"),
    (r"POST /v1/CustomerProfiles/BU\w+", "example=updateToInReview"),
    (r"POST /v1/TrustProducts/BU\w+/Evaluations", "example=createCompliantSoleProprietorA2PProfile"),
    (r"POST /v1/TrustProducts/BU\w+", "example=updateToInReview"),
    (r"POST /v1/a2p/BrandRegistrations", "example=createSoleProprietorBrand"),
    (r"GET /v1/a2p/BrandRegistrations/BN\w+", "example=fetchSoleProprietorRegisteredVerified"),
    (r"POST /v1/Services/MG\w+/Compliance/Usa2p", "example=createWithDefaultsSoleProprietor"),
    (r"GET /v1/Services/MG\w+/Compliance/Usa2p/QE\w+", "example=fetchSoleProprietorCampaign"),
]
"""Named examples of Twilio's specs for a sole proprietor that passes each check (via Prism's Prefer header)."""

STEP1_POSTS = [
    "/v1/CustomerProfiles", "/v1/EndUsers", f"/2010-04-01/Accounts/{ACCOUNT}/Addresses.json",
    "/v1/SupportingDocuments", *["/v1/CustomerProfiles/{BU}/EntityAssignments"] * 3,
    "/v1/CustomerProfiles/{BU}/Evaluations",
]
"""Twilio's walkthrough step 1 (docs/twilio-api.md §2, 1.1–1.6); 1.7 is the submit."""


@pytest.fixture(scope="session")
def traffic() -> Traffic:
    return run_all()


@pytest.fixture(scope="module")
def router(tmp_path_factory: pytest.TempPathFactory) -> Iterator[P.Router]:
    if reason := P.missing_reason():
        if P.in_ci() or os.environ.get("A2P_REQUIRE_PRISM"):
            pytest.fail(f"Prism contract tests cannot run in CI: {reason}", pytrace=False)
        pytest.skip(reason)
    with P.Mocks(tmp_path_factory.mktemp("prism")) as mocks:
        router = P.Router(mocks)
        try:
            yield router
        finally:
            router.close()


@pytest.fixture
async def live(router: P.Router, isolated: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Runtime]:
    """The app in live mode, its one base URL pointing at the router, with test credentials."""
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", ACCOUNT)
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "test-auth-token")
    monkeypatch.setenv("A2P_PRIMARY_PROFILE_SID", PRIMARY)
    monkeypatch.setenv("A2P_TWILIO_BASE_URL", router.url)
    router.prefer = []
    rt = Runtime.open(home=isolated)
    assert rt.mode == "live" and rt.sandbox is None
    yield rt
    router.prefer = []
    await rt.aclose()


def _refusals(router: P.Router, since: int) -> str:
    return "\n".join(f"{s.method} {s.path} -> {s.status}: {s.body[:600].decode(errors='replace')}"
                     for s in router.refusals(since))


def _posts(router: P.Router, since: int) -> list[str]:
    posts = [s.path.split("?")[0] for s in router.seen[since:] if s.method == "POST"]
    return [p.replace(p.split("/")[3], "{BU}") if p.startswith("/v1/CustomerProfiles/BU") else p for p in posts]


def test_prism_is_the_pinned_version(router):
    version = subprocess.run([str(router.mocks.prism), "--version"], capture_output=True, text=True, timeout=60)
    assert version.stdout.strip() == P.PRISM_VERSION
    assert any("MessageSamples" in p for p in router.mocks.patched["messaging"])


async def test_prism_refuses_what_twilio_would(live, router):
    """A control: Prism does reject bad requests, so the zero-4xx checks below mean something."""
    with pytest.raises(TwilioError) as missing:
        await live.client.call("create_customer_profile", {"FriendlyName": "Zoë", "PolicySid": "RN1"})
    assert missing.value.status == 422 and "Email" in router.seen[-1].body.decode()
    with pytest.raises(TwilioError) as boolean:
        await live.client.call("create_campaign", {
            "BrandRegistrationSid": "BN" + "c" * 32, "Description": "d", "MessageFlow": "m",
            "MessageSamples": ["one", "two"], "UsAppToPersonUsecase": C.USE_CASE, "HasEmbeddedLinks": "yes",
            "HasEmbeddedPhone": False}, sid="MG" + "b" * 32)
    assert boolean.value.status == 422
    with pytest.raises(TwilioError) as unknown:
        await live.client.call("fetch_customer_profile", sid="not-a-sid")
    assert unknown.value.status in (404, 422)


@pytest.mark.parametrize("name", OPERATIONS)
async def test_prism_accepts_every_request_of_the_flow(live, router, traffic, name):
    """Every distinct request the flow sent to the sandbox for this operation, sent again in live mode."""
    calls, seen = [], set()
    for exchange in traffic.of(name):
        arguments = oas.call_arguments(exchange.request)
        key = json.dumps(arguments[1:], sort_keys=True, ensure_ascii=False)
        if key not in seen:
            seen.add(key)
            calls.append(arguments)
    assert calls, f"{name} was never sent by the flow scenarios"
    since = len(router.seen)
    failures = []
    for op_name, params, query, path in calls:
        try:
            await live.client.call(op_name, params, query, **path)
        except TwilioError as error:
            failures.append(f"{op_name} {params} {query}: {error}")
    assert not failures, "\n".join(failures) + "\n" + _refusals(router, since)
    assert not router.refusals(since)
    assert len(router.seen) - since == len(calls)


async def test_live_primary_profile_check_reads_prisms_example_profile(live, router):
    """Prism's only example of a customer profile is a draft, so the live check stops the run — as it
    should for a primary profile that is not twilio-approved — before any customer call is made."""
    c = Desk(live).create(f.canadian_profile())
    since = len(router.seen)
    report = await live.engine.advance(c.key)
    assert report.error == (f"Your primary customer profile {PRIMARY} is draft, not twilio-approved: "
                            "finish it in the Twilio Console first.")
    assert [(s.method, s.path) for s in router.seen[since:]] == [("GET", f"/v1/CustomerProfiles/{PRIMARY}")]
    assert live.store.journal(c.key) == []
    assert not router.refusals(since)


def _approved_primary(live: Runtime) -> Engine:
    """The live engine as it runs once the primary profile passed its check (Prism cannot serve one that does)."""
    return Engine(live.store, live.client, primary_profile_sid=PRIMARY, clock=live.engine.clock)


async def test_live_step1_with_prisms_default_examples(live, router):
    """Step 1 against Prism's first examples: every call is sent and accepted; the default evaluation example
    is noncompliant, so the app stops before submitting and says what to fix."""
    engine = _approved_primary(live)
    c = Desk(live).create(f.canadian_profile())
    since = len(router.seen)
    report = await engine.advance(c.key)
    assert report.error is None and all(o.ok for o in report.outcomes), report.outcomes
    assert not router.refusals(since), _refusals(router, since)
    assert _posts(router, since) == STEP1_POSTS
    c = engine.load(c.key)
    assert c.state.sids["profile"].startswith("BU") and c.state.sids["address"].startswith("AD")
    assert c.state.evaluations["profile"].status == "noncompliant"
    summary = report.summary
    assert (summary.stage, summary.kind, summary.step_status) == (1, "fix", "noncompliant")
    assert summary.next_action.startswith("The starter profile is not compliant: ")
    assert "Fix the fields and advance again." in summary.next_action
    assert not [e for e in live.store.journal(c.key) if e.state != "done"]


async def test_live_step1_is_sent_whole_and_submitted(live, router):
    """With the compliant-evaluation and in-review examples, the whole of step 1 (1.1–1.7) goes out in the
    walkthrough's order and the customer waits for the operator's step-2 details."""
    router.prefer = SOLE_PROPRIETOR_EXAMPLES
    engine = _approved_primary(live)
    c = Desk(live).create(f.canadian_profile())
    since = len(router.seen)
    report = await engine.advance(c.key)
    assert report.error is None and all(o.ok for o in report.outcomes), report.outcomes
    assert not router.refusals(since), _refusals(router, since)
    assert _posts(router, since) == [*STEP1_POSTS, "/v1/CustomerProfiles/{BU}"]
    assert [o.action for o in report.outcomes][-2:] == ["profile.evaluate", "profile.submit"]
    submit = next(s for s in router.seen[since:] if s.prefer == "example=updateToInReview")
    assert json.loads(submit.body)["status"] == "in-review"
    c = engine.load(c.key)
    assert c.state.statuses["profile"] == "in-review"
    assert (report.summary.stage, report.summary.kind) == (2, "operator")
    assert "brand name" in report.summary.next_action


async def test_live_whole_flow_as_far_as_a_stateless_mock_allows(live, router):
    """All four steps with Twilio's sole-proprietor examples: every request accepted, the app ends waiting
    for the campaign review. (Prism's one profile/bundle fetch example is a draft, so the second advance
    re-reads the bundles as drafts and submits them again — the app's answer to a draft it had submitted.)"""
    router.prefer = SOLE_PROPRIETOR_EXAMPLES
    engine = _approved_primary(live)
    c = Desk(live).create(f.canadian_profile(), f.canadian_bundle(), f.canadian_campaign())
    since = len(router.seen)
    first = await engine.advance(c.key)
    assert first.error is None and all(o.ok for o in first.outcomes)
    assert [o.action for o in first.outcomes][-1] == "brand.create"
    assert (first.summary.stage, first.summary.kind, first.summary.step_status) == (3, "twilio", "PENDING/UNVERIFIED")
    second = await engine.advance(c.key)
    assert second.error is None and all(o.ok for o in second.outcomes)
    actions = [o.action for o in second.outcomes]
    assert actions[-5:] == ["brand.read", "campaign.number_lookup", "campaign.service", "campaign.add_number",
                            "campaign.create"]
    assert (second.summary.stage, second.summary.kind) == (4, "twilio")
    assert not router.refusals(since), _refusals(router, since)
    campaign = next(s for s in router.seen[since:] if s.prefer == "example=createWithDefaultsSoleProprietor")
    assert json.loads(campaign.body)["us_app_to_person_usecase"] == C.USE_CASE
    c = engine.load(c.key)
    assert c.state.statuses["brand"] == "APPROVED" and c.state.statuses["identity"] == "VERIFIED"
    assert [charge.amount for charge in c.state.ledger] == [4.5, 15.0]
