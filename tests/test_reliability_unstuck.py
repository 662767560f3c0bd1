"""Customers stuck on 21711 ("brand already has its one campaign") after a restore made a second Messaging Service and
bought a second number: the brand's campaign is found, adopted with its service and number, and `reconcile` removes
the empty duplicate service and (asked, or with --yes) releases the number bought for it (issue 20, item 3)."""

from __future__ import annotations

import asyncio
import json
import signal
from pathlib import Path

import pytest

from tests.support import flow
from tests.support.commands import cli as run_app
from tests.support.flow import SCENARIOS, drive
from tests.support.reliability import check_one_of_each
from tests.support.restore import cli
from wizard.flow.actions import Action
from wizard.flow.engine import CRASH_POINTS
from wizard.flow.plan import plan
from wizard.session.runtime import Runtime

BOUGHT = next(s for s in SCENARIOS if s.name == "bought-number")
STEP_4 = ("service", "service_number", "phone_number", "campaign")


async def _stuck(home: Path) -> tuple[str, dict[str, str]]:
    """A verified customer whose store forgot step 4 (a restore), then advanced as before issue 20 (no look at
    Twilio first): a second service and number, the campaign refused with 21711. Its key and the first SIDs."""
    rt = Runtime.open(home=home, mode="sandbox")
    try:
        key = flow.create(rt, BOUGHT)
        c = await drive(rt, key, BOUGHT)
        first = {slot: c.state.sids[slot] for slot in STEP_4}

        c = rt.engine.save_state(key, _forget).customer
        for _ in range(6):
            step = plan(c, rt.engine.context(c, {"brand", "campaign"}))
            assert isinstance(step, Action)
            outcome, saved = await rt.engine._run(c, step)  # outside a run: nothing is looked up first
            c = saved.customer if saved else rt.engine.load(key)
            if step.name == "campaign.create":
                assert outcome.code == 21711, outcome
                break
        assert c.state.sids["service"] != first["service"] and c.state.sids["phone_number"] != first["phone_number"]
        return key, first
    finally:
        await rt.aclose()


def _forget(state) -> None:
    """What a store restored from before step 4 lacks."""
    for slot in STEP_4:
        state.sids.pop(slot, None)
    state.statuses.pop("campaign", None)
    state.submitted.pop("campaign", None)
    state.number = None
    state.last_error = state.last_error_action = None


async def _state(home: Path, key: str) -> tuple[list[str], dict[str, str], list[str], dict]:
    rt = Runtime.open(home=home, mode="sandbox")
    try:
        c = rt.engine.load(key)
        return await check_one_of_each(rt, key), dict(c.state.sids), list(c.state.strays), rt.sandbox.dump()
    finally:
        await rt.aclose()


def test_reconcile_yes_adopts_the_brands_campaign_and_removes_the_duplicates(capsys, isolated):
    key, first = asyncio.run(_stuck(isolated))
    _, sids, _, dump = asyncio.run(_state(isolated, key))
    duplicate_service, duplicate_number = sids["service"], sids["phone_number"]

    code, out, err = cli(capsys, "reconcile", key, "--yes")
    assert code == 0, out + err
    assert "adopted" in out and "delete the duplicate Messaging Service" in out and duplicate_number in out
    assert "Adopted 1 resource(s) found at Twilio; removed 2 duplicate(s)." in out

    problems, sids, strays, dump = asyncio.run(_state(isolated, key))
    assert problems == [] and strays == []  # done; one brand, service, number, campaign
    assert {slot: sids[slot] for slot in STEP_4} == first  # the campaign's own service and number
    assert duplicate_service not in {s["sid"] for s in dump["messaging_services"]}
    assert duplicate_number not in {n["sid"] for n in dump["incoming_phone_numbers"]}
    assert json.loads(cli(capsys, "list", "--json")[1])[0]["done"]


def test_without_yes_nor_a_terminal_the_duplicate_number_is_kept_until_reconcile_yes(capsys, isolated):
    key, first = asyncio.run(_stuck(isolated))
    duplicate_number = asyncio.run(_state(isolated, key))[1]["phone_number"]
    code, out, err = cli(capsys, "show", key)  # 21711's playbook says what follows: advance, then reconcile
    assert code == 0 and "Advance again" in out and "reconcile KEY` deletes the empty duplicate service" in out, out

    code, out, err = cli(capsys, "advance", key)  # an advance unsticks too: adopts, removes nothing
    assert code == 0 and "adopted" in out
    code, out, err = cli(capsys, "reconcile", key)
    assert code == 0 and "removed 1 duplicate(s)" in out and "kept 1 number(s)" in err
    _, sids, strays, dump = asyncio.run(_state(isolated, key))
    assert strays == [duplicate_number] and sids["campaign"] == first["campaign"]
    assert duplicate_number in {n["sid"] for n in dump["incoming_phone_numbers"]}  # not released unasked

    code, out, err = cli(capsys, "reconcile", key, "--yes")
    assert code == 0 and "removed 1 duplicate(s)" in out and "kept" not in err
    problems, _, strays, dump = asyncio.run(_state(isolated, key))
    assert problems == [] and strays == []


def test_show_and_the_customer_screen_list_the_duplicates_waiting_for_reconcile(capsys, isolated):
    """After an advance adopted the brand's campaign, the duplicate service and number it left wait for `reconcile`:
    `show`, `show --json` and the customer screen's side panel list each with what `reconcile` will do about it."""
    key, _ = asyncio.run(_stuck(isolated))
    assert cli(capsys, "advance", key)[0] == 0
    service, number = asyncio.run(_state(isolated, key))[2]

    code, out, _ = cli(capsys, "show", key)
    assert code == 0
    listed = out.split("DUPLICATES AT TWILIO", 1)[1].split("\n\n", 1)[0]
    assert f"{service}  duplicate Messaging Service: `reconcile` deletes it" in listed
    assert f"{number}  phone number bought for a duplicate Messaging Service: `reconcile --yes`" in listed
    strays = json.loads(cli(capsys, "show", key, "--json")[1])["strays"]
    assert [(s["sid"], s["reconcile"].split()[0]) for s in strays] == [(service, "`reconcile`"),
                                                                       (number, "`reconcile")]
    assert "billed monthly" in strays[1]["reconcile"]
    panel, shown = asyncio.run(_side_panel(isolated, key))
    assert shown and service in panel and number in panel and "releases it" in panel

    assert cli(capsys, "reconcile", key, "--yes")[0] == 0
    assert "DUPLICATES" not in cli(capsys, "show", key)[1]
    assert json.loads(cli(capsys, "show", key, "--json")[1])["strays"] == []
    assert not asyncio.run(_side_panel(isolated, key))[1]


async def _side_panel(home: Path, key: str) -> tuple[str, bool]:
    """The customer screen's list of duplicates at Twilio, and whether it is shown."""
    from screens.app import WizardApp
    from tests.support.pilot import open_customer, text_of
    from wizard.desk import Desk

    rt = Runtime.open(home=home, mode="sandbox")
    try:
        app = WizardApp(Desk(rt))
        async with app.run_test(size=(160, 50)) as pilot:
            screen = await open_customer(pilot, key)
            return text_of(app, "#strays"), screen.has_class("-has-strays")
    finally:
        await rt.aclose()


def test_among_duplicates_the_service_holding_the_campaign_and_its_number_are_adopted(capsys, isolated):
    """A store that forgot step 4 again while Twilio holds two services and two numbers named for the customer: the
    service with the brand's campaign and the number in it are chosen, the others are removed."""
    key, first = asyncio.run(_stuck(isolated))
    duplicates = {asyncio.run(_state(isolated, key))[1][slot] for slot in ("service", "phone_number")}
    asyncio.run(_forget_step_4(isolated, key))

    code, out, err = cli(capsys, "reconcile", key, "--yes")
    assert code == 0 and "removed 2 duplicate(s)" in out, out + err
    problems, sids, strays, dump = asyncio.run(_state(isolated, key))
    assert problems == [] and strays == [] and {slot: sids[slot] for slot in STEP_4} == first
    assert not duplicates & {i["sid"] for i in dump["messaging_services"] + dump["incoming_phone_numbers"]}


async def _forget_step_4(home: Path, key: str) -> None:
    rt = Runtime.open(home=home, mode="sandbox")
    try:
        rt.engine.save_state(key, _forget)
    finally:
        await rt.aclose()


@pytest.mark.slow
@pytest.mark.parametrize("point", CRASH_POINTS)
def test_a_process_killed_while_removing_a_duplicate_is_resumed(capsys, isolated, point):
    """A real `a2p-wizard reconcile` SIGKILLed at each point of the service's deletion, then run again: done."""
    key, _ = asyncio.run(_stuck(isolated))
    cli(capsys, "advance", key)
    killed = run_app(isolated, "reconcile", key, "--yes", A2P_CRASH_AT=f"reconcile.delete_service:{point}")
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    code, out, err = cli(capsys, "reconcile", key, "--yes")
    assert code == 0, out + err
    problems, _, strays, dump = asyncio.run(_state(isolated, key))
    assert problems == [] and strays == []


def test_in_a_terminal_reconcile_asks_before_releasing_the_duplicate_number(capsys, isolated, monkeypatch):
    """As `offboard` asks: the numbers bought for duplicates are listed and released only on a typed yes; a no keeps
    them (the empty duplicate service is deleted either way)."""
    key, _ = asyncio.run(_stuck(isolated))
    assert cli(capsys, "advance", key)[0] == 0
    service, number = asyncio.run(_state(isolated, key))[2]
    answers = iter(["n", "y"])
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr("sys.stdout.isatty", lambda: True)
    monkeypatch.setattr("builtins.input", lambda prompt: (print(prompt), next(answers))[1])

    code, out, err = cli(capsys, "reconcile", key)
    assert code == 0 and f"{key}: {number}" in out and "Release them" in out
    assert "removed 1 duplicate(s)" in out and "kept 1 number(s)" in err
    _, _, strays, dump = asyncio.run(_state(isolated, key))
    assert strays == [number] and number in {n["sid"] for n in dump["incoming_phone_numbers"]}
    assert service not in {s["sid"] for s in dump["messaging_services"]}

    code, out, err = cli(capsys, "reconcile", key)
    assert code == 0 and "Release them" in out and "removed 1 duplicate(s)" in out and "kept" not in err
    problems, _, strays, dump = asyncio.run(_state(isolated, key))
    assert problems == [] and strays == [] and number not in {n["sid"] for n in dump["incoming_phone_numbers"]}
