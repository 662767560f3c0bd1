"""One address however it was typed, as the key TCR's per-address limit is counted by."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from wizard.customer.search import address_words


def address_key(profile: Mapping[str, Any]) -> str:
    """"123 Pine Street" and "123 pine st." in 98101, US are one address (the street's words, postal code,
    country); the second line is not part of it."""
    return "|".join((address_words(profile.get("street") or ""), str(profile.get("postal_code") or "").upper(),
                     str(profile.get("country") or "US")))
