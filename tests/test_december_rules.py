"""Twilio's rules as of December 2026 where inputs enter: 30915 names blocked the same way in the form, the CSV
import and `lint`, before any fee; `lint` = form (the account's numbers, each problem once); resends paced; an
EXPIRED brand's next action; a rejected profile's `errors` shown with their codes and playbooks."""

from __future__ import annotations

import io
import json
import time
from datetime import timedelta
from pathlib import Path

from tests.support import factories as f
from tests.support.flow import advanced_to_otp
from wizard.cli import main
from wizard.customer.playbooks import playbook
from wizard.desk import Desk
from wizard.flow.plan import BRAND_STOPPED
from wizard.listing import ListQuery
from wizard.session.runtime import Runtime
from wizard.twilio.pacing import Pace

ACME = "Acme Plumbing LLC"


def same(found: list) -> set[tuple[str, str, str | None, str]]:
    return {(x.rule, x.severity, x.field, x.message) for x in found if x.rule == "brand.entity-suffix"}


async def test_acme_plumbing_llc_is_blocked_before_any_fee_in_form_csv_and_lint_alike(runtime: Runtime) -> None:
    desk = Desk(runtime)
    row = f.csv_row("K1", brand_name=ACME)
    linted = same(await desk.lint(row))
    bundle = f.bundle_data("zoe", brand_name=ACME)
    formed = same(desk.form_findings(None, 2, bundle))
    created: dict[str, list] = {}
    await desk.import_csv(io.StringIO(f.csv_text([row])), lambda _, key, found: created.setdefault(key, found))

    assert len(linted) == 1 and linted == formed == same(created["K1"])
    (rule, severity, field, message), = linted
    assert (severity, field) == ("block", "brand_name") and f"'{ACME}' contains 'LLC'" in message

    report = await runtime.engine.advance("K1")  # profile and bundle are free; the brand ($4.50) is held back
    assert runtime.engine.load("K1").state.paid() == 0 and "brand" not in runtime.engine.load("K1").state.sids
    assert not any(o.fee for o in report.outcomes)


async def test_lint_reads_the_accounts_numbers_and_says_each_problem_once(runtime: Runtime) -> None:
    desk = Desk(runtime)
    account = {n.number for n in await desk.available_numbers(None)}
    mobile = sorted(account)[0]
    row = f.csv_row("K1", mobile_phone=mobile, campaign_description="x" * 5000, terms_url="")
    found = await desk.lint(row)
    assert "brand.mobile-is-twilio-number" in {x.rule for x in found}  # as the form says it
    form = desk.form_findings(None, 2, f.bundle_data("zoe", mobile_phone=mobile))
    assert "brand.mobile-is-twilio-number" in {x.rule for x in form}
    by_field = [x.field for x in found if x.severity == "block"]
    assert by_field.count("campaign_description") == 1 and by_field.count("terms_url") == 1, found


async def test_import_refuses_an_account_number_as_the_mobile_with_the_lint_and_form_finding(runtime: Runtime) -> None:
    """The import read no account numbers: the form and `lint` blocked the mobile, the import let it through."""
    mobile = sorted(n["phone_number"] for n in runtime.sandbox.dump()["incoming_phone_numbers"])[0]
    row = f.csv_row("K1", mobile_phone=mobile)
    created: dict[str, list] = {}
    await Desk(runtime).import_csv(io.StringIO(f.csv_text([row])), lambda _, key, found: created.setdefault(key, found))

    desk = Desk(runtime)
    imported = {x for x in created["K1"] if x.rule == "brand.mobile-is-twilio-number"}
    assert imported and {x.severity for x in imported} == {"block"}
    assert imported == {x for x in await desk.lint(row) if x.rule == "brand.mobile-is-twilio-number"}
    assert imported == {x for x in desk.form_findings(None, 2, f.bundle_data("zoe", mobile_phone=mobile))
                        if x.rule == "brand.mobile-is-twilio-number"}
    await runtime.engine.advance("K1")  # Trust Hub's free steps go; the brand ($4.50) and its OTP do not
    c = runtime.engine.load("K1")
    assert "brand" not in c.state.sids and c.state.paid() == 0
    assert runtime.engine.summary(c).kind == "fix"


def test_the_import_command_says_which_customers_are_held_before_any_fee_as_lint_says_why(
        capsys, isolated: Path, tmp_path: Path) -> None:
    rows = [f.csv_row("K1", brand_name=ACME), f.csv_row("K2", mobile_phone="+12065550100"), f.csv_row("K3")]
    assert main(["import", str(f.write_csv(tmp_path / "c.csv", rows))]) == 0
    out = capsys.readouterr().out
    (tmp_path / "k1.json").write_text(json.dumps(rows[0]), encoding="utf-8")
    assert main(["lint", str(tmp_path / "k1.json")]) == 1
    linted = capsys.readouterr().out

    assert "Held before any fee: K1, K2 (2) — fix each [block] above" in out
    said = f"'{ACME}' contains 'LLC', which marks a registered company."
    assert f"row 2 (K1), brand_name: [block] {said}" in out and said in linted
    assert "row 3 (K2), mobile_phone: [block] The mobile number is one of this account's Twilio numbers." in out
    assert main(["advance", "--all", "--yes"]) == 0
    assert "Fees paid in this run: $4.50 (1 brand $4.50," in capsys.readouterr().out  # K3's brand; K1, K2 held


async def test_lint_the_form_and_the_import_give_one_customer_the_same_findings(runtime: Runtime) -> None:
    """One function judges all three: every finding of a valid row, warnings included, is the same in each."""
    account = sorted(n["phone_number"] for n in runtime.sandbox.dump()["incoming_phone_numbers"])
    rows = [f.csv_row("K1", brand_name=ACME), f.csv_row("K2", mobile_phone=account[1]),
            f.csv_row("K3", mobile_phone="(206) 555-0942", brand_name="", sample_1="Win big at our casino!"),
            f.csv_row("K4", campaign_description="Lesson reminders <!-- for José's students --> by text message.",
                      message_flow="We text our students about lessons every week from our tutoring office.")]
    created: dict[str, list] = {}
    await Desk(runtime).import_csv(io.StringIO(f.csv_text(rows)), lambda _, key, found: created.setdefault(key, found))
    desk = Desk(runtime)

    for row in rows:
        c = runtime.engine.load(row["key"])
        assert c.campaign is not None
        form = desk.form_findings(c, 4, c.campaign.model_dump(mode="json"))
        linted = await desk.lint(row)
        assert any(x.severity == "block" for x in linted), linted  # each row is stopped before any fee
        assert set(linted) == set(form) == set(created[row["key"]]), row["key"]


async def test_rewording_a_validation_message_says_no_problem_twice(runtime: Runtime, monkeypatch) -> None:
    """`lint` knows a readiness rule restates a validation error by the error's kind, not by its first words."""
    from pydantic_core import PydanticCustomError

    from wizard.customer import models

    monkeypatch.setattr(models, "_error", lambda kind, message: PydanticCustomError(kind, f"Reworded. {message}"))
    row = f.csv_row("K1", campaign_description="x" * 5000, message_flow="", terms_url="", sample_2="",
                    opt_in_keywords="JOIN", opt_in_message="", email="nobody")
    found = await Desk(runtime).lint(row)

    assert [x.message[:10] for x in found if x.rule == "input.invalid"] == ["Reworded. "]  # the email's; it took
    about = {"campaign_description": "campaign.length", "message_flow": "campaign.length",
             "terms_url": "campaign.terms-url-missing", "samples": "campaign.sample-count",
             "sample_2": "campaign.sample-count", "opt_in_keywords": "campaign.opt-in-keywords-without-message",
             "opt_in_message": "campaign.opt-in-keywords-without-message"}
    blocks = [(x.rule, x.field) for x in found if x.severity == "block" and x.field in about]
    assert sorted({rule for rule, _ in blocks}) == sorted(set(about.values()))
    assert len(blocks) == len(set(about.values())) + 1, blocks  # one each; campaign.length for both of its fields


async def test_passcode_resends_start_at_least_a_tenth_of_a_second_apart() -> None:
    now, slept = [100.0], []

    async def sleep(seconds: float) -> None:
        slept.append(round(seconds, 3))
        now[0] += seconds

    pace = Pace(0.11, clock=lambda: now[0], sleep=sleep)
    for _ in range(3):
        await pace.turn()
    assert slept == [0.11, 0.11]  # the first goes at once; 9 a second at most, under Twilio's 10
    now[0] += 5
    await pace.turn()
    assert slept == [0.11, 0.11]


async def test_the_engine_paces_each_passcode_resend(runtime: Runtime, monkeypatch) -> None:
    """Every resend waits its turn on the engine's pace: three in a row take at least two intervals."""
    key = await advanced_to_otp(runtime)
    turns: list[float] = []
    pace = runtime.engine.otp_pace
    turn = pace.turn

    async def counted() -> None:
        await turn()
        turns.append(time.monotonic())

    monkeypatch.setattr(pace, "turn", counted)
    for _ in range(3):
        assert (await Desk(runtime).resend_otp(key)).error is None
    assert len(turns) == 3 and turns[2] - turns[0] >= 0.2  # 0.11 s apart: 9 a second at most


async def test_a_brand_left_unverified_30_days_expires_and_the_list_says_what_to_do(runtime: Runtime) -> None:
    key = Desk(runtime).create(f.profile(), f.bundle(), f.campaign()).key
    for _ in range(6):  # to the passcode: the brand APPROVED, waiting for the customer's YES
        await runtime.engine.advance(key)
        if runtime.engine.summary(runtime.engine.load(key)).kind == "customer":
            break
        runtime.sandbox.advance_clock(timedelta(minutes=10))
    assert runtime.engine.summary(runtime.engine.load(key)).kind == "customer"
    runtime.sandbox.advance_clock(timedelta(days=30))

    await runtime.engine.advance(key)

    summary = runtime.engine.summary(runtime.engine.load(key))
    assert summary.kind == "fix" and summary.next_action == BRAND_STOPPED["EXPIRED"]
    row = next(r for r in Desk(runtime).list_rows(ListQuery()) if r["key"] == key)
    assert row["step_status"].startswith("EXPIRED") and row["next_action"] == BRAND_STOPPED["EXPIRED"]


async def test_a_cpaas_mobile_the_sandbox_marks_is_refused_in_form_and_lint(runtime: Runtime) -> None:
    desk = Desk(runtime)
    cpaas = "(206) 555-0942"
    form = desk.form_findings(None, 2, f.bundle_data("zoe", mobile_phone=cpaas))
    linted = await desk.lint(f.csv_row("K1", mobile_phone=cpaas))
    for found in (form, linted):
        [hit] = [x for x in found if x.rule == "brand.mobile-is-twilio-number"]
        assert hit.severity == "block" and "CPaaS" in hit.message
    assert not [x for x in desk.form_findings(None, 2, f.bundle_data("zoe")) if x.rule.startswith("brand.mobile-is")]


def test_the_sandbox_refuses_exactly_the_brand_names_the_checks_block() -> None:
    """One 30915 rule: a name the checks pass is one the sandbox's Twilio takes, and the other way round."""
    from wizard.customer.rules import check
    from wizard.sandbox.triggers import company_name

    names = ["Acme Plumbing LLC", "Limited Edition Cakes", "Foo GmbH", "Smith LLLP", "Bright Co", "Co-op Bakery",
             "Zoë Lefèvre", "Incredible Pies", "Jones & Sons Ltd.", "Ann Corp."]
    for name in names:
        blocked = any(x.rule == "brand.entity-suffix" for x in check(f.csv_row("K1", brand_name=name)))
        assert company_name(name) == blocked, name


async def test_a_rejected_profiles_errors_are_shown_with_their_codes_and_playbooks(runtime: Runtime) -> None:
    """The `errors` array of a twilio-rejected profile (the sandbox's 18601): advance, show and show --json."""
    desk = Desk(runtime)
    key = desk.create(f.profile(email="zoe+reject@example.com"), f.bundle(), f.campaign()).key
    await desk.advance(key)
    runtime.sandbox.advance_clock(timedelta(hours=3))

    run = await desk.advance(key)

    pb = playbook(18601)
    assert pb is not None and desk.customer(key).state.statuses["profile"] == "twilio-rejected"
    assert any(f"18601 {pb.title}" in line and pb.fix in line for line in run.todo), run.todo
    [problem] = [p for p in desk.dossier(key)["problems"] if p["where"] == "profile"]
    assert (problem["code"], problem["fix"], problem["url"], problem["redo_step"]) == (18601, pb.fix, pb.url, 1)
    assert problem["text"].startswith(f"18601 {pb.title}")
