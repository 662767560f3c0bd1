"""The sandbox's clock: sped-up time kept in its state file, on top of `utc_now`, the real clock."""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from wizard.errors import OperatorError
from wizard.sandbox.state_file import SandboxState


def utc_now() -> datetime:
    return datetime.now(UTC)


OFFSET_FRESH = 0.2
"""Seconds a read of the offset is trusted: another process's move of the clock shows within this long."""
MAX_OFFSET = timedelta(days=3653)
"""The sandbox clock is moved at most about 10 years ahead in all (dates far beyond overflow)."""

log = logging.getLogger("wizard.sandbox")


class ClockError(OperatorError, ValueError):
    """A move of the sandbox clock that is refused."""


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
            self._anchor = self._read_anchor()

    def __call__(self) -> datetime:
        return self._anchor + (self._now() - self._anchor) * self.speed + timedelta(seconds=self._offset_now())

    def _read_anchor(self) -> datetime:
        """The anchor, set now when missing or unreadable (a file damaged by hand or by an older version)."""
        text = self.state.meta_get("clock_anchor")
        try:
            anchor = datetime.fromisoformat(text) if text else None
        except ValueError:
            anchor = None
        if anchor is None or anchor.tzinfo is None:
            anchor = self._now()
            self.state.meta_set("clock_anchor", anchor.isoformat())
        return anchor

    def _read_offset(self) -> float:
        """The stored offset; one that is unreadable or beyond MAX_OFFSET (an older version allowed any move)
        is repaired to the nearest allowed value, with a line in the log."""
        text = self.state.meta_get("clock_offset") or "0"
        try:
            offset = float(text)
        except ValueError:
            offset = math.nan
        if math.isfinite(offset) and 0 <= offset <= MAX_OFFSET.total_seconds():
            return offset
        repaired = MAX_OFFSET.total_seconds() if offset > 0 else 0.0
        log.warning("sandbox clock offset %r repaired to %r seconds", text[:40], repaired)
        with self.state.transaction():
            self.state.meta_set("clock_offset", repr(repaired))
        return repaired

    def _offset_now(self) -> float:
        read = time.monotonic()
        if self._offset is None or read - self._offset[1] > OFFSET_FRESH:
            self._offset = self._read_offset(), read
        return self._offset[0]

    def advance(self, delta: timedelta) -> datetime:
        """Move the time forward by `delta` (in all at most MAX_OFFSET ahead)."""
        if delta < timedelta(0):
            raise ClockError("The sandbox clock only moves forward.")
        with self.state.transaction():
            before = self._read_offset()
            offset = before + delta.total_seconds()
            if offset > MAX_OFFSET.total_seconds():
                raise ClockError(f"The sandbox clock moves at most {MAX_OFFSET.days:,} days (about 10 years) ahead "
                                 f"in all; it is already {before / 86400:,.1f} days ahead, so it can move at most "
                                 f"{(MAX_OFFSET.total_seconds() - before) / 86400:,.1f} more days.")
            self.state.meta_set("clock_offset", repr(offset))
        self._offset = offset, time.monotonic()
        return self()
