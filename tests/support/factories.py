"""One customer factory for every test: a few people, each in the shapes tests need (raw field data as an operator
types it, validated models, a CSV row), and store rows' derived columns for store-level tests.

- "zoe": Zoë Lefèvre-Côté, a dog walker in Seattle (the default everywhere);
- "jose": José Nguyễn, a tutor in Seattle with a short campaign (the CSV persona: his brand name is left empty);
- "canadian": José Nguyễn in Toronto, with every campaign field filled in (keywords, replies, links, policies).
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from wizard.customer.models import Campaign, SoleProprietor, StarterProfile

FROZEN = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)

PERSONAS: dict[str, dict[str, dict[str, Any]]] = {
    "zoe": {
        "profile": {"first_name": "Zoë", "last_name": "Lefèvre-Côté", "email": "zoe@example.com",
                    "phone": "(206) 555-0134", "street": "123 Pine St", "city": "Seattle", "region": "WA",
                    "postal_code": "98101", "country": "US"},
        "bundle": {"brand_name": "Zoë Lefèvre-Côté", "mobile_phone": "206.555.0188", "vertical": "PROFESSIONAL"},
        "campaign": {
            "campaign_description": "Appointment reminders and updates for Zoë's dog-walking clients.",
            "message_flow": "Clients opt in by ticking an SMS consent checkbox on the booking form at "
                            "example.com/book.",
            "samples": ["Hi Sam, Zoë here: Rex's walk is booked for 3pm tomorrow. Reply STOP to opt out.",
                        "Zoë's Dog Walking: Rex had a great walk today! Reply HELP for help, STOP to opt out."],
            "privacy_policy_url": "https://zoes-dog-walking.com/privacy",
            "terms_url": "https://zoes-dog-walking.com/terms",
            "phone_number": "+12065550100",
        },
    },
    "jose": {
        "profile": {"first_name": "José", "last_name": "Nguyễn", "email": "jose@example.com",
                    "phone": "+1 206 555 0134", "street": "1 Main St", "street2": "", "city": "Seattle",
                    "region": "WA", "postal_code": "98101", "country": "US"},
        "bundle": {"brand_name": "", "mobile_phone": "(206) 555-0188", "vertical": ""},
        "campaign": {
            "campaign_description": "Reminders and updates for José's tutoring clients by text.",
            "message_flow": "Students opt in on the signup form at example.com/tutor by checking the SMS box.",
            "samples": ["José's Tutoring: your lesson is tomorrow at 4pm. Reply STOP to opt out.",
                        "José's Tutoring: homework for this week is posted. Reply HELP for help."],
            "has_embedded_links": False, "has_embedded_phone": False, "phone_number": "",
            "privacy_policy_url": "https://jose-tutoring.com/privacy", "terms_url": "https://jose-tutoring.com/terms",
        },
    },
    "canadian": {
        "profile": {"first_name": "José", "last_name": "Nguyễn", "email": "jose.nguyen@example.ca",
                    "phone": "+1 416 555 0134", "street": "200 Wellington St W", "street2": "Suite 400",
                    "city": "Toronto", "region": "ON", "postal_code": "M5V 2T6", "country": "CA"},
        "bundle": {"brand_name": "Nguyễn Tutoring", "mobile_phone": "(647) 555-0188", "vertical": "EDUCATION"},
        "campaign": {
            "campaign_description": "Lesson reminders and homework notes for José Nguyễn's tutoring students.",
            "message_flow": "Students opt in by texting JOIN to the number shown on nguyen-tutoring.example.ca, "
                            "or by ticking the SMS box on the sign-up form there.",
            "samples": ["Nguyễn Tutoring: your lesson is tomorrow at 4pm. Reply STOP to opt out.",
                        "Nguyễn Tutoring: this week's homework is at https://nguyen-tutoring.example.ca/hw",
                        "Nguyễn Tutoring: Zoë, call 416-555-0134 to reschedule. Reply HELP for help."],
            "has_embedded_links": True, "has_embedded_phone": True,
            "opt_in_message": "Nguyễn Tutoring: you're subscribed to lesson texts. Reply STOP to opt out.",
            "opt_in_keywords": ["JOIN", "START"],
            "opt_out_message": "Nguyễn Tutoring: you're unsubscribed and will get no more texts.",
            "opt_out_keywords": ["STOP", "QUIT"],
            "help_message": "Nguyễn Tutoring: lesson reminders. Email help@nguyen-tutoring.example.ca.",
            "help_keywords": ["HELP", "INFO"],
            "privacy_policy_url": "https://nguyen-tutoring.example.ca/privacy",
            "terms_url": "https://nguyen-tutoring.example.ca/terms",
            "phone_number": "+12065550101",
        },
    },
}


# -- raw data, as typed ---------------------------------------------------------------------------------------


def profile_data(persona: str = "zoe", **overrides: Any) -> dict[str, Any]:
    return PERSONAS[persona]["profile"] | overrides


def bundle_data(persona: str = "zoe", **overrides: Any) -> dict[str, Any]:
    return PERSONAS[persona]["bundle"] | overrides


def campaign_data(persona: str = "zoe", **overrides: Any) -> dict[str, Any]:
    return PERSONAS[persona]["campaign"] | overrides


# -- validated models -----------------------------------------------------------------------------------------


def profile(persona: str = "zoe", **overrides: Any) -> StarterProfile:
    return StarterProfile.model_validate(profile_data(persona, **overrides))


def bundle(persona: str = "zoe", **overrides: Any) -> SoleProprietor:
    return SoleProprietor.model_validate(bundle_data(persona, **overrides))


def campaign(persona: str = "zoe", **overrides: Any) -> Campaign:
    return Campaign.model_validate(campaign_data(persona, **overrides))


def canadian_profile() -> StarterProfile:
    return profile("canadian")


def canadian_bundle() -> SoleProprietor:
    return bundle("canadian")


def canadian_campaign(phone_number: str = "+12065550101") -> Campaign:
    return campaign("canadian", phone_number=phone_number)


# -- a CSV row -------------------------------------------------------------------------------------------------


_NUMBERED: dict[str, int] = {}
"""Keys given their own phone and mobile numbers, in the order first seen (so no two keys share one)."""


def own_numbers(key: str) -> dict[str, str]:
    """A phone and a mobile number of this key's own (fictional 555 numbers), the same on every call."""
    n = _NUMBERED.setdefault(key, len(_NUMBERED))
    area = ("206", "253", "360", "425", "509", "564")[n // 5000 % 6]
    return {"phone": f"({area}) 555-{n % 5000:04d}", "mobile_phone": f"({area}) 555-{5000 + n % 5000:04d}"}


def csv_row(key: str, persona: str = "jose", **overrides: str) -> dict[str, str]:
    """One row of an import file (the CSV's column names; every cell text): a person of its own, with their own
    email, phone and mobile (import refuses the same person twice)."""
    data = profile_data(persona) | bundle_data(persona) | campaign_data(persona)
    row: dict[str, str] = {"key": key}
    for name, value in data.items():
        if name == "samples":
            row |= {f"sample_{n}": text for n, text in enumerate(value, start=1)}
        elif isinstance(value, bool):
            row[name] = "true" if value else "false"
        elif isinstance(value, list):
            row[name] = ",".join(value)
        else:
            row[name] = str(value)
    row["email"] = f"{key.lower()}@example.com"
    return row | own_numbers(key) | overrides


def csv_text(rows: list[dict[str, str]]) -> str:
    """An import file's text with `rows` (the columns of the first row)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    """An import file at `path` with `rows`."""
    path.write_text(csv_text(rows), encoding="utf-8", newline="")
    return path


# -- store rows -----------------------------------------------------------------------------------------------


def derived(key: str, **columns: Any) -> dict[str, Any]:
    """A store row's derived columns as the domain writes them, search text and name's sort key included (for
    store-level tests)."""
    from wizard.customer.search import search_text, sort_key

    return columns | {"search": search_text(key, *(columns.get(c) for c in ("name", "email", "phone", "mobile",
                                                                             "brand"))),
                      "name_key": sort_key(columns.get("name") or key)}
