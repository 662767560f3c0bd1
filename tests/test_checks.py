"""Approval-readiness checks: each rule fires on its cases and stays quiet on near-misses."""

import pytest

from wizard.customer.playbooks import playbook
from wizard.customer.rules import RULES, CheckContext, Finding, blocking, check

DOG_WALKER = {
    "first_name": "Maria",
    "last_name": "Lopez",
    "email": "maria.lopez@gmail.com",
    "phone": "(541) 726-4410",
    "street": "742 Evergreen Terrace",
    "street2": "Apt 3",
    "city": "Springfield",
    "region": "OR",
    "postal_code": "97477",
    "country": "US",
    "brand_name": "Maria Lopez",
    "mobile_phone": "541-726-4411",
    "vertical": "PROFESSIONAL",
    "service_name": "Maria Lopez dog walking",
    "campaign_description": (
        "Maria Lopez is a self-employed dog walker. She texts her clients to confirm walk times, "
        "share a short update after each walk and remind them of upcoming bookings."
    ),
    "message_flow": (
        "Clients opt in when they book a walk on the paper booking form: they write their mobile "
        "number and tick an unticked box saying they agree to get texts about their bookings. "
        "Consent is never shared."
    ),
    "sample_1": "Hi [name], this is Maria Lopez. [dog]'s walk is on [day] at [time]. Reply STOP to opt out.",
    "sample_2": "Maria Lopez Dog Walking: [dog] had a great 30-minute walk today and is home safe and sound.",
    "sample_3": "",
    "sample_4": "",
    "sample_5": "",
    "has_embedded_links": "false",
    "has_embedded_phone": "no",
    "opt_in_message": "",
    "opt_in_keywords": "",
    "opt_out_message": "",
    "opt_out_keywords": "",
    "help_message": "",
    "help_keywords": "",
    "privacy_policy_url": "https://pawsbymaya.com/privacy",
    "terms_url": "https://pawsbymaya.com/terms",
    "phone_number": "+15417260100",
}

TUTOR = {
    **DOG_WALKER,
    "first_name": "Sam",
    "last_name": "Chen",
    "email": "sam@samchentutoring.com",
    "brand_name": "Sam Chen Tutoring",
    "mobile_phone": "+1 415 867 5309",
    "vertical": "EDUCATION",
    "campaign_description": (
        "Sam Chen is an independent math tutor. He texts students and parents to confirm lessons, "
        "send homework reminders and share schedule changes."
    ),
    "message_flow": (
        "Parents sign up on the lesson form at samchentutoring.com and tick a checkbox to receive texts, "
        "or text START to the tutoring number. Consent is collected per family and never shared."
    ),
    "sample_1": "Sam Chen Tutoring: [student]'s practice test is tomorrow at [time]. Reply STOP to opt out.",
    "sample_2": "Sam Chen Tutoring: homework is at https://samchentutoring.com/hw. Questions? (415) 867-5309",
    "sample_3": "Sam Chen Tutoring: today's lesson moved to [time]. Text me back if that doesn't work.",
    "has_embedded_links": "yes",
    "has_embedded_phone": "true",
    "opt_in_keywords": "START, JOIN",
    "opt_in_message": "Sam Chen Tutoring: you're in for lesson texts. Reply HELP for help, STOP to end.",
    "opt_out_keywords": "STOP, END",
    "opt_out_message": "Sam Chen Tutoring: you're unsubscribed and will get no more texts.",
    "help_keywords": "HELP, INFO",
    "help_message": "Sam Chen Tutoring: for help call (415) 867-5309 or email sam@samchentutoring.com.",
    "privacy_policy_url": "https://samchentutoring.com/privacy",
    "terms_url": "https://samchentutoring.com/terms",
}

NO_CAMPAIGN = {
    k: v for k, v in DOG_WALKER.items() if k in ("first_name", "last_name", "email", "phone", "street")
}


def rules(row: dict[str, str], ctx: CheckContext | None = None) -> dict[str, Finding]:
    return {f.rule: f for f in check(row, ctx or CheckContext())}


def with_(**changes: str) -> dict[str, str]:
    return {**DOG_WALKER, **changes}


@pytest.mark.parametrize("customer", [DOG_WALKER, TUTOR], ids=["dog-walker", "tutor"])
def test_good_customer_has_no_findings(customer: dict[str, str]) -> None:
    assert check(customer) == []


@pytest.mark.parametrize(
    "row", [{}, NO_CAMPAIGN, {**NO_CAMPAIGN, "service_name": "x", "has_embedded_links": "yes"}]
)
def test_empty_sections_do_not_fire(row: dict[str, str]) -> None:
    assert check(row) == []


LONG_KEYWORDS = ", ".join(f"HELP{n}" for n in range(60))

FIRES = [
    # (rule, row, field)
    ("campaign.privacy-url-missing", with_(privacy_policy_url=""), "privacy_policy_url"),
    ("campaign.terms-url-missing", with_(terms_url=""), "terms_url"),
    ("campaign.buy-needs-us-area-code", with_(phone="(416) 555-0134", phone_number="buy"), "phone_number"),
    ("campaign.sample-count", with_(sample_2=""), "sample_2"),
    ("campaign.markup", with_(message_flow=DOG_WALKER["message_flow"] + " <!--"), "message_flow"),
    ("campaign.markup", with_(campaign_description=DOG_WALKER["campaign_description"] + " [x](javascript:0)"),
     "campaign_description"),
    ("campaign.markup", with_(brand_name="Maria <b>Lopez</b>"), "brand_name"),
    ("campaign.sample-count", with_(sample_1="", sample_2=""), "sample_1"),
    ("campaign.length", with_(campaign_description="Dog walks."), "campaign_description"),
    ("campaign.length", with_(message_flow=""), "message_flow"),
    ("campaign.length", with_(message_flow="Clients opt in on the form. " * 80), "message_flow"),
    ("campaign.length", with_(sample_2="Maria: walk done!"), "sample_2"),
    ("campaign.length", with_(sample_2="Maria Lopez: " + "a" * 1020), "sample_2"),
    ("campaign.length", with_(opt_in_message="Maria: yes!"), "opt_in_message"),
    ("campaign.length", with_(help_message="Maria Lopez: " + "h" * 320), "help_message"),
    (
        "campaign.keywords",
        with_(opt_out_keywords="STOP, OPT-OUT", opt_out_message="x" * 30),
        "opt_out_keywords",
    ),
    ("campaign.keywords", with_(help_keywords=LONG_KEYWORDS, help_message="x" * 30), "help_keywords"),
    ("campaign.opt-in-keywords-without-message", with_(opt_in_keywords="START"), "opt_in_message"),
    ("campaign.opt-out-keywords-without-message", with_(opt_out_keywords="STOP"), "opt_out_message"),
    ("campaign.help-keywords-without-message", with_(help_keywords="HELP"), "help_message"),
    ("campaign.link-undeclared", with_(sample_2="Maria Lopez: book at www.marialopezwalks.com"), "sample_2"),
    ("campaign.link-undeclared", with_(sample_2="Maria Lopez: pay at https://pay.example/x"), "sample_2"),
    (
        "campaign.link-undeclared",
        with_(sample_2="Maria Lopez: photos at marialopezwalks.com/pics"),
        "sample_2",
    ),
    (
        "campaign.link-undeclared",
        with_(sample_1="Maria Lopez: see marialopez.net for times. STOP"),
        "sample_1",
    ),
    (
        "campaign.phone-undeclared",
        with_(sample_2="Maria Lopez: call me at (541) 726-4411 anytime."),
        "sample_2",
    ),
    (
        "campaign.phone-undeclared",
        with_(sample_2="Maria Lopez: questions? 5417264411", has_embedded_phone=""),
        "sample_2",
    ),
    (
        "campaign.url-shortener",
        with_(sample_2="Maria Lopez: photos bit.ly/3xYz", has_embedded_links="1"),
        "sample_2",
    ),
    ("campaign.url-shortener", with_(sample_2="Maria Lopez: https://tinyurl.com/walks"), "sample_2"),
    ("campaign.url-shortener", with_(sample_2="Maria Lopez: pics at t.co/a1b2c3 today"), "sample_2"),
    ("brand.entity-suffix", with_(brand_name="Maria Lopez LLC"), "brand_name"),
    ("brand.entity-suffix", with_(brand_name="Lopez Walks, Inc."), "brand_name"),
    ("brand.entity-suffix", with_(brand_name="Lopez Walks L.L.C."), "brand_name"),
    ("brand.entity-suffix", with_(brand_name="Lopez corp"), "brand_name"),
    ("brand.entity-suffix", with_(brand_name="Lopez Pet Corporation"), "brand_name"),
    ("brand.entity-suffix", with_(brand_name="Lopez Ltd."), "brand_name"),
    ("brand.entity-suffix", with_(brand_name="Lopez PLLC"), "brand_name"),
    ("brand.entity-suffix", with_(brand_name="Lopez & Co."), "brand_name"),
    ("brand.entity-suffix", with_(brand_name="Lopez Walks LP"), "brand_name"),
    ("brand.entity-suffix", with_(brand_name="Lopez P.C."), "brand_name"),
    ("brand.entity-suffix", with_(brand_name="Lopez GmbH"), "brand_name"),
    ("brand.entity-suffix", with_(last_name="Lopez Inc"), "last_name"),
    ("brand.entity-suffix", with_(first_name="LLC Maria"), "first_name"),
    ("brand.ein", with_(street2="EIN 12-3456789"), "street2"),
    ("brand.ein", with_(sample_2="Maria Lopez, tax ID 98-7654321, walk done today."), "sample_2"),
    ("brand.name-not-a-name", with_(brand_name="maria.lopez@gmail.com"), "brand_name"),
    ("brand.name-not-a-name", with_(brand_name="AC" + "0123456789abcdef" * 2), "brand_name"),
    ("brand.name-not-a-name", with_(brand_name="acct_102938"), "brand_name"),
    ("brand.name-mismatch", with_(brand_name="Happy Paws Walking"), "brand_name"),
    (
        "campaign.no-opt-out-sample",
        with_(sample_1="Hi [name], this is Maria Lopez. Walk confirmed for [day]."),
        "sample_1",
    ),
    (
        "campaign.no-opt-out-sample",
        with_(sample_1="Maria Lopez: please stop by to pick up the leash."),
        "sample_1",
    ),
    (
        "campaign.no-name-in-samples",
        with_(
            sample_1="Your walk is confirmed. Reply STOP to opt out.",
            sample_2="The walk went great today, all good!",
        ),
        "sample_1",
    ),
    (
        "campaign.flow-no-consent",
        with_(message_flow="We send walk reminders and updates to clients every week by SMS."),
        "message_flow",
    ),
    (
        "campaign.flow-no-consent",
        with_(message_flow="Texts about walks go to clients after every single walk."),
        "message_flow",
    ),
    (
        "campaign.disallowed-content",
        with_(campaign_description="Maria Lopez walks dogs and sells CBD treats to her clients."),
        "campaign_description",
    ),
    (
        "campaign.disallowed-content",
        with_(sample_2="Maria Lopez: new cannabis chews for calm dogs in stock!"),
        "sample_2",
    ),
    (
        "campaign.restricted-content",
        with_(campaign_description="Maria Lopez offers payday loans to dog owners who need cash."),
        "campaign_description",
    ),
    (
        "campaign.restricted-content",
        with_(message_flow=DOG_WALKER["message_flow"] + " Wine tasting walks for adults."),
        "message_flow",
    ),
    ("campaign.placeholder-sample", with_(sample_2="Lorem ipsum dolor sit amet, Maria Lopez."), "sample_2"),
    ("campaign.placeholder-sample", with_(sample_2="This is a test test testing"), "sample_2"),
    ("campaign.placeholder-sample", with_(sample_2="Maria Lopez test message, please ignore"), "sample_2"),
    ("campaign.placeholder-sample", with_(sample_2="Maria Lopez sample message goes here"), "sample_2"),
    ("campaign.placeholder-sample", with_(sample_2="Message 1 from Maria Lopez walks"), "sample_2"),
    ("campaign.placeholder-sample", with_(sample_2="asdf asdf asdf Maria Lopez"), "sample_2"),
    ("campaign.placeholder-sample", with_(sample_2="Maria Lopez: your code is XXXX ok"), "sample_2"),
    ("campaign.links-unused", with_(has_embedded_links="true"), "has_embedded_links"),
    ("campaign.phone-unused", with_(has_embedded_phone="YES"), "has_embedded_phone"),
]


@pytest.mark.parametrize(
    ("rule", "row", "field"), FIRES, ids=[f"{r}-{i}" for i, (r, _, _) in enumerate(FIRES)]
)
def test_rule_fires(rule: str, row: dict[str, str], field: str) -> None:
    found = [f for f in check(row) if f.rule == rule]
    assert found, f"{rule} did not fire: {check(row)}"
    assert field in {f.field for f in found}
    finding = found[0]
    assert finding.severity == RULES[rule][0]
    assert finding.message.endswith((".", ")", "'")) and "\n" not in finding.message


QUIET = [
    # (rule, row): the rule must not fire
    (
        "campaign.sample-count",
        with_(sample_3="Maria Lopez: walk done, see you soon!", sample_4="x" * 25, sample_5="y" * 25),
    ),
    ("campaign.length", with_(campaign_description="d" * 40, sample_2="Maria Lopez: walk ok")),
    ("campaign.length", with_(message_flow="f" * 2048, campaign_description="d" * 4096)),
    ("campaign.length", NO_CAMPAIGN),
    ("campaign.keywords", with_(opt_out_keywords="STOP,  END, QUIT2,", opt_out_message="x" * 30)),
    (
        "campaign.opt-in-keywords-without-message",
        with_(opt_in_message="Maria Lopez: you're subscribed to walk texts."),
    ),
    ("campaign.opt-out-keywords-without-message", with_(opt_out_keywords=" , ")),
    (
        "campaign.link-undeclared",
        with_(sample_2="Maria Lopez: book at www.marialopezwalks.com", has_embedded_links="Yes"),
    ),
    ("campaign.link-undeclared", with_(sample_2="Maria Lopez: email maria@gmail.com with questions")),
    ("campaign.link-undeclared", with_(sample_2="Maria Lopez: see you at 3.30pm, e.g. at the park.Thanks")),
    ("campaign.link-undeclared", with_(sample_2="Maria Lopez: walk done at 10 a.m. sharp, Dr.Smith said hi")),
    ("campaign.phone-undeclared", with_(sample_2="Maria Lopez: walk is at 3:30 PM on 12/05, $20 paid.")),
    ("campaign.phone-undeclared", with_(sample_2="Maria Lopez: invoice #1234567 sent, 2024-05-01.")),
    (
        "campaign.phone-undeclared",
        with_(sample_2="Maria Lopez: call me at (541) 726-4411", has_embedded_phone="1"),
    ),
    (
        "campaign.url-shortener",
        with_(sample_2="Maria Lopez: https://marialopezwalks.com/b", has_embedded_links="y"),
    ),
    (
        "campaign.url-shortener",
        with_(sample_2="Maria Lopez: https://www.bitlyrics.com/x", has_embedded_links="y"),
    ),
    (
        "campaign.url-shortener",
        with_(sample_2="Maria Lopez: https://t.company.com/x", has_embedded_links="y"),
    ),
    ("brand.entity-suffix", with_(brand_name="Lincoln Park Walks by Maria Lopez")),
    ("brand.entity-suffix", with_(brand_name="Inch by Inch Maria Lopez")),
    ("brand.entity-suffix", with_(brand_name="Corpus Christi Walks by Maria Lopez")),
    ("brand.entity-suffix", with_(brand_name="Incline Walks Maria Lopez")),
    ("brand.entity-suffix", with_(brand_name="Maria Lopez Colt Walks")),
    ("brand.entity-suffix", with_(brand_name="Maria Lopez Ltda Walks")),
    ("brand.entity-suffix", with_(brand_name="Maria Lopez Co-op Walks")),
    ("brand.entity-suffix", with_(brand_name="Maria Lopez PC Repair")),
    ("brand.entity-suffix", with_(brand_name="Maria Lopez Limited Edition Walks")),
    ("brand.entity-suffix", with_(last_name="Co", brand_name="Maria Co")),
    ("brand.ein", with_(phone="541-726-4410", postal_code="97477-1234", street2="Unit 12-34567")),
    ("brand.ein", with_(sample_2="Maria Lopez: walk on 2024-01-15 done, invoice 123-4567890.")),
    ("brand.name-not-a-name", with_(brand_name="Maria Lopez 24/7 Walks")),
    ("brand.name-not-a-name", with_(brand_name="")),
    ("brand.name-mismatch", with_(brand_name="Lopez Dog Walking")),
    ("brand.name-mismatch", with_(brand_name="MARIA's Walks")),
    ("brand.name-mismatch", with_(brand_name="", first_name="", last_name="")),
    ("campaign.no-opt-out-sample", with_(sample_1="Maria Lopez: walk at [time]. Text STOP to end.")),
    ("campaign.no-opt-out-sample", with_(sample_1="Maria Lopez: walk at [time]. reply stop to quit.")),
    ("campaign.no-opt-out-sample", with_(sample_1="Maria Lopez: walk at [time]. You can opt out any time.")),
    ("campaign.no-name-in-samples", with_(sample_1="maria here: walk at [time]. Reply STOP to opt out.")),
    (
        "campaign.flow-no-consent",
        with_(message_flow="Clients give verbal consent when they book their first walk."),
    ),
    (
        "campaign.flow-no-consent",
        with_(message_flow="Clients text WALKS to (541) 726-4411 to get booking updates."),
    ),
    (
        "campaign.flow-no-consent",
        with_(message_flow="Clients sign up on the booking web page for walk updates."),
    ),
    (
        "campaign.disallowed-content",
        with_(campaign_description="Maria Lopez walks dogs around the city CBDs and parks."),
    ),
    (
        "campaign.restricted-content",
        with_(sample_2="Maria Lopez: Gunnar and Winston had a great walk, begun at 9."),
    ),
    (
        "campaign.placeholder-sample",
        with_(sample_2="Maria Lopez: Rex tested the new trail today and loved it."),
    ),
    ("campaign.placeholder-sample", with_(sample_2="Maria Lopez: message me anytime about your walks.")),
    (
        "campaign.links-unused",
        with_(has_embedded_links="true", sample_2="Maria Lopez: pics at https://marialopezwalks.com/p"),
    ),
    (
        "campaign.phone-unused",
        with_(has_embedded_phone="true", sample_2="Maria Lopez: call (541) 726-4411 to rebook."),
    ),
]


@pytest.mark.parametrize(("rule", "row"), QUIET, ids=[f"{r}-{i}" for i, (r, _) in enumerate(QUIET)])
def test_rule_stays_quiet(rule: str, row: dict[str, str]) -> None:
    assert rule not in rules(row)


CONTEXT = [
    # (ctx, row, rule or None, field)
    (CheckContext(live=True), with_(terms_url="https://www.example.org/terms"), "campaign.policy-url-placeholder",
     "terms_url"),
    (
        CheckContext(own_numbers=frozenset({"+15417264411"})),
        DOG_WALKER,
        "brand.mobile-is-twilio-number",
        "mobile_phone",
    ),
    (
        CheckContext(own_numbers=frozenset({"(541) 726-4411"})),
        DOG_WALKER,
        "brand.mobile-is-twilio-number",
        "mobile_phone",
    ),
    (CheckContext(mobile_brand_uses=3), DOG_WALKER, "brand.mobile-limit", "mobile_phone"),
    (CheckContext(mobile_brand_uses=2), DOG_WALKER, "brand.mobile-last-use", "mobile_phone"),
    (CheckContext(email_brand_uses=10), DOG_WALKER, "brand.email-limit", "email"),
    (CheckContext(address_brand_uses=11), DOG_WALKER, "brand.address-limit", "street"),
]


@pytest.mark.parametrize(("ctx", "row", "rule", "field"), CONTEXT)
def test_context_rules_fire(ctx: CheckContext, row: dict[str, str], rule: str, field: str) -> None:
    found = rules(row, ctx)
    assert found[rule].field == field
    assert found[rule].severity == RULES[rule][0]


@pytest.mark.parametrize(
    ("ctx", "row"),
    [
        (CheckContext(own_numbers=frozenset({"+15417260100", "not a number"})), DOG_WALKER),
        (CheckContext(mobile_brand_uses=1, email_brand_uses=9, address_brand_uses=9), DOG_WALKER),
        (
            CheckContext(mobile_brand_uses=5, email_brand_uses=50, address_brand_uses=50),
            {"first_name": "Maria"},
        ),
    ],
)
def test_context_rules_stay_quiet(ctx: CheckContext, row: dict[str, str]) -> None:
    assert check(row, ctx) == []


def test_mobile_limit_blocks_without_also_warning() -> None:
    found = rules(DOG_WALKER, CheckContext(mobile_brand_uses=3))
    assert "brand.mobile-limit" in found and "brand.mobile-last-use" not in found


def test_blocking_keeps_only_blocks_and_blocks_come_first() -> None:
    findings = check(with_(brand_name="Happy Paws LLC", sample_2=""))
    assert [f.severity for f in findings] == sorted(
        (f.severity for f in findings), key=lambda s: s != "block"
    )
    assert {f.rule for f in blocking(findings)} == {"brand.entity-suffix", "campaign.sample-count"}
    assert "brand.name-mismatch" in {f.rule for f in findings}


EXPECTED_CODES = {
    "campaign.phone-undeclared": 30889,
    "campaign.phone-unused": 30889,
    "campaign.url-shortener": 30892,
    "brand.entity-suffix": 30915,
    "brand.ein": 30915,
    "brand.mobile-is-twilio-number": 30751,
    "campaign.flow-no-consent": 30896,
    "campaign.disallowed-content": 30897,
    "campaign.sample-count": None,
}


def test_findings_carry_the_rule_code_and_every_code_has_a_playbook() -> None:
    seen: dict[str, int | None] = {}
    for _, row, _ in FIRES:
        for f in check(row):
            assert seen.setdefault(f.rule, f.twilio_error) == f.twilio_error
    for ctx, row, *_ in CONTEXT:
        seen |= {f.rule: f.twilio_error for f in check(row, ctx)}
    assert set(seen) == {r for r in RULES if not r.startswith("policy.")}  # those: tests/test_page_check.py
    assert {r: seen[r] for r in EXPECTED_CODES} == EXPECTED_CODES
    assert all(playbook(code) for code in seen.values() if code is not None)


def test_rules_table_is_complete() -> None:
    assert all(sev in ("block", "warn") and text.endswith(".") for sev, text in RULES.values())
    assert all(rule.startswith(("brand.", "campaign.", "policy.")) for rule in RULES)


def test_values_may_be_missing_or_none() -> None:
    assert check({"first_name": None, "brand_name": "Maria Lopez"}) == []  # type: ignore[dict-item]


@pytest.mark.parametrize(("field", "rule", "code"), [("privacy_policy_url", "campaign.privacy-url-missing", 30933),
                                                     ("terms_url", "campaign.terms-url-missing", 30934)])
def test_a_campaign_without_a_policy_url_is_blocked_naming_the_field(field: str, rule: str, code: int) -> None:
    found = rules(with_(**{field: ""}))
    assert found[rule].severity == "block" and found[rule].field == field and found[rule].twilio_error == code


def test_an_example_domain_as_a_policy_url_blocks_in_live_mode_only() -> None:
    row = with_(privacy_policy_url="https://maya.example.com/privacy")
    assert "campaign.policy-url-placeholder" not in rules(row)
    found = rules(row, CheckContext(live=True))["campaign.policy-url-placeholder"]
    assert (found.severity, found.field) == ("block", "privacy_policy_url")


def test_buy_in_the_customers_own_us_area_code_or_a_named_one_is_fine() -> None:
    for row in (with_(phone_number="buy"), with_(phone="(416) 555-0134", phone_number="buy:206")):
        assert "campaign.buy-needs-us-area-code" not in rules(row)
