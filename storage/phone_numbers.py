"""Which Twilio phone numbers customers of the store already use for campaigns (one read, no JSON decode).

Like storage.pages, it reads through its own read-only connection, so it never waits on the store's writer.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path


def numbers_in_use(path: Path, *, exclude_key: str | None = None) -> set[str]:
    """Every phone number (E.164) and phone-number SID (PN…) another customer's campaign holds."""
    db = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True, timeout=30)
    try:
        rows = db.execute(
            "SELECT typed, sid FROM (SELECT key, json_extract(inputs, '$.campaign.phone_number') AS typed, "
            "json_extract(state, '$.sids.phone_number') AS sid FROM customers) "
            "WHERE key IS NOT ? AND (typed IS NOT NULL OR sid IS NOT NULL)",
            (exclude_key,),
        ).fetchall()
    finally:
        db.close()
    return {value for row in rows for value in row if value}
