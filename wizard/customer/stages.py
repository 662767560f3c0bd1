"""The four steps and what a customer can be waiting for: names, "needs action" ranks, the lapsed-OTP words.

Shared by the planner and the list; light on purpose (the list paints before the domain loads).
"""

from __future__ import annotations

STEP_NAMES = {1: "Starter profile", 2: "Sole-prop bundle", 3: "Brand & OTP", 4: "Campaign"}
ATTENTION = {"otp": 0, "fix": 1, "operator": 2, "ready": 3, "customer": 4, "twilio": 5, "done": 9}
"""What a customer waits for, as its rank in "needs action" order (lower first)."""
AWAITING_OTP = "APPROVED/UNVERIFIED"
"""The brand's status while Twilio waits for the customer's YES."""
OTP_LAPSED = "The one-time passcode lapsed (24 h without YES): resend it and ask the customer to reply YES."
