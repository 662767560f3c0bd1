"""Secrets: a full live-mode flow with an auth token and an API key secret set, against the sandbox served over
real HTTP on 127.0.0.1 — then every byte the app wrote is searched for the secrets, their Basic-auth forms and
any Authorization header: the store (and its WAL), the journal, the logs, an export, the sandbox's database, and
what `show --json`, `list --json` and the other commands print. None may appear.
"""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from tests.support.commands import cli, run_forked
from tests.support.flow import SCENARIOS, drive
from tests.support.reliability import Live, check_one_of_each, scratch_dir, served_sandbox
from wizard.desk import Desk
from wizard.session.runtime import Runtime
from wizard.session.settings import Settings


def _scan(paths: list[Path], texts: dict[str, str], live: Live) -> list[str]:
    found = []
    for path in paths:
        data = path.read_bytes()
        found += [f"{label} in {path.name}" for label, needle in live.needles.items() if needle in data]
    for name, text in texts.items():
        found += [f"{label} in `{name}` output" for label, needle in live.needles.items()
                  if needle.decode() in text]
    return found


def _files(*folders: Path) -> list[Path]:
    return sorted(p for folder in folders for p in folder.rglob("*") if p.is_file())


@pytest.mark.parametrize("auth", ["api key", "auth token"])
@pytest.mark.slow
async def test_no_secret_is_written_anywhere_after_a_live_flow(tmp_path: Path, monkeypatch, auth):
    with scratch_dir(tmp_path / "scratch") as scratch:
        await _live_flow_then_scan(scratch, monkeypatch, auth)


async def _live_flow_then_scan(tmp_path: Path, monkeypatch, auth: str) -> None:
    home = tmp_path / "home"
    with served_sandbox(tmp_path / "twilio" / "sandbox.db", api_key_auth=auth == "api key") as live:
        for name, value in live.env.items():
            monkeypatch.setenv(name, value)
        settings = Settings.load()
        assert live.auth_token in settings.secrets()
        assert settings.basic_auth()[0] == (live.api_key if auth == "api key" else settings.account_sid)

        rt = Runtime.open(home=home)
        assert rt.mode == "live" and rt.sandbox is None
        texts: dict[str, str] = {}
        try:
            scenarios = (SCENARIOS[0], SCENARIOS[2])  # happy, and a failed brand fixed and resubmitted
            keys = [Desk(rt).create(*_inputs(i, scenario)).key for i, scenario in enumerate(scenarios)]
            for key, scenario in zip(keys, scenarios, strict=True):
                await drive(rt, key, scenario, sandbox=live.sandbox)
                assert await check_one_of_each(rt, key, live.sandbox) == []
            assert (await rt.engine.advance("NOPE")).error  # an error path too
            from wizard.listing import CustomerList, ListQuery

            exported = home / "customers-export.csv"
            listing = CustomerList(rt.store, rt.engine.clock)
            try:
                assert listing.export_csv(ListQuery(), exported) == 2
            finally:
                listing.close()
            texts["export"] = exported.read_text(encoding="utf-8")
        finally:
            await rt.aclose()

        commands = (["show", "--json", keys[0]], ["show", keys[1]], ["list", "--json"], ["list"], ["locate"],
                    ["refresh", "--all"], ["advance", "--all"], ["advance", "NOPE"], ["lint", "--customer", keys[0]])
        runs = run_forked([{"home": str(home), "args": args, "env": live.env, "out": str(tmp_path / f"cmd{i}")}
                           for i, args in enumerate(commands)])
        for i, (args, run) in enumerate(zip(commands, runs, strict=True)):
            out, err = (tmp_path / f"cmd{i}.out").read_text(), (tmp_path / f"cmd{i}.err").read_text()
            assert run["code"] == (1 if "NOPE" in args else 0) and "Traceback" not in err, (args, out, err)
            texts[" ".join(args)] = out + err
        result = cli(home, "show", "--json", keys[1], **live.env)  # and once through the console script
        texts["a2p-wizard show --json"] = result.stdout + result.stderr
        assert '"sids"' in texts[f"show --json {keys[0]}"]

        log = home / "logs" / "a2p-wizard.log"
        assert "create_brand_registration POST /v1/a2p/BrandRegistrations -> 201" in log.read_text()
        files = _files(home, tmp_path / "twilio")
        assert {p.name for p in files} >= {"a2p-wizard.db", "a2p-wizard.log", "customers-export.csv", "sandbox.db"}
        assert _scan(files, texts, live) == []


def test_the_scan_would_find_a_leak(tmp_path: Path):
    """The needles are right: a header as httpx sends it is caught in every form."""
    with served_sandbox(tmp_path / "sandbox.db") as live:
        basic = base64.b64encode(f"{live.api_key}:{live.api_secret}".encode()).decode()
        leak = tmp_path / "leak.log"
        leak.write_text(f"GET / headers={{'authorization': 'Basic {basic}'}}\n")
        assert _scan([leak], {"out": f"token={live.auth_token}"}, live) == [
            "API secret (Basic base64) in leak.log", "API secret (Basic base64, no padding) in leak.log",
            "auth token in `out` output"]


def _inputs(i: int, scenario):
    from tests.support import factories as f

    return (f.profile(**{"email": f"secret{i}@example.com", "street": f"{300 + i} Pine St", **scenario.profile}),
            f.bundle(**{"mobile_phone": f"+1206555{8000 + i}", **scenario.bundle}),
            f.campaign(**{"phone_number": f"+1206555010{i}", **scenario.campaign}))
