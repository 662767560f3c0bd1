"""Offboarding: a verified customer's campaign, number and Messaging Service deleted through the desk, the record
kept (offboarded, with its history, fees and journal), other customers untouched, foreign SIDs refused, a lost
DELETE answer reconciled by reading, and onboarding again from what Twilio still holds."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.support import factories as f
from tests.support.flow import drive, held, two_verified
from wizard.desk import Desk
from wizard.listing import ListQuery
from wizard.session.runtime import Runtime
from wizard.twilio.client import TwilioClient
from wizard.twilio.facts import SANDBOX_PASSWORD

pytestmark = pytest.mark.usefixtures("on_both_stores")  # every test on SQLite and on PostgreSQL


async def test_offboarding_deletes_what_twilio_bills_and_keeps_the_record(runtime: Runtime) -> None:
    key, other = await two_verified(runtime)
    desk = Desk(runtime)
    mine, theirs = (desk.customer(k).state.sids.copy() for k in (key, other))
    theirs_before = held(desk.sandbox_dump(), theirs)
    paid, journal = desk.customer(key).state.paid(), len(runtime.store.journal(key))
    prices, rate = desk.prices, desk.run_rate()
    assert rate == round(2 * (prices.campaign_monthly + prices.number_monthly), 2)  # each has a campaign and a number
    assert desk.dossier(key)["monthly"] == round(prices.campaign_monthly + prices.number_monthly, 2)
    plan = desk.offboarding(key, release_number=True)
    assert [line.split(" (")[0] for line in plan.deletions] == [
        "delete the campaign", "release the phone number", "delete the Messaging Service"]
    assert plan.stops_monthly == round(desk.prices.campaign_monthly + desk.prices.number_monthly, 2)
    assert plan.keeps == []

    run = await desk.offboard(key, release_number=True)

    assert run.error is None and all(call.ok for call in run.calls), run
    dump = desk.sandbox_dump()
    assert held(dump, mine) == {"service": False, "campaign": False, "number": False}
    assert held(dump, theirs) == theirs_before == {"service": True, "campaign": True, "number": True}
    c = desk.customer(key)
    assert c.state.offboarded_at and c.state.paid() == paid and c.profile is not None
    assert c.state.sids["brand"] == mine["brand"] and c.state.sids["bundle"] == mine["bundle"]  # kept at Twilio
    assert [(s.item, s.monthly) for s in c.state.stopped] == [
        ("campaign_monthly", desk.prices.campaign_monthly), ("number_monthly", desk.prices.number_monthly)]
    entries = runtime.store.journal(key)
    assert len(entries) == journal + 3 and {e.state for e in entries[journal:]} == {"done"}
    assert "Offboarded" in run.summary.next_action if run.summary else False
    assert desk.run_rate() == round(rate - prices.campaign_monthly - prices.number_monthly, 2)
    assert desk.active_keys() == [other] and desk.keys() == [key, other]
    assert [(r["key"], r["offboarded"]) for r in desk.list_rows(ListQuery(offboarded=True))] == [(key, True)]
    assert [(r["key"], r["offboarded"]) for r in desk.list_rows(ListQuery())] == [(other, False)]
    info = desk.dossier(key)
    assert info["step_status"] == "offboarded"
    assert info["offboarded"] and info["monthly"] == 0 and [s["item"] for s in info["stopped"]] == [
        "campaign_monthly", "number_monthly"] and info["ledger"] and info["journal"]
    assert desk.offboarding(key, release_number=True).deletions == []
    again = await desk.offboard(key, release_number=True)  # nothing left: no call
    assert again.error is None and again.calls == []


async def test_a_kept_number_leaves_the_service_and_serves_onboarding_again(runtime: Runtime) -> None:
    key, _ = await two_verified(runtime)
    desk = Desk(runtime)
    mine = desk.customer(key).state.sids.copy()
    plan = desk.offboarding(key, release_number=False)
    assert [line.split(" (")[0] for line in plan.deletions] == [
        "delete the campaign", "take the phone number out of the Messaging Service", "delete the Messaging Service"]
    assert plan.stops_monthly == desk.prices.campaign_monthly and "stays on the account" in plan.keeps[0]
    assert (await desk.offboard(key, release_number=False)).error is None
    assert held(desk.sandbox_dump(), mine) == {"service": False, "campaign": False, "number": True}
    assert [s.item for s in desk.customer(key).state.stopped] == ["campaign_monthly"]

    c = await drive(runtime, key)  # onboarding again: a new service, the same number, a new campaign

    assert runtime.engine.summary(c).done and c.state.offboarded_at is None
    assert c.state.sids["phone_number"] == mine["phone_number"] and c.state.sids["service"] != mine["service"]
    assert c.state.sids["brand"] == mine["brand"]
    assert held(desk.sandbox_dump(), c.state.sids) == {"service": True, "campaign": True, "number": True}


async def test_resources_not_the_customers_own_are_never_deleted(runtime: Runtime) -> None:
    key, other = await two_verified(runtime)
    desk = Desk(runtime)
    theirs = desk.customer(other).state.sids
    runtime.engine.save_state(key, lambda state: state.sids.update(service=theirs["service"]))  # a wrong SID
    before = desk.sandbox_dump()

    run = await desk.offboard(key, release_number=True)

    assert run.error and "not this customer's" in run.error and "Nothing was deleted" in run.error
    assert run.calls == [] and desk.sandbox_dump() == before
    assert desk.customer(key).state.offboarded_at is None


async def test_a_number_the_app_did_not_buy_is_not_released(runtime: Runtime) -> None:
    _, other = await two_verified(runtime)  # its number was the account's already
    before = Desk(runtime).sandbox_dump()
    run = await Desk(runtime).offboard(other, release_number=True)
    assert run.error and "was not bought by the app" in run.error and Desk(runtime).sandbox_dump() == before


def test_the_cli_refuses_to_release_a_number_the_app_did_not_buy_before_asking(isolated, capsys) -> None:
    import asyncio

    from wizard.cli import main

    async def make() -> None:
        rt = Runtime.open(home=isolated, mode="sandbox")
        try:
            await two_verified(rt)
            assert Desk(rt).offboarding("C00001", release_number=True).releasable
            assert not Desk(rt).offboarding("C00002", release_number=True).releasable
        finally:
            await rt.aclose()

    asyncio.run(make())
    assert main(["sandbox", "dump", "--json"]) == 0
    before = capsys.readouterr().out
    assert main(["offboard", "C00002", "--release-number", "--yes"]) == 1
    assert "not bought by the app" in capsys.readouterr().err
    assert main(["sandbox", "dump", "--json"]) == 0 and capsys.readouterr().out == before


async def test_offboarding_waits_for_another_operators_lease(runtime: Runtime) -> None:
    key, _ = await two_verified(runtime)
    assert runtime.store.claim(key, "elsewhere:1:abc", "2999-01-01T00:00:00+00:00", "2026-01-01T00:00:00+00:00")
    before = Desk(runtime).sandbox_dump()
    run = await Desk(runtime).offboard(key, release_number=True)
    assert run.error and "Another operator" in run.error and Desk(runtime).sandbox_dump() == before


class LoseDeleteAnswers(httpx.AsyncBaseTransport):
    """Every DELETE is performed by the sandbox and its answer is lost."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        if request.method == "DELETE":
            raise httpx.ReadTimeout("answer lost (test)", request=request)
        return response


async def test_a_lost_delete_answer_is_reconciled_by_reading(runtime: Runtime) -> None:
    from wizard.sandbox.transport import SandboxTransport

    key, _ = await two_verified(runtime)
    mine = Desk(runtime).customer(key).state.sids.copy()
    assert runtime.sandbox is not None
    client = runtime.client
    runtime.engine.client = TwilioClient(client.account_sid, (client.account_sid, SANDBOX_PASSWORD),
                                         transport=LoseDeleteAnswers(SandboxTransport(runtime.sandbox)), retries=0)
    first = await Desk(runtime).offboard(key, release_number=True)
    assert first.error and first.calls[0].retrying
    second = await Desk(runtime).offboard(key, release_number=True)  # reads: 404, so the delete was done
    for _ in range(3):
        if Desk(runtime).customer(key).state.offboarded_at:
            break
        second = await Desk(runtime).offboard(key, release_number=True)
    c = Desk(runtime).customer(key)
    assert c.state.offboarded_at, second
    assert held(Desk(runtime).sandbox_dump(), mine) == {"service": False, "campaign": False, "number": False}
    assert not runtime.store.open_entries(key)
    assert any("found after a lost answer" in call.detail for call in second.calls)
    await runtime.engine.client.aclose()


def test_the_cli_asks_in_a_terminal_listing_what_goes_and_what_it_stops_costing(isolated, capsys,
                                                                               monkeypatch) -> None:
    import asyncio

    from wizard.cli import main

    async def make() -> dict[str, str]:
        rt = Runtime.open(home=isolated, mode="sandbox")
        try:
            key, _ = await two_verified(rt)
            return Desk(rt).customer(key).state.sids
        finally:
            await rt.aclose()

    sids = asyncio.run(make())
    answers = iter(["n", "y"])
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr("builtins.input", lambda prompt: (print(prompt), next(answers))[1])

    assert main(["offboard", "C00001", "--release-number"]) == 1
    out = capsys.readouterr().out
    assert f"delete the campaign ({sids['campaign']})" in out
    assert f"release the phone number ({sids['phone_number']})" in out and "$3.15 a month" in out
    assert "Offboard C00001? [y/N]" in out and "Nothing was deleted." in out
    assert main(["sandbox", "dump", "--json"]) == 0 and sids["service"] in capsys.readouterr().out

    assert main(["offboard", "C00001", "--release-number"]) == 0
    assert "✓ delete the Messaging Service" in capsys.readouterr().out
    assert main(["sandbox", "dump", "--json"]) == 0 and sids["service"] not in capsys.readouterr().out


async def test_an_interrupted_offboarding_is_not_undone_by_advance(runtime: Runtime) -> None:
    key, _ = await two_verified(runtime)
    runtime.engine.save_state(key, lambda state: setattr(state, "offboarding", "2026-11-26T10:00:00+00:00"))
    before = Desk(runtime).sandbox_dump()
    run = await Desk(runtime).advance(key)
    assert run.calls == [] and run.summary and "run offboard again" in run.summary.next_action
    assert Desk(runtime).sandbox_dump() == before


def test_a_customer_with_nothing_at_twilio_is_not_offboarded_in_the_cli_or_the_app(isolated, capsys) -> None:
    """Stage 2 (no brand, no service): `offboard K --yes` is refused with what is true and nothing changes; the
    app offers no `x` for it (CustomerView.offboardable) and the desk refuses it in the same words."""
    import asyncio

    from wizard.cli import main

    async def make() -> tuple[str, Any]:
        rt = Runtime.open(home=isolated, mode="sandbox")
        try:
            key = Desk(rt).create(f.profile(), f.bundle(), f.campaign()).key
            assert not Desk(rt).view(key).offboardable
            return key, Desk(rt).customer(key)
        finally:
            await rt.aclose()

    key, before = asyncio.run(make())
    assert main(["offboard", key, "--yes"]) == 1
    out, err = capsys.readouterr()
    assert f"{key} has no campaign, Messaging Service or phone number in a service at Twilio" in out + err
    assert "Offboarded" not in out and "deleted" not in out
    assert main(["show", key]) == 0
    assert "OFFBOARDED" not in capsys.readouterr().out

    async def again() -> None:
        rt = Runtime.open(home=isolated, mode="sandbox")
        try:
            run = await Desk(rt).offboard(key, release_number=True)
            assert run.error and "nothing was changed" in run.error and run.calls == []
            after = Desk(rt).customer(key)
            assert after.state == before.state and after.version == before.version
        finally:
            await rt.aclose()

    asyncio.run(again())


async def test_offboarding_at_stage_4_without_a_campaign_says_only_what_was_deleted(runtime: Runtime) -> None:
    desk = Desk(runtime)
    shortened = ["Zoë's Dog Walking: book at bit.ly/zoe-walks. Reply STOP to opt out.",
                 "Zoë's Dog Walking: Rex had a great walk today! Reply HELP for help, STOP to opt out."]
    key = desk.create(f.profile(), f.bundle(), f.campaign(samples=shortened, has_embedded_links=True)).key
    c = await drive(runtime, key)  # stops before the campaign: a public URL shortener in a sample (30892)
    assert "campaign" not in c.state.sids and c.state.sids.get("service") and c.state.sids.get("service_number")

    plan = desk.offboarding(key, release_number=False)
    assert [line.split(" (")[0] for line in plan.deletions] == [
        "take the phone number out of the Messaging Service", "delete the Messaging Service"]
    run = await desk.offboard(key, release_number=False)

    assert run.error is None and [call.what for call in run.calls] == [
        "take the phone number out of the Messaging Service", "delete the Messaging Service"]
    info = desk.dossier(key)
    assert info["offboarded"] and info["deleted"] == [
        "take the phone number out of the Messaging Service", "delete the Messaging Service"]
    assert info["stopped"] == []  # no campaign was billed, so none stopped
