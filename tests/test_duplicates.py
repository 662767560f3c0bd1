"""The same person twice: import refuses (or with --allow-duplicates warns about) a row whose email, mobile, or
phone and name match a customer already there or an earlier row; the new-customer form warns; made keys never
take a key the file names."""

from __future__ import annotations

import json

import pytest

from tests.support import factories as f
from wizard.cli import main
from wizard.desk import Desk


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def keys(capsys) -> list[str]:
    return sorted(r["key"] for r in json.loads(run(capsys, "list", "--json")[1]))


def test_importing_the_same_keyless_file_twice_creates_nobody_twice(tmp_path, capsys):
    path = f.write_csv(tmp_path / "c.csv", [f.csv_row(k) | {"key": ""} for k in ("P1", "P2", "P3")])
    assert run(capsys, "import", str(path))[0] == 0
    code, out, err = run(capsys, "import", str(path))
    assert code == 1 and "Imported 0" in out
    assert "row 2 (José Nguyễn), email: Same email as customer C00001" in err and "--allow-duplicates" in err
    assert keys(capsys) == ["C00001", "C00002", "C00003"]
    code, out, err = run(capsys, "import", "--allow-duplicates", str(path))
    assert code == 0 and "Imported 3" in out
    assert "row 4 (José Nguyễn), email: warning: Same email as customer C00003" in err
    assert len(keys(capsys)) == 6


@pytest.mark.parametrize(("same", "field", "words"), [
    ({"email": "p1@example.com"}, "email", "email"),
    ({"mobile_phone": f.own_numbers("P1")["mobile_phone"]}, "mobile_phone", "mobile number"),
    ({"phone": f.own_numbers("P1")["phone"]}, "phone", "phone number and name"),
])
def test_a_row_like_an_earlier_row_of_the_file_is_refused(tmp_path, capsys, same, field, words):
    path = f.write_csv(tmp_path / "c.csv", [f.csv_row("P1"), f.csv_row("P2") | same])
    code, out, err = run(capsys, "import", str(path))
    assert code == 0 and "Imported 1" in out
    assert f"row 3 (P2), {field}: Same {words} as row 2 (P1)" in err
    assert keys(capsys) == ["P1"]


def test_the_same_phone_with_another_name_is_another_person(tmp_path, capsys):
    path = f.write_csv(tmp_path / "c.csv", [f.csv_row("P1"),
                                      f.csv_row("P2", phone=f.own_numbers("P1")["phone"], first_name="Ana")])
    assert run(capsys, "import", str(path))[0] == 0
    assert keys(capsys) == ["P1", "P2"]


def test_a_made_key_never_takes_a_key_named_later_in_the_file(tmp_path, capsys):
    rows = [f.csv_row("P1") | {"key": ""}, f.csv_row("P2") | {"key": ""}, f.csv_row("P3") | {"key": "C00002"}]
    code, out, err = run(capsys, "import", str(f.write_csv(tmp_path / "c.csv", rows)))
    assert code == 0 and "Imported 3" in out, err
    assert keys(capsys) == ["C00001", "C00002", "C00003"]
    shown = json.loads(run(capsys, "show", "C00002", "--json")[1])
    assert shown["inputs"]["profile"]["email"] == "p3@example.com"


async def test_the_new_customer_form_warns_about_the_same_person(runtime):
    desk = Desk(runtime)
    zoe = desk.create(f.profile(), f.bundle())
    values = f.profile_data() | {"phone": "(206) 555-7777"}
    found = [x for x in desk.form_findings(None, 1, values) if x.rule == "customer.duplicate"]
    assert [(x.severity, x.field) for x in found] == [("warn", "email")] and zoe.key in found[0].message
    assert not [x for x in desk.form_findings(zoe, 1, values) if x.rule == "customer.duplicate"]  # herself
    other = f.profile_data() | {"email": "someone.else@example.com", "first_name": "Ana"}
    assert not [x for x in desk.form_findings(None, 1, other) if x.rule == "customer.duplicate"]


@pytest.mark.parametrize("match", [{"email": "a@b.c"}, {"mobile": "+12065550100"},
                                   {"name": "Zoë Lefèvre-Côté", "phone": "+12065550134"}])
async def test_the_lookups_use_the_stores_indexes(runtime, match):
    plan = " ".join(str(r[-1]) for r in runtime.store._db.execute(
        f"EXPLAIN QUERY PLAN {runtime.store.holder_sql(match)}", match | {"exclude": None}))
    assert "USING INDEX" in plan and "SCAN customers" not in plan.replace("USING INDEX", ""), plan
