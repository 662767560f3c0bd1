"""Trust Hub evaluations: a bundle's assigned objects checked against its policy, in Twilio's results[] shape.

Codes: 22214 end user missing, 22215 field missing, 22216 document missing, 22217 invalid field,
22219 supporting customer profile missing.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from wizard.sandbox import triggers
from wizard.sandbox.context import Ctx, Json
from wizard.sandbox.lifecycle import SUBMITTED, bundle_phase
from wizard.sandbox.policies import PRIMARY_PROFILE_POLICY_SID
from wizard.sandbox.request import E164, EMAIL
from wizard.twilio.facts import (
    ADDRESS_DOCUMENT_TYPE,
    SOLE_PROPRIETOR_END_USER_TYPE,
    SOLE_PROPRIETOR_POLICY_SID,
    STARTER_END_USER_TYPE,
    STARTER_PROFILE_POLICY_SID,
    VERTICALS,
)

EVALUABLE = (STARTER_PROFILE_POLICY_SID, SOLE_PROPRIETOR_POLICY_SID)
ADDRESS_TYPES = (ADDRESS_DOCUMENT_TYPE, "starter_customer_profile_address")


def _starter_problem(field: str, value: str) -> str | None:
    if field == "email" and not EMAIL.match(value):
        return "The Email Address is not a valid email address."
    if field == "phone_number" and not E164.match(value):
        return "The Phone Number must be in E.164 format, e.g. +12065550123."
    return None


def _sole_prop_problem(field: str, value: str) -> str | None:
    if field == "brand_name" and triggers.brand_name_noncompliant(value):
        return ('The Brand Name was not accepted (sandbox trigger: it contains "Noncompliant"). '
                "Update brand_name on the end user and evaluate again.")
    if field == "mobile_phone_number" and not re.fullmatch(r"\+1\d{10}", value):
        return "The Mobile Phone Number must be a US or Canadian mobile number in E.164 format."
    if field == "vertical" and value not in VERTICALS:
        return f"The Vertical must be one of {', '.join(VERTICALS)}."
    return None


@dataclass(frozen=True)
class _EndUserRule:
    type: str
    friendly_name: str
    requirement: str
    fields: dict[str, str]  # attribute -> friendly name
    problem: Callable[[str, str], str | None]
    optional: tuple[str, ...] = ()


@dataclass(frozen=True)
class _ProfileRule:
    policy: str
    statuses: tuple[str, ...]
    field: str
    wanted: str
    head: Json


STARTER_INFO = _EndUserRule(
    STARTER_END_USER_TYPE, "Information", "Starter Customer Profile Information",
    {"first_name": "First Name", "last_name": "Last Name", "email": "Email Address",
     "phone_number": "Phone Number"},
    _starter_problem)
SOLE_PROP_INFO = _EndUserRule(
    SOLE_PROPRIETOR_END_USER_TYPE, "Sole Proprietor Information", "Sole Proprietor Information",
    {"brand_name": "Brand Name", "mobile_phone_number": "Mobile Phone Number", "vertical": "Vertical"},
    _sole_prop_problem, optional=("vertical",))
PRIMARY = _ProfileRule(
    PRIMARY_PROFILE_POLICY_SID, ("twilio-approved",), "bundle_sid",
    "the ISV's twilio-approved Primary Customer Profile",
    {"object_type": "primary_customer_profile_type_business",
     "friendly_name": "Primary Customer Profile Bundle",
     "requirement_friendly_name": "Primary Customer Profile", "requirement_name": "primary_customer_profile"})
STARTER = _ProfileRule(
    STARTER_PROFILE_POLICY_SID, SUBMITTED, "bundle_status",
    "the customer's submitted Starter Customer Profile",
    {"object_type": "starter_customer_profile_type_business",
     "friendly_name": "Starter Customer Profile(isv customers) Proof",
     "requirement_friendly_name": "Customer Profile", "requirement_name": "customer_profile"})


def assigned(ctx: Ctx, bundle_sid: str) -> list[Json]:
    """The records of every object assigned to a bundle, in assignment order."""
    found = (ctx.state.get(a["object_sid"]) for a in ctx.state.list(f"assignments:{bundle_sid}"))
    return [rec for rec in found if rec is not None]


def evaluate(ctx: Ctx, bundle_sid: str, policy_sid: str) -> tuple[str, list[Json]]:
    """("compliant" | "noncompliant", results) for a policy in EVALUABLE."""
    objects = assigned(ctx, bundle_sid)
    if policy_sid == STARTER_PROFILE_POLICY_SID:
        results = [_end_user(objects, STARTER_INFO), _address(ctx, objects), _profile(ctx, objects, PRIMARY)]
    else:
        results = [_end_user(objects, SOLE_PROP_INFO), _profile(ctx, objects, STARTER)]
    return ("compliant" if all(r["passed"] for r in results) else "noncompliant"), results


def _item(field: str, name: str, reason: str | None = None, code: int | None = None) -> Json:
    return {"object_field": field, "friendly_name": name, "failure_reason": reason, "error_code": code,
            "passed": reason is None}


def _result(head: Json, valid: list[Json], invalid: list[Json], reason: str | None = None,
            code: int | None = None) -> Json:
    if invalid and reason is None:
        reason, code = invalid[0]["failure_reason"], invalid[0]["error_code"]
    return head | {"passed": reason is None, "failure_reason": reason, "error_code": code, "valid": valid,
                   "invalid": invalid}


def _end_user(objects: list[Json], rule: _EndUserRule) -> Json:
    head = {"object_type": rule.type, "friendly_name": rule.friendly_name,
            "requirement_friendly_name": rule.requirement, "requirement_name": rule.type}
    user = next((o for o in objects if o["sid"].startswith("IT") and o["type"] == rule.type), None)

    def missing(field: str, name: str) -> Json:
        reason = f"The {name} is missing. Please enter in a {name} on the {rule.friendly_name}."
        return _item(field, name, reason, 22215)

    if user is None:
        invalid = [missing(f, n) for f, n in rule.fields.items() if f not in rule.optional]
        reason = f"A {rule.requirement} End-User is missing. Please add one to the regulatory bundle."
        return _result(head, [], invalid, reason, 22214)
    valid, invalid = [], []
    for field, name in rule.fields.items():
        value = (user.get("attributes") or {}).get(field)
        if value in (None, ""):
            if field not in rule.optional:
                invalid.append(missing(field, name))
        elif why := rule.problem(field, str(value)):
            invalid.append(_item(field, name, why, 22217))
        else:
            valid.append(_item(field, name))
    return _result(head, valid, invalid)


def _address(ctx: Ctx, objects: list[Json]) -> Json:
    head = {"object_type": ADDRESS_DOCUMENT_TYPE, "friendly_name": "Legal Company Address",
            "requirement_friendly_name": "Customer Profile Address",
            "requirement_name": "customer_profile_address"}
    field, name = "address_sids", "address sids"
    doc = next((o for o in objects if o["sid"].startswith("RD") and o["type"] in ADDRESS_TYPES), None)
    if doc is None:
        reason = "A Customer Profile Address is missing. Please add one to the regulatory bundle."
        return _result(head, [], [_item(field, name, reason, 22216)], reason, 22216)
    sids = (doc.get("attributes") or {}).get(field)
    sids = [sids] if isinstance(sids, str) else sids if isinstance(sids, list) else []
    addresses = [ctx.state.get(str(sid), "addresses") for sid in sids]
    if not sids:
        bad = _item(field, name, "The address sids is missing on the supporting document.", 22215)
    elif None in addresses:
        bad = _item(field, name, "The address sids must name existing Addresses (AD…).", 22217)
    elif any(triggers.address_noncompliant(a["street"]) for a in addresses if a):
        bad = _item(field, name, 'The address could not be validated (sandbox trigger: its street contains '
                    '"Noncompliant"). Update the Address\'s Street and evaluate again.', 22217)
    else:
        return _result(head, [_item(field, name)], [])
    return _result(head, [], [bad])


def _profile(ctx: Ctx, objects: list[Json], rule: _ProfileRule) -> Json:
    name = "Supporting Bundle Status"
    found = (o for o in objects if o["sid"].startswith("BU") and o.get("policy_sid") == rule.policy)
    if (profile := next(found, None)) is None:
        reason = f"A {rule.head['requirement_friendly_name']} is missing. Please assign {rule.wanted}."
        return _result(rule.head, [], [_item(rule.field, name, reason, 22219)], reason, 22219)
    if (status := bundle_phase(ctx, profile).status) not in rule.statuses:
        reason = f"The assigned bundle is {status}: assign {rule.wanted}."
        return _result(rule.head, [], [_item(rule.field, name, reason, 22217)])
    return _result(rule.head, [_item(rule.field, name)], [])
