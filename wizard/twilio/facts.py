"""Fixed facts of Twilio's A2P 10DLC sole-proprietor flow, in one place (see the README's sources).

Light on purpose (standard library only): the list reads the OTP window before the domain is loaded.
"""

import re
from datetime import datetime, timedelta
from typing import Final

STARTER_PROFILE_POLICY_SID: Final = "RN806dd6cd175f314e1f96a9727ee271f4"
SOLE_PROPRIETOR_POLICY_SID: Final = "RN670d5d2e282a6130ae063b234b6019c8"
CAMPAIGN_SID: Final = "QE2c6890da8086d771620e9b13fadeba0b"
"""The Usa2p 'sid' is the same constant for every campaign: a campaign is identified by its Messaging Service."""

STARTER_END_USER_TYPE: Final = "starter_customer_profile_information"
SOLE_PROPRIETOR_END_USER_TYPE: Final = "sole_proprietor_information"
ADDRESS_DOCUMENT_TYPE: Final = "customer_profile_address"
USE_CASE: Final = "SOLE_PROPRIETOR"

VERTICALS: Final = (
    "AGRICULTURE", "COMMUNICATION", "CONSTRUCTION", "EDUCATION", "ENERGY", "ENTERTAINMENT", "FINANCIAL",
    "GAMBLING", "GOVERNMENT", "HEALTHCARE", "HOSPITALITY", "HUMAN_RESOURCES", "INSURANCE", "LEGAL",
    "MANUFACTURING", "NGO", "POLITICAL", "POSTAL", "PROFESSIONAL", "REAL_ESTATE", "RETAIL", "TECHNOLOGY",
    "TRANSPORTATION",
)

OTP_SENDER: Final = "+1 915-278-2000"
"""The number Twilio texts the one-time passcode from."""
OTP_WINDOW_HOURS: Final = 24
SMS_OTP_PER_SECOND: Final = 10
"""Twilio's limit on /SmsOtp requests per account (the ISV sole-proprietor guide); resends stay under it."""
OTP_URGENT_HOURS: Final = 6
"""A passcode with less time left than this puts the customer at the top of "needs action"."""
FREE_BRAND_RESUBMITS: Final = 3
"""A FAILED brand can be resubmitted free this many times (error 21724 after that)."""
MIN_SAMPLES: Final = 2
MAX_SAMPLES: Final = 5
TEXT_LIMITS: Final = {
    "description": (40, 4096), "message_flow": (40, 2048), "sample": (20, 1024), "reply": (20, 320),
}
"""Campaign text lengths Twilio accepts (characters, inclusive); its spec states them only in prose."""
KEYWORDS_MAX: Final = 255
MOBILE_BRAND_LIMIT: Final = 3
EMAIL_BRAND_LIMIT: Final = 10
ADDRESS_BRAND_LIMIT: Final = 10

SANDBOX_ACCOUNT_SID: Final = "ACa2b" + "0" * 28 + "a"
"""The built-in sandbox's account (never a real one)."""
SANDBOX_PASSWORD: Final = "sandbox-auth-token-7c1e0a52"
"""The sandbox's auth token (it signs its callbacks with it): no word of ordinary text, since every answer's text
is redacted of the request's credentials."""

HOSTS: Final = {
    "trusthub": "https://trusthub.twilio.com",
    "messaging": "https://messaging.twilio.com",
    "api": "https://api.twilio.com",
    "events": "https://events.twilio.com",
}


def otp_deadline(otp_sent_at: str | None) -> datetime | None:
    """When the passcode sent at `otp_sent_at` lapses (None when none was sent)."""
    if not otp_sent_at:
        return None
    return datetime.fromisoformat(otp_sent_at) + timedelta(hours=OTP_WINDOW_HOURS)


COMPANY_FORM = re.compile(
    r"(?<![\w.])(?:l\.l\.c|llc|l\.l\.p|llp|lllp|p\.l\.l\.c|pllc|inc|incorporated|corp|corporation|ltd|gmbh)\.?(?!\w)",
    re.IGNORECASE,
)
"""A registered company's form anywhere in a text (LLC, Inc., Corp., Ltd, GmbH …)."""
_COMPANY_FORM_AT_END = re.compile(r"\S[\s,]+(?:co|p\.c|pc|l\.p|lp|limited)\.?$", re.IGNORECASE)
"""Forms that are ordinary words elsewhere ("Limited Edition", "Co-op"): a company's only at a name's end."""


def company_form(name: str) -> str | None:
    """The company form a brand or business name carries, or None. Since 2026-07-17 Twilio refuses a sole-proprietor
    campaign whose brand or business name holds one (error 30915, https://www.twilio.com/docs/api/errors/30915)."""
    if m := COMPANY_FORM.search(name):
        return m.group(0)
    if m := _COMPANY_FORM_AT_END.search(name):
        return m.group(0)[1:].strip(" ,")
    return None
