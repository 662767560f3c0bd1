"""A test's surroundings: no inherited Twilio settings, and a settable clock."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from tests.support.factories import FROZEN

SECRET_VARS = ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_API_KEY", "TWILIO_API_SECRET",
               "A2P_PRIMARY_PROFILE_SID", "A2P_TWILIO_BASE_URL", "A2P_MODE", "A2P_MOCK_BRAND", "A2P_SANDBOX_FAULTS",
               "A2P_SANDBOX_SPEED", "A2P_REFRESH_MINUTES", "A2P_STORE_URL")


def without_settings(mp: pytest.MonkeyPatch) -> None:
    """No inherited Twilio settings, and the sandbox in real time (no drift while a test runs)."""
    for name in SECRET_VARS:
        mp.delenv(name, raising=False)
    mp.setenv("A2P_SANDBOX_SPEED", "1")
    mp.setenv("A2P_REFRESH_MINUTES", "0")  # no background refresh in tests (a test asks for one)


class Clock:
    """A settable 'real' clock (the sandbox adds its own offset on top)."""

    def __init__(self, start: datetime = FROZEN) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)
