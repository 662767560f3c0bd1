"""Settings: environment over the TOML file over defaults; secrets kept secret."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from wizard.session.locations import Locations
from wizard.session.settings import Settings

SID = "AC" + "1" * 32


def test_auth_prefers_the_api_key(monkeypatch):
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", SID)
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "tok-123")
    assert Settings.load().basic_auth() == (SID, "tok-123")
    monkeypatch.setenv("TWILIO_API_KEY", "SK" + "2" * 32)
    monkeypatch.setenv("TWILIO_API_SECRET", "sec-456")
    assert Settings.load().basic_auth() == ("SK" + "2" * 32, "sec-456")
    assert sorted(Settings.load().secrets()) == ["sec-456", "tok-123"]


def test_secrets_are_masked_in_repr(monkeypatch):
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", SID)
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "tok-123")
    assert "tok-123" not in repr(Settings.load()) and "tok-123" not in str(Settings.load().model_dump())


def test_toml_file_is_read_and_the_environment_wins(tmp_path, monkeypatch):
    config = tmp_path / "config.toml"
    config.write_text(f'TWILIO_ACCOUNT_SID = "{SID}"\nA2P_PRIMARY_PROFILE_SID = "BU{"3" * 32}"\n'
                      'A2P_MOCK_BRAND = true\n[prices]\nbrand = 4.5\n')
    s = Settings.load(config)
    assert (s.account_sid, s.primary_profile_sid, s.mock_brand, s.prices.brand) == (SID, "BU" + "3" * 32, True, 4.5)
    assert s.prices.campaign_vetting == 15.0
    monkeypatch.setenv("A2P_PRIMARY_PROFILE_SID", "BU" + "4" * 32)
    assert Settings.load(config).primary_profile_sid == "BU" + "4" * 32


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "-4.5", "1e999"])
def test_prices_are_finite_and_never_negative(tmp_path, value):
    config = tmp_path / "config.toml"
    config.write_text(f"[prices]\nbrand = {value}\n")
    with pytest.raises(ValidationError) as caught:
        Settings.load(config)
    assert [e["loc"] for e in caught.value.errors()] == [("prices", "brand")]
    config.write_text("[prices]\nbrand = 0\ncampaign_vetting = 15.5\n")
    assert (Settings.load(config).prices.brand, Settings.load(config).prices.campaign_vetting) == (0, 15.5)


def test_without_credentials_basic_auth_says_what_to_set():
    with pytest.raises(ValueError, match="TWILIO_ACCOUNT_SID"):
        Settings.load().basic_auth()


def test_locations_under_one_home_and_folders_private(tmp_path):
    loc = Locations.resolve(tmp_path / "w")
    loc.ensure()
    assert loc.store.parent == loc.data_dir == tmp_path / "w" and loc.log_dir == tmp_path / "w" / "logs"
    assert (loc.data_dir.stat().st_mode & 0o777) == 0o700 and (loc.log_dir.stat().st_mode & 0o777) == 0o700


def test_locations_default_to_platform_folders(monkeypatch, tmp_path):
    monkeypatch.delenv("A2P_WIZARD_HOME")
    loc = Locations.resolve()
    assert "a2p-wizard" in str(loc.data_dir) and str(tmp_path) in str(loc.data_dir)


@pytest.mark.parametrize("variable", ["A2P_TWILIO_BASE_URL", "A2P_CALLBACK_URL"])
@pytest.mark.parametrize("url", ["http://user:pw-in-url@127.0.0.1:8080", "http://127.0.0.1:8080/?x=1",
                                 "https://a2p.example.com/#top", "ftp://127.0.0.1/", "http://:80",
                                 "http://127.0.0.1:99999", "https://a2p.example.com/" + "x" * 500])
def test_every_url_setting_is_held_to_one_rule_and_its_message_never_repeats_the_value(monkeypatch, variable, url):
    monkeypatch.setenv(variable, url)
    with pytest.raises(ValidationError) as refused:
        Settings.load()
    [error] = refused.value.errors()
    assert error["msg"].startswith(f"Value error, {variable} must be an http(s) URL with a host, without credentials")
    assert "pw-in-url" not in error["msg"]


def test_a_url_setting_the_rule_accepts_is_kept_as_given(monkeypatch):
    monkeypatch.setenv("A2P_TWILIO_BASE_URL", "http://127.0.0.1:8080")
    monkeypatch.setenv("A2P_CALLBACK_URL", "https://a2p.example.com/twilio/events")
    s = Settings.load()
    assert (s.base_url, s.callback_url) == ("http://127.0.0.1:8080", "https://a2p.example.com/twilio/events")


def test_the_limits_settings_default_to_what_their_modules_use_alone():
    """The Twilio client's and the page check's bounds are said twice (the module's default for callers without
    settings, the setting's default for the app): they must agree."""
    from wizard.customer import page_check
    from wizard.twilio import client

    settings = Settings.load()
    assert (settings.twilio_deadline, settings.twilio_max_body) == (client.DEADLINE, client.MAX_BODY)
    assert (settings.page_check_deadline, settings.page_check_max_bytes) == (page_check.DEADLINE,
                                                                           page_check.PAGE_LIMIT)
