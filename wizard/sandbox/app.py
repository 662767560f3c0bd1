"""The Sandbox: a stateful fake of the Twilio endpoints the flow uses, routed on the URL path only."""

from __future__ import annotations

import json
import re
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar

from storage.sandbox_state import SandboxState
from wizard.constants import HOSTS
from wizard.sandbox import api2010, brands, bundles, campaigns, entities, services, views
from wizard.sandbox.context import Ctx
from wizard.sandbox.faults import FaultInjector, FaultPlan
from wizard.sandbox.lifecycle import OTP_WINDOW, brand_phase
from wizard.sandbox.request import E164, ApiError, Request, not_found
from wizard.sandbox.seed import seed

Handler = Callable[..., tuple[int, dict[str, Any] | None]]
ROUTES: list[tuple[re.Pattern[str], dict[str, Handler]]] = [
    (re.compile(pattern), methods)
    for pattern, methods in (
        *bundles.ROUTES,
        *entities.ROUTES,
        *brands.ROUTES,
        *services.ROUTES,
        *campaigns.ROUTES,
        *api2010.ROUTES,
    )
]


def _open_state(path: Path) -> SandboxState:
    """Open the state file. Processes opening a new one at the same moment can find SQLite busy (switching it
    to WAL needs an exclusive lock, and SQLite refuses rather than waits when two readers both want one): retry."""
    for attempt in range(100):
        try:
            return SandboxState(path)
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or attempt == 99:
                raise
            time.sleep(0.05)
    raise AssertionError("unreachable")


class SandboxError(Exception):
    """A sandbox-only action (like the customer's YES) that cannot happen now; the message says why."""


def route(path: str) -> tuple[dict[str, Handler], dict[str, str]] | None:
    """The handlers for a path (by method) and the path's named parts, or None for paths the sandbox lacks."""
    for pattern, methods in ROUTES:
        if match := pattern.fullmatch(path):
            return methods, match.groupdict()
    return None


class Sandbox:
    """State in one SQLite file; seeded on first open.

    Sandbox time runs `speed` times faster than real time from the moment the sandbox was first opened, plus
    whatever `advance_clock` added: at the default speed of 60 a brand is approved within seconds and a
    campaign verified within minutes, so a new user sees the whole flow without waiting for days.
    """

    ACCOUNT_SID: ClassVar[str] = "ACa2b" + "0" * 28 + "a"

    def __init__(
        self,
        path: Path,
        *,
        now: Callable[[], datetime] | None = None,
        faults: FaultPlan | None = None,
        speed: float = 1.0,
    ) -> None:
        if speed <= 0:
            raise ValueError("The sandbox clock speed must be positive")
        self._now = now or (lambda: datetime.now(UTC))
        self.speed = speed
        self.faults = faults or FaultPlan()
        self.fault_injector = FaultInjector(self.faults)
        self._state = _open_state(path)
        self._lock = threading.RLock()
        with self._lock, self._state.transaction():
            if self._state.meta_get("clock_anchor") is None:
                self._state.meta_set("clock_anchor", self._now().isoformat())
            self._anchor = datetime.fromisoformat(self._state.meta_get("clock_anchor") or "")
            self.PRIMARY_PROFILE_SID = seed(self._ctx(HOSTS))

    def _ctx(self, bases: Mapping[str, str]) -> Ctx:
        return Ctx(self._state, self.clock(), bases, self.ACCOUNT_SID)

    def clock(self) -> datetime:
        """Sandbox time: real time since the first open, sped up, plus the persisted offset."""
        now = self._now()
        offset = float(self._state.meta_get("clock_offset") or 0)
        return self._anchor + (now - self._anchor) * self.speed + timedelta(seconds=offset)

    def advance_clock(self, delta: timedelta) -> datetime:
        if delta < timedelta(0):
            raise ValueError("The sandbox clock only moves forward")
        with self._lock, self._state.transaction():
            offset = float(self._state.meta_get("clock_offset") or 0) + delta.total_seconds()
            self._state.meta_set("clock_offset", repr(offset))
        return self.clock()

    def handle(
        self, method: str, url: str, headers: Mapping[str, str], body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        """Answer one request like Twilio; a mutating request is committed before this returns."""
        try:
            req = Request.parse(method, url, headers, body)
            found = route(req.path)
            if found is None:
                raise not_found(req.path)
            handler = found[0].get(req.method)
            if handler is None:
                raise ApiError(405, 20004, f"Method {req.method} not allowed on {req.path}")
            bases = HOSTS if req.origin in HOSTS.values() else dict.fromkeys(HOSTS, req.origin)
            with self._lock, self._state.transaction():
                status, payload = handler(self._ctx(bases), req, **found[1])
        except ApiError as error:
            status, payload = error.status, error.body()
        if payload is None:
            return status, {}, b""
        return status, {"Content-Type": "application/json"}, json.dumps(payload).encode()

    def reply_yes(self, brand_sid: str) -> None:
        """The customer answers YES to the latest OTP: the brand becomes VERIFIED."""
        with self._lock, self._state.transaction():
            ctx = self._ctx(HOSTS)
            rec = ctx.state.get(brand_sid, "brand_registrations")
            if rec is None:
                raise SandboxError(f"The sandbox has no brand registration {brand_sid}")
            phase = brand_phase(rec, ctx.now)
            if (phase.status, phase.identity_status) != ("APPROVED", "UNVERIFIED"):
                raise SandboxError(
                    f"Brand {brand_sid} is {phase.status}/{phase.identity_status}: the customer can "
                    "reply YES only once it is APPROVED with identity_status UNVERIFIED"
                )
            if phase.otp_sent_at is None:
                raise SandboxError(f"Brand {brand_sid} is a mock brand: Twilio sends it no OTP")
            if ctx.now > phase.otp_sent_at + OTP_WINDOW:
                raise SandboxError(
                    f"The one-time passcode expired: it was sent {phase.otp_sent_at:%Y-%m-%d %H:%M} "
                    "UTC, more than 24 h ago (sandbox time); resend it (SmsOtp) and have the "
                    "customer reply YES to the new one"
                )
            ctx.state.put(
                "brand_registrations",
                brand_sid,
                rec | {"_verified_at": ctx.stamp(), "date_updated": ctx.stamp()},
            )

    def dump(self) -> dict[str, list[dict[str, Any]]]:
        """Every top-level resource as the API returns it, pre-seeded ones included."""
        with self._lock, self._state.transaction():
            ctx = self._ctx(HOSTS)
            return {
                kind: [render(ctx, rec) for rec in ctx.state.list(kind)]
                for kind, render in views.RENDER.items()
            }

    def owned_numbers(self) -> list[dict[str, Any]]:
        """The account's incoming phone numbers, as the 2010 API returns them."""
        with self._lock, self._state.transaction():
            ctx = self._ctx(HOSTS)
            return [views.incoming_number(ctx, rec) for rec in ctx.state.list("incoming_phone_numbers")]

    def buy_numbers(self, numbers: Iterable[str]) -> list[str]:
        """Sandbox only: the account gets more local numbers like the seeded ones (E.164 in, PN SIDs out).

        A number serves one Messaging Service, so rehearsing with many customers needs as many numbers.
        """
        with self._lock, self._state.transaction():
            ctx = self._ctx(HOSTS)
            owned = ctx.state.list("incoming_phone_numbers")
            taken = {n["phone_number"] for n in owned}
            template = {k: v for k, v in owned[0].items() if not k.startswith("_")}
            sids = []
            for number in numbers:
                if not E164.match(number) or number in taken:
                    raise SandboxError(f"{number} is not a new E.164 phone number")
                sid, now = ctx.mint("PN"), ctx.stamp()
                ctx.state.put("incoming_phone_numbers", sid, template | {
                    "sid": sid, "phone_number": number, "friendly_name": f"({number[2:5]}) {number[5:8]}-{number[8:]}",
                    "date_created": now, "date_updated": now})
                taken.add(number)
                sids.append(sid)
            return sids

    def close(self) -> None:
        self._state.close()
