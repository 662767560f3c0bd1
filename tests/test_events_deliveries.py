"""What arrives is parsed and bounded at one door: Twilio's documented brand-failure event, a batch, a callback,
and what is refused (https://www.twilio.com/docs/events/event-types/a2p/brand-registration)."""

from __future__ import annotations

import json

import pytest

from wizard.events import deliveries
from wizard.events.deliveries import BadDelivery, Reason

BRAND_FAILURE = {  # Twilio's example on its Brand Registration event-type page
    "specversion": "1.0", "type": "com.twilio.messaging.compliance.brand-registration.brand-failure",
    "source": "AB00000000000000000000000001", "id": "NO00000000000000000000000001",
    "dataschema": "https://events-schemas.twilio.com/A2P.BrandRegistrationFailure/3",
    "datacontenttype": "2025-10-08T07:17:02.363Z",
    "data": {"accountsid": "AC0000000000000000000000000000001", "brandsid": "BN0000000000000000000000000000001",
             "brandstatus": "registration_failed", "createddate": 1756043494500, "updateddate": 1756043494500,
             "brandregistrationerrors": [{
                 "registrationerrorcode": 21736, "registrationerrordescription": "The Brand contact email is invalid.",
                 "registrationerrorurl": "https://www.twilio.com/docs/api/errors/21736",
                 "registrationerrorfields": ["brand_contact_email"]}]},
}


def test_twilios_brand_failure_example():
    [d] = deliveries.stream(json.dumps(BRAND_FAILURE).encode())
    assert (d.id, d.type, d.status) == ("NO00000000000000000000000001", BRAND_FAILURE["type"], "registration_failed")
    assert d.reasons == (Reason(21736, "The Brand contact email is invalid.", ("brand_contact_email",)),)
    assert d.occurred_at == "2025-08-24T13:51:34Z"  # updateddate, epoch milliseconds
    # Twilio's example SIDs are one digit short: only well-formed SIDs name a resource
    assert d.sids == ()


def test_a_batch_and_data_sent_as_a_json_string():
    sid = "BN" + "a" * 32
    one = {**BRAND_FAILURE, "id": "EV1", "data": json.dumps({"brandsid": sid, "brandstatus": "registered"})}
    two = {**BRAND_FAILURE, "id": "EV2", "time": "2026-12-07T10:00:00Z"}
    first, second = deliveries.stream(json.dumps([one, two]).encode())
    assert (first.id, first.sids, first.status, first.reasons) == ("EV1", (sid,), "registered", ())
    assert second.occurred_at == "2026-12-07T10:00:00Z"


def test_a_status_callback_with_its_reasons():
    sid = "BU" + "b" * 32
    d = deliveries.callback([("AccountSid", "AC" + "0" * 32), ("Sid", sid), ("Status", "twilio-rejected"),
                             ("Errors", json.dumps([{"code": 18601, "message": "Email not verified\x1b[2J"}]))], "cb-1")
    assert (d.id, d.sids, d.status) == ("cb-1", (sid,), "twilio-rejected")
    assert d.reasons == (Reason(18601, "Email not verified\\u001b[2J"),)  # shown, never run by the terminal


@pytest.mark.parametrize(("body", "why"), [
    (b"not json", "not JSON"), (b"[]", "1 to 100"), (json.dumps([{}] * 101).encode(), "1 to 100"),
    (b'"text"', "not a JSON object"), (b'{"id": "x", "type": "t"}', "without an id"),
])
def test_unreadable_events_are_refused(body: bytes, why: str):
    with pytest.raises(BadDelivery, match=why):
        deliveries.stream(body)


def test_a_callback_must_name_a_profile_or_bundle():
    with pytest.raises(BadDelivery):
        deliveries.callback([("Sid", "BN" + "c" * 32), ("Status", "x")], "cb-2")
