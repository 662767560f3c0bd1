"""Startup: the mode, the sandbox speed and the live-mode checks, read before the first frame without pydantic;
and what that buys: the app's first frame imports none of the heavy domain."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from wizard.session.runtime import Runtime
from wizard.session.settings import Settings
from wizard.session.startup import START_SETTINGS, SetupError, Startup, start_settings

SID = "AC" + "1" * 32
PRIMARY = "BU" + "2" * 32
CREDENTIALS = ("account_sid", "auth_token", "api_key", "api_secret", "primary_profile_sid")

# (environment, config.toml, expected mode)
CONFIGS = {
    "nothing set": ({}, "", "sandbox"),
    "token in the environment": ({"TWILIO_ACCOUNT_SID": SID, "TWILIO_AUTH_TOKEN": "tok"}, "", "live"),
    "names in lower case": ({"twilio_account_sid": SID, "twilio_auth_token": "tok"}, "", "live"),
    "API key pair": ({"TWILIO_ACCOUNT_SID": SID, "TWILIO_API_KEY": "SK1", "TWILIO_API_SECRET": "s"}, "", "live"),
    "API key without its secret": ({"TWILIO_ACCOUNT_SID": SID, "TWILIO_API_KEY": "SK1"}, "", "sandbox"),
    "token without the account": ({"TWILIO_AUTH_TOKEN": "tok"}, "", "sandbox"),
    "empty variables are not set": ({"TWILIO_ACCOUNT_SID": SID, "TWILIO_AUTH_TOKEN": ""}, "", "sandbox"),
    "config file, variable names": ({}, f'TWILIO_ACCOUNT_SID = "{SID}"\nTWILIO_AUTH_TOKEN = "tok"', "live"),
    "config file, lower case": ({}, f'twilio_account_sid = "{SID}"\ntwilio_auth_token = "tok"', "live"),
    "config file, field names": ({}, f'account_sid = "{SID}"\nauth_token = "tok"', "live"),
    "environment and file together": ({"TWILIO_AUTH_TOKEN": "tok"}, f'TWILIO_ACCOUNT_SID = "{SID}"', "live"),
    "forced sandbox": ({"TWILIO_ACCOUNT_SID": SID, "TWILIO_AUTH_TOKEN": "tok", "A2P_MODE": "sandbox"}, "",
                       "sandbox"),
    "forced sandbox in the file": ({"TWILIO_ACCOUNT_SID": SID, "TWILIO_AUTH_TOKEN": "tok"}, 'A2P_MODE = "sandbox"',
                                   "sandbox"),
    "environment over file": ({"A2P_MODE": "sandbox"}, f'A2P_MODE = "live"\naccount_sid = "{SID}"\nauth_token = "t"',
                              "sandbox"),
}


@pytest.mark.parametrize("env, toml, expected", CONFIGS.values(), ids=CONFIGS.keys())
def test_mode_follows_the_credentials_and_agrees_with_settings(isolated, monkeypatch, env, toml, expected):
    monkeypatch.setenv("A2P_PRIMARY_PROFILE_SID", PRIMARY)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    isolated.mkdir(parents=True)
    (isolated / "config.toml").write_text(toml)
    (isolated / "config.toml").chmod(0o600)  # as a config holding a secret must be (see the exposure tests)
    startup = Startup.open()
    try:
        assert startup.mode == expected
        settings = Settings.load(startup.locations.config_file)
        found = start_settings(startup.locations.config_file)
        # Both readers see the same credentials: pydantic-settings for their values, Startup for the mode.
        assert {f: f in found for f in CREDENTIALS} == {f: bool(getattr(settings, f)) for f in CREDENTIALS}
    finally:
        startup.close()


def test_the_start_settings_are_the_environment_variables_the_readme_documents():
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    assert all(f"`{name}`" in readme for name in START_SETTINGS.values())


@pytest.mark.parametrize("env, message", [
    ({"A2P_MODE": "production"}, "A2P_MODE must be sandbox or live, not 'production'"),
    ({"A2P_MODE": "live"}, "Live mode needs TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN"),
    ({"A2P_MODE": "live", "TWILIO_ACCOUNT_SID": SID}, "Live mode needs TWILIO_ACCOUNT_SID"),
    ({"TWILIO_ACCOUNT_SID": SID, "TWILIO_AUTH_TOKEN": "tok"}, "Live mode needs A2P_PRIMARY_PROFILE_SID"),
    ({"A2P_SANDBOX_SPEED": "fast"},
     "A2P_SANDBOX_SPEED must be a positive number (1 = real time) up to 1,000, not 'fast'"),
    ({"A2P_SANDBOX_SPEED": "0"}, "A2P_SANDBOX_SPEED must be a positive number"),
    ({"A2P_SANDBOX_SPEED": "-2"}, "A2P_SANDBOX_SPEED must be a positive number"),
    ({"A2P_SANDBOX_SPEED": "nan"}, "A2P_SANDBOX_SPEED must be a positive number"),
    ({"A2P_SANDBOX_SPEED": "inf"}, "A2P_SANDBOX_SPEED must be a positive number"),
    ({"A2P_SANDBOX_SPEED": "1e300"}, "A2P_SANDBOX_SPEED must be a positive number (1 = real time) up to 1,000"),
])
def test_what_cannot_start_says_what_to_set(monkeypatch, env, message):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SetupError) as caught:
        Startup.open()
    assert message in str(caught.value)


def test_an_unreadable_config_file_is_named(isolated):
    isolated.mkdir(parents=True)
    (isolated / "config.toml").write_text("TWILIO_ACCOUNT_SID = \n")
    with pytest.raises(SetupError, match=r"Cannot read the config file .*config\.toml"):
        Startup.open()


def test_sandbox_speed_from_the_file_and_the_environment_over_it(isolated, monkeypatch):
    isolated.mkdir(parents=True)
    (isolated / "config.toml").write_text("A2P_SANDBOX_SPEED = 30\n")
    monkeypatch.delenv("A2P_SANDBOX_SPEED")
    startup = Startup.open()
    assert startup.sandbox_clock is not None and startup.sandbox_clock.speed == 30
    startup.close()
    monkeypatch.setenv("A2P_SANDBOX_SPEED", "2.5")
    startup = Startup.open()
    assert startup.sandbox_clock is not None and startup.sandbox_clock.speed == 2.5
    startup.close()


async def test_the_runtime_keeps_the_startups_clock_store_and_mode(isolated, clock):
    async with Runtime.open(home=isolated, now=clock) as rt:
        assert rt.mode == "sandbox" and rt.sandbox is not None
        assert rt.engine.clock is rt.startup.clock is rt.sandbox.clock
        assert rt.engine.store is rt.store is rt.startup.store


@pytest.mark.parametrize("toml, env, message", [
    ('[prices]\nbrand = "cheap"\n', {}, "prices.brand"),
    ("", {"A2P_SANDBOX_FAULTS": "gremlins=1"}, "A2P_SANDBOX_FAULTS"),
])
def test_settings_found_wrong_when_connecting_are_a_setup_error(isolated, monkeypatch, toml, env, message):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    isolated.mkdir(parents=True)
    (isolated / "config.toml").write_text(toml)
    with pytest.raises(SetupError, match=message):
        Runtime.open()


HEAVY = ("psycopg", "pydantic", "pydantic_settings", "httpx", "phonenumbers", "email_validator",
         "wizard.session.runtime", "wizard.flow", "wizard.customer.models", "wizard.sandbox.fake",
         "wizard.twilio.client", "wizard.customer.customer", "screens.customer_screen", "textual.widgets._text_area",
         "textual.widgets._checkbox")
FIRST_FRAME = f"""
import json, sys
from wizard.cli.parser import build_parser
from screens.app import WizardApp
from wizard.session.startup import Startup
startup = Startup.open()
WizardApp(startup).get_default_screen()
print(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))
"""


@pytest.mark.slow
def test_the_first_frame_imports_none_of_the_heavy_domain(isolated):
    """What `a2p-wizard` imports before it paints the list: the domain's weight comes after, in a worker."""
    done = subprocess.run([sys.executable, "-c", FIRST_FRAME], capture_output=True, text=True, check=True,
                          timeout=60)
    assert json.loads(done.stdout) == []


async def test_a_focused_text_area_or_checkbox_takes_letters_though_the_first_frame_imports_neither():
    """screens.ordered_keys finds them among the modules the forms imported (typing_here: letters are text there)."""
    from textual.app import App, ComposeResult
    from textual.widgets import Checkbox, Label, TextArea

    from screens.ordered_keys import typing_here

    class Form(App[None]):
        def compose(self) -> ComposeResult:
            yield Label("a form")
            yield TextArea(id="area")
            yield Checkbox("release", id="box")

    app = Form()
    async with app.run_test() as pilot:
        for field in ("#area", "#box"):
            app.query_one(field).focus()
            await pilot.pause()
            assert typing_here(app.screen), field
        app.set_focus(None)
        await pilot.pause()
        assert not typing_here(app.screen)


TOKEN_TOML = (f'TWILIO_ACCOUNT_SID = "AC{"1" * 32}"\nTWILIO_AUTH_TOKEN = "{"f" * 32}"\n'
              f'A2P_PRIMARY_PROFILE_SID = "{PRIMARY}"\n')


@pytest.mark.parametrize(("toml", "mode", "why"), [
    (TOKEN_TOML, 0o666, "other users can change it"),
    (TOKEN_TOML, 0o644, "other users can read the secret"),
    (TOKEN_TOML, 0o640, "other users can read the secret"),
    ('A2P_TWILIO_BASE_URL = "http://127.0.0.1:9"\n', 0o620, "other users can change it"),
])
def test_an_exposed_config_file_is_refused_in_live_mode_and_warned_about_in_the_sandbox(
        isolated, monkeypatch, capsys, toml, mode, why):
    from wizard.cli import main

    isolated.mkdir(parents=True)
    config = isolated / "config.toml"
    config.write_text(toml)
    config.chmod(mode)
    if "TOKEN" in toml:
        with pytest.raises(SetupError, match=f"{why}.*chmod 600 {config}.*live mode does not start"):
            Startup.open()
    monkeypatch.setenv("A2P_MODE", "sandbox")
    assert main(["list"]) == 0
    err = capsys.readouterr().err
    assert why in err and f"chmod 600 {config}" in err
    config.chmod(0o600)
    assert main(["list"]) == 0 and capsys.readouterr().err == ""


@pytest.mark.parametrize("toml", [TOKEN_TOML, 'A2P_TWILIO_BASE_URL = "http://127.0.0.1:9"\n'])
def test_a_config_file_another_user_owns_is_refused_in_live_mode_like_a_group_writable_one(
        isolated, monkeypatch, capsys, toml):
    from wizard.cli import main

    isolated.mkdir(parents=True)
    config = isolated / "config.toml"
    config.write_text(toml)
    config.chmod(0o600)
    me = os.geteuid()
    monkeypatch.setattr(os, "geteuid", lambda: me + 1)  # as if the file were another user's (mode 0600 even)
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", "AC" + "1" * 32)
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "f" * 32)
    monkeypatch.setenv("A2P_PRIMARY_PROFILE_SID", PRIMARY)
    with pytest.raises(SetupError, match=f"another user .*owns it.*chown {me + 1} {config}.*live mode does not "
                                         "start"):
        Startup.open()
    monkeypatch.setenv("A2P_MODE", "sandbox")
    assert main(["list"]) == 0 and "another user" in capsys.readouterr().err


@pytest.mark.parametrize("name", ["TWILIO_AUTH_TOKEN", "TWILIO_API_SECRET", "TWILIO_ACCOUNT_SID"])
@pytest.mark.parametrize("odd", ["\udcff", "\udc80\udc81", "\x1b[2J", " ", "\u00e9"])
def test_a_credential_with_odd_bytes_stops_start_up_without_showing_it(isolated, monkeypatch, capsys, name, odd):
    from wizard.cli import main

    secret = "9f" * 8 + odd + "3c" * 8
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", "AC" + "1" * 32)
    monkeypatch.setenv("TWILIO_API_KEY", "SK" + "1" * 32)
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "f" * 32)
    monkeypatch.setenv("TWILIO_API_SECRET", "e" * 32)
    monkeypatch.setenv("A2P_PRIMARY_PROFILE_SID", PRIMARY)
    monkeypatch.setenv(name, secret)
    with pytest.raises(SetupError) as caught:
        Runtime.open()
    assert f"{name}: Value error, holds a character no Twilio credential has" in str(caught.value)
    assert main(["fees"]) == 1  # a command that connects (`list` reads the store alone, as the app's first frame)
    out, err = capsys.readouterr()
    for shown in (str(caught.value), repr(caught.value), out, err):
        assert "9f" * 8 not in shown and "3c" * 8 not in shown


def test_a_private_config_holding_a_secret_and_a_readable_one_without_are_fine(isolated):
    isolated.mkdir(parents=True)
    config = isolated / "config.toml"
    config.write_text(TOKEN_TOML)
    config.chmod(0o600)
    startup = Startup.open()
    try:
        assert startup.mode == "live" and startup.warnings == []
    finally:
        startup.close()
    config.write_text("A2P_SANDBOX_SPEED = 30\n")
    config.chmod(0o644)
    startup = Startup.open()
    try:
        assert startup.warnings == []
    finally:
        startup.close()


def test_an_empty_store_is_refused_once_the_folder_held_one_and_accepted_in_a_new_folder(isolated):
    isolated.mkdir(parents=True)
    (isolated / "a2p-wizard.db").write_bytes(b"")  # a new folder: an empty file is a new store
    Startup.open().close()
    assert (isolated / "a2p-wizard.db").stat().st_size > 0
    (isolated / "a2p-wizard.db").write_bytes(b"")  # truncated later
    with pytest.raises(SetupError, match="empty .0 bytes. though this data folder held customers"):
        Startup.open()
    assert (isolated / "a2p-wizard.db").stat().st_size == 0


def test_a_new_store_whose_pages_are_still_in_its_wal_is_not_taken_for_an_empty_one(isolated):
    """Another process is making the store (the folder's marker is there): what it wrote is in the WAL, the file
    itself is still 0 bytes. Seen once in CI with 10 processes opening a new folder at once."""
    Startup.open().close()
    store = isolated / "a2p-wizard.db"
    store.write_bytes(b"")
    store.with_name(store.name + "-wal").write_bytes(b"\x37\x7f\x06\x82" + bytes(28))  # a WAL's header
    Startup.open().close()


@pytest.mark.parametrize("foreign", ["another program's SQLite", "text"])
def test_a_foreign_sandbox_file_is_refused_and_left_byte_for_byte_unchanged(isolated, tmp_path, foreign):
    import sqlite3

    isolated.mkdir(parents=True)
    path = isolated / "sandbox.db"
    if foreign == "text":
        path.write_text("my notes\n")
    else:
        with sqlite3.connect(path) as db:
            db.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)")
            db.execute("INSERT INTO invoices (total) VALUES (19.5)")
        db.close()
    before = path.read_bytes()
    with pytest.raises(SetupError, match="left untouched"):
        Startup.open(mode="sandbox")
    assert path.read_bytes() == before
    assert sorted(p.name for p in isolated.iterdir() if p.name.startswith("sandbox.db")) == ["sandbox.db"]
