"""Event Streams v1: webhook sinks and subscriptions (events.twilio.com), as `events setup` uses them."""

from __future__ import annotations

import json
from typing import Any

from wizard.sandbox.context import HEX, Answer, Ctx, iso
from wizard.sandbox.paging import v1_page
from wizard.sandbox.request import Request, Routes, invalid
from wizard.twilio.event_types import A2P_EVENT_TYPES

SINKS, SUBSCRIPTIONS = "event_sinks", "event_subscriptions"
SINK_TYPES = ("kinesis", "webhook", "segment", "email")


def _sink(ctx: Ctx, rec: dict[str, Any]) -> dict[str, Any]:
    url = ctx.url("events", f"/v1/Sinks/{rec['sid']}")
    return {k: v for k, v in rec.items() if not k.startswith("_")} | {
        "date_created": iso(rec["date_created"]), "date_updated": iso(rec["date_updated"]), "url": url,
        "links": {"sink_test": f"{url}/Test", "sink_validate": f"{url}/Validate"}}


def _subscription(ctx: Ctx, rec: dict[str, Any]) -> dict[str, Any]:
    url = ctx.url("events", f"/v1/Subscriptions/{rec['sid']}")
    return {k: v for k, v in rec.items() if not k.startswith("_")} | {
        "date_created": iso(rec["date_created"]), "date_updated": iso(rec["date_updated"]), "url": url,
        "links": {"subscribed_events": f"{url}/SubscribedEvents"}}


def create_sink(ctx: Ctx, req: Request) -> Answer:
    description = req.text("Description", required=True, max_len=255)
    kind = req.choice("SinkType", SINK_TYPES, required=True)
    try:
        config = json.loads(req.text("SinkConfiguration", required=True) or "")
    except ValueError:
        raise invalid("SinkConfiguration", "must be a JSON object") from None
    if kind == "webhook" and not (isinstance(config, dict) and str(config.get("destination", "")).startswith(
            ("http://", "https://")) and config.get("method", "POST") in ("GET", "POST")):
        raise invalid("SinkConfiguration", "a webhook sink needs an http(s) destination and method GET or POST")
    now = ctx.stamp()
    rec: dict[str, Any] = {"sid": ctx.mint("DG"), "description": description, "sink_type": kind,
                           "sink_configuration": config, "status": "active", "date_created": now,
                           "date_updated": now}
    ctx.state.put(SINKS, rec["sid"], rec)
    return 201, _sink(ctx, rec)


def list_sinks(ctx: Ctx, req: Request) -> Answer:
    return 200, v1_page(req, [_sink(ctx, s) for s in ctx.state.list(SINKS)], "sinks")


def create_subscription(ctx: Ctx, req: Request) -> Answer:
    description = req.text("Description", required=True, max_len=255)
    sink = str(req.sid("SinkSid", "DG", required=True))
    if (rec := ctx.state.get(sink, SINKS)) is None or rec["status"] != "active":
        raise invalid("SinkSid", f"{sink} is not an active sink of this account")
    types = []
    for raw in req.texts("Types", required=True) or []:
        try:
            item = json.loads(raw)
        except ValueError:
            raise invalid("Types", "each type must be a JSON object like {\"type\": \"...\"}") from None
        if not isinstance(item, dict) or item.get("type") not in A2P_EVENT_TYPES:
            raise invalid("Types", f"unknown event type {raw!r}")
        types.append({"type": item["type"], "schema_version": int(item.get("schema_version") or 1)})
    now = ctx.stamp()
    sub: dict[str, Any] = {"sid": ctx.mint("DF"), "account_sid": ctx.account_sid, "description": description,
                           "sink_sid": sink, "date_created": now, "date_updated": now, "_types": types}
    ctx.state.put(SUBSCRIPTIONS, sub["sid"], sub)
    return 201, _subscription(ctx, sub)


def list_subscriptions(ctx: Ctx, req: Request) -> Answer:
    sink = req.sid("SinkSid", "DG")
    subs = [s for s in ctx.state.list(SUBSCRIPTIONS) if sink is None or s["sink_sid"] == sink]
    return 200, v1_page(req, [_subscription(ctx, s) for s in subs], "subscriptions")


def list_subscribed_events(ctx: Ctx, req: Request, df: str) -> Answer:
    sub = ctx.load(SUBSCRIPTIONS, df, req.path)
    url = ctx.url("events", f"/v1/Subscriptions/{df}/SubscribedEvents")
    return 200, v1_page(req, [{"account_sid": ctx.account_sid, "type": t["type"], "schema_version":
                               t["schema_version"], "subscription_sid": df, "url": f"{url}/{t['type']}"}
                              for t in sub["_types"]], "types")


ROUTES: Routes = [
    ("/v1/Sinks", {"GET": list_sinks, "POST": create_sink}),
    ("/v1/Subscriptions", {"GET": list_subscriptions, "POST": create_subscription}),
    (f"/v1/Subscriptions/(?P<df>DF{HEX})/SubscribedEvents", {"GET": list_subscribed_events}),
]
