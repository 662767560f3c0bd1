"""Trust Hub v1 end users, supporting documents and policies."""

from __future__ import annotations

from functools import partial
from typing import Any

from wizard.sandbox import renderers
from wizard.sandbox.context import HEX, Answer, Ctx
from wizard.sandbox.evaluation import ADDRESS_TYPES
from wizard.sandbox.paging import v1_page
from wizard.sandbox.policies import POLICIES
from wizard.sandbox.request import Request, Routes, not_found
from wizard.twilio.facts import SOLE_PROPRIETOR_END_USER_TYPE, STARTER_END_USER_TYPE

END_USER_TYPES = (
    STARTER_END_USER_TYPE,
    SOLE_PROPRIETOR_END_USER_TYPE,
    "customer_profile_business_information",
    "authorized_representative_1",
    "authorized_representative_2",
)


def create_entity(ctx: Ctx, req: Request, kind: str, prefix: str, types: tuple[str, ...]) -> Answer:
    """An end user (IT) or supporting document (RD): FriendlyName, Type and a JSON Attributes object."""
    name = req.text("FriendlyName", required=True)
    type_ = req.choice("Type", types, required=True)
    rec: dict[str, Any] = {
        "sid": ctx.mint(prefix),
        "account_sid": ctx.account_sid,
        "friendly_name": name,
        "type": type_,
        "attributes": req.attributes() or {},
        "date_created": ctx.stamp(),
        "date_updated": ctx.stamp(),
    }
    if kind == "supporting_documents":
        rec |= {"status": "DRAFT", "mime_type": None}
    ctx.state.put(kind, rec["sid"], rec)
    return 201, renderers.RENDER[kind](ctx, rec)


def update_entity(ctx: Ctx, req: Request, kind: str, sid: str) -> Answer:
    rec = ctx.load(kind, sid, req.path)
    if (name := req.text("FriendlyName")) is not None:
        rec["friendly_name"] = name
    if (attributes := req.attributes()) is not None:
        rec["attributes"] = attributes
    rec["date_updated"] = ctx.stamp()
    ctx.state.put(kind, sid, rec)
    return 200, renderers.RENDER[kind](ctx, rec)


def fetch_entity(ctx: Ctx, req: Request, kind: str, sid: str) -> Answer:
    return 200, renderers.RENDER[kind](ctx, ctx.load(kind, sid, req.path))


def list_entities(ctx: Ctx, req: Request, kind: str) -> Answer:
    return 200, v1_page(req, ctx.state.list(kind), "results", partial(renderers.RENDER[kind], ctx))


def fetch_policy(ctx: Ctx, req: Request, sid: str) -> Answer:
    if sid not in POLICIES:
        raise not_found(req.path)
    return 200, POLICIES[sid] | {"url": ctx.url("trusthub", f"/v1/Policies/{sid}")}


def _entity_routes(
    kind: str, segment: str, prefix: str, types: tuple[str, ...]
) -> list[tuple[str, dict[str, Any]]]:
    return [
        (
            f"/v1/{segment}",
            {
                "GET": partial(list_entities, kind=kind),
                "POST": partial(create_entity, kind=kind, prefix=prefix, types=types),
            },
        ),
        (
            f"/v1/{segment}/(?P<sid>{prefix}{HEX})",
            {"GET": partial(fetch_entity, kind=kind), "POST": partial(update_entity, kind=kind)},
        ),
    ]


ROUTES: Routes = [
    *_entity_routes("end_users", "EndUsers", "IT", END_USER_TYPES),
    *_entity_routes("supporting_documents", "SupportingDocuments", "RD", ADDRESS_TYPES),
    (f"/v1/Policies/(?P<sid>RN{HEX})", {"GET": fetch_policy}),
]
