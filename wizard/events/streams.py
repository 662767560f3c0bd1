"""Event Streams for this account: one webhook sink at the receiver's URL and one subscription of it to the A2P
event types (https://www.twilio.com/docs/messaging/compliance/a2p-10dlc/event-streams-setup). Setting up looks
first and creates only what is missing, so running it twice (or after a lost answer) creates nothing twice.
An ISV with a subaccount per client sets it up in each subaccount (with that subaccount's credentials)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from wizard.twilio.client import TwilioClient
from wizard.twilio.event_types import A2P_EVENT_TYPES

DESCRIPTION = "a2p-wizard: A2P 10DLC events"


@dataclass(frozen=True)
class Sink:
    sid: str
    destination: str
    status: str
    subscriptions: list[Subscription] = field(default_factory=list)


@dataclass(frozen=True)
class Subscription:
    sid: str
    description: str
    types: list[str]


async def status(client: TwilioClient) -> list[Sink]:
    """The account's webhook sinks with their subscriptions and the event types of each (answers the client's door,
    wizard/twilio/answers.py, has already typed: a SID is one, a configuration an object)."""
    sinks = []
    async for s in client.paginate("list_sinks"):
        if s.get("sink_type") != "webhook":
            continue
        subs = []
        async for sub in client.paginate("list_subscriptions", query={"SinkSid": s["sid"]}):
            types = [t.get("type", "") async for t in client.paginate("list_subscribed_events", sid=sub["sid"])]
            subs.append(Subscription(sub["sid"], sub.get("description", ""), types))
        destination = s.get("sink_configuration", {}).get("destination", "")
        sinks.append(Sink(s["sid"], destination, s.get("status", ""), subs))
    return sinks


async def setup(client: TwilioClient, sink_url: str) -> list[str]:
    """Make sure a webhook sink at `sink_url` exists with a subscription to the A2P events; what was done."""
    done: list[str] = []
    found = next((s for s in await status(client) if s.destination == sink_url), None)
    if found is None:
        body = await client.call("create_sink", {
            "Description": DESCRIPTION, "SinkType": "webhook",
            "SinkConfiguration": {"destination": sink_url, "method": "POST", "batch_events": False}})
        found = Sink(body["sid"], sink_url, body.get("status", ""))
        done.append(f"created the webhook sink {found.sid} to {sink_url} ({found.status})")
    else:
        done.append(f"the webhook sink {found.sid} to {sink_url} is there already ({found.status})")
    covering = [s for s in found.subscriptions if set(A2P_EVENT_TYPES) <= set(s.types)]
    if covering:
        done.append(f"the subscription {covering[0].sid} to the {len(A2P_EVENT_TYPES)} A2P event types is there "
                    "already")
        return done
    body = await client.call("create_subscription", {
        "Description": DESCRIPTION, "SinkSid": found.sid,
        "Types": [json.dumps({"type": t}) for t in A2P_EVENT_TYPES]})
    done.append(f"created the subscription {body['sid']} to the {len(A2P_EVENT_TYPES)} A2P event types")
    return done
