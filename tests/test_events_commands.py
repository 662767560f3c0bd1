"""The commands: `events setup` / `events status`, `receive`, and `serve`'s receiver route; the flow asks Twilio
for status callbacks only when a callback URL is configured."""

from __future__ import annotations

from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer

from tests.support import events as ek
from tests.support import flow as flowkit
from wizard.cli import main
from wizard.events import listening
from wizard.session.runtime import Runtime


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_events_setup_twice_then_status(capsys, isolated: Path):
    code, out, err = run(capsys, "events", "setup", "--sink-url", ek.URL)
    assert code == 0, err
    assert out.count("created") == 2
    code, out, err = run(capsys, "events", "setup", "--sink-url", ek.URL)
    assert code == 0 and "created" not in out and out.count("already") == 2
    code, out, _ = run(capsys, "events", "status")
    assert code == 0 and out.count("sink DG") == 1 and out.count("subscription DF") == 1
    assert "25 event types" in out and "last callback or event taken: none yet" in out


def test_events_setup_refuses_what_is_not_a_url(capsys, isolated: Path):
    code, _, err = run(capsys, "events", "setup", "--sink-url", "ftp://x")
    assert code == 1 and "--sink-url must be the http(s) URL" in err


def test_receive_without_a_callback_url_says_what_to_set(capsys, isolated: Path):
    code, _, err = run(capsys, "receive")
    assert code == 1 and "set A2P_CALLBACK_URL" in err


def test_receive_in_live_mode_needs_the_auth_token(capsys, isolated: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("A2P_CALLBACK_URL", ek.URL)
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", "AC" + "1" * 32)
    monkeypatch.setenv("TWILIO_API_KEY", "SK" + "3" * 32)
    monkeypatch.setenv("TWILIO_API_SECRET", "api-secret-that-stays-secret")
    monkeypatch.setenv("A2P_PRIMARY_PROFILE_SID", "BU" + "2" * 32)
    code, out, err = run(capsys, "--live", "receive")
    assert code == 1 and "set TWILIO_AUTH_TOKEN" in err
    assert "api-secret-that-stays-secret" not in out + err


def test_a_callback_url_that_is_not_one_stops_the_start(capsys, isolated: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("A2P_CALLBACK_URL", "https://a2p.example.com/twilio/events?x=1")
    code, _, err = run(capsys, "receive")
    assert code == 1 and "A2P_CALLBACK_URL must be an http(s) URL" in err


async def test_serve_routes_the_receiver_when_a_callback_url_is_set(isolated: Path, monkeypatch: pytest.MonkeyPatch):
    from screens.serve import AppServer

    monkeypatch.setenv("A2P_CALLBACK_URL", ek.URL)
    monkeypatch.setattr(listening, "TICK", 3600)
    server = AppServer("true", host="127.0.0.1", port=0, title="a2p-wizard", public_url="http://127.0.0.1:8000")
    server.receiving = {"home": isolated, "mode": "sandbox", "store_url": None}
    app = await server._make_app()
    async with TestClient(TestServer(app)) as client:
        path, headers, body = ek.callback("BU" + "f" * 32, "twilio-approved")
        assert (await client.post(path, data=body, headers=headers)).status == 200
        forged = {**headers, "X-Twilio-Signature": "forged"}
        assert (await client.post(path, data=body, headers=forged)).status == 403
        assert (await client.post(path, data=b"x" * 70_000, headers=headers)).status == 413
        assert (await client.get("/")).status == 200  # the app's page is still there


async def test_status_callback_is_asked_for_only_with_a_callback_url(isolated: Path, clock,
                                                                    monkeypatch: pytest.MonkeyPatch):
    async with Runtime.open(home=isolated, mode="sandbox", now=clock) as rt:
        await rt.engine.advance(flowkit.create(rt))
        assert {p["status_callback"] for p in rt.sandbox.dump()["customer_profiles"]
                if p["friendly_name"].startswith("a2p:")} == {None}
    monkeypatch.setenv("A2P_CALLBACK_URL", ek.URL)
    async with Runtime.open(home=isolated, mode="sandbox", now=clock) as rt:
        await rt.engine.advance(flowkit.create(rt))
        dump = rt.sandbox.dump()
        made = [b["status_callback"] for kind in ("customer_profiles", "trust_products") for b in dump[kind]
                if b["friendly_name"].startswith("a2p:C00002")]
        assert made == [ek.URL, ek.URL]
