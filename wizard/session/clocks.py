"""The app's clocks: real UTC time, and the sandbox's sped-up time kept in its state file."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from storage.sandbox_state import SandboxState


def utc_now() -> datetime:
    return datetime.now(UTC)


OFFSET_FRESH = 0.2
"""Seconds a read of the offset is trusted: another process's move of the clock shows within this long."""


class SandboxClock:
    """Sandbox time: real time since the sandbox was first opened, `speed` times faster, plus the offset that
    `advance` adds. Anchor and offset live in the state file, so every process sees the same time."""

    def __init__(self, state: SandboxState, *, speed: float = 1.0, now: Callable[[], datetime] | None = None) -> None:
        if speed <= 0:
            raise ValueError("The sandbox clock speed must be positive")
        self.state, self.speed, self._now = state, speed, now or utc_now
        self._offset: tuple[float, float] | None = None
        """(offset in seconds, when it was read on the monotonic clock)."""
        with state.transaction():
            if state.meta_get("clock_anchor") is None:
                state.meta_set("clock_anchor", self._now().isoformat())
            self._anchor = datetime.fromisoformat(state.meta_get("clock_anchor") or "")

    def __call__(self) -> datetime:
        return self._anchor + (self._now() - self._anchor) * self.speed + timedelta(seconds=self._offset_now())

    def _offset_now(self) -> float:
        read = time.monotonic()
        if self._offset is None or read - self._offset[1] > OFFSET_FRESH:
            self._offset = float(self.state.meta_get("clock_offset") or 0), read
        return self._offset[0]

    def advance(self, delta: timedelta) -> datetime:
        """Move the time forward by `delta`."""
        if delta < timedelta(0):
            raise ValueError("The sandbox clock only moves forward")
        with self.state.transaction():
            offset = float(self.state.meta_get("clock_offset") or 0) + delta.total_seconds()
            self.state.meta_set("clock_offset", repr(offset))
        self._offset = offset, time.monotonic()
        return self()
