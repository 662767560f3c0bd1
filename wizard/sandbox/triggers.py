"""Trigger values: inputs that make the sandbox play an unhappy path (matches are case-insensitive).

See TRIGGERS (field, value, effect) for the README table. In short:
- Address Street contains "Noncompliant" → step-1 evaluation noncompliant on the address (22217).
- starter end-user email local part contains "+reject" → profile twilio-rejected 2 h after submission (18601).
- sole-proprietor brand_name contains "Noncompliant" → step-2 evaluation noncompliant on brand_name (22217).
- sole-proprietor brand_name contains "Fail" → brand FAILED 5 min after (re)submission (30701).
- a campaign MessageSample contains "cannabis" → campaign FAILED 2 h after (re)submission (30897).
- mobile_phone_number already backing 3 brands that are not FAILED → the next brand FAILED (30794).
- mobile_phone_number in the CPaaS range +1 206-555-09xx, or one of the account's numbers → brand FAILED (30751).
- a brand name with a company form (LLC, Inc., Corp., Ltd., LLP ...) → its campaign refused at once (30915).
"""

from __future__ import annotations

import re
from typing import Final

from wizard.twilio.facts import MOBILE_BRAND_LIMIT, company_form

TRIGGERS: Final[dict[str, dict[str, str]]] = {
    "noncompliant_address": {
        "field": "Address Street (step 1)",
        "value": 'contains "Noncompliant"',
        "effect": "Starter profile evaluation noncompliant on the address (22217); fix Street, re-evaluate.",
    },
    "rejected_profile": {
        "field": "Starter end-user email (step 1)",
        "value": 'local part contains "+reject" (jane+reject@example.com)',
        "effect": 'Starter profile twilio-rejected 2 h after submission, errors [{"code": 18601}].',
    },
    "noncompliant_brand_name": {
        "field": "Sole-proprietor brand_name (step 2)",
        "value": 'contains "Noncompliant"',
        "effect": "Trust product evaluation noncompliant on brand_name (22217); fix it, evaluate again.",
    },
    "failed_brand": {
        "field": "Sole-proprietor brand_name (step 2)",
        "value": 'contains "Fail"',
        "effect": "Brand FAILED 5 min after (re)submission, error 30701 on brand_name; fix it, resubmit.",
    },
    "failed_campaign": {
        "field": "Campaign MessageSamples (step 4)",
        "value": 'any sample contains "cannabis"',
        "effect": "Campaign FAILED 2 h after (re)submission, error 30897 (disallowed content); update it.",
    },
    "cpaas_mobile": {
        "field": "Sole-proprietor mobile_phone_number (step 2)",
        "value": "+1 206-555-0900 … 0999 (a CPaaS provider's numbers), or one of the account's numbers",
        "effect": "Brand FAILED 5 min after submission, error 30751 on mobile_phone_number.",
    },
    "company_name": {
        "field": "Sole-proprietor brand_name (step 2)",
        "value": "holds LLC, Inc., Corp., Ltd., LLP or a variant",
        "effect": "The campaign create is refused at once, HTTP 400, error 30915 (Twilio's rule since 2026-07-17).",
    },
    "mobile_limit": {
        "field": "Sole-proprietor mobile_phone_number (step 2)",
        "value": f"already backs {MOBILE_BRAND_LIMIT} brands that are not FAILED",
        "effect": "The next brand FAILED 5 min after submission, error 30794 (sandbox-chosen code).",
    },
}


def address_noncompliant(street: str) -> bool:
    return "noncompliant" in street.lower()


def profile_rejected(email: str) -> bool:
    return "+reject" in email.partition("@")[0].lower()


def brand_name_noncompliant(brand_name: str) -> bool:
    return "noncompliant" in brand_name.lower()


def brand_fails(brand_name: str) -> bool:
    return "fail" in brand_name.lower()


def campaign_disallowed(samples: list[str]) -> bool:
    return any("cannabis" in sample.lower() for sample in samples)


CPAAS_PREFIX: Final = "+120655509"
"""E.164 numbers the sandbox treats as bought from a CPaaS provider: +1 206-555-0900 … 0999."""


def cpaas_mobile(mobile: str) -> bool:
    return ("+1" + re.sub(r"\D", "", mobile)[-10:]).startswith(CPAAS_PREFIX)


def company_name(name: str) -> bool:
    return company_form(name) is not None
