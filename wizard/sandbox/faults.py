"""Fault injection for the sandbox transport: 429 bursts, 5xx, lost responses and slow answers.

- `429`: answered 429 (code 20429) without performing the request; `Retry-After` when `retry-after` is set.
- `5xx`: answered 500 or 503 (code 20500) without performing the request.
- `lost`: the request IS performed (state committed), then the caller gets httpx.ReadTimeout instead.
- `slow`: the answer is delayed by `slow-seconds` (default 2).
One seeded random.Random per plan makes a run reproducible.
"""

from __future__ import annotations

import math
import random
import threading
from dataclasses import dataclass
from typing import Any, Literal

_KEYS = {
    "lost": "lost",
    "5xx": "server_error",
    "429": "too_many",
    "retry-after": "retry_after",
    "slow": "slow",
    "slow-seconds": "slow_seconds",
    "seed": "seed",
}


@dataclass(frozen=True)
class FaultPlan:
    lost: float = 0
    server_error: float = 0
    too_many: float = 0
    retry_after: float | None = None
    slow: float = 0
    slow_seconds: float = 2.0
    seed: int | None = None

    def __post_init__(self) -> None:
        for name in ("lost", "server_error", "too_many", "slow"):
            if not 0 <= getattr(self, name) <= 1:
                raise ValueError(
                    f"Fault probability {name} must be between 0 and 1, got {getattr(self, name)}"
                )
        for name in ("retry_after", "slow_seconds"):
            value = getattr(self, name)
            if value is not None and not (math.isfinite(value) and value >= 0):
                raise ValueError(f"Fault setting {name} must be a number of seconds >= 0, got {value}")

    @classmethod
    def parse(cls, spec: str) -> FaultPlan:
        """Parse "lost=0.2,5xx=0.1,429=0.1,retry-after=1,slow=0.05,slow-seconds=2,seed=7" ("" = no faults)."""
        values: dict[str, Any] = {}
        for item in filter(None, (part.strip() for part in spec.split(","))):
            key, sep, raw = (s.strip() for s in item.partition("="))
            if not sep or key.lower() not in _KEYS:
                raise ValueError(
                    f"Unknown fault setting {item!r}: use key=value with keys {', '.join(_KEYS)}"
                )
            try:
                values[_KEYS[key.lower()]] = int(raw) if key.lower() == "seed" else float(raw)
            except ValueError:
                raise ValueError(f"Fault setting {key!r} needs a number, got {raw!r}") from None
        return cls(**values)

    @property
    def active(self) -> bool:
        return any((self.lost, self.server_error, self.too_many, self.slow))


@dataclass(frozen=True)
class Draw:
    fault: Literal["429", "5xx", "lost"] | None = None
    status: int = 0  # 429, 500 or 503 for faults answered without performing the request
    slow: bool = False


class FaultInjector:
    """Draws the fault (if any) for each request, from one seeded random.Random, thread-safely."""

    def __init__(self, plan: FaultPlan) -> None:
        self.plan = plan
        self._rng = random.Random(plan.seed)
        self._lock = threading.Lock()

    def draw(self) -> Draw:
        plan = self.plan
        if not plan.active:
            return Draw()
        with self._lock:
            slow = self._rng.random() < plan.slow
            roll = self._rng.random()
            if roll < plan.too_many:
                return Draw("429", 429, slow)
            if roll < plan.too_many + plan.server_error:
                return Draw("5xx", self._rng.choice((500, 503)), slow)
            if roll < plan.too_many + plan.server_error + plan.lost:
                return Draw("lost", 0, slow)
            return Draw(slow=slow)
