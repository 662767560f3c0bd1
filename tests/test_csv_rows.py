"""The CSV import format: row -> models, error reporting, export and formula neutralisation."""

import csv
import io

import pytest

from wizard.customer.csv_rows import (
    COLUMNS,
    LINE_LIMIT,
    REQUIRED_COLUMNS,
    ParsedRow,
    RowError,
    bounded_lines,
    explicit_keys,
    models_to_row,
    parse_rows,
    row_to_models,
)
from wizard.customer.spreadsheet import neutralise_formula

PN_SID = "PN" + "0123456789abcdef" * 2

PROFILE = {
    "first_name": "Zoë",
    "last_name": "Nguyễn",
    "email": "zoe@example.com",
    "phone": "(206) 555-0134",
    "street": "123 Main St",
    "city": "Seattle",
    "region": "WA",
    "postal_code": "98101",
    "country": "US",
}
BUNDLE = {"brand_name": "Zoë's Café", "mobile_phone": "206.555.0134", "vertical": "retail"}
CAMPAIGN = {
    "service_name": "Café reminders",
    "campaign_description": "Appointment reminders and updates for customers of Zoë's Café.",
    "message_flow": "Customers give their number at the counter and tick the SMS consent box.",
    "sample_1": "Hi Sam, your table is booked for 7pm.",
    "sample_2": "",
    "sample_3": "Your order is ready for pickup.",
    "has_embedded_links": "no",
    "has_embedded_phone": "YES",
    "opt_in_message": "Thanks for joining! Reply STOP to opt out.",
    "opt_in_keywords": "start, join",
    "privacy_policy_url": "https://example.com/privacy",
    "terms_url": "https://example.com/terms",
    "phone_number": PN_SID,
}


def to_csv(rows: list[dict[str, str]], columns: tuple[str, ...] = COLUMNS) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def test_full_row() -> None:
    parsed, errors = parse_rows(to_csv([{"key": "cust-1"} | PROFILE | BUNDLE | CAMPAIGN]))
    assert errors == []
    [row] = parsed
    assert (row.row, row.key) == (2, "cust-1")
    assert row.profile.phone == "+12065550134"
    assert row.bundle is not None and row.bundle.vertical == "RETAIL"
    assert row.campaign is not None
    assert row.campaign.samples == [
        "Hi Sam, your table is booked for 7pm.",
        "Your order is ready for pickup.",
    ]
    assert (row.campaign.has_embedded_links, row.campaign.has_embedded_phone) == (False, True)
    assert row.campaign.opt_in_keywords == ["START", "JOIN"]
    assert row.campaign.phone_number == PN_SID


def test_later_steps_may_be_empty() -> None:
    parsed, errors = parse_rows(to_csv([PROFILE]))
    assert errors == []
    assert (parsed[0].key, parsed[0].bundle, parsed[0].campaign) == (None, None, None)


def test_only_step_1_columns_are_needed() -> None:
    parsed, errors = parse_rows(to_csv([{c: PROFILE[c] for c in REQUIRED_COLUMNS}], REQUIRED_COLUMNS))
    assert errors == []
    assert parsed[0].profile.country == "US"
    assert parsed[0].profile.street2 is None


def test_empty_country_means_us_and_canada_works() -> None:
    rows = [PROFILE | {"country": ""}, PROFILE | {"country": "ca", "region": "on", "postal_code": "k1a0b1"}]
    parsed, errors = parse_rows(to_csv(rows))
    assert errors == []
    assert [(p.profile.country, p.profile.region, p.profile.postal_code) for p in parsed] == [
        ("US", "WA", "98101"),
        ("CA", "ON", "K1A 0B1"),
    ]


def test_blank_brand_name_defaults_to_the_person() -> None:
    parsed, errors = parse_rows(to_csv([PROFILE | {"mobile_phone": "2065550134"}]))
    assert errors == []
    assert parsed[0].bundle is not None
    assert parsed[0].bundle.brand_name == "Zoë Nguyễn"
    assert parsed[0].bundle.vertical is None


def test_bundle_with_only_a_vertical_needs_the_mobile_phone() -> None:
    assert parse_rows(to_csv([PROFILE | {"vertical": "RETAIL"}])) == (
        [],
        [RowError(2, "mobile_phone", "Enter a phone number.")],
    )


def test_blank_brand_name_is_not_blamed_when_the_profile_is_bad() -> None:
    parsed, errors = parse_rows(to_csv([PROFILE | {"first_name": "R2D2", "mobile_phone": "2065550134"}]))
    assert parsed == []
    assert [(e.row, e.field) for e in errors] == [(2, "first_name")]


def test_partial_campaign_is_validated() -> None:
    _, errors = parse_rows(to_csv([PROFILE | {"campaign_description": "Too short."}]))
    assert {e.field: e.message for e in errors} == {
        "campaign_description": "Too short: use at least 40 characters (this has 10).",
        "message_flow": "Describe how people opt in.",
        "samples": "Give at least 2 sample messages (found 0).",
        "privacy_policy_url": "Enter the https:// address of the customer's privacy policy page: Twilio refuses "
                              "campaigns without one (error 30933).",
        "terms_url": "Enter the https:// address of the customer's terms and conditions page: Twilio refuses "
                     "campaigns without one (error 30934).",
    }


def test_every_bad_field_of_a_row_is_reported() -> None:
    row = (
        PROFILE
        | BUNDLE
        | CAMPAIGN
        | {
            "key": "bad key",
            "email": "zoe@",
            "region": "ON",
            "brand_name": "zoe@example.com",
            "sample_3": "Too short",
            "has_embedded_links": "maybe",
            "opt_in_keywords": "STOP!",
            "phone_number": "junk",
        }
    )
    parsed, errors = parse_rows(to_csv([row]))
    assert parsed == []
    assert {e.row for e in errors} == {2}
    assert [e.field for e in errors] == [
        "key",
        "email",
        "region",
        "brand_name",
        "sample_3",
        "has_embedded_links",
        "opt_in_keywords",
        "phone_number",
    ]
    messages = {e.field: e.message for e in errors}
    assert "ON is a Canadian province" in messages["region"]
    assert "must not be an email address" in messages["brand_name"]
    assert "PN followed by 32 hex characters" in messages["phone_number"]


def test_good_rows_survive_bad_rows_with_spreadsheet_row_numbers() -> None:
    rows = [
        PROFILE | {"key": "a"},
        PROFILE | {"key": "b", "phone": "12345"},
        PROFILE | {"key": "c"},
        PROFILE | {"key": "d", "postal_code": "ABCDE", "mobile_phone": "+44 20 7946 0958"},
    ]
    parsed, errors = parse_rows(to_csv(rows))
    assert [(p.row, p.key) for p in parsed] == [(2, "a"), (4, "c")]
    assert [(e.row, e.field) for e in errors] == [(3, "phone"), (5, "postal_code"), (5, "mobile_phone")]


def test_blank_rows_are_skipped_but_still_counted() -> None:
    text = to_csv([PROFILE]) + "\r\n" + ",,,\r\n" + to_csv([PROFILE | {"city": ""}]).split("\r\n", 1)[1]
    parsed, errors = parse_rows(text)
    assert [p.row for p in parsed] == [2]
    assert errors == [RowError(5, "city", "Enter a city.")]


def test_multiline_cells_count_as_one_row() -> None:
    rows = [PROFILE | CAMPAIGN | {"sample_1": "Line one of the sample,\nline two."}, PROFILE | {"city": ""}]
    parsed, errors = parse_rows(to_csv(rows))
    assert parsed[0].campaign is not None
    assert parsed[0].campaign.samples[0] == "Line one of the sample,\nline two."
    assert [(e.row, e.field) for e in errors] == [(3, "city")]


def test_utf8_bom_and_loose_header() -> None:
    text = "\ufeff" + to_csv([PROFILE]).replace("first_name", " First_Name ", 1)
    parsed, errors = parse_rows(text)
    assert errors == []
    assert parsed[0].profile.first_name == "Zoë"


def test_lines_from_a_file() -> None:
    data = ("\ufeff" + to_csv([PROFILE, PROFILE | {"key": "k2"}])).encode("utf-8")
    with io.TextIOWrapper(io.BytesIO(data), encoding="utf-8", newline="") as lines:
        parsed, errors = parse_rows(lines)
    assert errors == []
    assert [p.key for p in parsed] == [None, "k2"]


@pytest.mark.parametrize(
    ("header", "phrase"),
    [
        ((*COLUMNS, "nickname"), "Unknown column(s): 'nickname'."),
        (
            tuple(c.replace("first_name", "fist_name") for c in COLUMNS),
            "'fist_name' (did you mean first_name?)",
        ),
        ((*COLUMNS, "email"), "Column(s) appear more than once: email."),
        (tuple(c for c in COLUMNS if c not in ("email", "city")), "Missing required column(s): email, city."),
    ],
)
def test_header_problems_reject_the_whole_file(header: tuple[str, ...], phrase: str) -> None:
    text = ",".join(header) + "\r\n" + ",".join("x" for _ in header) + "\r\n"
    parsed, errors = parse_rows(text)
    assert parsed == []
    assert {(e.row, e.field) for e in errors} == {(1, "")}
    assert any(phrase in e.message for e in errors)


def test_empty_file() -> None:
    assert parse_rows("") == (
        [],
        [RowError(1, "", "The file is empty: it needs a header row with the column names.")],
    )


def test_unnamed_header_columns_are_fine_while_empty() -> None:
    text = ",".join(REQUIRED_COLUMNS) + ",\r\n" + ",".join(PROFILE[c] for c in REQUIRED_COLUMNS)
    assert parse_rows(text + ",\r\n")[1] == []
    assert parse_rows(text + ",surprise\r\n")[1] == [
        RowError(2, "", "This cell has no column name in the header.")
    ]


def test_short_and_long_rows() -> None:
    header = ",".join(REQUIRED_COLUMNS)
    good = ",".join(PROFILE[c] for c in REQUIRED_COLUMNS)
    text = f"{header}\r\n{good},,\r\n{good},extra\r\nZoë,Nguyễn\r\n"
    parsed, errors = parse_rows(text)
    assert [p.row for p in parsed] == [2]
    assert errors[0] == RowError(3, "", "This row has 9 cells; the header has 8.")
    assert {(e.row, e.field) for e in errors[1:]} == {
        (4, f) for f in ("email", "phone", "street", "city", "region", "postal_code")
    }


@pytest.mark.parametrize(
    ("key", "ok"),
    [("cust-1", True), ("A.b_C-9", True), ("k" * 40, True), ("k" * 41, False), ("has space", False),
     ("ключ", False), ("a/b", False), (".", False), ("..", False), ("...", False), (".a", True)],
)  # fmt: skip
def test_key_format(key: str, ok: bool) -> None:
    parsed, errors = parse_rows(to_csv([PROFILE | {"key": key}]))
    if ok:
        assert [p.key for p in parsed] == [key]
    else:
        assert errors == [RowError(2, "key", "A key is 1-40 letters, digits, dots, underscores or hyphens, not dots "
                                                  "only.")]


def test_duplicate_keys() -> None:
    parsed, errors = parse_rows(
        to_csv([PROFILE | {"key": "k1"}, PROFILE | {"key": "k2"}, PROFILE | {"key": "k1"}])
    )
    assert [p.key for p in parsed] == ["k1", "k2"]
    assert errors == [RowError(4, "key", "Key k1 is already used on row 2.")]


def test_100_kb_cell() -> None:
    _, errors = parse_rows(to_csv([PROFILE | CAMPAIGN | {"sample_3": "s" * 100_000}]))
    assert errors == [RowError(2, "sample_3", "Too long: use at most 1024 characters (this has 100000).")]


def test_unreadable_csv_keeps_earlier_rows() -> None:
    text = to_csv(
        [PROFILE, PROFILE | {"street": "s" * 200_000}, PROFILE]
    )  # over the csv module's field limit
    parsed, errors = parse_rows(text)
    assert [p.row for p in parsed] == [2]
    assert len(errors) == 1
    assert errors[0].row == 3
    assert "could not be read as CSV" in errors[0].message


class _Reads(io.StringIO):
    """A text stream that remembers the most characters one read asked for."""

    most = 0

    def readline(self, size: int | None = -1, /) -> str:
        line = super().readline(size)
        self.most = max(self.most, len(line))
        return line


def test_a_line_past_the_cap_is_never_read_whole_and_ends_the_import_with_a_message() -> None:
    good = to_csv([PROFILE])
    header, row = good.splitlines(keepends=True)
    stream = _Reads(header + row + "," * 5_000_000 + "\n" + row)  # one 5 MB line, with no cell too long for csv
    parsed, errors = parse_rows(bounded_lines(stream, 10_000))
    assert [p.row for p in parsed] == [2] and stream.most <= 10_001
    assert errors == [RowError(3, "", "This row could not be read as CSV (line 3 of the file is longer than 10,000 "
                                      "characters); the rest of the file was skipped.")]
    assert list(explicit_keys(bounded_lines(_Reads(header + "," * 20_000 + "\n"), 10_000))) == []


def test_the_line_cap_leaves_room_for_any_real_row() -> None:
    assert 20 * len(to_csv([PROFILE | CAMPAIGN])) <= LINE_LIMIT
    parsed, _ = parse_rows(bounded_lines(io.StringIO(to_csv([PROFILE | CAMPAIGN] * 3))))
    assert len(parsed) == 3


def test_control_characters_in_cells() -> None:
    _, errors = parse_rows(to_csv([PROFILE | {"city": "Seattle\x00", "street2": "Apt\x1b4"}]))
    assert {(e.field, e.message) for e in errors} == {
        ("city", "Remove control characters."),
        ("street2", "Remove control characters."),
    }


def test_row_to_models_for_json_objects() -> None:
    row: dict[str, object] = {
        **PROFILE,
        "postal_code": 98101,
        "street2": None,
        **CAMPAIGN,
        "has_embedded_links": True,
        "nickname": "Z",
        "empty_extra": "",
    }
    assert row_to_models(row, 7) == [RowError(7, "nickname", "Unknown column.")]
    del row["nickname"]
    result = row_to_models(row, 7)
    assert isinstance(result, ParsedRow)
    assert result.profile.postal_code == "98101"
    assert result.campaign is not None and result.campaign.has_embedded_links is True


def test_row_to_models_reports_missing_step_1_fields() -> None:
    result = row_to_models({"first_name": "Zoë"}, 2)
    assert isinstance(result, list)
    assert [e.field for e in result] == [
        "last_name",
        "email",
        "phone",
        "street",
        "city",
        "region",
        "postal_code",
    ]


# --- export ---


def parsed_full_row() -> ParsedRow:
    extra = {
        "help_message": "Call (206) 555-0134 for help.",
        "help_keywords": "help,info",
        "sample_5": "-5% today only, Sam!",
    }
    parsed, errors = parse_rows(to_csv([{"key": "cust-1"} | PROFILE | BUNDLE | CAMPAIGN | extra]))
    assert errors == []
    return parsed[0]


def test_models_to_row() -> None:
    row = parsed_full_row()
    exported = models_to_row(row.key, row.profile, row.bundle, row.campaign)
    assert tuple(exported) == COLUMNS
    assert exported["phone"] == "+12065550134"
    assert exported["vertical"] == "RETAIL"
    assert [exported[f"sample_{n}"] for n in range(1, 6)] == [
        "Hi Sam, your table is booked for 7pm.",
        "Your order is ready for pickup.",
        "-5% today only, Sam!",
        "",
        "",
    ]
    assert (exported["has_embedded_links"], exported["has_embedded_phone"]) == ("false", "true")
    assert exported["opt_in_keywords"] == "START,JOIN"
    assert exported["opt_out_keywords"] == exported["street2"] == ""
    assert exported["terms_url"] == "https://example.com/terms"


def test_models_to_row_leaves_missing_steps_empty() -> None:
    row = parsed_full_row()
    exported = models_to_row(None, row.profile, None, None)
    assert exported["key"] == ""
    assert all(exported[c] == "" for c in COLUMNS[COLUMNS.index("brand_name") :])


@pytest.mark.parametrize("steps", [3, 2, 1])
def test_export_then_import_round_trip(steps: int) -> None:
    row = parsed_full_row()
    bundle = row.bundle if steps >= 2 else None
    campaign = row.campaign if steps >= 3 else None
    exported = models_to_row(row.key, row.profile, bundle, campaign)
    text = to_csv([{c: neutralise_formula(v) for c, v in exported.items()}])
    assert "'+12065550134" in text
    parsed, errors = parse_rows(text)
    assert errors == []
    assert parsed == [ParsedRow(2, row.key, row.profile, bundle, campaign)]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ('=HYPERLINK("http://evil")', '\'=HYPERLINK("http://evil")'),
        ("+12065550134", "'+12065550134"),
        ("-5", "'-5"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("plain", "plain"),
        ("a=b", "a=b"),
        ("'quoted", "'quoted"),
        ("", ""),
    ],
)
def test_neutralise_formula(value: str, expected: str) -> None:
    assert neutralise_formula(value) == expected
