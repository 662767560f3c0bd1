"""The flow engine's cases against the sandbox: happy path, each unhappy path, call counts.

They run twice: as tests in tests/test_flow.py (on SQLite and on PostgreSQL), and as scenarios of the Prism contract
run (tests/support/contract_flows.py), so every new case here is also checked against Twilio's OpenAPI specs."""

from __future__ import annotations

import io
from collections import Counter
from datetime import timedelta

import pytest

from tests.support import factories as f
from tests.support.flow import CREATES, drive, owned
from wizard.desk import Desk
from wizard.flow.status import summarize

pytestmark = pytest.mark.usefixtures("on_both_stores")  # every test on SQLite and on PostgreSQL

REFERENCE_CALLS = {
    # docs/twilio-api.md §2: 1.1–1.7 (3 assignments), 2.1–2.5 (2 assignments), 3.1, 4.1 + 4.3 + 4.4 (4.2 is a read)
    "profile": 9, "bundle": 6, "brand": 1, "campaign": 3,
}


async def test_happy_path_reaches_a_verified_campaign_with_one_of_each_resource(runtime):
    c = Desk(runtime).create(f.profile(), f.bundle(), f.campaign())
    c = await drive(runtime, c.key)
    assert runtime.engine.summary(c).done
    assert c.state.statuses["campaign"] == "VERIFIED"
    assert owned(runtime, c.key) == CREATES
    for slot in ("profile", "profile_end_user", "address", "address_document", "bundle", "bundle_end_user",
                 "brand", "service", "phone_number", "service_number", "campaign"):
        assert c.state.sids.get(slot), slot
    ledger = [(item.what, item.amount) for item in c.state.ledger]
    assert ledger == [("register the brand", 4.5), ("submit the campaign for vetting", 15.0)]


async def test_journal_has_no_more_calls_than_the_reference_sequence_plus_reads(runtime):
    c = Desk(runtime).create(f.profile(), f.bundle(), f.campaign())
    await drive(runtime, c.key)
    journal = runtime.store.journal(c.key)
    assert all(e.state == "done" for e in journal)
    writes = Counter(e.action.split(".")[0] for e in journal
                     if not e.action.endswith(".read") and e.action != "campaign.number_lookup")
    assert writes == REFERENCE_CALLS
    requests = [e for e in journal if e.method != "GET"]
    assert len(requests) == sum(REFERENCE_CALLS.values())


async def test_submission_order_follows_twilio_walkthrough(runtime):
    c = Desk(runtime).create(f.profile(), f.bundle(), f.campaign())
    await drive(runtime, c.key)
    order = [e.action for e in runtime.store.journal(c.key) if not e.action.endswith(".read")]
    assert order[:9] == [
        "profile.create", "profile.end_user", "profile.address", "profile.document",
        "profile.assign_profile_end_user", "profile.assign_address_document", "profile.assign_primary",
        "profile.evaluate", "profile.submit"]
    assert order[9:15] == ["bundle.create", "bundle.end_user", "bundle.assign_end_user", "bundle.assign_profile",
                           "bundle.evaluate", "bundle.submit"]
    assert order[15] == "brand.create"
    # the walkthrough's 4.1–4.4, except that the typed number is looked up first (a free read): a number the
    # account lacks is reported before any Messaging Service is made or any fee asked for
    assert order[16:] == ["campaign.number_lookup", "campaign.service", "campaign.add_number", "campaign.create"]


async def test_customer_without_later_steps_waits_for_the_operator(runtime):
    c = Desk(runtime).create(f.profile())
    await runtime.engine.advance(c.key)
    s = runtime.engine.summary(runtime.engine.load(c.key))
    assert (s.stage, s.kind) == (2, "operator")
    assert s.step_status == "not started"
    assert "brand name" in s.next_action


async def test_noncompliant_evaluation_is_fixed_in_place(runtime):
    c = Desk(runtime).create(f.profile(street="1 Noncompliant Way"), f.bundle(), f.campaign())
    await runtime.engine.advance(c.key)
    c = runtime.engine.load(c.key)
    s = runtime.engine.summary(c)
    assert (s.stage, s.kind, s.step_status) == (1, "fix", "noncompliant")
    problems = c.state.evaluations["profile"].problems
    assert problems and any(p.field == "street" for p in problems)
    address = c.state.sids["address"]

    c = Desk(runtime).save_step(c.key, c.version, 1, f.profile(street="1 Compliant Way"))
    await runtime.engine.advance(c.key)
    c = runtime.engine.load(c.key)
    assert c.state.sids["address"] == address
    assert c.state.evaluations["profile"].status == "compliant"
    actions = [e.action for e in runtime.store.journal(c.key)]
    assert actions.count("profile.address") == 1 and actions.count("profile.update_address") == 1
    assert actions.count("profile.evaluate") == 2
    c = await drive(runtime, c.key)
    assert runtime.engine.summary(c).done
    assert owned(runtime, c.key) == CREATES


async def test_noncompliant_bundle_is_fixed_by_updating_its_end_user(runtime):
    c = Desk(runtime).create(f.profile(), f.bundle(brand_name="Noncompliant Zoë"), f.campaign())
    await runtime.engine.advance(c.key)
    c = runtime.engine.load(c.key)
    assert runtime.engine.summary(c).stage == 2
    assert c.state.evaluations["bundle"].status == "noncompliant"
    c = Desk(runtime).save_step(c.key, c.version, 2, f.bundle())
    c = await drive(runtime, c.key)
    assert runtime.engine.summary(c).done
    assert owned(runtime, c.key) == CREATES


async def test_rejected_profile_is_corrected_and_resubmitted(runtime):
    c = Desk(runtime).create(f.profile(email="zoe+reject@example.com"), f.bundle(), f.campaign())
    await runtime.engine.advance(c.key)
    runtime.sandbox.advance_clock(timedelta(hours=3))
    await runtime.engine.advance(c.key)
    c = runtime.engine.load(c.key)
    s = runtime.engine.summary(c)
    assert c.state.statuses["profile"] == "twilio-rejected"
    assert (s.stage, s.kind) == (1, "fix") and "rejected" in s.next_action
    c = Desk(runtime).save_step(c.key, c.version, 1, f.profile())
    await runtime.engine.advance(c.key)
    actions = [e.action for e in runtime.store.journal(c.key)]
    assert actions.count("profile.create") == 1
    assert actions.count("profile.submit") == 2
    assert "profile.update_end_user" in actions and "profile.update" in actions


async def test_failed_brand_is_fixed_and_resubmitted(runtime):
    c = Desk(runtime).create(f.profile(), f.bundle(brand_name="Failsafe Zoë"), f.campaign())
    c = await drive(runtime, c.key)
    s = runtime.engine.summary(c)
    assert c.state.statuses["brand"] == "FAILED"
    assert (s.stage, s.kind) == (3, "fix") and "30701" in s.next_action
    brand = c.state.sids["brand"]
    c = Desk(runtime).save_step(c.key, c.version, 2, f.bundle())
    c = await drive(runtime, c.key)
    assert runtime.engine.summary(c).done
    assert c.state.sids["brand"] == brand and c.state.brand_resubmits == 1
    assert owned(runtime, c.key) == CREATES


async def test_lapsed_otp_is_resent_and_then_verified(runtime):
    c = Desk(runtime).create(f.profile(), f.bundle(), f.campaign())
    await runtime.engine.advance(c.key)
    runtime.sandbox.advance_clock(timedelta(hours=1))
    await runtime.engine.advance(c.key)
    assert runtime.engine.summary(runtime.engine.load(c.key)).kind in ("customer", "otp")
    runtime.sandbox.advance_clock(timedelta(hours=25))
    c = runtime.engine.load(c.key)
    s = runtime.engine.summary(c)
    assert (s.kind, s.stage) == ("otp", 3) and "lapsed" in s.next_action
    report = await runtime.engine.resend_otp(c.key)
    assert report.error is None
    c = runtime.engine.load(c.key)
    assert c.state.otp_resends == 1
    assert runtime.engine.summary(c).kind == "customer"
    c = await drive(runtime, c.key)
    assert runtime.engine.summary(c).done


async def test_otp_resend_is_refused_before_the_brand_is_approved(runtime):
    c = Desk(runtime).create(f.profile(), f.bundle(), f.campaign())
    await runtime.engine.advance(c.key)
    report = await runtime.engine.resend_otp(c.key)
    assert report.error and "APPROVED" in report.error
    assert not [e for e in runtime.store.journal(c.key) if e.action == "brand.otp_resend"]


async def test_failed_campaign_is_updated_not_recreated(runtime):
    bad = f.campaign(samples=["Zoë's Dog Walking: cannabis treats for Rex are in. Reply STOP to opt out.",
                              "Zoë's Dog Walking: Rex had a great walk today! Reply STOP to opt out."])
    c = Desk(runtime).create(f.profile(), f.bundle(), bad)
    c = await drive(runtime, c.key)
    s = runtime.engine.summary(c)
    assert c.state.statuses["campaign"] == "FAILED"
    assert (s.stage, s.kind) == (4, "fix") and "30897" in s.next_action
    c = Desk(runtime).save_step(c.key, c.version, 4, f.campaign())
    c = await drive(runtime, c.key)
    assert runtime.engine.summary(c).done
    actions = [e.action for e in runtime.store.journal(c.key)]
    assert actions.count("campaign.create") == 1 and actions.count("campaign.update") == 1
    assert [item.amount for item in c.state.ledger] == [4.5, 15.0, 15.0]
    assert owned(runtime, c.key) == CREATES


async def test_unknown_phone_number_waits_for_a_fix(runtime):
    c = Desk(runtime).create(f.profile(), f.bundle(), f.campaign(phone_number="+12065550199"))
    c = await drive(runtime, c.key)
    s = runtime.engine.summary(c)
    assert (s.stage, s.kind) == (4, "fix") and "+12065550199" in s.next_action
    c = Desk(runtime).save_step(c.key, c.version, 4, f.campaign())
    c = await drive(runtime, c.key)
    assert runtime.engine.summary(c).done


async def test_phone_number_given_as_a_sid_skips_the_lookup(runtime):
    number = runtime.sandbox.owned_numbers()[2]["sid"]
    c = Desk(runtime).create(f.profile(), f.bundle(), f.campaign(phone_number=number))
    c = await drive(runtime, c.key)
    assert runtime.engine.summary(c).done
    assert c.state.sids["service_number"] == number
    assert "campaign.number_lookup" not in [e.action for e in runtime.store.journal(c.key)]


@pytest.mark.slow
async def test_fourth_brand_on_one_mobile_number_is_blocked(runtime):
    keys = [Desk(runtime).create(f.profile(email=f"p{i}@example.com"), f.bundle(), f.campaign()).key
            for i in range(4)]
    for key in keys[:3]:
        await runtime.engine.advance(key)
    await runtime.engine.advance(keys[3])
    c = runtime.engine.load(keys[3])
    s = runtime.engine.summary(c)
    assert "brand" not in c.state.sids and "bundle" not in c.state.submitted
    assert (s.stage, s.kind) == (2, "fix") and "3 brands" in s.next_action


async def test_brand_is_registered_with_skip_automatic_sec_vet_and_mock_when_asked(runtime):
    runtime.engine.mock_brand = True
    c = Desk(runtime).create(f.profile(), f.bundle(), f.campaign())
    await runtime.engine.advance(c.key)
    brand = next(b for b in runtime.sandbox.dump()["brand_registrations"]
                 if b["sid"] == runtime.engine.load(c.key).state.sids["brand"])
    assert brand["skip_automatic_sec_vet"] is True and brand["mock"] is True
    assert brand["brand_type"] == "SOLE_PROPRIETOR"


@pytest.mark.slow
async def test_refresh_all_reads_lists_not_one_call_per_customer(runtime):
    keys = [Desk(runtime).create(f.profile(email=f"r{i}@example.com"),
                             f.bundle(mobile_phone=f"+1206555{1200 + i}")).key for i in range(6)]
    for key in keys:
        await runtime.engine.advance(key)
    runtime.sandbox.advance_clock(timedelta(hours=1))
    seen = []
    original = runtime.client._once

    async def counting(op, url, params, query):
        seen.append(op.name)
        return await original(op, url, params, query)

    runtime.client._once = counting
    assert await runtime.engine.refresh_all() == 6
    assert sorted(seen) == ["list_brand_registrations", "list_customer_profiles", "list_trust_products"]
    for key in keys:
        c = runtime.engine.load(key)
        assert (c.state.statuses["brand"], c.state.statuses["identity"]) == ("APPROVED", "UNVERIFIED")
        assert c.state.statuses["profile"] == "in-review"
        assert c.state.otp_sent_at is not None


async def test_summary_is_derived_without_any_call(runtime):
    c = Desk(runtime).create(f.profile(), f.bundle(), f.campaign())
    s = summarize(c, runtime.engine.context(c))
    assert (s.stage, s.kind, s.next_action) == (1, "ready", "Ready to create the starter profile.")
    assert runtime.store.journal(c.key) == []


async def test_mobile_that_is_one_of_the_accounts_numbers_is_not_submitted(runtime):
    own = runtime.sandbox.owned_numbers()[0]["phone_number"]
    c = Desk(runtime).create(f.profile(), f.bundle(mobile_phone=own), f.campaign())
    report = await runtime.engine.advance(c.key)
    c = runtime.engine.load(c.key)
    assert report.summary.kind == "fix" and report.summary.stage == 2
    assert "Twilio numbers" in report.summary.next_action
    assert "bundle" not in c.state.submitted and "brand" not in c.state.sids


async def test_warnings_do_not_stop_a_submission(runtime):
    quiet = f.campaign(samples=["Your walk with Rex is booked for 3pm tomorrow.",
                                "Rex had a great walk today, see you next week."])
    c = Desk(runtime).create(f.profile(), f.bundle(), quiet)
    assert {x.severity for x in runtime.engine.findings(c)} == {"warn"}
    c = await drive(runtime, c.key)
    assert runtime.engine.summary(c).done


async def test_a_blocking_campaign_finding_stops_only_the_campaign(runtime):
    linked = f.campaign(samples=["Zoë's Dog Walking: book at https://bit.ly/rex now. Reply STOP to opt out.",
                                 "Zoë's Dog Walking: Rex had a great walk today! Reply STOP to opt out."])
    c = Desk(runtime).create(f.profile(), f.bundle(), linked)
    c = await drive(runtime, c.key)
    s = runtime.engine.summary(c)
    assert c.state.statuses["identity"] == "VERIFIED" and "campaign" not in c.state.sids
    assert (s.stage, s.kind) == (4, "fix") and "shortener" in s.next_action
    assert [item.amount for item in c.state.ledger] == [4.5]


async def test_clearing_the_second_address_line_clears_it_at_twilio(runtime):
    c = Desk(runtime).create(f.profile(street="1 Noncompliant Way", street2="Apt 4"), f.bundle())
    await runtime.engine.advance(c.key)
    c = Desk(runtime).save_step(c.key, runtime.engine.load(c.key).version, 1,
                               f.profile(street="1 Compliant Way", street2=None))
    await runtime.engine.advance(c.key)
    address = next(a for a in runtime.sandbox.dump()["addresses"] if a["sid"] == c.state.sids["address"])
    assert address["street"] == "1 Compliant Way" and not address["street_secondary"]


async def test_changing_the_country_of_an_existing_address_waits_for_the_operator(runtime):
    c = Desk(runtime).create(f.profile(street="1 Noncompliant Way"), f.bundle())
    await runtime.engine.advance(c.key)
    canadian = f.profile(street="1 Bay St", city="Toronto", region="ON", postal_code="M5V 2T6", country="CA")
    c = Desk(runtime).save_step(c.key, runtime.engine.load(c.key).version, 1, canadian)
    report = await runtime.engine.advance(c.key)
    assert report.summary.kind == "fix" and "another country" in report.summary.next_action
    assert "profile.update_address" not in [e.action for e in runtime.store.journal(c.key)]


async def test_the_messaging_service_is_named_by_the_operator_and_keeps_the_key(runtime):
    c = Desk(runtime).create(f.profile(), f.bundle(), f.campaign(service_name="Zoë's Dog Walking texts"))
    c = await drive(runtime, c.key)
    [service] = [s for s in runtime.sandbox.dump()["messaging_services"] if s["sid"] == c.state.sids["service"]]
    assert service["friendly_name"] == f"Zoë's Dog Walking texts · a2p:{c.key}:service"
    unnamed = Desk(runtime).create(f.profile(email="b@example.com"), f.bundle(brand_name="B" * 70),
                               f.campaign())
    await drive(runtime, unnamed.key)
    name = next(s["friendly_name"] for s in runtime.sandbox.dump()["messaging_services"]
                if s["sid"] == runtime.engine.load(unnamed.key).state.sids.get("service"))
    assert len(name) == 64 and name.endswith(f"a2p:{unnamed.key}:service")


@pytest.mark.slow
async def test_customers_imported_with_buy_each_get_a_number_of_their_own_and_finish(runtime):
    """More customers than the sandbox account owns numbers: `buy` gets each one a local number in the area code of
    the customer's phone (`buy:NPA` in the one given), bought once, billed in the ledger."""
    rows = [f.csv_row(f"B{i}", phone_number="buy", mobile_phone=f"+1312555{i:04d}", street=f"{i} Main St",
                      phone=f"({415 if i % 2 else 206}) 555-02{i:02d}") for i in range(7)]
    rows.append(f.csv_row("B7", phone_number="buy:212", mobile_phone="+13125550999", street="7 Main St"))
    report = await Desk(runtime).import_csv(io.StringIO(f.csv_text(rows)))
    assert report.created == 8 and not report.errors
    numbers = {}
    for row in rows:
        c = await drive(runtime, row["key"])
        assert runtime.engine.summary(c).done, runtime.engine.summary(c).next_action
        numbers[row["key"]] = c.state.number
        assert [x.item for x in c.state.ledger] == ["brand", "number_monthly", "campaign_vetting"]
        assert c.state.ledger[1].amount == 1.15
    assert len(set(numbers.values())) == 8
    assert numbers["B7"].startswith("+1212") and numbers["B1"].startswith("+1415") and numbers["B0"].startswith("+1206")
    bought = [n for n in runtime.sandbox.dump()["incoming_phone_numbers"] if n["friendly_name"].startswith("a2p:")]
    assert sorted(n["phone_number"] for n in bought) == sorted(numbers.values())
    again = await runtime.engine.advance("B3")  # done: nothing more is bought
    assert not again.outcomes and len(runtime.sandbox.dump()["incoming_phone_numbers"]) == 5 + 8


@pytest.mark.parametrize(("status", "identity", "kind", "words"), [
    ("SUSPENDED", "", "fix", "Contact Twilio Support"), ("DELETION_PENDING", "", "fix", "register the customer again"),
    ("DELETION_FAILED", "", "fix", "could not delete"), ("APPROVED", "SELF_DECLARED", "twilio", "SELF_DECLARED"),
    ("APPROVED", "VETTED_VERIFIED", "operator", "Enter the campaign"),
])
async def test_every_brand_status_twilio_lists_has_plain_words_and_a_next_action(runtime, status, identity, kind,
                                                                                 words):
    c = Desk(runtime).create(f.profile(), f.bundle())
    await runtime.engine.advance(c.key)  # the brand is registered

    def set_status(state) -> None:
        state.statuses |= {"brand": status, "identity": identity}

    saved = runtime.engine.save_state(c.key, set_status)
    assert (saved.summary.kind, saved.summary.stage) == (kind, 4 if kind == "operator" else 3)
    assert words in saved.summary.next_action
    assert Desk(runtime).view(c.key).brand_words  # the step-3 panel has words for it too


def test_a_campaign_answer_is_read_in_both_shapes_of_the_specs_one_of():
    """Usa2p answers come as `us_app_to_person` or `us_app_to_person_v2` (only v2 carries the policy URLs):
    either way the status and the errors are what the flow reads."""
    from tests.support import oas
    from wizard.customer.state import FlowState
    from wizard.flow.plan import _campaign_read

    spec = oas.raw("messaging")
    one_of = spec["components"]["schemas"]["messaging.v1.service.us_app_to_person_response"]["oneOf"]
    assert [s["$ref"].rsplit(".", 1)[-1] for s in one_of] == ["us_app_to_person", "us_app_to_person_v2"]
    failed = {"campaign_status": "FAILED", "errors": [{"error_code": 30908, "description": "Privacy policy"}]}
    for body in (failed, failed | {"privacy_policy_url": "https://a.com/p", "terms_and_conditions_url": None}):
        state = FlowState()
        _campaign_read(state, body)
        assert state.statuses["campaign"] == "FAILED" and [p.code for p in state.problems["campaign"]] == [30908]


async def test_an_account_without_numbers_is_read_once_for_an_import_and_its_advance(runtime, monkeypatch):
    """The account's numbers are read once per session, also when it holds none (each advance read them again)."""
    reads: list[str] = []
    paginate = runtime.engine.client.paginate

    async def nothing():
        return
        yield

    def counted(op: str, *args, **kwargs):
        if op != "list_incoming_phone_numbers":
            return paginate(op, *args, **kwargs)
        reads.append(op)
        return nothing()

    monkeypatch.setattr(runtime.engine.client, "paginate", counted)
    desk = Desk(runtime)
    assert (await desk.import_csv(io.StringIO(f.csv_text([f.csv_row("N1")])))).created == 1
    assert (await desk.advance("N1")).calls
    assert reads == ["list_incoming_phone_numbers"]
