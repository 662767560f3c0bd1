"""`events setup` and `events status`: one webhook sink and one subscription to the A2P event types, however
often setup runs, in requests Twilio's Event Streams spec accepts (tests/support/oas.py; Prism replays them in CI)."""

from __future__ import annotations

import json
from urllib.parse import parse_qsl

from tests.support import oas
from wizard.desk import Desk
from wizard.sandbox.transport import SandboxTransport
from wizard.session.runtime import Runtime
from wizard.twilio.client import TwilioClient
from wizard.twilio.event_types import A2P_EVENT_TYPES
from wizard.twilio.facts import SANDBOX_PASSWORD

URL = "https://a2p.example.com/twilio/events"


async def recorded(rt: Runtime) -> oas.Recorder:
    recorder = oas.Recorder(SandboxTransport(rt.sandbox), "events")
    await rt.client.aclose()
    rt.client = rt.engine.client = TwilioClient(rt.client.account_sid, (rt.client.account_sid, SANDBOX_PASSWORD),
                                                 transport=recorder, retries=0)
    return recorder


async def test_setup_twice_creates_one_sink_and_one_subscription(runtime: Runtime):
    recorder = await recorded(runtime)
    first = await Desk(runtime).events_setup(URL)
    second = await Desk(runtime).events_setup(URL)
    assert [line.split()[0:2] for line in first] == [["created", "the"]] * 2
    assert all("already" in line for line in second)
    posts = [e.request for e in recorder.exchanges if e.request.method == "POST"]
    assert [p.url.path for p in posts] == ["/v1/Sinks", "/v1/Subscriptions"]
    sink = dict(parse_qsl(posts[0].content.decode()))
    assert (sink["SinkType"], json.loads(sink["SinkConfiguration"])) == (
        "webhook", {"destination": URL, "method": "POST", "batch_events": False})
    types = [json.loads(v)["type"] for k, v in parse_qsl(posts[1].content.decode()) if k == "Types"]
    assert types == list(A2P_EVENT_TYPES)
    for exchange in recorder.exchanges:
        assert oas.request_errors(exchange.request) == [], exchange.label()
        assert oas.response_errors(exchange.request, exchange.response) == [], exchange.label()
    [sink_now] = await Desk(runtime).events_status()
    assert (sink_now.destination, len(sink_now.subscriptions)) == (URL, 1)
    assert set(sink_now.subscriptions[0].types) == set(A2P_EVENT_TYPES)


async def test_another_url_gets_a_sink_of_its_own(runtime: Runtime):
    await Desk(runtime).events_setup(URL)
    await Desk(runtime).events_setup(URL + "2")
    assert sorted(s.destination for s in await Desk(runtime).events_status()) == [URL, URL + "2"]
