"""The traffic the contract tests judge: every request the client sends in the real flow, and every answer.

Each scenario runs on a fresh sandbox Runtime whose client sends through a Recorder (tests/support/oas.py):
- every flow case (tests/support/flow_cases.py, run as tests by tests/test_flow.py) that needs only `runtime`
  (happy and unhappy paths: the params come from wizard/flow/plan.py),
- a Canadian customer with Unicode names and every optional campaign field, and the same customer through
  every correction (updates, brand resubmission, passcode resend, campaign update),
- a customer whose every write's answer is lost once (the engine's finders: list calls with filters),
- direct calls for what the flow does not send (paging, filters, the primary-profile check, refresh,
  a supporting-document update) and for Twilio errors the sandbox returns.

Captured once per test process (run_all is cached); `traffic()` is the session fixture's body.
"""

from __future__ import annotations

import asyncio
import atexit
import inspect
import os
import shutil
import tempfile
import traceback
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cache
from pathlib import Path

import httpx

from tests.support import factories as f
from tests.support import oas
from tests.support.env import SECRET_VARS, Clock
from tests.support.flow import drive
from wizard.desk import Desk
from wizard.sandbox.transport import SandboxTransport
from wizard.session.runtime import Runtime
from wizard.twilio import facts as C
from wizard.twilio.client import TwilioClient
from wizard.twilio.facts import SANDBOX_PASSWORD
from wizard.twilio.failures import TwilioError

Scenario = Callable[[Runtime], Awaitable[None]]


@dataclass
class Traffic:
    exchanges: list[oas.Exchange] = field(default_factory=list)
    failures: dict[str, str] = field(default_factory=dict)
    """Scenarios that raised (their traffic up to the failure is kept)."""

    def of(self, name: str) -> list[oas.Exchange]:
        return [e for e in self.exchanges if e.operation.name == name]


# -- driving ---------------------------------------------------------------------------------------------


async def canada(rt: Runtime) -> None:
    """A Canadian customer, with a number bought for them in a US area code."""
    c = Desk(rt).create(f.canadian_profile(), f.canadian_bundle(), f.canadian_campaign("buy:206"))
    await drive(rt, c.key)
    c = rt.engine.load(c.key)
    assert rt.engine.summary(c).done and c.state.number and c.state.number.startswith("+1206555")


async def canada_corrections(rt: Runtime) -> None:
    """The Canadian customer through every correction: a noncompliant address and a new email (updates of
    the address, end user and profile), a FAILED brand (bundle end-user update, resubmission), a lapsed
    passcode (resend), a FAILED campaign (update) — with Unicode text throughout."""
    assert rt.sandbox is not None
    engine, sandbox = rt.engine, rt.sandbox
    good_campaign = f.canadian_campaign()
    bad_samples = ["Nguyễn Tutoring: cannabis-free study snacks at the lesson. Reply STOP to opt out.",
                   *good_campaign.samples[1:]]
    c = Desk(rt).create(f.canadian_profile().model_copy(update={"street": "200 Noncompliant St W"}),
                         f.canadian_bundle().model_copy(update={"brand_name": "Nguyễn Tutoring Fail"}),
                         good_campaign.model_copy(update={"samples": bad_samples}))
    await engine.advance(c.key)
    c = engine.load(c.key)
    assert c.state.evaluations["profile"].status == "noncompliant"
    fixed = f.canadian_profile().model_copy(update={"email": "jose@nguyen-tutoring.example.ca"})
    c = Desk(rt).save_step(c.key, c.version, 1, fixed)
    await engine.advance(c.key)
    sandbox.advance_clock(timedelta(hours=1))
    await engine.advance(c.key)
    c = engine.load(c.key)
    assert c.state.statuses["brand"] == "FAILED", c.state.statuses
    c = Desk(rt).save_step(c.key, c.version, 2, f.canadian_bundle())
    await engine.advance(c.key)
    sandbox.advance_clock(timedelta(hours=1))
    await engine.advance(c.key)
    sandbox.advance_clock(timedelta(hours=25))
    report = await engine.resend_otp(c.key)
    assert report.error is None, report.error
    sandbox.reply_yes(engine.load(c.key).state.sids["brand"])
    await engine.advance(c.key)
    sandbox.advance_clock(timedelta(hours=3))
    await engine.advance(c.key)
    c = engine.load(c.key)
    assert c.state.statuses["campaign"] == "FAILED", c.state.statuses
    Desk(rt).save_step(c.key, c.version, 4, good_campaign)
    await drive(rt, c.key)
    assert engine.summary(engine.load(c.key)).done
    done = {e.action for e in rt.store.journal(c.key) if e.state == "done"}
    assert {"profile.update_address", "profile.update_end_user", "profile.update", "bundle.update_end_user",
            "brand.resubmit", "brand.otp_resend", "campaign.update"} <= done, done


class LoseFirstAnswer(httpx.AsyncBaseTransport):
    """The first time each distinct write is sent, the sandbox performs it and the answer is lost."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner, self.seen = inner, set()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = await request.aread()
        response = await self.inner.handle_async_request(request)
        if request.method == "POST" and (request.url.path, body) not in self.seen:
            self.seen.add((request.url.path, body))
            raise httpx.ReadTimeout("answer lost (contract test)", request=request)
        return response


async def lost_answers(rt: Runtime) -> None:
    c = Desk(rt).create(f.profile(email="lost@example.com"), f.bundle(mobile_phone="+12065550177"),
                         f.campaign(phone_number="+12065550103"))
    await drive(rt, c.key, rounds=60, retry_failed=True)
    assert rt.engine.summary(rt.engine.load(c.key)).done
    found = [e.action for e in rt.store.journal(c.key) if e.state == "done"]
    assert "profile.create" in found


async def lists_filters_and_paging(rt: Runtime) -> None:
    """Two customers, then every list with its filters and one item per page (next-page links followed)."""
    keys = []
    for i, (profile, bundle) in enumerate(((f.profile(), f.bundle()), (f.canadian_profile(), f.canadian_bundle()))):
        campaign = f.campaign(phone_number=f"+1206555010{i}")
        c = Desk(rt).create(profile, bundle, campaign)
        await drive(rt, c.key)
        keys.append(c.key)
    c = rt.engine.load(keys[1])
    s, client = c.state.sids, rt.client
    one = {"PageSize": 1}

    async def every(name: str, query: dict | None = None, **path: str) -> list[dict]:
        return [item async for item in client.paginate(name, query={**one, **(query or {})}, **path)]

    assert len(await every("list_customer_profiles")) >= 3
    await every("list_customer_profiles", {"Status": "in-review", "PolicySid": C.STARTER_PROFILE_POLICY_SID})
    await every("list_customer_profiles", {"FriendlyName": f"a2p:{c.key}:starter-profile"})
    await every("list_trust_products", {"Status": "in-review", "PolicySid": C.SOLE_PROPRIETOR_POLICY_SID,
                                        "FriendlyName": f"a2p:{c.key}:sole-prop-bundle"})
    assert len(await every("list_end_users")) >= 4
    await every("list_supporting_documents")
    assert len(await every("list_customer_profile_entities", sid=s["profile"])) == 3
    await every("list_customer_profile_entities", {"ObjectType": C.STARTER_END_USER_TYPE}, sid=s["profile"])
    await every("list_trust_product_entities", {"ObjectType": C.SOLE_PROPRIETOR_END_USER_TYPE}, sid=s["bundle"])
    assert len(await every("list_trust_product_entities", sid=s["bundle"])) == 2
    assert len(await every("list_addresses")) == 2
    await every("list_addresses", {"FriendlyName": f"a2p:{c.key}:address", "CustomerName": "José Nguyễn",
                                   "IsoCountry": "CA", "EmergencyEnabled": False})
    assert len(await every("list_incoming_phone_numbers")) == 5
    await every("list_incoming_phone_numbers", {"PhoneNumber": "206555*", "FriendlyName": "(206) 555-0101",
                                                "Origin": "twilio", "Beta": False})
    assert len(await every("list_brand_registrations")) == 2
    assert len(await every("list_services")) == 2
    await every("list_service_phone_numbers", sid=s["service"])
    await every("list_campaigns", sid=s["service"])


async def direct_calls(rt: Runtime) -> None:
    """What the flow does not send: the live primary-profile check, a supporting-document update, refresh."""
    assert await rt.engine.check_primary() == []
    c = Desk(rt).create(f.canadian_profile(), f.canadian_bundle(), f.canadian_campaign("+12065550104"))
    await drive(rt, c.key)
    s = rt.engine.load(c.key).state.sids
    await rt.client.call("update_supporting_document", {
        "FriendlyName": f"a2p:{c.key}:address-document (Toronto)", "Attributes": {"address_sids": s["address"]},
    }, sid=s["address_document"])
    await rt.client.call("fetch_end_user", sid=s["profile_end_user"])
    await rt.engine.refresh(c.key)
    assert len(await Desk(rt).numbers_for_sale("212")) == 20  # what `a2p-wizard numbers available` lists
    assert await rt.engine.refresh_all() == 1


async def event_streams(rt: Runtime) -> None:
    """`events setup` twice (one sink, one subscription: the second run only looks) and `events status`."""
    for _ in range(2):
        await Desk(rt).events_setup("https://a2p.example.com/twilio/events")
    [sink] = await Desk(rt).events_status()
    assert len(sink.subscriptions) == 1


async def twilio_errors(rt: Runtime) -> None:
    """Well-formed requests the sandbox refuses the way Twilio does: each must raise TwilioError."""
    c = Desk(rt).create(f.profile(), f.bundle(), f.campaign())
    await rt.engine.advance(c.key)  # stops at the brand, PENDING
    s = rt.engine.load(c.key).state.sids
    missing = "BU" + "0" * 32
    attempts: list[tuple[str, dict]] = [
        ("fetch_customer_profile", {"sid": missing}),
        ("fetch_trust_product", {"sid": missing}),
        ("fetch_brand_registration", {"sid": "BN" + "0" * 32}),
        ("evaluate_customer_profile", {"params": {"PolicySid": "RN" + "0" * 32}, "sid": s["profile"]}),
        ("update_customer_profile", {"params": {"Status": "pending-review"}, "sid": s["profile"]}),
        ("assign_customer_profile_entity", {"params": {"ObjectSid": s["profile_end_user"]}, "sid": s["profile"]}),
        ("create_brand_registration", {"params": {"CustomerProfileBundleSid": missing,
                                                  "A2PProfileBundleSid": missing, "BrandType": C.USE_CASE}}),
        ("resubmit_brand_registration", {"sid": s["brand"]}),
        ("list_end_users", {"query": {"PageToken": "PAnot-a-token"}}),
    ]
    for name, arguments in attempts:
        params, query = arguments.pop("params", None), arguments.pop("query", None)
        try:
            await rt.client.call(name, params, query, **arguments)
        except TwilioError:
            continue
        raise AssertionError(f"{name} was accepted; the scenario expects Twilio to refuse it")


async def offboarding(rt: Runtime) -> None:
    """A verified customer's campaign, number and service deleted (number taken out of its service, then
    released), each read first and deleted a second time (Twilio's 404)."""
    c = Desk(rt).create(f.profile(), f.bundle(), f.campaign(phone_number="buy:206"))
    await drive(rt, c.key)
    s, client = rt.engine.load(c.key).state.sids, rt.client
    gone = [("fetch_campaign", "delete_campaign", {"sid": s["service"], "campaign": s["campaign"]}),
            ("fetch_service_phone_number", "remove_service_phone_number",
             {"sid": s["service"], "number": s["phone_number"]}),
            ("fetch_incoming_phone_number", "release_incoming_phone_number", {"sid": s["phone_number"]}),
            ("fetch_service", "delete_service", {"sid": s["service"]})]
    for fetch, delete, path in gone:
        await client.call(fetch, **path)
        assert await client.call(delete, **path) == {}
        try:
            await client.call(delete, **path)
        except TwilioError as error:
            assert error.status == 404 and error.code == 20404, error
        else:
            raise AssertionError(f"{delete} of a deleted resource was accepted")


def _flow_tests() -> dict[str, Scenario]:
    """The flow cases (tests/support/flow_cases.py) that need only the `runtime` (and `clock`) fixtures (none marked
    skip/xfail)."""
    from tests.support import flow_cases

    found: dict[str, Scenario] = {}
    for name, fn in vars(flow_cases).items():
        if name.startswith("test_") and inspect.iscoroutinefunction(fn):
            params = set(inspect.signature(fn).parameters)
            marked = {m.name for m in getattr(fn, "pytestmark", [])} & {"skip", "skipif", "xfail"}
            if params and params <= {"runtime", "clock"} and not marked:
                found[f"flow:{name.removeprefix('test_')}"] = fn
    return found


def scenarios() -> dict[str, Scenario]:
    return {
        **_flow_tests(),
        "canada": canada,
        "canada-corrections": canada_corrections,
        "lost-answers": lost_answers,
        "lists-filters-paging": lists_filters_and_paging,
        "direct-calls": direct_calls,
        "twilio-errors": twilio_errors,
        "event-streams": event_streams,
        "offboarding": offboarding,
    }


# -- running ---------------------------------------------------------------------------------------------


async def _run_one(name: str, fn: Scenario, home: Path, traffic: Traffic) -> None:
    clock = Clock()
    rt = Runtime.open(home=home, mode="sandbox", now=clock)
    assert rt.sandbox is not None
    inner: httpx.AsyncBaseTransport = SandboxTransport(rt.sandbox)
    if name == "lost-answers":
        inner = LoseFirstAnswer(inner)
    recorder = oas.Recorder(inner, name)
    original = rt.client
    rt.client = rt.engine.client = TwilioClient(original.account_sid, (original.account_sid, SANDBOX_PASSWORD),
                                                 transport=recorder, retries=0)
    await original.aclose()
    try:
        params = inspect.signature(fn).parameters
        await (fn(rt, clock) if "clock" in params else fn(rt))  # type: ignore[call-arg]
    except Exception:
        traffic.failures[name] = traceback.format_exc()
    finally:
        traffic.exchanges += recorder.exchanges
        await rt.aclose()


async def _run_all(base: Path) -> Traffic:
    traffic = Traffic()
    for i, (name, fn) in enumerate(scenarios().items()):
        await _run_one(name, fn, base / f"s{i:02d}", traffic)
    return traffic


@cache
def run_all() -> Traffic:
    """Run every scenario once per process, in a worker thread (no event loop of the caller is touched),
    with no A2P_*/TWILIO_* setting of the caller's environment (restored afterwards)."""
    base = Path(tempfile.mkdtemp(prefix="a2p-contract-"))
    atexit.register(shutil.rmtree, base, ignore_errors=True)
    names = {*SECRET_VARS, *(n for n in os.environ if n.startswith(("A2P_", "TWILIO_")))}
    saved = {name: os.environ.pop(name) for name in names if name in os.environ}
    try:
        with ThreadPoolExecutor(1) as pool:
            return pool.submit(asyncio.run, _run_all(base)).result()
    finally:
        os.environ.update(saved)
