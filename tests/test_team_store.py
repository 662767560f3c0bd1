"""A team's store: the app and the CLI on a shared PostgreSQL database (--store, A2P_STORE_URL, store_url), its
password kept secret, the restore watermark per store and across machines, and a server that is down, refuses the
password or goes away in the middle of a run."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.widgets import Static

from screens.app import WizardApp
from screens.app import run as run_app
from screens.settings_screen import SettingsScreen
from tests.support import pg
from tests.support.commands import ROOT
from tests.support.flow import CREATES, SCENARIOS, create, drive, owned
from tests.support.pilot import settle
from tests.support.reliability import check_one_of_each
from wizard.cli import main
from wizard.cli.parser import build_parser
from wizard.desk import Desk
from wizard.session.runtime import Runtime
from wizard.session.settings import Settings
from wizard.session.startup import Startup, config_exposure

pytestmark = pytest.mark.slow


def _database(url: str) -> str:
    return url.split("?")[0].rsplit("/", 1)[1]


def _without_password(server: pg.Server, url: str) -> str:
    return url.replace(f":{server.password}@", "@")


# -- where the URL comes from, and where it is shown -----------------------------------------------------------


def test_store_wins_over_the_environment_which_wins_over_the_config_file(postgres, isolated, monkeypatch):
    config, env, flag = (postgres.url(postgres.create_database()) for _ in range(3))
    isolated.mkdir(parents=True)
    (isolated / "config.toml").write_text(f'store_url = "{config}"\n')
    (isolated / "config.toml").chmod(0o600)
    try:
        for url, given in ((config, None), (env, None), (flag, flag)):
            if url == env:
                monkeypatch.setenv("A2P_STORE_URL", env)
            startup = Startup.open(store_url=given)
            try:
                assert startup.store.identity.endswith(f"/{_database(url)}")
            finally:
                startup.close()
    finally:
        for url in (config, env, flag):
            postgres.drop_database(_database(url))


def test_locate_and_the_settings_screen_show_the_store_with_its_password_masked(postgres, pg_url, capsys):
    assert main(["--store", pg_url, "locate"]) == 0
    out = capsys.readouterr().out
    assert f"store:   postgresql://a2p:***@/{_database(pg_url)}?host=" in out
    assert postgres.password not in out


async def test_the_settings_screen_masks_the_store_s_password(postgres, pg_url, isolated, clock):
    rt = Runtime.open(home=isolated, mode="sandbox", now=clock, store_url=pg_url)
    rt.startup.mark_welcomed()
    try:
        app = WizardApp(Desk(rt))
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await pilot.press("f2")
            await settle(pilot)
            assert isinstance(app.screen, SettingsScreen)
            shown = " ".join(str(static.render()) for static in app.screen.query(Static))
            assert f"postgresql://a2p:***@/{_database(pg_url)}" in shown
            assert postgres.password not in shown + app.export_screenshot()
    finally:
        await rt.aclose()


@pytest.mark.parametrize(("toml", "secret"), [
    ('store_url = "postgresql://a2p:s3cret@db.example.com/a2p"\n', True),
    ('A2P_STORE_URL = "postgresql://a2p@db.example.com/a2p?password=s3cret"\n', True),
    ('A2P_STORE_URL = "postgresql://a2p@db.example.com/a2p"\n', False),  # the password is in PGPASSWORD or .pgpass
])
def test_a_config_file_with_the_store_s_password_in_it_is_secret_bearing(isolated, toml, secret):
    import tomllib

    isolated.mkdir(parents=True)
    config = isolated / "config.toml"
    config.write_text(toml)
    config.chmod(0o644)
    exposure = config_exposure(config, tomllib.loads(toml))
    assert (exposure is not None) is secret
    if secret:
        assert "other users can read the secret" in exposure and "s3cret" not in exposure


def test_the_settings_ignore_the_store_url_and_its_password(isolated, monkeypatch):
    isolated.mkdir(parents=True)
    (isolated / "config.toml").write_text('store_url = "postgresql://a2p:t0ml-s3cret@db/a2p"\n')
    monkeypatch.setenv("A2P_STORE_URL", "postgresql://a2p:env-s3cret@db/a2p")
    settings = Settings.load(isolated / "config.toml")
    everything = f"{settings!r} {settings.model_dump()} {settings.model_dump_json()}"
    assert "s3cret" not in everything and "s3cret" not in " ".join(settings.secrets())


def test_help_says_to_keep_the_password_off_the_command_line():
    words = " ".join(build_parser().format_help().split())
    assert "--store URL" in words and "leave the password out of the URL" in words and "PGPASSWORD" in words


def test_a_url_without_a_password_connects_with_pgpassword(postgres, pg_url, monkeypatch, capsys):
    url = _without_password(postgres, pg_url)
    assert main(["--store", url, "list"]) == 1
    assert "refused the user name or password" in capsys.readouterr().err
    monkeypatch.setenv("PGPASSWORD", postgres.password)
    assert main(["--store", url, "locate"]) == 0
    assert f"postgresql://a2p@/{_database(pg_url)}" in capsys.readouterr().out


# -- the restore watermark -----------------------------------------------------------------------------------


async def _advance_one(home: Path, clock, url: str | None, key: str | None = None) -> str:
    rt = Runtime.open(home=home, mode="sandbox", now=clock, store_url=url)
    try:
        key = key or create(rt)
        assert (await rt.engine.advance(key)).error is None
        return key
    finally:
        await rt.aclose()


def _in_doubt(home: Path, clock, url: str | None) -> bool:
    startup = Startup.open(home=home, mode="sandbox", now=clock, store_url=url)
    try:
        return Desk(Runtime.connect(startup)).in_doubt
    finally:
        startup.close()


async def test_switching_stores_never_checks_one_store_s_journal_against_another_s_mark(isolated, clock, pg_url):
    await _advance_one(isolated, clock, None)  # the folder's SQLite store: a dozen entries
    assert not _in_doubt(isolated, clock, pg_url)  # a new team database: nothing was sent from it
    await _advance_one(isolated, clock, pg_url)
    assert not _in_doubt(isolated, clock, None) and not _in_doubt(isolated, clock, pg_url)
    marks = sorted(p.name for p in isolated.glob("a2p-wizard.journal-mark*") if not p.name.endswith(".lock"))
    assert len(marks) == 2 and marks[0] == "a2p-wizard.journal-mark"


def _copy_database(postgres: pg.Server, source: str, target: str) -> None:
    """A backup (or its restore): `target` made anew as a copy of `source` (nobody may be connected to it)."""
    with postgres.admin() as db:
        db.execute(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)')
        db.execute(f'CREATE DATABASE "{target}" TEMPLATE "{source}" OWNER {pg.USER}')


async def test_a_restored_team_database_is_in_doubt_on_a_machine_that_only_saw_a_colleague_s_calls(
        postgres, pg_url, tmp_path, clock):
    """Machine B never sent a call; it only started a session after machine A's. The database is restored from
    a backup older than A's calls: B must not trust it (its customers' resources exist at Twilio)."""
    a, b = tmp_path / "machine-a", tmp_path / "machine-b"
    live, backup = _database(pg_url), _database(pg_url) + "_backup"
    rt = Runtime.open(home=a, mode="sandbox", now=clock, store_url=pg_url)
    key = create(rt)
    await rt.aclose()
    _copy_database(postgres, live, backup)
    await _advance_one(a, clock, pg_url, key)
    assert not _in_doubt(b, clock, pg_url)  # B's session starts: it sees A's entries
    _copy_database(postgres, backup, live)  # the restore
    try:
        assert _in_doubt(b, clock, pg_url) and _in_doubt(a, clock, pg_url)
        argv = ["--data-dir", str(b), "--store", pg_url, "reconcile", "--all", "--yes"]
        assert await asyncio.to_thread(main, argv) == 0
        assert not _in_doubt(b, clock, pg_url)
    finally:
        postgres.drop_database(backup)


# -- a server down, a wrong password, a server lost mid-run ----------------------------------------------------


@pytest.fixture
def own_server(postgres) -> Iterator[pg.Server]:
    """A PostgreSQL server of this test's own, to stop and start (the session's serves every other test)."""
    server = pg.start(durable=True)
    yield server
    server.stop()


def test_a_wrong_password_or_a_server_down_is_one_clear_line_from_the_cli_and_the_app(
        postgres, pg_url, tmp_path, capsys):
    wrong = pg_url.replace(postgres.password, "n0t-the-Passw0rd")
    down = pg.Server(tmp_path, postgres.bin, postgres.password).url("a2p")  # no server listens there
    for url, words in ((wrong, "refused the user name or password"), (down, "cannot be reached")):
        for start in (lambda u: main(["--store", u, "list"]), lambda u: run_app(store_url=u)):
            assert start(url) == 1
            err = capsys.readouterr().err
            assert err.startswith("a2p-wizard: Cannot open the store at postgresql://a2p:***@") and words in err
            assert "Traceback" not in err and postgres.password not in err and "n0t-the-Passw0rd" not in err


async def test_a_server_stopped_mid_run_is_a_clear_error_and_the_run_resumes_with_one_of_each(
        own_server, tmp_path, clock):
    """The server stops after Twilio made the customer profile, before its SID is saved: the command ends with one
    clear line; once the server is back, the same command resumes, finds the profile and makes no second one."""
    home, url = tmp_path / "home", own_server.url(own_server.create_database())
    rt = Runtime.open(home=home, mode="sandbox", store_url=url)
    key = create(rt)
    await rt.aclose()
    child = subprocess.run(
        [sys.executable, "-m", "tests.support.pg", str(own_server.folder), str(own_server.bin),
         "profile.create:after-perform", "--data-dir", str(home), "--store", url, "advance", key],
        cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert child.returncode == 1, child.stderr
    assert child.stderr.startswith("a2p-wizard: ") and "Traceback" not in child.stderr
    assert "PostgreSQL server" in child.stderr and own_server.password not in child.stderr
    own_server.resume()
    rt = Runtime.open(home=home, mode="sandbox", store_url=url)
    assert [e.state for e in rt.store.journal(key)] == ["sent"]  # the call's outcome is unknown, not lost
    await rt.aclose()
    assert await asyncio.to_thread(main, ["--data-dir", str(home), "--store", url, "advance", key]) == 0
    rt = Runtime.open(home=home, mode="sandbox", store_url=url)
    try:
        await drive(rt, key, SCENARIOS[0])
        assert await check_one_of_each(rt, key) == [] and owned(rt, key) == CREATES
    finally:
        await rt.aclose()
