"""The four steps and what a customer can be waiting for: names, "needs action" ranks, the lapsed-OTP words, and
an awaited passcode's words at a moment (`otp_words`: the list's column, the Next line and the timer).

Shared by the planner and the list; light on purpose (the list paints before the domain loads).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from wizard.twilio.facts import OTP_URGENT_HOURS

STEP_NAMES = {1: "Starter profile", 2: "Sole-prop bundle", 3: "Brand & OTP", 4: "Campaign"}
ATTENTION = {"otp": 0, "fix": 1, "operator": 2, "ready": 3, "customer": 4, "twilio": 5, "done": 9}
"""What a customer waits for, as its rank in "needs action" order (lower first)."""
AWAITING_OTP = "APPROVED/UNVERIFIED"
"""The brand's status while Twilio waits for the customer's YES."""
OTP_LAPSED = "The one-time passcode lapsed (24 h without YES): resend it and ask the customer to reply YES."
OTP_URGENT = timedelta(hours=OTP_URGENT_HOURS)
"""Less time than this left to reply YES: the passcode is running out."""


def otp_lapsed(deadline: datetime | None, now: datetime) -> bool:
    """An awaited passcode has lapsed at `now` (one with no known send time is taken as lapsed, as the planner
    takes it: nothing says the customer can still answer it)."""
    return deadline is None or now >= deadline


def otp_urgent(deadline: datetime | None, now: datetime) -> bool:
    """An awaited passcode runs out soon at `now`: under OTP_URGENT left, not lapsed yet (the planner's "otp"
    rank, the Next line's and the list's urgent tone)."""
    return deadline is not None and timedelta(0) < deadline - now < OTP_URGENT


@dataclass(frozen=True)
class OtpWords:
    """An awaited passcode at one moment, in the words of every surface (the one place they are worked out)."""

    action: str
    """The next action: the planner's, with the time left; the lapsed words once it lapsed."""
    attention: int
    left: str
    """"17 h left", "6 min left", "lapsed", or "" when no passcode is awaited."""
    countdown: str
    """"23:59:59 left", "lapsed", or "" (the live timer)."""
    lapsed: bool
    urgent: bool
    """It runs out soon (`otp_urgent`)."""


def otp_words(action: str, attention: int, deadline: datetime | None, now: datetime, *, awaited: bool) -> OtpWords:
    """The next action `action` (ranked `attention`) of a customer whose passcode is `awaited` until `deadline`,
    at `now`: what the list's column, the Next line and the timer all say."""
    if not awaited:
        return OtpWords(action, attention, "", "", False, False)
    if otp_lapsed(deadline, now):
        return OtpWords(OTP_LAPSED, ATTENTION["otp"], "lapsed" if deadline else "", "lapsed" if deadline else "",
                        True, False)
    assert deadline is not None
    seconds = max(int((deadline - now).total_seconds()), 0)
    hours, rest = divmod(seconds, 3600)
    left = f"{hours} h left" if hours else f"{rest // 60} min left"
    return OtpWords(f"{action.rstrip('.')} — {left}.", attention, left,
                    f"{hours:02d}:{rest // 60:02d}:{rest % 60:02d} left", False, otp_urgent(deadline, now))
