"""Twilio's rules as of December 2026 where inputs enter: 30915 names blocked the same way in the form, the CSV
import and `lint`, before any fee; `lint` = form (the account's numbers, each problem once); resends paced; an
EXPIRED brand's next action."""

from __future__ import annotations

import io
from datetime import timedelta

from tests.support import factories as f
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
    desk.import_csv(io.StringIO(f.csv_text([row])), lambda _, key, found: created.setdefault(key, found))

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
