"""The app's clocks: real UTC time, and the sandbox's sped-up time kept in its state file."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from storage.sandbox_state import SandboxState


def utc_now() -> datetime:
    return datetime.now(UTC)


class SandboxClock:
    """Sandbox time: real time since the sandbox was first opened, `speed` times faster, plus the offset that
    `advance` adds. Anchor and offset live in the state file, so every process sees the same time."""

    def __init__(self, state: SandboxState, *, speed: float = 1.0, now: Callable[[], datetime] | None = None) -> None:
        if speed <= 0:
            raise ValueError("The sandbox clock speed must be positive")
        self.state, self.speed, self._now = state, speed, now or utc_now
        with state.transaction():
            if state.meta_get("clock_anchor") is None:
                state.meta_set("clock_anchor", self._now().isoformat())
            self._anchor = datetime.fromisoformat(state.meta_get("clock_anchor") or "")

    def __call__(self) -> datetime:
        offset = float(self.state.meta_get("clock_offset") or 0)
        return self._anchor + (self._now() - self._anchor) * self.speed + timedelta(seconds=offset)

    def advance(self, delta: timedelta) -> datetime:
        """Move the time forward by `delta`."""
        if delta < timedelta(0):
            raise ValueError("The sandbox clock only moves forward")
        with self.state.transaction():
            offset = float(self.state.meta_get("clock_offset") or 0) + delta.total_seconds()
            self.state.meta_set("clock_offset", repr(offset))
        return self()
