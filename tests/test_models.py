"""Validation rules of the domain input models, good and bad values for each."""

from collections.abc import Callable

import pytest
from pydantic import BaseModel, TypeAdapter, ValidationError

from tests.support.factories import bundle_data, campaign_data, profile_data
from wizard.customer.models import (
    BrandName,
    Campaign,
    Email,
    PersonName,
    SampleText,
    SoleProprietor,
    StarterProfile,
    UsCaPhone,
    Vertical,
    default_brand_name,
    field_errors,
    validate_field,
)
from wizard.twilio.facts import VERTICALS

BIG = "a" * 100_000
PN_SID = "PN" + "0123456789abcdef" * 2


def errors(model: type[BaseModel], data: dict[str, object]) -> dict[str, str]:
    try:
        model.model_validate(data)
    except ValidationError as exc:
        return field_errors(exc)
    return {}


def message(tp: object, value: object) -> str:
    with pytest.raises(ValidationError) as info:
        TypeAdapter(tp).validate_python(value)
    return info.value.errors()[0]["msg"]


# --- PersonName ---


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Zoë", "Zoë"),
        ("José", "José"),
        ("Nguyễn", "Nguyễn"),
        ("O'Brien", "O'Brien"),
        ("O’Brien", "O’Brien"),
        ("Lefèvre-Côté", "Lefèvre-Côté"),
        ("Mary Ann", "Mary Ann"),
        ("J. R.", "J. R."),
        ("  Anne  ", "Anne"),
        ("Zoe\u0308", "Zoë"),  # decomposed input is stored composed (NFC)
        ("Åsa", "Åsa"),
        ("李", "李"),
        ("a" * 60, "a" * 60),
    ],
)
def test_person_name_accepts(value: str, expected: str) -> None:
    assert TypeAdapter(PersonName).validate_python(value) == expected


@pytest.mark.parametrize(
    ("value", "phrase"),
    [
        ("", "Enter a name."),
        ("   ", "Enter a name."),
        ("R2D2", "only letters"),
        ("bob@home", "only letters"),
        ("#1 Bob", "only letters"),
        ("<b>Bob</b>", "only letters"),
        ("Bob=1", "only letters"),
        ("Bob 😀", "only letters"),
        ("Bob_Smith", "only letters"),
        ("Bob\u200bSmith", "Remove the invisible character U+200B"),  # zero-width space
        ("Bo\x00b", "Remove control characters."),
        ("Bo\tb", "Remove control characters."),
        ("Bo\nb", "Remove control characters."),
        ("Bo\x85b", "Remove control characters."),
        ("'-.", "must contain letters"),
        ("a" * 61, "at most 60 characters"),
        (BIG, "Too long"),
        (42, "Enter text."),
    ],
)
def test_person_name_rejects(value: object, phrase: str) -> None:
    assert phrase in message(PersonName, value)


# --- Email ---


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("bob@example.com", "bob@example.com"),
        (" bob@example.com ", "bob@example.com"),
        ("Bob@EXAMPLE.COM", "Bob@example.com"),
        ("a.b+tag@mail.example.org", "a.b+tag@mail.example.org"),
        ("zoë@exämple.com", "zoë@exämple.com"),
    ],
)
def test_email_accepts(value: str, expected: str) -> None:
    assert TypeAdapter(Email).validate_python(value) == expected


@pytest.mark.parametrize(
    ("value", "phrase"),
    [
        ("", "Enter an email address."),
        ("bob", "@-sign"),
        ("bob@localhost", "period"),
        ("bob@@example.com", "valid email address"),
        ("bob smith@example.com", "valid email address"),
        ("Bob <bob@example.com>", "valid email address"),
        ("bob@exa mple.com", "valid email address"),
        ("bob\x00@example.com", "Remove control characters."),
        ("b" * 250 + "@example.com", "at most 254"),
        (BIG, "Too long"),
    ],
)
def test_email_rejects(value: str, phrase: str) -> None:
    assert phrase in message(Email, value)


# --- UsCaPhone ---


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("(206) 555-0134", "+12065550134"),
        ("206.555.0134", "+12065550134"),
        ("+1 206 555 0134", "+12065550134"),
        ("2065550134", "+12065550134"),
        ("1-206-555-0134", "+12065550134"),
        ("12065550134", "+12065550134"),
        ("+12065550134", "+12065550134"),
        ("  +1 (206) 555-0134  ", "+12065550134"),
        ("(416) 555-0134", "+14165550134"),  # Toronto
        ("+1 604 555 0199", "+16045550199"),  # Vancouver
        ("613-555-0100", "+16135550100"),  # Ottawa
    ],
)
def test_phone_accepts(value: str, expected: str) -> None:
    assert TypeAdapter(UsCaPhone).validate_python(value) == expected


@pytest.mark.parametrize(
    ("value", "phrase"),
    [
        ("", "Enter a phone number."),
        ("206-555-01ab", "valid US or Canadian phone number"),
        ("1-800-FLOWERS", "valid US or Canadian phone number"),  # phonenumbers itself would accept letters
        ("206 555 0134 ext 5", "valid US or Canadian phone number"),
        ("206555", "valid US or Canadian phone number"),
        ("555-0134", "valid US or Canadian phone number"),
        ("(555) 234-5678", "valid US or Canadian phone number"),
        ("206+555+0134", "valid US or Canadian phone number"),
        ("+44 20 7946 0958", "Only US and Canadian"),
        ("+1 876 555 0134", "Only US and Canadian"),  # Jamaica shares +1
        ("1-800-555-0134", "Toll-free"),
        ("(888) 555-0134", "Toll-free"),
        ("877 555 0134", "Toll-free"),
        ("866-555-0134", "Toll-free"),
        ("855-555-0134", "Toll-free"),
        ("844-555-0134", "Toll-free"),
        ("833-555-0134", "Toll-free"),
        ("900-555-0134", "premium"),
        ("206\x00555\x000134", "Remove control characters."),
        (BIG, "Too long"),
        (2065550134, "Enter text."),
    ],
)
def test_phone_rejects(value: object, phrase: str) -> None:
    assert phrase in message(UsCaPhone, value)


# --- StarterProfile: address ---


def test_profile_normalises_everything() -> None:
    profile = StarterProfile.model_validate(
        profile_data(
            first_name=" Zoë ",
            last_name="Nguyễn",
            email="Zoe@EXAMPLE.com",
            phone="1-206-555-0134",
            street=" 1 Main St ",
            street2="",
            city=" Ottawa ",
            region="on",
            postal_code="k1a0b1",
            country="ca",
        )
    )
    assert profile.model_dump() == {
        "first_name": "Zoë",
        "last_name": "Nguyễn",
        "email": "Zoe@example.com",
        "phone": "+12065550134",
        "street": "1 Main St",
        "street2": None,
        "city": "Ottawa",
        "country": "CA",
        "region": "ON",
        "postal_code": "K1A 0B1",
    }
    assert profile.full_name == "Zoë Nguyễn"
    assert default_brand_name(profile) == "Zoë Nguyễn"


def test_profile_country_defaults_to_us() -> None:
    data = profile_data()
    del data["country"]
    assert StarterProfile.model_validate(data).country == "US"


@pytest.mark.parametrize(
    ("country", "postal_code", "expected"),
    [
        ("US", "98101", "98101"),
        ("US", "98101-1234", "98101-1234"),
        ("US", "981011234", "98101-1234"),
        ("US", "98101 1234", "98101-1234"),
        ("CA", "K1A 0B1", "K1A 0B1"),
        ("CA", "k1a0b1", "K1A 0B1"),
        ("CA", "K1A-0B1", "K1A 0B1"),
        ("CA", " k1a 0b1 ", "K1A 0B1"),
        ("CA", "V6B 4Y8", "V6B 4Y8"),
        ("CA", "H2Z 1W2", "H2Z 1W2"),  # W and Z are fine after the first letter
        ("CA", "Y1A 1A1", "Y1A 1A1"),
    ],
)
def test_postal_code_accepts(country: str, postal_code: str, expected: str) -> None:
    region = "WA" if country == "US" else "ON"
    profile = StarterProfile.model_validate(
        profile_data(country=country, region=region, postal_code=postal_code)
    )
    assert profile.postal_code == expected


@pytest.mark.parametrize(
    ("country", "postal_code", "phrase"),
    [
        ("US", "", "Enter a ZIP or postal code."),
        ("US", "9810", "5-digit ZIP code"),
        ("US", "981011", "5-digit ZIP code"),
        ("US", "98101-12", "5-digit ZIP code"),
        ("US", "ABCDE", "5-digit ZIP code"),
        ("US", "K1A 0B1", "5-digit ZIP code"),
        ("CA", "98101", "Canadian postal code"),
        ("CA", "D1A 0B1", "Canadian postal code"),  # D, F, I, O, Q, U never appear
        ("CA", "W1A 0B1", "Canadian postal code"),  # W and Z never start a code
        ("CA", "Z1A 0B1", "Canadian postal code"),
        ("CA", "K1O 0B1", "Canadian postal code"),
        ("CA", "K1A 0U1", "Canadian postal code"),
        ("CA", "K1A 0B", "Canadian postal code"),
        ("CA", "K1A 0B1X", "Canadian postal code"),
        ("CA", "K1A\x000B1", "Remove control characters."),
        ("CA", BIG, "Too long"),
    ],
)
def test_postal_code_rejects(country: str, postal_code: str, phrase: str) -> None:
    region = "WA" if country == "US" else "ON"
    found = errors(StarterProfile, profile_data(country=country, region=region, postal_code=postal_code))
    assert list(found) == ["postal_code"]
    assert phrase in found["postal_code"]


@pytest.mark.parametrize(
    ("country", "region", "expected"),
    [
        ("US", "wa", "WA"),
        ("US", " NY ", "NY"),
        ("US", "DC", "DC"),
        ("US", "PR", "PR"),
        ("US", "GU", "GU"),
        ("CA", "on", "ON"),
        ("CA", "QC", "QC"),
        ("CA", "YT", "YT"),
        ("CA", "NU", "NU"),
    ],
)
def test_region_accepts(country: str, region: str, expected: str) -> None:
    postal_code = "98101" if country == "US" else "K1A 0B1"
    profile = StarterProfile.model_validate(
        profile_data(country=country, region=region, postal_code=postal_code)
    )
    assert profile.region == expected


@pytest.mark.parametrize(
    ("country", "region", "phrase"),
    [
        ("US", "", "Enter a state or province code."),
        ("US", "ON", "ON is a Canadian province"),
        ("US", "XX", "Enter a US state or territory code"),
        ("US", "Washington", "Enter a US state or territory code"),
        ("CA", "WA", "WA is a US state"),
        ("CA", "ZZ", "Enter a Canadian province or territory code"),
        ("CA", "O\x00N", "Remove control characters."),
        ("CA", BIG, "Too long"),
    ],
)
def test_region_rejects(country: str, region: str, phrase: str) -> None:
    postal_code = "98101" if country == "US" else "K1A 0B1"
    found = errors(StarterProfile, profile_data(country=country, region=region, postal_code=postal_code))
    assert list(found) == ["region"]
    assert phrase in found["region"]


@pytest.mark.parametrize("country", ["MX", "USA", "", "Canada", None])
def test_country_rejects(country: object) -> None:
    assert errors(StarterProfile, profile_data(country=country)) == {"country": "Country must be US or CA."}


@pytest.mark.parametrize(
    ("field", "value", "phrase"),
    [
        ("street", "", "Enter a street address."),
        ("street", "   ", "Enter a street address."),
        ("street", "x" * 101, "at most 100 characters (this has 101)"),
        ("street", "1 Main\nSt", "Remove control characters."),
        ("street2", "x" * 101, "at most 100 characters"),
        ("street2", "Apt\t4", "Remove control characters."),
        ("city", "", "Enter a city."),
        ("city", "x" * 61, "at most 60 characters"),
        ("city", "Seattle\x1b[31m", "Remove control characters."),
        ("last_name", BIG, "Too long"),
    ],
)
def test_profile_text_fields_reject(field: str, value: str, phrase: str) -> None:
    found = errors(StarterProfile, profile_data(**{field: value}))
    assert list(found) == [field]
    assert phrase in found[field]


def test_profile_limits_are_inclusive() -> None:
    profile = StarterProfile.model_validate(profile_data(street="x" * 100, street2="y" * 100, city="z" * 60))
    assert (len(profile.street), len(profile.street2 or ""), len(profile.city)) == (100, 100, 60)


def test_profile_reports_every_bad_field() -> None:
    found = errors(
        StarterProfile,
        profile_data(first_name="R2D2", email="nope", phone="123", region="ON", postal_code="1"),
    )
    assert set(found) == {"first_name", "email", "phone", "region", "postal_code"}


def test_profile_missing_and_unknown_fields() -> None:
    data = profile_data(nickname="Z")
    del data["email"]
    assert errors(StarterProfile, data) == {
        "email": "This field is required.",
        "nickname": "This field is not recognised.",
    }


def test_invalid_country_does_not_blame_region() -> None:
    assert list(errors(StarterProfile, profile_data(country="MX", region="ON", postal_code="K1A 0B1"))) == [
        "country"
    ]


def test_models_are_frozen() -> None:
    profile = StarterProfile.model_validate(profile_data())
    with pytest.raises(ValidationError):
        profile.city = "Tacoma"  # type: ignore[misc]


# --- SoleProprietor ---


@pytest.mark.parametrize(
    "value",
    ["Acme Plumbing", "Zoë's Café", "Route 66 Diner", "Call 206 555 0134", "12345678 Ltd", "A", "x" * 255],
)
def test_brand_name_accepts(value: str) -> None:
    assert TypeAdapter(BrandName).validate_python(value) == value


@pytest.mark.parametrize(
    ("value", "phrase"),
    [
        ("", "Enter a brand name."),
        ("bob@example.com", "must not be an email address"),
        ("Acme (bob@example.com)", "must not be an email address"),
        ("AC" + "0123456789abcdef" * 2, "must not be an account ID or SID"),
        ("BU" + "A" * 32, "must not be an account ID or SID"),
        ("123456789", "must not be an account number"),
        ("Account 1234567890123", "must not be an account number"),
        ("x" * 256, "at most 255 characters"),
        ("Acme\x07", "Remove control characters."),
        (BIG, "Too long"),
    ],
)
def test_brand_name_rejects(value: str, phrase: str) -> None:
    assert phrase in message(BrandName, value)


@pytest.mark.parametrize("vertical", VERTICALS)
def test_every_vertical_is_accepted(vertical: str) -> None:
    assert TypeAdapter(Vertical).validate_python(vertical.lower()) == vertical


@pytest.mark.parametrize(
    ("value", "expected"),
    [("technology", "TECHNOLOGY"), ("Real Estate", "REAL_ESTATE"), ("human-resources", "HUMAN_RESOURCES"),
     ("", None), ("  ", None), (None, None)],
)  # fmt: skip
def test_bundle_vertical(value: object, expected: str | None) -> None:
    assert SoleProprietor.model_validate(bundle_data(vertical=value)).vertical == expected


@pytest.mark.parametrize(
    ("value", "phrase"), [("FOOD", "Choose a vertical"), ("RETAIL\x00", "control"), (BIG, "Too long")]
)
def test_bundle_vertical_rejects(value: str, phrase: str) -> None:
    found = errors(SoleProprietor, bundle_data(vertical=value))
    assert list(found) == ["vertical"]
    assert phrase in found["vertical"]


def test_bundle_normalises() -> None:
    bundle = SoleProprietor.model_validate(bundle_data(brand_name="  Zoë's Café ", mobile_phone="206.555.0134",
                                                       vertical="retail"))
    assert bundle.model_dump() == {
        "brand_name": "Zoë's Café",
        "mobile_phone": "+12065550134",
        "vertical": "RETAIL",
    }


def test_bundle_vertical_is_optional_and_phone_required() -> None:
    assert (
        SoleProprietor.model_validate({"brand_name": "Acme", "mobile_phone": "2065550134"}).vertical is None
    )
    assert errors(SoleProprietor, bundle_data(mobile_phone="+44 20 7946 0958")) == {
        "mobile_phone": "Only US and Canadian phone numbers can be used."
    }


# --- Campaign ---


def test_campaign_defaults() -> None:
    campaign = Campaign.model_validate(campaign_data(phone_number=None))
    assert campaign.use_case == "SOLE_PROPRIETOR"
    assert (campaign.has_embedded_links, campaign.has_embedded_phone) == (False, False)
    assert campaign.opt_in_keywords == campaign.opt_out_keywords == campaign.help_keywords == []
    assert campaign.phone_number is campaign.service_name is None


@pytest.mark.parametrize(
    ("field", "length", "ok"),
    [
        ("campaign_description", 39, False),
        ("campaign_description", 40, True),
        ("campaign_description", 4096, True),
        ("campaign_description", 4097, False),
        ("message_flow", 39, False),
        ("message_flow", 40, True),
        ("message_flow", 2048, True),
        ("message_flow", 2049, False),
        ("opt_in_message", 19, False),
        ("opt_in_message", 20, True),
        ("opt_in_message", 320, True),
        ("opt_in_message", 321, False),
        ("opt_out_message", 19, False),
        ("opt_out_message", 320, True),
        ("help_message", 20, True),
        ("help_message", 321, False),
        ("service_name", 1, True),
        ("service_name", 64, True),
        ("service_name", 65, False),
    ],
)
def test_campaign_text_lengths(field: str, length: int, ok: bool) -> None:
    found = errors(Campaign, campaign_data(**{field: "m" * length}))
    if ok:
        assert found == {}
    else:
        assert list(found) == [field]
        assert ("Too short" if length < 40 else "Too long") in found[field]
        assert f"(this has {length})" in found[field]


@pytest.mark.parametrize(
    ("field", "phrase"),
    [("campaign_description", "Describe the campaign."), ("message_flow", "Describe how people opt in.")],
)
def test_campaign_required_text(field: str, phrase: str) -> None:
    assert errors(Campaign, campaign_data(**{field: "  "})) == {field: phrase}


@pytest.mark.parametrize(
    "field", ["service_name", "opt_in_message", "opt_out_message", "help_message", "phone_number"],
)  # fmt: skip
@pytest.mark.parametrize("empty", ["", "   ", None])
def test_campaign_empty_optional_is_none(field: str, empty: object) -> None:
    assert getattr(Campaign.model_validate(campaign_data(**{field: empty})), field) is None


def test_campaign_multiline_text() -> None:
    text = "Line one of the description.\r\n\tLine two, indented, of the description."
    campaign = Campaign.model_validate(campaign_data(campaign_description=text))
    assert (
        campaign.campaign_description
        == "Line one of the description.\n\tLine two, indented, of the description."
    )


@pytest.mark.parametrize(
    ("count", "phrase"),
    [(0, "at least 2 sample messages (found 0)"), (1, "at least 2 sample messages (found 1)"), (2, None),
     (5, None), (6, "at most 5 sample messages (found 6)")],
)  # fmt: skip
def test_sample_counts(count: int, phrase: str | None) -> None:
    samples = [f"Sample message number {n}" for n in range(count)]
    found = errors(Campaign, campaign_data(samples=samples))
    if phrase is None:
        assert found == {}
    else:
        assert list(found) == ["samples"]
        assert phrase in found["samples"]


def test_blank_samples_are_dropped_before_counting() -> None:
    campaign = Campaign.model_validate(
        campaign_data(
            samples=["", "Your order is ready for pickup.", "   ", "See you at 7pm tonight, Sam!", ""]
        )
    )
    assert campaign.samples == ["Your order is ready for pickup.", "See you at 7pm tonight, Sam!"]
    assert errors(Campaign, campaign_data(samples=["", "Your order is ready for pickup.", " "])) == {
        "samples": "Give at least 2 sample messages (found 1)."
    }


@pytest.mark.parametrize(("length", "ok"), [(19, False), (20, True), (1024, True), (1025, False)])
def test_sample_lengths(length: int, ok: bool) -> None:
    samples = ["", "A good sample message here.", "s" * length]
    found = errors(Campaign, campaign_data(samples=samples))
    if ok:
        assert found == {}
    else:
        assert list(found) == ["sample_3"]
        assert f"(this has {length})" in found["sample_3"]


def test_sample_errors_name_each_sample() -> None:
    samples = ["short", "A good sample message here.", "", "Bad \x07 bell in this sample text", BIG]
    assert errors(Campaign, campaign_data(samples=samples)) == {
        "sample_1": "Too short: use at least 20 characters (this has 5).",
        "sample_4": "Remove control characters.",
        "sample_5": "Too long: use at most 1024 characters (this has 100000).",
    }


def test_sample_text_type() -> None:
    assert TypeAdapter(SampleText).validate_python(" Your order is ready for pickup. ") == (
        "Your order is ready for pickup."
    )
    assert "Enter a sample message." in message(SampleText, "")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("true", True), ("TRUE", True), ("Yes", True), ("y", True), ("1", True), (" yes ", True),
        ("false", False), ("No", False), ("N", False), ("0", False), ("", False), ("  ", False),
        (True, True), (False, False), (1, True), (0, False), (None, False),
    ],
)  # fmt: skip
def test_booleans(value: object, expected: bool) -> None:
    campaign = Campaign.model_validate(campaign_data(has_embedded_links=value, has_embedded_phone=value))
    assert campaign.has_embedded_links is campaign.has_embedded_phone is expected


@pytest.mark.parametrize("value", ["maybe", "2", "tru", 2, 0.5, [True]])
def test_booleans_reject(value: object) -> None:
    assert errors(Campaign, campaign_data(has_embedded_phone=value)) == {
        "has_embedded_phone": "Answer yes or no (or true/false, y/n, 1/0)."
    }


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("start, yes", ["START", "YES"]),
        ("STOP,,END,", ["STOP", "END"]),
        (" stop , Stop ,STOP2", ["STOP", "STOP2"]),
        (["subscribe", " join "], ["SUBSCRIBE", "JOIN"]),
        (("A1", ""), ["A1"]),
        ("", []),
        (None, []),
        ([], []),
    ],
)
def test_keywords_accept(value: object, expected: list[str]) -> None:
    data = campaign_data(
        opt_in_message="Thanks for joining! Reply STOP to opt out.",
        opt_in_keywords=value,
        opt_out_message="You are unsubscribed and will get no more messages.",
        opt_out_keywords=value,
        help_message="Zoë's Café: call (206) 555-0134 for help.",
        help_keywords=value,
    )
    campaign = Campaign.model_validate(data)
    assert campaign.opt_in_keywords == campaign.opt_out_keywords == campaign.help_keywords == expected


@pytest.mark.parametrize(
    ("value", "phrase"),
    [
        ("STOP!", "only letters A-Z and digits 0-9"),
        ("two words", "only letters A-Z and digits 0-9"),
        ("ARRÊT", "only letters A-Z and digits 0-9"),
        ("STOP;END", "only letters A-Z and digits 0-9"),
        (",".join(f"KEYWORD{n:02}" for n in range(30)), "fit in 255 characters"),
        ("ST\x07OP", "Remove control characters."),
        (["STOP", 5], "Enter text."),
        (5, "separated by commas"),
        (BIG, "Too long"),
    ],
)
def test_keywords_reject(value: object, phrase: str) -> None:
    data = campaign_data(
        opt_out_message="You are unsubscribed and will get no more messages.", opt_out_keywords=value
    )
    found = errors(Campaign, data)
    assert list(found) == ["opt_out_keywords"]
    assert phrase in found["opt_out_keywords"]


def test_keywords_fit_exactly_255() -> None:
    keywords = ["K" * 127, "J" * 127]  # 127 + 1 comma + 127
    data = campaign_data(help_message="Zoë's Café: call (206) 555-0134 for help.", help_keywords=keywords)
    assert Campaign.model_validate(data).help_keywords == keywords


@pytest.mark.parametrize(
    ("field", "kind"),
    [("opt_in_keywords", "opt-in"), ("opt_out_keywords", "opt-out"), ("help_keywords", "help")],
)
def test_keywords_need_their_message(field: str, kind: str) -> None:
    assert errors(Campaign, campaign_data(**{field: "WORD"})) == {
        field: f"Keywords need a reply: enter the {kind} message too."
    }


@pytest.mark.parametrize("empty", ["", "   ", None])
@pytest.mark.parametrize(("field", "code"), [("privacy_policy_url", 30933), ("terms_url", 30934)])
def test_policy_urls_are_required_where_inputs_enter(field: str, code: int, empty: object) -> None:
    found = errors(Campaign, campaign_data(**{field: empty}))
    assert list(found) == [field] and f"error {code}" in found[field] and "https://" in found[field]


def test_a_stored_campaign_of_earlier_rules_loads_without_policy_urls() -> None:
    data = campaign_data(privacy_policy_url=None, terms_url=None)
    campaign = Campaign.model_validate(data, context={"stored": True})
    assert campaign.privacy_policy_url is campaign.terms_url is None


@pytest.mark.parametrize(
    "url", ["https://example.com/privacy", "https://zoe.example.com/terms?v=2#top", "https://xn--zo-6ia.com/p"]
)
def test_url_accepts_and_keeps_the_text(url: str) -> None:
    campaign = Campaign.model_validate(campaign_data(privacy_policy_url=f" {url} ", terms_url=url))
    assert campaign.privacy_policy_url == campaign.terms_url == url


@pytest.mark.parametrize(
    ("url", "phrase"),
    [
        ("example.com/privacy", "full web address starting with https://"),
        ("ftp://example.com/privacy", "full web address"),
        ("javascript:alert(1)", "full web address"),
        ("https://", "full web address"),
        ("https://exa mple.com", "full web address"),
        ("https://example.com/\x00", "Remove control characters."),
        ("https://example.com/" + BIG, "Too long"),
        ("http://example.com/privacy", "https://"),
        ("https://93.184.216.34/privacy", "not an IP address"),
        ("https://localhost/privacy", "not an IP address or localhost"),
        *[(f"https://{host}:8443/privacy", "not an IP address or localhost") for host in (
            "127.1", "2130706433", "0x7f000001", "0177.0.0.1", "0", "[::ffff:127.0.0.1]", "ｌｏｃａｌｈｏｓｔ",
            "localhost.", "app.localhost")],
        ("https://bit.ly/3xYz", "URL shorteners"),
    ],
)
def test_url_rejects(url: str, phrase: str) -> None:
    for field in ("privacy_policy_url", "terms_url"):
        found = errors(Campaign, campaign_data(**{field: url}))
        assert list(found) == [field]
        assert phrase in found[field]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (PN_SID, PN_SID),
        ("PN" + "ABCDEF0123456789" * 2, "PN" + "ABCDEF0123456789" * 2),
        ("(206) 555-0134", "+12065550134"),
        ("+1 416 555 0134", "+14165550134"),
        ("+12065550134", "+12065550134"),
    ],
)
def test_campaign_phone_number_accepts(value: str, expected: str) -> None:
    assert Campaign.model_validate(campaign_data(phone_number=value)).phone_number == expected


@pytest.mark.parametrize(
    ("value", "phrase"),
    [
        ("PN123", "PN followed by 32 hex characters"),
        (PN_SID + "0", "PN followed by 32 hex characters"),
        ("PN" + "g" * 32, "PN followed by 32 hex characters"),
        ("MG" + "0" * 32, "PN followed by 32 hex characters"),
        ("hello", "PN followed by 32 hex characters"),
        ("206555", "valid US or Canadian phone number"),
        ("+44 20 7946 0958", "Only US and Canadian"),
        ("1-800-555-0134", "Toll-free"),
        ("PN\x00", "Remove control characters."),
        (BIG, "Too long"),
    ],
)
def test_campaign_phone_number_rejects(value: str, phrase: str) -> None:
    found = errors(Campaign, campaign_data(phone_number=value))
    assert list(found) == ["phone_number"]
    assert phrase in found["phone_number"]


def test_use_case_is_fixed() -> None:
    assert errors(Campaign, campaign_data(use_case="SOLE_PROPRIETOR")) == {}
    assert list(errors(Campaign, campaign_data(use_case="MARKETING"))) == ["use_case"]


# --- every text field: control characters and 100 kB strings ---

TEXT_FIELDS = [
    (StarterProfile, profile_data, "first_name"),
    (StarterProfile, profile_data, "last_name"),
    (StarterProfile, profile_data, "email"),
    (StarterProfile, profile_data, "phone"),
    (StarterProfile, profile_data, "street"),
    (StarterProfile, profile_data, "street2"),
    (StarterProfile, profile_data, "city"),
    (StarterProfile, profile_data, "region"),
    (StarterProfile, profile_data, "postal_code"),
    (StarterProfile, profile_data, "country"),
    (SoleProprietor, bundle_data, "brand_name"),
    (SoleProprietor, bundle_data, "mobile_phone"),
    (SoleProprietor, bundle_data, "vertical"),
    (Campaign, campaign_data, "service_name"),
    (Campaign, campaign_data, "campaign_description"),
    (Campaign, campaign_data, "message_flow"),
    (Campaign, campaign_data, "opt_in_message"),
    (Campaign, campaign_data, "opt_in_keywords"),
    (Campaign, campaign_data, "opt_out_message"),
    (Campaign, campaign_data, "help_message"),
    (Campaign, campaign_data, "privacy_policy_url"),
    (Campaign, campaign_data, "terms_url"),
    (Campaign, campaign_data, "phone_number"),
]


@pytest.mark.parametrize(("model", "data", "field"), TEXT_FIELDS)
@pytest.mark.parametrize("control", ["\x00", "\x07", "\x1b", "\x7f", "\x85", "\x9f"])
def test_control_characters_are_rejected_everywhere(
    model: type[BaseModel], data: Callable[..., dict[str, object]], field: str, control: str
) -> None:
    found = errors(model, data(**{field: f"abc{control}def"}))
    assert found.get(field) == "Remove control characters."


@pytest.mark.parametrize(("model", "data", "field"), TEXT_FIELDS)
def test_100_kb_strings_are_too_long_everywhere(
    model: type[BaseModel], data: Callable[..., dict[str, object]], field: str
) -> None:
    found = errors(model, data(**{field: BIG}))
    assert found[field].startswith("Too long: use at most ")
    assert "(this has 100000)" in found[field]


# --- round trips, field_errors, validate_field ---


def full_campaign() -> Campaign:
    return Campaign.model_validate(
        campaign_data(
            service_name="Zoë's Café reminders",
            samples=[
                "Hi Sam, your table is booked for 7pm.",
                "Your order is ready.\nSee you soon!",
                "Thanks!" * 3,
            ],
            has_embedded_links="yes",
            has_embedded_phone="0",
            opt_in_message="Thanks for joining! Reply STOP to opt out.",
            opt_in_keywords="start, join",
            opt_out_message="You are unsubscribed and will get no more messages.",
            opt_out_keywords=["stop", "end"],
            help_message="Zoë's Café: call (206) 555-0134 for help.",
            help_keywords="help,info",
            privacy_policy_url="https://example.com/privacy",
            terms_url="https://example.com/terms",
            phone_number="206-555-0134",
        )
    )


@pytest.mark.parametrize(
    "model",
    [
        StarterProfile.model_validate(profile_data(street2="Apt 4")),
        StarterProfile.model_validate(profile_data(country="CA", region="QC", postal_code="h2z1w2")),
        SoleProprietor.model_validate(bundle_data()),
        SoleProprietor.model_validate(bundle_data(vertical="")),
        Campaign.model_validate(campaign_data()),
        full_campaign(),
    ],
)
def test_json_round_trip(model: BaseModel) -> None:
    assert type(model).model_validate(model.model_dump(mode="json")) == model
    assert type(model).model_validate_json(model.model_dump_json()) == model


def test_field_errors_names_fields_and_samples() -> None:
    with pytest.raises(ValidationError) as info:
        Campaign.model_validate(campaign_data(samples=["short", "also short", "x"], message_flow="", extra=1))
    assert field_errors(info.value) == {
        "message_flow": "Describe how people opt in.",
        "sample_1": "Too short: use at least 20 characters (this has 5).",
        "sample_2": "Too short: use at least 20 characters (this has 10).",
        "sample_3": "Too short: use at least 20 characters (this has 1).",
        "extra": "This field is not recognised.",
    }


@pytest.mark.parametrize(
    ("model", "field", "value", "context", "expected"),
    [
        (StarterProfile, "first_name", "José", None, None),
        (StarterProfile, "first_name", "J0sé", None, "only letters"),
        (StarterProfile, "email", "nope", None, "@-sign"),
        (StarterProfile, "phone", "+44 20 7946 0958", None, "Only US and Canadian"),
        (StarterProfile, "region", "ON", {"country": "CA"}, None),
        (StarterProfile, "region", "ON", None, "ON is a Canadian province"),
        (StarterProfile, "region", "ON", {"country": "US"}, "ON is a Canadian province"),
        (StarterProfile, "postal_code", "k1a0b1", {"country": "CA"}, None),
        (StarterProfile, "postal_code", "k1a0b1", {"country": "US"}, "5-digit ZIP code"),
        (StarterProfile, "postal_code", "98101", None, None),
        (StarterProfile, "country", "mx", None, "Country must be US or CA."),
        (StarterProfile, "street2", "", None, None),
        (SoleProprietor, "brand_name", "bob@example.com", None, "email address"),
        (SoleProprietor, "vertical", "", None, None),
        (Campaign, "campaign_description", "too short", None, "at least 40"),
        (Campaign, "sample_2", "Your order is ready for pickup.", None, None),
        (Campaign, "sample_2", "short", None, "Too short"),
        (Campaign, "samples", ["Your order is ready for pickup."], None, "at least 2 sample messages"),
        (Campaign, "opt_in_keywords", "JOIN", {"opt_in_message": "Thanks for joining us today!"}, None),
        (Campaign, "opt_in_keywords", "JOIN", None, "Keywords need a reply"),
        (Campaign, "phone_number", "junk", None, "PN followed by 32 hex characters"),
    ],
)
def test_validate_field(
    model: type[BaseModel], field: str, value: object, context: dict | None, expected: str | None
) -> None:
    result = validate_field(model, field, value, context)
    if expected is None:
        assert result is None
    else:
        assert result is not None and expected in result


def test_validate_field_unknown_field() -> None:
    with pytest.raises(KeyError):
        validate_field(StarterProfile, "nickname", "Z")
