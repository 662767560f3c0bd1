"""Example customers for a first start in the sandbox: one at each interesting point of the flow.

`Desk.load_examples` creates them and moves each one along with the engine, the sandbox clock and the customer's
YES, so a new operator sees the whole product at once: a done customer, one needing the campaign, a passcode
running out, a brand FAILED, one waiting for the YES, a noncompliant address, and one not submitted yet.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from wizard.flow.status import Summary

STEP = timedelta(minutes=10)
MAX_ROUNDS = 40


@dataclass(frozen=True)
class Example:
    """A customer and where to leave it."""

    profile: dict[str, str]
    bundle: dict[str, str] | None
    campaign: dict[str, object] | None
    stop: Callable[[Summary], bool]
    reply_yes: bool = False
    wait_after: timedelta = timedelta(0)
    """Sandbox time to let pass once it is there (to bring a passcode close to its end)."""


def _profile(first: str, last: str, email: str, phone: str, street: str, city: str, region: str,
             postal_code: str, country: str = "US") -> dict[str, str]:
    return {"first_name": first, "last_name": last, "email": email, "phone": phone, "street": street,
            "city": city, "region": region, "postal_code": postal_code, "country": country}


def _campaign(business: str, number: str) -> dict[str, object]:
    return {
        "campaign_description": f"Appointment reminders and booking updates for {business} clients.",
        "message_flow": f"Clients opt in by ticking the SMS consent box on the {business} booking form "
                        "at example.com/book.",
        "samples": [f"{business}: your appointment is booked for 3pm tomorrow. Reply STOP to opt out.",
                    f"{business}: we are running 10 minutes late today, sorry! Reply HELP for help."],
        "privacy_policy_url": f"https://{_site(business)}/privacy",
        "terms_url": f"https://{_site(business)}/terms",
        "phone_number": number,
    }


def _site(business: str) -> str:
    """The example business's own (made-up, reserved) web domain."""
    return "".join(ch for ch in business.lower() if ch.isalnum()) + ".example.com"


def _done(s: Summary) -> bool:
    return s.done


def _at(stage: int, *kinds: str) -> Callable[[Summary], bool]:
    return lambda s: s.stage == stage and s.kind in kinds


EXAMPLES: tuple[Example, ...] = (
    Example(_profile("Maya", "Patel", "maya@pateldogwalking.example.com", "(206) 555-0134", "123 Pine St",
                     "Seattle", "WA", "98101"),
            {"brand_name": "Maya's Dog Walking", "mobile_phone": "(206) 555-0188", "vertical": "PROFESSIONAL"},
            _campaign("Maya's Dog Walking", "+12065550100"), _done, reply_yes=True),
    Example(_profile("Luis", "Ortega", "luis@ortegatutoring.example.com", "(512) 555-0142", "88 Congress Ave",
                     "Austin", "TX", "78701"),
            {"brand_name": "Ortega Tutoring", "mobile_phone": "(512) 555-0143", "vertical": "EDUCATION"},
            None, _at(4, "operator"), reply_yes=True),
    Example(_profile("Grace", "Kim", "grace@kimphoto.example.com", "(617) 555-0110", "9 Beacon St", "Boston",
                     "MA", "02108"),
            {"brand_name": "Grace Kim Photography", "mobile_phone": "(617) 555-0111"},
            None, _at(3, "customer", "otp"), wait_after=timedelta(hours=19)),
    Example(_profile("Sam", "Reed", "sam@failsafelocks.example.com", "(303) 555-0120", "400 Larimer St",
                     "Denver", "CO", "80202"),
            {"brand_name": "Failsafe Locksmith", "mobile_phone": "(303) 555-0121"},
            None, _at(3, "fix")),
    Example(_profile("Chloé", "Tremblay", "chloe@tremblaybakery.example.com", "(416) 555-0199", "200 King St W",
                     "Toronto", "ON", "M5V 3T4", "CA"),
            {"brand_name": "Boulangerie Tremblay", "mobile_phone": "(416) 555-0198", "vertical": "RETAIL"},
            None, _at(3, "customer")),
    Example(_profile("Omar", "Haddad", "omar@haddadhandyman.example.com", "(312) 555-0155",
                     "12 Noncompliant Ave", "Chicago", "IL", "60601"),
            None, None, _at(1, "fix")),
    Example(_profile("Priya", "Sharma", "priya@sharmayoga.example.com", "(415) 555-0166", "55 Market St",
                     "San Francisco", "CA", "94105"),
            None, None, lambda s: True),
)
