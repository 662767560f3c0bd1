"""X-Twilio-Signature, checked with the values of Twilio's own request-validator tests (twilio-python,
tests/unit/test_request_validator.py; https://www.twilio.com/docs/usage/webhooks/webhooks-security)."""

from __future__ import annotations

from wizard.twilio import signature

TOKEN = "12345"
URL = "https://mycompany.com/myapp.php?foo=1&bar=2"
PARAMS = {"CallSid": "CA1234567890ABCDE", "Digits": "1234", "From": "+14158675309", "To": "+18005551212",
          "Caller": "+14158675309"}
EXPECTED = "RSOYDt4T1cUTdK1PDd93/VVr8B8="
BODY = b'{"property": "value", "boolean": true}'
BODY_HASH = "0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620"


def test_the_signature_of_twilios_example():
    assert signature.sign(TOKEN, URL, PARAMS.items()) == EXPECTED
    assert signature.valid(TOKEN, URL, EXPECTED, params=PARAMS.items())


def test_repeated_parameters_are_signed_in_order_of_name_then_value():
    pairs = [("Sid", "CA123"), ("SidAccount", "AC123"), ("Digits", "5678"), ("Digits", "1234")]
    assert signature.sign(TOKEN, URL, pairs) == "IK+Dwps556ElfBT0I3Rgjkr1wJU="


def test_a_json_body_is_signed_through_its_hash_in_the_url():
    assert signature.body_hash(BODY) == BODY_HASH
    assert signature.with_body_hash(URL, BODY) == f"{URL}&bodySHA256={BODY_HASH}"
    assert signature.valid(TOKEN, f"{URL}&bodySHA256={BODY_HASH}", "a9nBmqA0ju/hNViExpshrM61xv4=", body=BODY)


def test_a_body_that_is_not_the_one_hashed_is_refused():
    assert not signature.valid(TOKEN, f"{URL}&bodySHA256={BODY_HASH}", "a9nBmqA0ju/hNViExpshrM61xv4=",
                               body=BODY + b" ")


def test_the_default_port_may_be_in_the_url_or_not():
    assert signature.valid(TOKEN, URL.replace(".com", ".com:443"), EXPECTED, params=PARAMS.items())
    assert signature.valid(TOKEN, URL, "kvajT1Ptam85bY51eRf/AJRuM3w=", params=PARAMS.items())  # signed with :443
    assert not signature.valid(TOKEN, URL.replace(".com", ".com:1234"), EXPECTED, params=PARAMS.items())


def test_forged_changed_or_missing_signatures_are_refused():
    assert not signature.valid("54321", URL, EXPECTED, params=PARAMS.items())
    assert not signature.valid(TOKEN, URL, EXPECTED, params={**PARAMS, "Digits": "9999"}.items())
    assert not signature.valid(TOKEN, URL, "", params=PARAMS.items())
    assert not signature.valid("", URL, EXPECTED, params=PARAMS.items())
