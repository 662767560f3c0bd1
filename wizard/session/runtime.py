"""Everything a session of the app needs, wired once: the opened installation, settings, Twilio client, engine."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from pydantic import ValidationError

from storage.customers import CustomerStore
from wizard.flow.doubt import Watermark
from wizard.flow.engine import Engine
from wizard.sandbox.fake import Sandbox
from wizard.sandbox.faults import FaultPlan
from wizard.sandbox.transport import SandboxTransport
from wizard.sandbox.triggers import CPAAS_PREFIX
from wizard.session.locations import Locations
from wizard.session.settings import Settings
from wizard.session.startup import Mode, SetupError, Startup
from wizard.twilio.client import TwilioClient
from wizard.twilio.facts import SANDBOX_PASSWORD


@dataclass
class Runtime:
    """One connected installation: use it as an async context manager or call `aclose()`."""

    startup: Startup
    settings: Settings
    client: TwilioClient
    engine: Engine
    sandbox: Sandbox | None

    @property
    def mode(self) -> Mode:
        return self.startup.mode

    @property
    def locations(self) -> Locations:
        return self.startup.locations

    @property
    def store(self) -> CustomerStore:
        return self.startup.store

    @classmethod
    def open(
        cls,
        *,
        home: str | Path | None = None,
        mode: Mode | None = None,
        mock_brand: bool | None = None,
        now: Callable[[], datetime] | None = None,
        store_url: str | None = None,
    ) -> Runtime:
        """Open the installation (its customers at `store_url` when given) and connect to Twilio or the sandbox."""
        startup = Startup.open(home=home, mode=mode, now=now, store_url=store_url)
        try:
            return cls.connect(startup, mock_brand=mock_brand)
        except BaseException:
            startup.close()
            raise

    @classmethod
    def connect(cls, startup: Startup, *, mock_brand: bool | None = None) -> Runtime:
        """Read the settings and build the Twilio client (or the sandbox) and the engine on `startup`."""
        try:
            settings = Settings.load(startup.locations.config_file, mock_brand=mock_brand)
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
            raise SetupError(f"Some settings are not valid ({problems}): see the environment and "
                             f"{startup.locations.config_file}.") from exc
        sandbox: Sandbox | None = None
        if startup.sandbox_clock is not None:
            try:
                faults = FaultPlan.parse(settings.sandbox_faults) if settings.sandbox_faults else None
            except ValueError as exc:
                raise SetupError(f"A2P_SANDBOX_FAULTS: {exc}.") from exc
            try:
                sandbox = Sandbox(startup.sandbox_clock, faults=faults)
            except sqlite3.Error as exc:
                raise SetupError(f"Cannot open the sandbox state {startup.locations.sandbox}: {exc}.") from exc
            client = TwilioClient(Sandbox.ACCOUNT_SID, (Sandbox.ACCOUNT_SID, SANDBOX_PASSWORD),
                                  base_url=settings.base_url, transport=SandboxTransport(sandbox),
                                  deadline=settings.twilio_deadline, max_body=settings.twilio_max_body)
            primary = settings.primary_profile_sid or sandbox.PRIMARY_PROFILE_SID
        else:
            client = TwilioClient(startup.account_sid, settings.basic_auth(), base_url=settings.base_url,
                                  deadline=settings.twilio_deadline, max_body=settings.twilio_max_body)
            primary = settings.primary_profile_sid or ""  # never empty: Startup.open checked it is set
        engine = Engine(startup.store, client, primary_profile_sid=primary, mock_brand=settings.mock_brand,
                        prices=settings.prices, clock=startup.clock, wall=startup.wall,
                        verify_primary=sandbox is None, live=sandbox is None)
        engine.callback_url = settings.callback_url
        engine.cpaas_prefix = CPAAS_PREFIX if sandbox is not None else None
        startup.derive_outdated()  # rows of a store of an earlier schema
        engine.watermark = Watermark(startup.journal_mark)
        engine.watermark.check(startup.store)
        return cls(startup, settings, client, engine, sandbox)

    async def aclose(self) -> None:
        await self.client.aclose()
        self.startup.close()

    async def __aenter__(self) -> Runtime:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
