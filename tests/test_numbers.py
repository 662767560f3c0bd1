"""The customer's phone number: its E.164 form wherever the customer is shown (show, list, export, policy
pages), the picker offering every number no active customer holds (a kept number freed by offboarding too), and
21712 naming the customer who holds the number."""

from __future__ import annotations

import pytest

from tests.support import factories as f
from tests.support.flow import drive, two_verified
from wizard.desk import Desk
from wizard.listing import CustomerList, ListQuery
from wizard.session.runtime import Runtime

pytestmark = pytest.mark.usefixtures("on_both_stores")


def another(rt: Runtime, phone_number: str) -> str:
    """A third customer (a person of their own) on `phone_number`; its key."""
    return Desk(rt).create(f.profile("jose", email="jose.tutor@example.com", phone="(206) 555-0144"),
                          f.bundle("jose", brand_name="José's Tutoring", mobile_phone="(206) 555-0177",
                                   vertical="EDUCATION"),
                          f.campaign("jose", phone_number=phone_number)).key


async def test_the_number_bought_or_picked_is_shown_in_e164_everywhere(runtime: Runtime, tmp_path) -> None:
    key, other = await two_verified(runtime)  # key: buy:206; other: a typed account number
    desk = Desk(runtime)
    picked = (await desk.available_numbers(None))[0]
    third = another(runtime, picked.sid)
    assert runtime.engine.summary(await drive(runtime, third)).done
    dump = {n["sid"]: n["phone_number"] for n in desk.sandbox_dump()["incoming_phone_numbers"]}
    bought = dump[desk.customer(key).state.sids["phone_number"]]
    expected = {key: bought, other: "+12065550101", third: picked.number}

    assert {k: desk.dossier(k)["number"] for k in expected} == expected  # show and show --json
    assert {r["key"]: r["number"] for r in desk.list_rows(ListQuery())} == expected  # list --json
    listing = CustomerList(runtime.store, runtime.engine.clock)
    try:
        assert {r.key: r.number for r in listing.first(ListQuery(), 10)} == expected  # the list screen's column
        out = tmp_path / "export.csv"
        listing.export_csv(ListQuery(), out)
    finally:
        listing.close()
    header, *rows = [line.split(",") for line in out.read_text(encoding="utf-8").splitlines()]
    column = header.index("number")
    assert {row[0]: row[column].lstrip("'") for row in rows} == expected
    page = desk.write_policy_pages(third, tmp_path / "pages")[0].read_text(encoding="utf-8")
    assert f"Our texts come from ({picked.number[2:5]}) {picked.number[5:8]}-{picked.number[8:]}." in page


async def test_a_number_kept_after_offboarding_is_offered_again_and_21712_names_who_took_it(runtime: Runtime) -> None:
    key, _ = await two_verified(runtime)
    desk = Desk(runtime)
    kept = desk.customer(key).state.sids["phone_number"]
    assert kept not in {n.sid for n in await desk.available_numbers(None)}  # held by an active customer
    assert (await desk.offboard(key, release_number=False)).error is None

    offered = await desk.available_numbers(None)
    assert kept in {n.sid for n in offered}  # free for another customer
    taker = another(runtime, kept)
    assert runtime.engine.summary(await drive(runtime, taker)).done
    assert kept not in {n.sid for n in await desk.available_numbers(key)}

    report = await runtime.engine.advance(key)  # onboarding the first customer again, with the number it kept

    refused = [o for o in report.outcomes if not o.ok]
    assert [o.code for o in refused] == [21712]
    assert f"customer {taker} holds this number" in refused[0].detail
    assert f"customer {taker} holds this number" in desk.customer(key).state.last_error.message


async def test_one_ledger_counts_each_number_once_and_shows_the_kept_ones(runtime: Runtime) -> None:
    """The issue's run: offboard keeping the number, give it to another customer, onboard the first again."""
    key, other = await two_verified(runtime)
    desk, p = Desk(runtime), Desk(runtime).prices
    kept = desk.customer(key).state.sids["phone_number"]
    assert (await desk.offboard(key, release_number=False)).error is None
    assert desk.run_rate() == round(p.campaign_monthly + 2 * p.number_monthly, 2)  # the kept number is billed
    assert desk.kept() == f"kept, unassigned: ${p.number_monthly:,.2f}/month"
    assert desk.dossier(key)["kept"] == desk.kept()
    listing = CustomerList(runtime.store, runtime.engine.clock)
    try:
        assert f"kept, unassigned: ${p.number_monthly:,.2f}/month" in listing.counts().label(p)
        taker = another(runtime, kept)
        assert runtime.engine.summary(await drive(runtime, taker)).done
        await runtime.engine.advance(key)  # 21712: the number is the taker's now

        billed = round(2 * p.campaign_monthly + 2 * p.number_monthly, 2)  # other's and taker's, each number once
        assert desk.run_rate() == billed and desk.kept() == "kept, unassigned: $0.00/month"
        assert f"Monthly: ${billed:,.2f}" in listing.counts().label(p)
    finally:
        listing.close()
    assert desk.dossier(key)["monthly"] == 0  # the number is not counted under both customers
    assert desk.dossier(taker)["monthly"] == round(p.campaign_monthly + p.number_monthly, 2)

    fees = await desk.fees()  # the account read too: its other numbers counted once each
    account = {n["sid"] for n in desk.sandbox_dump()["incoming_phone_numbers"]}
    assert (fees.campaigns, fees.numbers.held, fees.numbers.kept, fees.numbers.other) == (2, 2, 0, len(account) - 2)
    assert fees.monthly == round(billed + (len(account) - 2) * p.number_monthly, 2)
    assert dict(fees.savings) == {other: p.campaign_monthly, taker: p.campaign_monthly}  # their numbers aren't
    month = desk.now().strftime("%Y-%m")  # bought for them: offboarding keeps them
    assert fees.month == month and fees.one_time["campaign_vetting"] == (3, round(3 * p.campaign_vetting, 2))
    text = "\n".join(fees.lines())
    assert f"Monthly run-rate: ${fees.monthly:,.2f}" in text and "kept, unassigned: $0.00/month" in text


def test_offboard_and_show_say_what_the_kept_number_costs(isolated, capsys) -> None:
    """The offboarding summary and `show` name the number kept on the account and its cost in the run-rate."""
    import asyncio

    from wizard.cli import main

    async def make() -> tuple[str, str]:
        rt = Runtime.open(home=isolated, mode="sandbox")
        try:
            key, _ = await two_verified(rt)
            number = Desk(rt).customer(key).state.number
            assert number
            return key, number
        finally:
            await rt.aclose()

    key, number = asyncio.run(make())
    assert main(["offboard", key, "--yes"]) == 0
    out = capsys.readouterr().out
    assert f"{key}: kept: the phone number {number} stays on the account" in out
    assert f"{key}: the account's numbers kept, unassigned: $1.15/month; monthly run-rate now $4.30." in out
    assert main(["show", key]) == 0  # the other's campaign and number, and the kept one: $2 + 2 × $1.15
    assert "Monthly: $0.00 for this customer; $4.30 for the account (kept, unassigned: $1.15/month)" in (
        capsys.readouterr().out)
