"""Realistic customer data for tests, in the CSV import's column names."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from wizard.customer.models import Campaign, SoleProprietor, StarterProfile

FROZEN = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)


def profile(**overrides: Any) -> StarterProfile:
    return StarterProfile.model_validate({
        "first_name": "Zoë", "last_name": "Lefèvre-Côté", "email": "zoe@example.com", "phone": "(206) 555-0134",
        "street": "123 Pine St", "city": "Seattle", "region": "WA", "postal_code": "98101", "country": "US",
        **overrides,
    })


def bundle(**overrides: Any) -> SoleProprietor:
    return SoleProprietor.model_validate({"brand_name": "Zoë Lefèvre-Côté", "mobile_phone": "206.555.0188",
                                          "vertical": "PROFESSIONAL", **overrides})


def campaign(**overrides: Any) -> Campaign:
    return Campaign.model_validate({
        "campaign_description": "Appointment reminders and updates for Zoë's dog-walking clients.",
        "message_flow": "Clients opt in by ticking an SMS consent checkbox on the booking form at example.com/book.",
        "samples": ["Hi Sam, Zoë here: Rex's walk is booked for 3pm tomorrow. Reply STOP to opt out.",
                    "Zoë's Dog Walking: Rex had a great walk today! Reply HELP for help, STOP to opt out."],
        "phone_number": "+12065550100",
        **overrides,
    })


def csv_row(key: str, **overrides: str) -> dict[str, str]:
    row = {
        "key": key, "first_name": "José", "last_name": "Nguyễn", "email": f"{key.lower()}@example.com",
        "phone": "+1 206 555 0134", "street": "1 Main St", "street2": "", "city": "Seattle", "region": "WA",
        "postal_code": "98101", "country": "US", "brand_name": "", "mobile_phone": "(206) 555-0188",
        "vertical": "", "campaign_description": "Reminders and updates for José's tutoring clients by text.",
        "message_flow": "Students opt in on the signup form at example.com/tutor by checking the SMS box.",
        "sample_1": "José's Tutoring: your lesson is tomorrow at 4pm. Reply STOP to opt out.",
        "sample_2": "José's Tutoring: homework for this week is posted. Reply HELP for help.",
        "has_embedded_links": "false", "has_embedded_phone": "false", "phone_number": "",
    }
    return {**row, **overrides}


def derived(key: str, **columns: Any) -> dict[str, Any]:
    """A store row's derived columns as the domain writes them, search text included (for store-level tests)."""
    from wizard.customer.search import search_text

    return columns | {"search": search_text(key, *(columns.get(c) for c in ("name", "email", "phone", "mobile",
                                                                             "brand")))}
