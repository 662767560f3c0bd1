"""What the app needs before its first frame: folders, mode, clock and store, without the heavy domain.

`Startup.open` takes milliseconds: it reads the few start-up settings (the mode, whether credentials are set, the
sandbox speed) straight from the environment and the TOML config file, with the names and precedence of
`wizard.session.settings`. The rest (pydantic settings with the credentials, the Twilio client or the sandbox, the
engine) is `Runtime.connect`, which the app runs in a worker once the Customers list is painted.
"""

from __future__ import annotations

import contextlib
import logging
import logging.handlers
import math
import os
import sqlite3
import stat
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from storage.customers import CustomerStore
from storage.postgres.urls import is_url, password_in
from storage.sqlite.store import Store
from wizard.errors import OperatorError
from wizard.listing import DERIVATION
from wizard.sandbox.clock import SandboxClock, utc_now
from wizard.sandbox.state_file import open_state
from wizard.session.locations import Locations
from wizard.twilio.facts import SANDBOX_ACCOUNT_SID
from wizard.visible import visible

Mode = Literal["sandbox", "live"]
MODES: tuple[Mode, ...] = ("sandbox", "live")
DEFAULT_SANDBOX_SPEED = 60.0
MAX_SANDBOX_SPEED = 1_000.0
"""Beyond it the sandbox's clock could run past the calendar's end (year 9999) within a few years of running."""

START_SETTINGS = {
    "account_sid": "TWILIO_ACCOUNT_SID",
    "auth_token": "TWILIO_AUTH_TOKEN",
    "api_key": "TWILIO_API_KEY",
    "api_secret": "TWILIO_API_SECRET",
    "primary_profile_sid": "A2P_PRIMARY_PROFILE_SID",
    "mode": "A2P_MODE",
    "sandbox_speed": "A2P_SANDBOX_SPEED",
    "store_url": "A2P_STORE_URL",
}
"""The settings read at start, by field name: environment variable names, also accepted as TOML keys."""


class SetupError(OperatorError):
    """The app cannot start as configured; the message says what to set."""


SECRET_KEYS = frozenset({"TWILIO_AUTH_TOKEN", "TWILIO_API_SECRET", "auth_token", "api_secret"})
"""TOML keys that hold a secret (matched without case)."""
URL_KEYS = frozenset({"A2P_STORE_URL", "store_url"})
"""TOML keys of a URL that holds a secret when a password is written in it (matched without case)."""


def holds_secret(key: object, value: object) -> bool:
    """Whether the setting `key` = `value` is a secret: a token, or a store URL with a password in it."""
    name = str(key).lower()
    if name in {s.lower() for s in URL_KEYS}:
        return bool(password_in(str(value)))
    return name in {s.lower() for s in SECRET_KEYS} and bool(value)


def config_exposure(config_file: Path, table: dict[str, object]) -> str | None:
    """Why the config file is unsafe to trust with credentials (None: it is not): others may change it (and
    send the credentials elsewhere with A2P_TWILIO_BASE_URL), or read the secret it holds."""
    status = config_file.stat()
    mode = stat.S_IMODE(status.st_mode)
    secret = any(holds_secret(k, v) for k, v in table.items())
    if status.st_uid != os.geteuid():
        return (f"The config file {config_file} is unsafe: another user (uid {status.st_uid}) owns it and can "
                f"change it. Run: chown {os.geteuid()} {config_file} && chmod 600 {config_file}")
    if mode & (stat.S_IWGRP | stat.S_IWOTH):
        why = "other users can change it"
    elif secret and mode & (stat.S_IROTH | stat.S_IRGRP):
        why = "other users can read the secret it holds"
    else:
        return None
    return f"The config file {config_file} is unsafe: {why} (mode {mode:o}). Run: chmod 600 {config_file}"


def start_settings(config_file: Path, warnings: list[str] | None = None) -> dict[str, str]:
    """The start-up settings that are set: environment variables (any case; empty ones ignored) over the TOML
    file's keys (the variable's name, in upper or lower case, or the field's name). A config file unsafe to
    trust adds its warning to `warnings`."""
    found: dict[str, str] = {}
    if config_file.exists():
        try:
            table = tomllib.loads(config_file.read_text(encoding="utf-8"))
            if (exposure := config_exposure(config_file, table)) and warnings is not None:
                warnings.append(exposure)
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
            raise SetupError(f"Cannot read the config file {config_file}: {error}.") from error
        for field, name in START_SETTINGS.items():
            value = next((table[k] for k in (name, name.lower(), field) if table.get(k) not in (None, "")), None)
            if value is not None:
                found[field] = str(value)
    environ = {name.lower(): value for name, value in os.environ.items() if value}
    found |= {field: environ[name.lower()] for field, name in START_SETTINGS.items() if name.lower() in environ}
    return found


@dataclass
class Startup:
    """One installation, opened: close it (or the Runtime built on it) when done."""

    locations: Locations
    mode: Mode
    account_sid: str
    store: CustomerStore
    clock: Callable[[], datetime]
    """Twilio's time as the flow sees it: the sandbox's clock, or real UTC time."""
    wall: Callable[[], datetime]
    """Real time, for leases between processes."""
    sandbox_clock: SandboxClock | None
    warnings: list[str] = field(default_factory=list)
    """What the operator should fix though the app can run (e.g. a config file others can change)."""
    store_url: str | None = field(default=None, repr=False)
    """The team's PostgreSQL store (None: the data folder's SQLite file); it may hold a password: never shown."""

    @property
    def account_label(self) -> str:
        """The account SID shortened for banners (never a secret)."""
        return f"{self.account_sid[:6]}…{self.account_sid[-4:]}"

    @property
    def store_where(self) -> str:
        """Where the customers are, as it may be shown: the SQLite file, or the URL with its password masked."""
        return self.store.where

    @property
    def journal_mark(self) -> Path:
        """This data folder's watermark of the store's journal (flow.doubt): one per store it has used."""
        identity = self.store.identity
        return self.locations.journal_mark if identity is None else self.locations.journal_mark_of(identity)

    @classmethod
    def open(
        cls,
        *,
        home: str | Path | None = None,
        mode: Mode | None = None,
        now: Callable[[], datetime] | None = None,
        store_url: str | None = None,
    ) -> Startup:
        """Resolve the folders and the mode, start the log, and open the store (and in the sandbox its clock).
        `store_url` (--store) wins over A2P_STORE_URL and the config file's store_url."""
        locations = Locations.resolve(home)
        _ensure(locations)
        warnings: list[str] = []
        found = start_settings(locations.config_file, warnings)
        mode = mode or _mode(found)
        wall = now or utc_now
        sandbox_clock = None
        if mode == "live":
            if warnings:
                raise SetupError(f"{warnings[0]}; live mode does not start with it (it may hold or redirect your "
                                 "credentials).")
            _check_live(found, locations.config_file)
            clock, account_sid = wall, found["account_sid"]
        else:
            try:
                sandbox_clock = SandboxClock(open_state(locations.sandbox), speed=_speed(found), now=now)
            except (sqlite3.Error, OSError) as exc:
                raise SetupError(f"Cannot open the sandbox state {locations.sandbox}: {exc}.") from exc
            clock, account_sid = sandbox_clock, SANDBOX_ACCOUNT_SID
        try:
            setup_logging(locations)
        except OSError as exc:
            raise SetupError(f"Cannot write the log {locations.log_file}: {exc.strerror or exc}.") from exc
        store_url = store_url or found.get("store_url")
        try:
            store = _open_store(locations, store_url, lambda: _stamp(clock()))
        except BaseException:
            if sandbox_clock is not None:
                sandbox_clock.state.close()
            raise
        return cls(locations, mode, account_sid, store, clock, wall, sandbox_clock, warnings, store_url or None)

    @property
    def welcomed(self) -> bool:
        """The welcome was answered in this data folder before (it is offered once per folder)."""
        return self.locations.welcomed.exists()

    def mark_welcomed(self) -> None:
        with contextlib.suppress(OSError):  # if it cannot be written, it is offered again next time
            self.locations.welcomed.touch()

    def derive_outdated(self) -> None:
        """Derive again the rows an older version derived (a store of an earlier schema) before they are read: rare,
        so the derivation (most of the domain) is imported only then."""
        if self.store.outdated(DERIVATION, 1):
            from wizard.flow.write_path import rederive

            rederive(self.store)

    def close(self) -> None:
        self.store.close()
        if self.sandbox_clock is not None:
            self.sandbox_clock.state.close()


def open_store(home: str | Path | None = None, *, store_url: str | None = None, create: bool = True) -> CustomerStore:
    """The customers store the app uses (`store_url` (--store), else A2P_STORE_URL's database or the config's, else
    the data folder's file), alone: for the commands that need neither Twilio nor the sandbox (store copy).
    `create=False` refuses a data folder without a store instead of making an empty one."""
    locations = Locations.resolve(home)
    _ensure(locations)
    url = store_url or start_settings(locations.config_file).get("store_url")
    if not (url or create or locations.store.exists()):
        raise SetupError(f"There is no store at {locations.store} yet.")
    return _open_store(locations, url, lambda: _stamp(utc_now()))


def _ensure(locations: Locations) -> None:
    try:
        locations.ensure()
    except OSError as exc:
        raise SetupError(f"Cannot create the app's folders under {locations.data_dir}: "
                         f"{exc.strerror or exc} ({exc.filename or locations.data_dir}).") from exc


def _open_store(locations: Locations, url: str | None, stamp: Callable[[], str]) -> CustomerStore:
    """The customers store: the PostgreSQL database at `url` when set (a team's), else the data folder's file."""
    if url:
        if not is_url(url):
            raise SetupError("The store's URL (--store, A2P_STORE_URL or store_url) must be a postgresql:// URL; "
                             "leave it unset for the data folder's own store.")
        from storage.postgres.store import PostgresStore  # lazy: psycopg is a tenth of a second of every start

        return PostgresStore(url, clock=stamp)
    _check_empty_store(locations)
    store = Store(locations.store, clock=stamp)
    if not locations.store_marker.exists():
        os.close(os.open(locations.store_marker, os.O_CREAT | os.O_WRONLY, 0o600))
    return store


def _check_empty_store(locations: Locations) -> None:
    """Refuse an empty (0-byte) store in a data folder that held one: it was truncated or replaced, and starting
    afresh would forget every customer and the Twilio resources made for them."""
    path, wal = locations.store, locations.store.with_name(locations.store.name + "-wal")
    written = wal.is_file() and wal.stat().st_size > 0  # a new store's first pages live in its WAL until a checkpoint
    if path.is_file() and path.stat().st_size == 0 and not written and locations.store_marker.exists():
        raise SetupError(f"The store {path} is empty (0 bytes) though this data folder held customers: it was "
                         "truncated or replaced, and was left untouched. Restore it from your newest backup (to "
                         f"start afresh on purpose, delete it and {locations.store_marker.name}).")


def _mode(found: dict[str, str]) -> Mode:
    """A2P_MODE if set, else live with credentials and sandbox without."""
    if "mode" in found:
        if found["mode"] not in MODES:
            raise SetupError(f"A2P_MODE must be sandbox or live, not {found['mode']!r}.")
        return found["mode"]
    return "live" if _has_credentials(found) else "sandbox"


def _has_credentials(found: dict[str, str]) -> bool:
    """An account and a way to sign in to it: its auth token, or an API key with its secret."""
    return "account_sid" in found and ("auth_token" in found or ("api_key" in found and "api_secret" in found))


def _check_live(found: dict[str, str], config_file: Path) -> None:
    if not _has_credentials(found):
        raise SetupError("Live mode needs TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN (or TWILIO_API_KEY "
                         f"and TWILIO_API_SECRET), in the environment or in {config_file}")
    if "primary_profile_sid" not in found:
        raise SetupError("Live mode needs A2P_PRIMARY_PROFILE_SID: your approved ISV primary customer "
                         "profile (BU…), from the Twilio Console's Trust Hub.")


def _speed(found: dict[str, str]) -> float:
    text = found.get("sandbox_speed")
    try:
        speed = float(text) if text is not None else DEFAULT_SANDBOX_SPEED
    except ValueError:
        speed = math.nan
    if not (math.isfinite(speed) and 0 < speed <= MAX_SANDBOX_SPEED):
        raise SetupError(f"A2P_SANDBOX_SPEED must be a positive number (1 = real time) up to "
                         f"{MAX_SANDBOX_SPEED:,.0f}, not {text!r}.")
    return speed


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
    handler.setFormatter(VisibleFormatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    # httpx logs every request's full URL at INFO, query string included (a phone number lookup carries the
    # number): keep it quiet even if something configures the root logger.
    for noisy in ("httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


class VisibleFormatter(logging.Formatter):
    """Log lines with no raw control characters (a log is read in a terminal too)."""

    def format(self, record: logging.LogRecord) -> str:
        return visible(super().format(record), lines=True)


class _PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """Log files readable by the owner only (0600), the rotated ones included."""

    def _open(self):
        os.close(os.open(self.baseFilename, os.O_CREAT | os.O_WRONLY | os.O_APPEND, 0o600))
        return super()._open()
