"""Pacing calls Twilio limits per second (the /SmsOtp resends: 10 a second per account)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable


class Pace:
    """Calls through `turn()` of this Pace start at least `interval` seconds apart (they wait their turn). One
    engine holds one: two processes resending at the same moment pace apart, and Twilio's 429 is then retried."""

    def __init__(self, interval: float, *, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self._interval, self._clock, self._sleep = interval, clock, sleep
        self._next = float("-inf")
        self._lock = asyncio.Lock()

    async def turn(self) -> None:
        async with self._lock:
            wait = self._next - self._clock()
            if wait > 0:
                await self._sleep(wait)
            self._next = self._clock() + self._interval
