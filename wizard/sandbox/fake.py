"""The Sandbox: a stateful fake of the Twilio endpoints the flow uses, routed on the URL path only."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar

from wizard.errors import OperatorError
from wizard.sandbox import api2010, brands, bundles, campaigns, entities, renderers, services, sinks
from wizard.sandbox.clock import SandboxClock
from wizard.sandbox.context import Ctx, PerSecond
from wizard.sandbox.faults import FaultInjector, FaultPlan
from wizard.sandbox.lifecycle import OTP_WINDOW, brand_phase
from wizard.sandbox.renderers import campaign_key
from wizard.sandbox.request import E164, ApiError, Handler, Request, not_found
from wizard.sandbox.seed import own_numbers, put_number, seed
from wizard.sandbox.state_file import SandboxState, open_state
from wizard.twilio.facts import HOSTS, SANDBOX_ACCOUNT_SID, SMS_OTP_PER_SECOND

ROUTES: list[tuple[re.Pattern[str], dict[str, Handler]]] = [
    (re.compile(pattern), methods)
    for pattern, methods in (
        *bundles.ROUTES,
        *entities.ROUTES,
        *brands.ROUTES,
        *services.ROUTES,
        *campaigns.ROUTES,
        *api2010.ROUTES,
        *sinks.ROUTES,
    )
]


def _tag_earlier_state(state: SandboxState) -> None:
    """A state file written before resources were tagged: tag its brands and campaigns once."""
    if state.meta_get("tagged") == "1":
        return
    for brand in state.list("brand_registrations"):
        brands.store(state, brand)
    for campaign in state.list(campaigns.KIND):
        state.put(campaigns.KIND, campaign_key(campaign["messaging_service_sid"]), campaign,
                  tags=(campaigns.brand_campaign_tag(campaign["brand_registration_sid"]),))
    state.meta_set("tagged", "1")


class SandboxError(OperatorError):
    """A sandbox-only action (like the customer's YES) that cannot happen now; the message says why."""


def route(path: str) -> tuple[dict[str, Handler], dict[str, str]] | None:
    """The handlers for a path (by method) and the path's named parts, or None for paths the sandbox lacks."""
    for pattern, methods in ROUTES:
        if match := pattern.fullmatch(path):
            return methods, match.groupdict()
    return None


class Sandbox:
    """State in one SQLite file; seeded on first open.

    Its time is a SandboxClock: at the app's default speed of 60 a brand is approved within seconds and a
    campaign verified within minutes, so a new user sees the whole flow without waiting for days.
    """

    ACCOUNT_SID: ClassVar[str] = SANDBOX_ACCOUNT_SID

    def __init__(self, clock: SandboxClock, *, faults: FaultPlan | None = None) -> None:
        self.clock = clock
        self.faults = faults or FaultPlan()
        self.fault_injector = FaultInjector(self.faults)
        self._state = clock.state
        self._lock = threading.RLock()
        self.otp_requests = PerSecond(SMS_OTP_PER_SECOND)
        """The account's /SmsOtp requests (Twilio refuses the 11th within a second)."""
        with self._lock, self._state.transaction():
            self.PRIMARY_PROFILE_SID = seed(self._ctx(HOSTS))
            _tag_earlier_state(self._state)

    @classmethod
    def open(
        cls,
        path: Path,
        *,
        now: Callable[[], datetime] | None = None,
        faults: FaultPlan | None = None,
        speed: float = 1.0,
    ) -> Sandbox:
        """The sandbox kept in the state file at `path`, on its own clock."""
        return cls(SandboxClock(open_state(path), speed=speed, now=now), faults=faults)

    def _ctx(self, bases: Mapping[str, str]) -> Ctx:
        return Ctx(self._state, self.clock(), bases, self.ACCOUNT_SID, self.otp_requests)

    def advance_clock(self, delta: timedelta) -> datetime:
        """Move sandbox time forward by `delta` (for every process sharing the state file)."""
        with self._lock:
            return self.clock.advance(delta)

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
                for kind, render in renderers.RENDER.items()
            }

    def status_changes(self) -> list[tuple[str, dict[str, Any]]]:
        """The profiles, bundles, brands and campaigns whose status moved since the last call (any process's),
        as the API returns them now, with their kind; what was seen is kept in the state file."""
        watched = ("customer_profiles", "trust_products", "brand_registrations", "campaigns")
        with self._lock, self._state.transaction():
            ctx = self._ctx(HOSTS)
            seen = json.loads(self._state.meta_get("notified") or "{}")
            changed = []
            for kind in watched:
                for rec in ctx.state.list(kind):
                    body = renderers.RENDER[kind](ctx, rec)
                    key = rec.get("messaging_service_sid") or rec["sid"]
                    now = "/".join(str(body.get(f) or "") for f in ("status", "identity_status", "campaign_status"))
                    if seen.get(key) != now:
                        seen[key] = now
                        changed.append((kind, body))
            if changed:
                self._state.meta_set("notified", json.dumps(seen))
            return changed

    def owned_numbers(self) -> list[dict[str, Any]]:
        """The account's incoming phone numbers, as the 2010 API returns them."""
        with self._lock, self._state.transaction():
            ctx = self._ctx(HOSTS)
            return [renderers.incoming_number(ctx, rec) for rec in ctx.state.list("incoming_phone_numbers")]

    def buy_numbers(self, numbers: Iterable[str]) -> list[str]:
        """Sandbox only: the account gets these local numbers at once (E.164 in, PN SIDs out), as if bought in
        the Console — for rehearsals and tests with many customers on typed numbers."""
        with self._lock, self._state.transaction():
            ctx = self._ctx(HOSTS)
            taken = own_numbers(ctx)
            sids = []
            for number in numbers:
                if not E164.match(number) or number in taken:
                    raise SandboxError(f"{number} is not a new E.164 phone number")
                label = f"({number[2:5]}) {number[5:8]}-{number[8:]}"
                sids.append(put_number(ctx, ctx.mint("PN"), number, label)["sid"])
                taken.add(number)
            return sids

    def close(self) -> None:
        self._state.close()
