"""Trust Hub v1 bundles: customer profiles and trust products, their entity assignments and evaluations."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any

from wizard.sandbox import renderers, triggers
from wizard.sandbox.context import HEX, Answer, Ctx, Json
from wizard.sandbox.evaluation import EVALUABLE, assigned, evaluate
from wizard.sandbox.lifecycle import bundle_phase
from wizard.sandbox.paging import v1_page
from wizard.sandbox.request import EMAIL, Request, Routes, bad, invalid
from wizard.twilio.facts import SOLE_PROPRIETOR_POLICY_SID, STARTER_END_USER_TYPE, STARTER_PROFILE_POLICY_SID

BUNDLE_STATUSES = ("draft", "pending-review", "in-review", "twilio-rejected", "twilio-approved")
EDITABLE = ("draft", "twilio-rejected")


@dataclass(frozen=True)
class Bundles:
    kind: str
    segment: str
    fk: str
    policies: tuple[str, ...]


PROFILES = Bundles(
    "customer_profiles", "CustomerProfiles", "customer_profile_sid", (STARTER_PROFILE_POLICY_SID,)
)
PRODUCTS = Bundles("trust_products", "TrustProducts", "trust_product_sid", (SOLE_PROPRIETOR_POLICY_SID,))


def _email(req: Request, *, required: bool = False) -> str | None:
    email = req.text("Email", required=required)
    if email is not None and not EMAIL.match(email):
        raise invalid("Email", f"{email!r} is not an email address")
    return email


def list_bundles(ctx: Ctx, req: Request, b: Bundles) -> Answer:
    filters = {
        "friendly_name": req.text("FriendlyName"),
        "policy_sid": req.text("PolicySid"),
        "status": req.text("Status"),
    }
    render = partial(renderers.RENDER[b.kind], ctx)

    def matches(item: Json) -> bool:
        return all(v is None or item[k] == v for k, v in filters.items())

    if filters["status"] is not None:  # derived from the clock: every bundle is rendered to be filtered
        return 200, v1_page(req, [i for i in map(render, ctx.state.list(b.kind)) if matches(i)], "results")
    return 200, v1_page(req, [rec for rec in ctx.state.list(b.kind) if matches(rec)], "results", render)


def create_bundle(ctx: Ctx, req: Request, b: Bundles) -> Answer:
    name = req.text("FriendlyName", required=True)
    email = _email(req, required=True)
    policy = req.sid("PolicySid", "RN", required=True)
    callback = req.uri("StatusCallback")
    if policy not in b.policies:
        raise invalid("PolicySid", f"{policy} is not a policy for {b.segment}")
    sid, now = ctx.mint("BU"), ctx.stamp()
    rec = {
        "sid": sid,
        "account_sid": ctx.account_sid,
        "policy_sid": policy,
        "friendly_name": name,
        "status": "draft",
        "valid_until": None,
        "email": email,
        "status_callback": callback,
        "date_created": now,
        "date_updated": now,
    }
    ctx.state.put(b.kind, sid, rec)
    return 201, renderers.RENDER[b.kind](ctx, rec)


def fetch_bundle(ctx: Ctx, req: Request, b: Bundles, sid: str) -> Answer:
    return 200, renderers.RENDER[b.kind](ctx, ctx.load(b.kind, sid, req.path))


def update_bundle(ctx: Ctx, req: Request, b: Bundles, sid: str) -> Answer:
    """Update FriendlyName/Email/StatusCallback; Status=pending-review submits a draft or rejected bundle."""
    rec = ctx.load(b.kind, sid, req.path)
    changes = {
        "friendly_name": req.text("FriendlyName"),
        "email": _email(req),
        "status_callback": req.uri("StatusCallback"),
    }
    rec |= {k: v for k, v in changes.items() if v is not None}
    if (status := req.choice("Status", BUNDLE_STATUSES)) is not None:
        if status != "pending-review":
            raise invalid("Status", f"{status!r} cannot be requested; submit with pending-review")
        _submit(ctx, b, rec)
    rec["date_updated"] = ctx.stamp()
    ctx.state.put(b.kind, sid, rec)
    return 200, renderers.RENDER[b.kind](ctx, rec)


def _submit(ctx: Ctx, b: Bundles, rec: Json) -> None:
    current = bundle_phase(ctx, rec).status
    if current not in EDITABLE:
        raise bad(
            20001,
            f"Invalid Status transition from {current} to pending-review: only draft or "
            "twilio-rejected bundles can be submitted",
        )
    latest = ctx.state.list(f"evaluations:{rec['sid']}")[-1:]
    if (
        not latest
        or latest[0]["status"] != "compliant"
        or evaluate(ctx, rec["sid"], rec["policy_sid"])[0] != "compliant"
    ):
        raise bad(
            22218,
            "Bundle is not compliant: create an Evaluation, fix every failed requirement, "
            "and submit once the latest evaluation is compliant",
        )
    reject = b is PROFILES and any(
        o["sid"].startswith("IT")
        and o["type"] == STARTER_END_USER_TYPE
        and triggers.profile_rejected(str((o.get("attributes") or {}).get("email", "")))
        for o in assigned(ctx, rec["sid"])
    )
    rec |= {"status": "pending-review", "_submitted_at": ctx.stamp(), "_reject": reject}


def create_assignment(ctx: Ctx, req: Request, b: Bundles, sid: str) -> Answer:
    bundle = ctx.load(b.kind, sid, req.path)
    obj = str(req.sid("ObjectSid", "[a-zA-Z]{2}", required=True))
    status = bundle_phase(ctx, bundle).status
    if status not in EDITABLE:
        raise bad(
            20001, f"The bundle is {status}: objects can be assigned only while draft or twilio-rejected"
        )
    if obj == sid or obj[:2] not in ("IT", "RD", "BU") or ctx.state.get(obj) is None:
        raise invalid(
            "ObjectSid",
            f"{obj} is not an end user (IT), supporting document (RD) or bundle (BU) of this account",
        )
    kind = f"assignments:{sid}"
    if any(a["object_sid"] == obj for a in ctx.state.list(kind)):
        raise bad(20001, f"ObjectSid {obj} is already assigned to {sid}")
    rec = {
        "sid": ctx.mint("BV"),
        b.fk: sid,
        "account_sid": ctx.account_sid,
        "object_sid": obj,
        "date_created": ctx.stamp(),
    }
    ctx.state.put(kind, rec["sid"], rec)
    return 201, renderers.bundle_child(ctx, rec, "EntityAssignments")


def list_assignments(ctx: Ctx, req: Request, b: Bundles, sid: str) -> Answer:
    ctx.load(b.kind, sid, req.path)
    wanted = req.text("ObjectType")
    items = [
        a
        for a in ctx.state.list(f"assignments:{sid}")
        if wanted is None or (ctx.state.get(a["object_sid"]) or {}).get("type") == wanted
    ]
    return 200, v1_page(req, [renderers.bundle_child(ctx, a, "EntityAssignments") for a in items], "results")


def fetch_assignment(ctx: Ctx, req: Request, b: Bundles, sid: str, child: str) -> Answer:
    return 200, renderers.bundle_child(ctx, ctx.load(f"assignments:{sid}", child, req.path), "EntityAssignments")


def create_evaluation(ctx: Ctx, req: Request, b: Bundles, sid: str) -> Answer:
    ctx.load(b.kind, sid, req.path)
    policy = req.sid("PolicySid", "RN", required=True)
    if policy not in EVALUABLE:
        raise invalid("PolicySid", f"{policy} is not a policy the sandbox evaluates ({', '.join(EVALUABLE)})")
    status, results = evaluate(ctx, sid, policy)
    rec: dict[str, Any] = {
        "sid": ctx.mint("EL"),
        "account_sid": ctx.account_sid,
        "policy_sid": policy,
        b.fk: sid,
        "status": status,
        "results": results,
        "date_created": ctx.stamp(),
    }
    ctx.state.put(f"evaluations:{sid}", rec["sid"], rec)
    return 201, renderers.bundle_child(ctx, rec, "Evaluations")


def list_evaluations(ctx: Ctx, req: Request, b: Bundles, sid: str) -> Answer:
    ctx.load(b.kind, sid, req.path)
    items = [renderers.bundle_child(ctx, e, "Evaluations") for e in ctx.state.list(f"evaluations:{sid}")]
    return 200, v1_page(req, items, "results")


def fetch_evaluation(ctx: Ctx, req: Request, b: Bundles, sid: str, child: str) -> Answer:
    return 200, renderers.bundle_child(ctx, ctx.load(f"evaluations:{sid}", child, req.path), "Evaluations")


def _bundle_routes(b: Bundles) -> list[tuple[str, dict[str, Any]]]:
    base = f"/v1/{b.segment}"
    one = f"{base}/(?P<sid>BU{HEX})"
    return [
        (base, {"GET": partial(list_bundles, b=b), "POST": partial(create_bundle, b=b)}),
        (one, {"GET": partial(fetch_bundle, b=b), "POST": partial(update_bundle, b=b)}),
        (
            f"{one}/EntityAssignments",
            {"GET": partial(list_assignments, b=b), "POST": partial(create_assignment, b=b)},
        ),
        (f"{one}/EntityAssignments/(?P<child>BV{HEX})", {"GET": partial(fetch_assignment, b=b)}),
        (
            f"{one}/Evaluations",
            {"GET": partial(list_evaluations, b=b), "POST": partial(create_evaluation, b=b)},
        ),
        (f"{one}/Evaluations/(?P<child>EL{HEX})", {"GET": partial(fetch_evaluation, b=b)}),
    ]


ROUTES: Routes = [
    *_bundle_routes(PROFILES),
    *_bundle_routes(PRODUCTS),
]
