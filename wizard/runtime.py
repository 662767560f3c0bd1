"""Everything a session of the app needs, wired once: settings, folders, store, Twilio client, engine."""

from __future__ import annotations

import logging
import logging.handlers
import os
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from storage.store import Store
from wizard.flow.engine import Engine
from wizard.locations import Locations
from wizard.sandbox import FaultPlan, Sandbox, SandboxTransport
from wizard.settings import Mode, Settings
from wizard.twilio import TwilioClient

SANDBOX_PASSWORD = "sandbox"


class SetupError(Exception):
    """The app cannot start as configured; the message says what to set."""


@dataclass
class Runtime:
    """One opened installation: use it as an async context manager or call `aclose()`."""

    settings: Settings
    locations: Locations
    store: Store
    client: TwilioClient
    engine: Engine
    sandbox: Sandbox | None

    @property
    def mode(self) -> Mode:
        return "sandbox" if self.sandbox else "live"

    @property
    def account_label(self) -> str:
        """The account SID shortened for banners (never a secret)."""
        sid = self.client.account_sid
        return f"{sid[:6]}…{sid[-4:]}"

    @classmethod
    def open(
        cls,
        *,
        home: str | Path | None = None,
        mode: Mode | None = None,
        mock_brand: bool | None = None,
        now: Callable[[], datetime] | None = None,
    ) -> Runtime:
        """Resolve folders and settings, open the store, and connect to Twilio or the sandbox."""
        locations = Locations.resolve(home)
        try:
            locations.ensure()
        except OSError as exc:
            raise SetupError(f"Cannot create the app's folders under {locations.data_dir}: "
                             f"{exc.strerror or exc} ({exc.filename or locations.data_dir}).") from exc
        settings = Settings.load(locations.config_file, mode=mode, mock_brand=mock_brand)
        try:
            setup_logging(locations)
        except OSError as exc:
            raise SetupError(f"Cannot write the log {locations.log_file}: {exc.strerror or exc}.") from exc
        sandbox: Sandbox | None = None
        if settings.effective_mode == "sandbox":
            faults = FaultPlan.parse(settings.sandbox_faults) if settings.sandbox_faults else None
            try:
                sandbox = Sandbox(locations.sandbox, now=now, faults=faults, speed=settings.sandbox_speed)
            except (sqlite3.Error, OSError) as exc:
                raise SetupError(f"Cannot open the sandbox state {locations.sandbox}: {exc}.") from exc
            client = TwilioClient(Sandbox.ACCOUNT_SID, (Sandbox.ACCOUNT_SID, SANDBOX_PASSWORD),
                                  base_url=settings.base_url, transport=SandboxTransport(sandbox))
            primary = settings.primary_profile_sid or sandbox.PRIMARY_PROFILE_SID
            clock = sandbox.clock
        else:
            if not settings.has_credentials or not settings.account_sid:
                raise SetupError("Live mode needs TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN (or TWILIO_API_KEY "
                                 "and TWILIO_API_SECRET), in the environment or in " + str(locations.config_file))
            if not settings.primary_profile_sid:
                raise SetupError("Live mode needs A2P_PRIMARY_PROFILE_SID: your approved ISV primary customer "
                                 "profile (BU…), from the Twilio Console's Trust Hub.")
            client = TwilioClient(settings.account_sid, settings.basic_auth(), base_url=settings.base_url)
            primary = settings.primary_profile_sid
            clock = now or (lambda: datetime.now(UTC))
        store = Store(locations.store, clock=lambda: _stamp(clock()))
        engine = Engine(store, client, primary_profile_sid=primary, mock_brand=settings.mock_brand,
                        prices=settings.prices, clock=clock, wall=now or (lambda: datetime.now(UTC)),
                        verify_primary=sandbox is None)
        return cls(settings, locations, store, client, engine, sandbox)

    async def aclose(self) -> None:
        await self.client.aclose()
        self.store.close()

    async def __aenter__(self) -> Runtime:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def setup_logging(locations: Locations) -> None:
    """A rotating log of every Twilio call (method, path, status, code, duration) — never secrets."""
    logger = logging.getLogger("wizard")
    if any(isinstance(h, logging.handlers.RotatingFileHandler) and h.baseFilename == str(locations.log_file)
           for h in logger.handlers):
        return
    for handler in list(logger.handlers):
        logger.removeHandler(handler)
        handler.close()
    handler = _PrivateRotatingFileHandler(locations.log_file, maxBytes=2_000_000, backupCount=5, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    # httpx logs every request's full URL at INFO, query string included (a phone number lookup carries the
    # number): keep it quiet even if something configures the root logger.
    for noisy in ("httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


class _PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """Log files readable by the owner only (0600), the rotated ones included."""

    def _open(self):  # type: ignore[no-untyped-def]
        os.close(os.open(self.baseFilename, os.O_CREAT | os.O_WRONLY | os.O_APPEND, 0o600))
        return super()._open()
