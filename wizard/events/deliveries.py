"""What one delivery says, parsed and bounded at the door before anything keeps it.

Two kinds arrive. A Trust Hub **status callback** (the `StatusCallback` of a customer profile or trust product,
https://www.twilio.com/docs/trust-hub/trusthub-rest-api/customer-profiles) is a form POST whose fields Twilio
does not document; we read the resource's SID, its status and any rejection reasons from the names its answers
use (`sid`, `status`, `errors`, or `Sid`, `Status`, `ErrorCode`, `FailureReason`). An **Event Streams** webhook
delivery (https://www.twilio.com/docs/messaging/compliance/a2p-10dlc/event-streams-setup) is a JSON CloudEvent,
or an array of them when the sink batches; its `data` names the brand (`brandsid`), service or number the event
concerns, and a brand failure carries `brandregistrationerrors` (https://www.twilio.com/docs/events/event-types/a2p/brand-registration).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from wizard.visible import visible

MAX_BODY = 64 * 1024
"""The largest delivery accepted (Twilio batches Event Streams deliveries up to 64 kB)."""
MAX_EVENTS = 100
MAX_REASONS = 10
MAX_TEXT = 500
SID = re.compile(r"[A-Z]{2}[0-9a-fA-F]{32}")
CALLBACK_TYPE = "trusthub.status-callback"


class BadDelivery(ValueError):
    """A delivery whose content cannot be read; the message says what is wrong."""


@dataclass(frozen=True)
class Reason:
    """Why Twilio refused something: its error code, its words, the fields it concerns."""

    code: int | None
    message: str
    fields: tuple[str, ...] = ()


@dataclass(frozen=True)
class Delivery:
    """One event Twilio told us of."""

    id: str
    """Its id: the CloudEvent's, or for a callback a digest of its signature and body (the same when retried)."""
    type: str
    sids: tuple[str, ...]
    """Every SID it names, the resource it concerns first."""
    status: str
    reasons: tuple[Reason, ...]
    occurred_at: str | None
    """When Twilio says it happened (ISO 8601 UTC), if it says."""


def _text(value: Any, limit: int = MAX_TEXT) -> str:
    return visible(str(value))[:limit] if value is not None else ""


def _code(value: Any) -> int | None:
    try:
        code = int(value)
    except (TypeError, ValueError):
        return None
    return code if 0 < code < 10**7 else None


def _moment(value: Any) -> str | None:
    """An ISO 8601 time or epoch milliseconds, as UTC ISO 8601 to the second (None when it is neither)."""
    try:
        if isinstance(value, int | float) and not isinstance(value, bool):
            moment = datetime.fromtimestamp(value / 1000, UTC)
        elif isinstance(value, str) and value:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
            moment = moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
        else:
            return None
    except (ValueError, OverflowError, OSError):
        return None
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def _sids(values: Any) -> list[str]:
    """The SIDs among `values` (strings at any depth of dicts and lists), in order, each once."""
    found: list[str] = []

    def walk(value: Any, depth: int) -> None:
        if depth > 4:
            return
        if isinstance(value, str) and SID.fullmatch(value) and value not in found:
            found.append(value)
        elif isinstance(value, dict):
            for v in value.values():
                walk(v, depth + 1)
        elif isinstance(value, list):
            for v in value[:MAX_EVENTS]:
                walk(v, depth + 1)

    walk(values, 0)
    return found


def _fields(value: Any) -> tuple[str, ...]:
    """The field names a reason gives (none unless a list)."""
    return tuple(_text(f, 80) for f in value[:MAX_REASONS]) if isinstance(value, list) else ()


def _key(name: str) -> str:
    return name.lower().replace("_", "")


def callback(params: list[tuple[str, str]], ident: str) -> Delivery:
    """A Trust Hub status callback's form fields; `ident` names this delivery (the same for Twilio's retries)."""
    fields = {_key(k): v for k, v in params}
    sid = fields.get("sid") or fields.get("resourcesid") or ""
    if not SID.fullmatch(sid) or not sid.startswith("BU"):
        raise BadDelivery("a status callback without the SID of a profile or bundle (BU…)")
    reasons: list[Reason] = []
    if fields.get("errors"):
        try:
            errors = json.loads(fields["errors"])
        except (ValueError, RecursionError):
            errors = []
        for e in errors[:MAX_REASONS] if isinstance(errors, list) else []:
            if isinstance(e, dict):
                reasons.append(Reason(_code(e.get("code") or e.get("error_code")),
                                      _text(e.get("message") or e.get("description") or "Rejected"),
                                      _fields(e.get("fields"))))
    reason = fields.get("failurereason") or fields.get("errormessage")
    if reason or fields.get("errorcode"):
        reasons.append(Reason(_code(fields.get("errorcode")), _text(reason or "Rejected")))
    status, occurred = _text(fields.get("status"), 40), _moment(fields.get("dateupdated"))
    return Delivery(_text(ident, 120), CALLBACK_TYPE, (sid,), status, tuple(reasons), occurred)


def stream(body: bytes) -> list[Delivery]:
    """An Event Streams webhook delivery: one CloudEvent or a batch of them."""
    try:
        document = json.loads(body)
    except (ValueError, RecursionError, UnicodeDecodeError):
        raise BadDelivery("the body is not JSON") from None
    events = document if isinstance(document, list) else [document]
    if not events or len(events) > MAX_EVENTS:
        raise BadDelivery(f"a delivery holds 1 to {MAX_EVENTS} events")
    return [_event(e) for e in events]


def _event(event: Any) -> Delivery:
    if not isinstance(event, dict):
        raise BadDelivery("an event is not a JSON object")
    ident, kind, data = event.get("id"), event.get("type"), event.get("data")
    if isinstance(data, str):  # some sinks send `data` as a JSON string
        try:
            data = json.loads(data)
        except (ValueError, RecursionError):
            data = None
    if not isinstance(ident, str) or not ident or not isinstance(kind, str) or not isinstance(data, dict):
        raise BadDelivery("an event without an id, a type or its data")
    errors = data.get("brandregistrationerrors") or data.get("campaignregistrationerrors") or []
    reasons = tuple(
        Reason(_code(e.get("registrationerrorcode")), _text(e.get("registrationerrordescription") or "Failed"),
               _fields(e.get("registrationerrorfields")))
        for e in (errors if isinstance(errors, list) else [])[:MAX_REASONS] if isinstance(e, dict))
    status = next((data[k] for k in data if _key(k).endswith("status") and isinstance(data[k], str)), "")
    occurred = _moment(event.get("time")) or _moment(data.get("updateddate"))
    return Delivery(_text(ident, 120), _text(kind, 160), tuple(_sids(data)), _text(status, 40), reasons, occurred)
