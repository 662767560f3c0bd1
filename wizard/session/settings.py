"""Settings: environment variables (Twilio's own names) over a TOML config file, over defaults.

The mode and the sandbox speed are read at start by `wizard.session.startup`, which also checks that live mode has what
it needs; these are the rest. So is the store's URL (A2P_STORE_URL, `store_url`): it is no field here, so its
password is never held, shown or validated back in an error (`extra="ignore"`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urlsplit

from pydantic import AliasChoices, Field, SecretStr, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict, TomlConfigSettingsSource

from wizard.customer.fees import Prices

URL_SETTINGS = {"base_url": ("A2P_TWILIO_BASE_URL", "http://127.0.0.1:8080"),
                "callback_url": ("A2P_CALLBACK_URL", "https://a2p.example.com/twilio/events")}
"""Each URL setting's variable and an example, for its message."""


def _env(name: str) -> Any:
    """A setting read from the environment variable (or TOML key) `name`."""
    return Field(default=None, validation_alias=AliasChoices(name, name.lower()))


class Settings(BaseSettings):
    """Everything the app can be told from outside. Secrets are SecretStr and never printed or stored."""

    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True, env_ignore_empty=True)

    account_sid: str | None = _env("TWILIO_ACCOUNT_SID")
    auth_token: SecretStr | None = _env("TWILIO_AUTH_TOKEN")
    api_key: str | None = _env("TWILIO_API_KEY")
    api_secret: SecretStr | None = _env("TWILIO_API_SECRET")
    primary_profile_sid: str | None = _env("A2P_PRIMARY_PROFILE_SID")
    base_url: str | None = _env("A2P_TWILIO_BASE_URL")
    mock_brand: bool = Field(default=False, validation_alias=AliasChoices("A2P_MOCK_BRAND", "a2p_mock_brand"))
    sandbox_faults: str | None = _env("A2P_SANDBOX_FAULTS")
    refresh_minutes: float = Field(default=10, ge=0, validation_alias=AliasChoices("A2P_REFRESH_MINUTES",
                                                                                   "a2p_refresh_minutes"))
    """The app reads every customer's status this often in the background (0: only on `r`)."""
    twilio_deadline: float = Field(default=60, gt=0, le=3600, allow_inf_nan=False, validation_alias=AliasChoices(
        "A2P_TWILIO_DEADLINE", "a2p_twilio_deadline"))
    """Seconds one request to Twilio may take in all, from connecting to the last byte of its answer."""
    command_deadline: float = Field(default=3600, gt=0, le=7 * 86400, allow_inf_nan=False,
                                    validation_alias=AliasChoices("A2P_COMMAND_DEADLINE", "a2p_command_deadline"))
    """Seconds one command (`refresh --all`, `advance --all`, `lint --fetch`…) may take in all, whatever the number
    of requests it makes; past it, it stops, keeping what it did."""
    twilio_max_body_mb: float = Field(default=8, gt=0, le=1024, allow_inf_nan=False, validation_alias=AliasChoices(
        "A2P_TWILIO_MAX_BODY_MB", "a2p_twilio_max_body_mb"))
    """The largest answer read from Twilio, in MB (a larger one is refused, never held whole)."""
    page_check_deadline: float = Field(default=30, gt=0, le=3600, allow_inf_nan=False, validation_alias=AliasChoices(
        "A2P_PAGE_CHECK_DEADLINE", "a2p_page_check_deadline"))
    """Seconds the check of one policy page may take in all, redirects included (`lint --fetch`, Check pages)."""
    page_check_max_mb: float = Field(default=2, gt=0, le=64, allow_inf_nan=False, validation_alias=AliasChoices(
        "A2P_PAGE_CHECK_MAX_MB", "a2p_page_check_max_mb"))
    """How much of a policy page is read, in MB (the rest is not read, nor its words checked)."""
    prices: Prices = Field(default_factory=Prices)
    sandbox_delivery_faults: str | None = _env("A2P_SANDBOX_DELIVERY_FAULTS")
    """Sandbox only: how its callbacks and events are dropped, repeated and reordered (docs/events.md)."""
    callback_url: str | None = _env("A2P_CALLBACK_URL")
    """The public URL where Twilio's status callbacks and events reach this app's receiver (none: polling only)."""

    _toml_file: ClassVar[Path | None] = None

    @field_validator("account_sid", "auth_token", "api_key", "api_secret", mode="before")
    @classmethod
    def _credential(cls, value: object) -> object:
        """A credential is printable ASCII without spaces (Twilio's are letters and digits); anything else is
        refused without ever being repeated, so no message can carry the secret, whatever its bytes."""
        if isinstance(value, str) and value and not all("!" <= c <= "~" for c in value):
            raise ValueError("holds a character no Twilio credential has (a space, a control character or a "
                             "non-ASCII byte): set it again from the Twilio Console")
        return value

    @property
    def twilio_max_body(self) -> int:
        """The largest answer read from Twilio, in bytes."""
        return int(self.twilio_max_body_mb * 2**20)

    @property
    def page_check_max_bytes(self) -> int:
        """How much of a policy page is read, in bytes."""
        return int(self.page_check_max_mb * 2**20)

    @field_validator("base_url", "callback_url")
    @classmethod
    def _url(cls, value: str | None, info: ValidationInfo) -> str | None:
        """A URL setting: http(s), a host (and a good port), no credentials, query or fragment, ≤ 500 characters."""
        if value is None:
            return None
        try:
            parts = urlsplit(value)
            parts.port  # noqa: B018 (raises on a bad port)
            good = (parts.scheme in ("http", "https") and bool(parts.hostname) and "@" not in parts.netloc
                    and not parts.query and not parts.fragment and len(value) <= 500)
        except ValueError:
            good = False
        if not good:
            name, example = URL_SETTINGS[info.field_name or ""]
            raise ValueError(f"{name} must be an http(s) URL with a host, without credentials, a query or a "
                             f"fragment, like {example}")
        return value

    @classmethod
    def load(cls, config_file: Path | None = None, **overrides: object) -> Settings:
        """Read the environment and, if it exists, the TOML file; explicit overrides win."""
        cls._toml_file = config_file if config_file and config_file.exists() else None
        try:
            given: dict[str, Any] = {k: v for k, v in overrides.items() if v is not None}
            return cls(**given)
        finally:
            cls._toml_file = None

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        if cls._toml_file is not None:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=cls._toml_file))
        return tuple(sources)

    def basic_auth(self) -> tuple[str, str]:
        """Username and password for Twilio: the API key pair when set, else Account SID + Auth Token."""
        if self.api_key and self.api_secret:
            return self.api_key, self.api_secret.get_secret_value()
        if self.account_sid and self.auth_token:
            return self.account_sid, self.auth_token.get_secret_value()
        raise ValueError("No Twilio credentials: set TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN (or an API key).")

    def secrets(self) -> list[str]:
        """The secret values, so that anything written can be checked against them."""
        return [s.get_secret_value() for s in (self.auth_token, self.api_secret) if s is not None]
