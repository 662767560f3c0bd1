"""One customer as the list shows it, from the store's summary columns alone.

Light on purpose (no models, no engine): the Customers screen paints its first page with it before the rest of
the domain is imported.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from wizard.twilio import facts as C

STEP_NAMES = {1: "Starter profile", 2: "Sole-prop bundle", 3: "Brand & OTP", 4: "Campaign"}
ATTENTION = {"otp": 0, "fix": 1, "operator": 2, "ready": 3, "customer": 4, "twilio": 5, "done": 9}
"""What a customer waits for, as its rank in "needs action" order (lower first)."""
AWAITING_OTP = "APPROVED/UNVERIFIED"
"""The brand's status while Twilio waits for the customer's YES."""
OTP_LAPSED = "The one-time passcode lapsed (24 h without YES): resend it and ask the customer to reply YES."


def otp_deadline(otp_sent_at: str | None) -> datetime | None:
    """When the passcode sent at `otp_sent_at` lapses (None when none was sent)."""
    if not otp_sent_at:
        return None
    return datetime.fromisoformat(otp_sent_at) + timedelta(hours=C.OTP_WINDOW_HOURS)


def otp_left(otp_sent_at: str | None, now: datetime, *, waiting: bool = True) -> str:
    """"17 h left", "lapsed", or "" when no passcode is outstanding."""
    deadline = otp_deadline(otp_sent_at) if waiting else None
    if deadline is None:
        return ""
    remaining = deadline - now
    if remaining <= timedelta(0):
        return "lapsed"
    hours, rest = divmod(int(remaining.total_seconds()), 3600)
    return f"{hours} h left" if hours else f"{rest // 60} min left"


def list_row(row: dict[str, Any], now: datetime) -> dict[str, Any]:
    """One customer as `list --json` shows it, from the store's summary columns (no JSON is read).

    The OTP clock runs on between saves, so time left and a lapse are worked out now.
    """
    otp = otp_left(row["otp_sent_at"], now, waiting=row["step_status"] == AWAITING_OTP)
    next_action, attention = row["next_action"], row["attention"]
    if otp == "lapsed":
        next_action, attention = OTP_LAPSED, ATTENTION["otp"]
    elif otp:
        next_action = f"{next_action.rstrip('.')} — {otp}."
    return {
        "key": row["key"], "name": row["name"], "brand": row["brand"], "stage": row["stage"],
        "step": STEP_NAMES[row["stage"]], "step_status": row["step_status"], "done": bool(row["done"]),
        "next_action": next_action, "otp": otp, "otp_resends": row["otp_resends"] or 0,
        "spend": row["spend"], "attention": attention, "updated_at": row["updated_at"],
    }
