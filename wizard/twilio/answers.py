"""The one door for Twilio's success answers: a typed model of exactly the fields the flow reads, per operation.

An answer is parsed here before anything keeps or shows it: fields of another type (a number where text is due,
a list item that is no object) make the whole answer `NotUnderstood`, fields the flow does not read are dropped,
and every string kept is redacted of the request's credentials and made visible (`wizard.visible`).
`tests/test_reliability_answers.py` checks every model against Twilio's OpenAPI specs (tests/twilio-oai).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, StringConstraints, ValidationError, create_model

from wizard.twilio.operations import OPERATIONS, Operation
from wizard.visible import redact, visible

Sid = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}[0-9a-fA-F]{32}$")]
"""A Twilio SID: two capitals and 32 hex digits."""


class Answer(BaseModel):
    """A part of an answer: strict types (no "123" for 123, no 123 for "123"), unknown fields dropped."""

    model_config = ConfigDict(extra="ignore", strict=True, frozen=True)


class Reason(Answer):
    """One item of a bundle's `errors` (docs/twilio-api.md)."""

    code: int | None = None
    message: str | None = None


class Bundle(Answer):
    """A starter customer profile or a sole-proprietor trust product."""

    sid: Sid
    status: str | None = None
    friendly_name: str | None = None
    policy_sid: str | None = None
    errors: list[Reason] | None = None


class Invalid(Answer):
    passed: bool | None = None
    object_field: str | None = None
    error_code: int | None = None
    failure_reason: str | None = None


class Requirement(Answer):
    """One item of an evaluation's `results`."""

    passed: bool | None = None
    requirement_name: str | None = None
    error_code: int | None = None
    failure_reason: str | None = None
    invalid: list[Invalid] | None = None


class Evaluation(Answer):
    sid: Sid
    status: str | None = None
    results: list[Requirement] | None = None


class Attributes(Answer):
    business_identity: str | None = None


class EndUser(Answer):
    sid: Sid
    friendly_name: str | None = None
    type: str | None = None
    attributes: Attributes | None = None


class Document(Answer):
    sid: Sid
    friendly_name: str | None = None
    type: str | None = None


class Assignment(Answer):
    sid: Sid
    object_sid: str | None = None


class Address(Answer):
    sid: Sid
    friendly_name: str | None = None


class Number(Answer):
    sid: Sid
    phone_number: str | None = None
    friendly_name: str | None = None


class ForSale(Answer):
    phone_number: str
    friendly_name: str | None = None


class Failure(Answer):
    """One item of a brand's or a campaign's `errors` (docs/twilio-api.md)."""

    error_code: int | None = None
    description: str | None = None
    fields: list[str] | None = None


class Brand(Answer):
    sid: Sid
    status: str | None = None
    identity_status: str | None = None
    failure_reason: str | None = None
    date_updated: str | None = None
    errors: list[Failure] | None = None
    customer_profile_bundle_sid: str | None = None
    a2p_profile_bundle_sid: str | None = None


class Service(Answer):
    sid: Sid
    friendly_name: str | None = None


class ServiceNumber(Answer):
    sid: Sid
    phone_number: str | None = None


class Campaign(Answer):
    sid: Sid | None = None
    campaign_status: str | None = None
    brand_registration_sid: str | None = None
    errors: list[Failure] | None = None


class SinkConfiguration(Answer):
    destination: str | None = None


class Sink(Answer):
    """An Event Streams sink (events setup and status)."""

    sid: Sid
    status: str | None = None
    sink_type: str | None = None
    sink_configuration: SinkConfiguration | None = None


class Subscription(Answer):
    sid: Sid
    description: str | None = None


class SubscribedEvent(Answer):
    type: str | None = None


class Nothing(Answer):
    """An answer the flow reads nothing of (an update whose effect it knows, a 204)."""


class Meta(Answer):
    """A v1 API page's paging fields."""

    next_page_url: str | None = None


MODELS: dict[str, type[Answer]] = {
    **dict.fromkeys(("create_customer_profile", "list_customer_profiles", "fetch_customer_profile",
                     "update_customer_profile", "create_trust_product", "list_trust_products",
                     "fetch_trust_product", "update_trust_product"), Bundle),
    **dict.fromkeys(("evaluate_customer_profile", "evaluate_trust_product"), Evaluation),
    **dict.fromkeys(("assign_customer_profile_entity", "list_customer_profile_entities",
                     "assign_trust_product_entity", "list_trust_product_entities"), Assignment),
    **dict.fromkeys(("create_end_user", "list_end_users", "fetch_end_user", "update_end_user"), EndUser),
    **dict.fromkeys(("create_supporting_document", "list_supporting_documents", "update_supporting_document"),
                    Document),
    **dict.fromkeys(("create_address", "list_addresses", "update_address"), Address),
    **dict.fromkeys(("list_incoming_phone_numbers", "buy_incoming_phone_number", "fetch_incoming_phone_number"),
                    Number),
    "list_available_local_numbers": ForSale,
    **dict.fromkeys(("create_brand_registration", "list_brand_registrations", "fetch_brand_registration",
                     "resubmit_brand_registration"), Brand),
    **dict.fromkeys(("create_service", "list_services", "fetch_service"), Service),
    **dict.fromkeys(("add_service_phone_number", "list_service_phone_numbers", "fetch_service_phone_number"),
                    ServiceNumber),
    **dict.fromkeys(("create_campaign", "list_campaigns", "fetch_campaign", "update_campaign"), Campaign),
    **dict.fromkeys(("create_sink", "list_sinks"), Sink),
    **dict.fromkeys(("create_subscription", "list_subscriptions"), Subscription),
    "list_subscribed_events": SubscribedEvent,
    **dict.fromkeys(("resend_brand_otp", "release_incoming_phone_number", "delete_service",
                     "remove_service_phone_number", "delete_campaign"), Nothing),
}
"""The model of each operation's answer (for a list operation: of one item of its list)."""


@cache
def model(name: str) -> type[Answer]:
    """The model of operation `name`'s whole answer: for a list, its page (the items and the paging fields)."""
    op = OPERATIONS[name]
    if not op.list_key:
        return MODELS[name]
    fields: dict[str, Any] = {op.list_key: (list[MODELS[name]], ...),  # type: ignore[valid-type]
                              "meta": (Meta | None, None), "next_page_uri": (str | None, None)}
    return create_model(f"{MODELS[name].__name__}Page", __base__=Answer, **fields)


class NotUnderstood(ValueError):
    """An answer that does not fit its model; the message names the field and what is wrong, never its value."""


def parse(op: Operation, body: object, secrets: Iterable[str]) -> dict[str, Any]:
    """`body` as the flow may read it: the fields of `op`'s model, every string redacted and made visible."""
    try:
        parsed = model(op.name).model_validate(body)
    except ValidationError as exc:
        raise NotUnderstood(_why(exc)) from None
    return _clean(parsed.model_dump(exclude_none=True), [s for s in secrets if s])


_KINDS = {"string": "is not text", "int": "is not a whole number", "bool": "is not true or false",
          "list": "is not a list", "model": "is not an object", "dict": "is not an object",
          "missing": "is missing", "string_pattern_mismatch": "is not a Twilio SID"}


def _why(exc: ValidationError) -> str:
    """What is wrong with an answer, in plain words: the first bad field and its kind (never the value)."""
    error = exc.errors(include_url=False, include_input=False)[0]
    where = ""
    for part in error["loc"]:
        where += f"[{part}]" if isinstance(part, int) else f"{'.' if where else ''}{part}"
    kind = error["type"]
    what = _KINDS.get(kind) or _KINDS.get(kind.split("_", 1)[0]) or "is not what Twilio sends"
    if kind == "model_type" and not where:
        return f"the answer {what}"
    return f"{where or 'the answer'} {what}"


def _clean(value: Any, secrets: list[str]) -> Any:
    if isinstance(value, str):
        return visible(redact(value, secrets), lines=True)
    if isinstance(value, dict):
        return {k: _clean(v, secrets) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean(v, secrets) for v in value]
    return value
