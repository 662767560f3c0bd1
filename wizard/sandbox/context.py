"""What a handler works with: the state, the sandbox time, URL bases, SID minting and date formats."""

from __future__ import annotations

import hashlib
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

from wizard.sandbox.request import not_found
from wizard.sandbox.state_file import SandboxState

Json = dict[str, Any]
Answer = tuple[int, Json | None]
"""What a handler returns: HTTP status and JSON body (None for 204)."""
HEX = "[0-9a-fA-F]{32}"


@dataclass
class PerSecond:
    """Twilio's limit of `limit` requests a second per account, on real time (not the sandbox's): the next one
    within the second is refused."""

    limit: int
    clock: Callable[[], float] = time.monotonic
    times: deque[float] = field(default_factory=deque)
    """When the requests of the last second came."""

    def admits(self) -> bool:
        """Whether one more request is within the limit now (then it is counted)."""
        now = self.clock()
        while self.times and now - self.times[0] >= 1.0:
            self.times.popleft()
        if len(self.times) >= self.limit:
            return False
        self.times.append(now)
        return True


@dataclass
class Ctx:
    state: SandboxState
    now: datetime
    bases: Mapping[str, str]  # "trusthub" | "messaging" | "api" -> scheme://host used in URLs of the answer
    account_sid: str
    otp_requests: PerSecond
    """The account's /SmsOtp requests (this sandbox's)."""

    def mint(self, prefix: str) -> str:
        """A new SID: prefix + 32 hex of sha256(f"{prefix}:{n}") with a persisted counter n (reproducible)."""
        n = int(self.state.meta_get("sid_counter") or 0) + 1
        self.state.meta_set("sid_counter", str(n))
        return prefix + hashlib.sha256(f"{prefix}:{n}".encode()).hexdigest()[:32]

    def load(self, kind: str, sid: str, path: str) -> Json:
        """The record of `kind` stored under `sid`, else Twilio's 404 for `path`."""
        rec = self.state.get(sid, kind)
        if rec is None:
            raise not_found(path)
        return rec

    def stamp(self) -> str:
        return self.now.isoformat()

    def url(self, api: str, path: str) -> str:
        return self.bases[api] + path


def at(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp)


def iso(value: str | datetime) -> str:
    """v1 date format: 2026-11-26T10:00:00Z."""
    return (at(value) if isinstance(value, str) else value).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def rfc2822(stamp: str) -> str:
    """2010 API date format: Thu, 26 Nov 2026 10:00:00 +0000."""
    return format_datetime(at(stamp).astimezone(UTC).replace(microsecond=0))
