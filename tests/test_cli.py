"""The command line: every command, its output, its errors and exit statuses."""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.support import factories as f
from wizard.cli import main
from wizard.cli.parser import build_parser, opening_the_app


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def customers_csv(tmp_path: Path, n: int = 3) -> Path:
    return f.write_csv(tmp_path / "customers.csv", [
        f.csv_row(f"K{i}", mobile_phone=f"(206) 555-01{50 + i}", phone_number=f"+1206555010{i}") for i in range(n)
    ])


@pytest.mark.slow
def test_scripted_batch_reaches_verified_campaigns_with_one_of_each_resource(tmp_path, isolated):
    """The issue's own script, as separate processes: import, then advance / clock / reply-yes until done."""
    env = {**os.environ, "A2P_WIZARD_HOME": str(isolated), "A2P_SANDBOX_SPEED": "1"}

    def cli(*argv: str) -> str:
        result = subprocess.run([sys.executable, "-m", "wizard", *argv], env=env, capture_output=True,
                                text=True, timeout=120)
        assert result.returncode == 0, result.stderr
        return result.stdout

    cli("import", str(customers_csv(tmp_path, 3)))
    for _ in range(6):
        cli("advance", "--all", "--yes")
        rows = json.loads(cli("list", "--json"))
        if all(r["done"] for r in rows):
            break
        for r in rows:
            if r["step_status"] == "APPROVED/UNVERIFIED":
                cli("sandbox", "reply-yes", r["key"])
        cli("sandbox", "clock", "+12h")
    rows = json.loads(cli("list", "--json"))
    assert [(r["key"], r["done"], r["step_status"]) for r in rows] == [(f"K{i}", True, "VERIFIED") for i in range(3)]
    dump = json.loads(cli("sandbox", "dump", "--json"))
    mine = {kind: [i for i in items if ":K" in (i.get("friendly_name") or "")] for kind, items in dump.items()}
    for kind in ("customer_profiles", "trust_products", "addresses", "supporting_documents", "messaging_services"):
        assert len(mine[kind]) == 3, kind
    assert len(mine["end_users"]) == 6
    assert len(dump["brand_registrations"]) == 3 and len(dump["campaigns"]) == 3
    shown = json.loads(cli("show", "K1", "--json"))
    assert set(shown["sids"]) >= {"profile", "profile_end_user", "address", "address_document", "bundle",
                                  "bundle_end_user", "brand", "service", "phone_number", "service_number", "campaign"}
    assert shown["sids"]["brand"] in {b["sid"] for b in dump["brand_registrations"]}


def test_list_on_an_empty_store_says_what_to_do(capsys):
    code, out, _ = run(capsys, "list")
    assert code == 0 and "No customers yet" in out
    assert run(capsys, "list", "--json")[1].strip() == "[]"


def test_import_reports_bad_rows_with_row_and_field_and_keeps_good_ones(capsys, tmp_path):
    rows = [f.csv_row("A1"), f.csv_row("A2", phone="12345", region="ZZ"), f.csv_row("A3")]
    code, out, err = run(capsys, "import", str(f.write_csv(tmp_path / "c.csv", rows)))
    assert code == 0
    assert "Imported 2 customer(s): A1 … A3" in out
    assert "row 3 (A2), phone:" in err and "row 3 (A2), region:" in err
    assert [r["key"] for r in json.loads(run(capsys, "list", "--json")[1])] == ["A1", "A3"]


def test_import_reports_readiness_findings_per_row(capsys, tmp_path):
    rows = [f.csv_row("B1", brand_name="José Nguyễn LLC")]
    code, out, _ = run(capsys, "import", str(f.write_csv(tmp_path / "c.csv", rows)))
    assert code == 0 and "row 2 (B1), brand_name: [block]" in out and "LLC" in out


def test_import_of_only_bad_rows_fails(capsys, tmp_path):
    code, out, err = run(capsys, "import", str(f.write_csv(tmp_path / "c.csv", [f.csv_row("X", email="nope")])))
    assert code == 1 and "row 2 (X), email:" in err and "Imported 0" in out


def test_import_keeps_the_first_errors_and_counts_the_rest(capsys, tmp_path, monkeypatch):
    """Memory bounded whatever the number of bad rows: the first KEPT_ERRORS errors are kept, every one counted."""
    from wizard.flow import importing

    monkeypatch.setattr(importing, "KEPT_ERRORS", 5)
    bad = [f.csv_row(f"B{i}", email="nope", phone="12345") for i in range(40)]  # two errors a row
    rows = [f.csv_row("G1"), *bad[:20], f.csv_row("G2"), *bad[20:], f.csv_row("G1", street="9 Elm St")]
    code, out, err = run(capsys, "import", str(f.write_csv(tmp_path / "c.csv", rows)))
    assert code == 0 and "Imported 2 customer(s): G1 … G2" in out
    lines = err.splitlines()
    assert len(lines) == 6 and lines[:2] == ["row 3 (B0), email: " + lines[0].split(": ", 1)[1], lines[1]]
    assert lines[-1] == "… and 76 more error(s), not shown."  # 40 rows × 2 + the key used again − 5 kept
    assert "Rejected rows: 3 (B0), 4 (B1), 5 (B2) (3) and 38 more row(s) — the first with its reason on stderr." in out


def test_import_holds_the_keys_a_file_names_on_disk_not_in_memory(capsys, tmp_path, monkeypatch):
    """The keys a file names reach a KeySet (SQLite, spilled to a temporary file) as a stream, never gathered in a
    Python collection first (a set of a million keys: ~100 MB). What that saves: bench/bench_import_keys.py."""
    from collections.abc import Iterable

    from storage.key_set import KeySet
    from wizard import desk

    given: list[Iterable[str]] = []

    class Spy(KeySet):
        def __init__(self, keys: Iterable[str]) -> None:
            given.append(keys)
            super().__init__(keys)

    monkeypatch.setattr(desk, "KeySet", Spy)
    rows = [f.csv_row("K1"), {**f.csv_row("X"), "key": ""}, f.csv_row("K2", email="b@example.com")]
    code, out, err = run(capsys, "import", str(f.write_csv(tmp_path / "c.csv", rows)))
    assert code == 0 and "Imported 3" in out, out + err
    [keys] = given
    assert isinstance(keys, Iterator), type(keys)  # not a set, list or tuple read whole before


def test_keys_made_for_keyless_rows_skip_the_keys_the_file_names(capsys, tmp_path):
    rows = [{**f.csv_row("X"), "key": ""}, f.csv_row("C00001", email="b@example.com", phone="(212) 234-5679",
                                                     mobile_phone="+12122345679")]
    code, out, err = run(capsys, "import", str(f.write_csv(tmp_path / "c.csv", rows)))
    assert code == 0 and "Imported 2 customer(s): C00002 … C00001" in out, out + err


def test_import_reads_no_line_past_the_cap(capsys, tmp_path):
    path = f.write_csv(tmp_path / "c.csv", [f.csv_row("L1")])
    with path.open("a", encoding="utf-8") as out:
        out.write("," * 1_000_001 + "\n")
    code, out, err = run(capsys, "import", str(path))
    assert code == 0 and "Imported 1 customer(s): L1" in out
    assert "line 3 of the file is longer than 1,000,000 characters" in err and "Traceback" not in err


def test_import_refuses_a_key_that_exists(capsys, tmp_path):
    path = f.write_csv(tmp_path / "c.csv", [f.csv_row("D1")])
    run(capsys, "import", str(path))
    code, _, err = run(capsys, "import", str(path))
    assert code == 1 and "already exists" in err


def test_import_of_a_missing_or_binary_file_is_a_clear_error(capsys, tmp_path):
    code, _, err = run(capsys, "import", str(tmp_path / "missing.csv"))
    assert code == 1 and "cannot read" in err and "Traceback" not in err
    (tmp_path / "bin.csv").write_bytes(b"\xff\xfe\x00bad")
    code, _, err = run(capsys, "import", str(tmp_path / "bin.csv"))
    assert code == 1 and "not UTF-8" in err


def test_advance_one_then_show_and_refresh(capsys, tmp_path):
    run(capsys, "import", str(customers_csv(tmp_path, 1)))
    code, out, _ = run(capsys, "advance", "K0")
    assert code == 0 and "K0: ✓ create the starter profile" in out and "Waiting for Twilio" in out
    code, out, _ = run(capsys, "show", "K0")
    assert code == 0 and "SIDS" in out and "JOURNAL" in out and "profile.create" in out and "$4.50" in out
    shown = json.loads(run(capsys, "show", "K0", "--json")[1])
    assert shown["stage"] == 3 and shown["sids"]["brand"].startswith("BN")
    assert shown["ledger"][0]["amount"] == 4.5 and shown["free_brand_updates_left"] == 3
    run(capsys, "sandbox", "clock", "+1h")
    code, out, _ = run(capsys, "refresh", "K0")
    assert code == 0 and "read the brand status" in out and "reply YES" in out
    assert json.loads(run(capsys, "list", "--json")[1])[0]["otp"] == "23 h left"


def test_the_end_of_input_at_offboards_question_is_a_no(capsys, tmp_path, monkeypatch):
    """ctrl+d at `Offboard K0? [y/N]` answers no, as at every other question: no traceback, nothing deleted."""
    run(capsys, "import", str(customers_csv(tmp_path, 1)))
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)

    def end_of_input(prompt: str) -> str:
        raise EOFError

    monkeypatch.setattr("builtins.input", end_of_input)
    code, out, err = run(capsys, "offboard", "K0")
    assert code == 1 and "Nothing was deleted." in out and "Traceback" not in err


@pytest.mark.slow
def test_refresh_all_and_otp_resend(capsys, tmp_path):
    run(capsys, "import", str(customers_csv(tmp_path, 2)))
    run(capsys, "advance", "--all", "--yes")
    code, _, _ = run(capsys, "otp", "resend", "K0")
    assert code == 1  # the brand is not APPROVED yet
    run(capsys, "sandbox", "clock", "+26h")
    code, out, _ = run(capsys, "refresh", "--all")
    assert code == 0 and "Refreshed 2 customer(s)" in out
    rows = json.loads(run(capsys, "list", "--json")[1])
    assert rows[0]["otp"] == "lapsed" and "lapsed" in rows[0]["next_action"]
    code, out, _ = run(capsys, "otp", "resend", "K0")
    assert code == 0 and "resend the one-time passcode" in out
    rows = {r["key"]: r for r in json.loads(run(capsys, "list", "--json")[1])}
    assert rows["K0"]["otp"] == "23 h left"
    assert rows["K0"]["otp_resends"] == 1
    assert run(capsys, "sandbox", "reply-yes", "K0")[0] == 0
    assert run(capsys, "sandbox", "reply-yes", "K1")[0] == 1  # K1's passcode lapsed and was not resent


def test_unknown_key_is_a_handled_error(capsys):
    for argv in (("show", "NOPE"), ("advance", "NOPE"), ("refresh", "NOPE"), ("otp", "resend", "NOPE"),
                 ("sandbox", "reply-yes", "NOPE"), ("lint", "--customer", "NOPE")):
        code, _, err = run(capsys, *argv)
        assert code == 1 and "no customer with key 'NOPE'" in err, argv


def test_usage_errors_exit_2(capsys):
    for argv in (("advance",), ("advance", "K1", "--all"), ("frobnicate",), ("sandbox",), ("otp",)):
        with pytest.raises(SystemExit) as exit_info:
            main(list(argv))
        assert exit_info.value.code == 2, argv
    capsys.readouterr()


def test_sandbox_clock_reads_durations_and_refuses_junk(capsys):
    before = datetime.now(UTC)
    code, out, _ = run(capsys, "sandbox", "clock", "+25h")
    assert code == 0 and out.startswith("Sandbox clock is now ")
    moved = datetime.fromisoformat(out.removeprefix("Sandbox clock is now ").strip().rstrip("."))
    assert timedelta(hours=24, minutes=59) <= moved - before <= timedelta(hours=25, minutes=5)
    code, _, err = run(capsys, "sandbox", "clock", "soon")
    assert code == 1 and "+12h" in err


def test_sandbox_commands_refuse_live_mode(capsys):
    code, _, err = run(capsys, "--live", "sandbox", "dump")
    assert code == 1 and "sandbox mode only" in err


def test_live_mode_without_credentials_says_what_to_set(capsys):
    code, _, err = run(capsys, "--live", "list")
    assert code == 1 and "TWILIO_ACCOUNT_SID" in err and "Traceback" not in err


def test_sandbox_dump_lists_seeded_resources(capsys):
    dump = json.loads(run(capsys, "sandbox", "dump", "--json")[1])
    assert set(dump) == {"customer_profiles", "trust_products", "end_users", "addresses", "supporting_documents",
                         "brand_registrations", "messaging_services", "campaigns", "incoming_phone_numbers"}
    assert len(dump["incoming_phone_numbers"]) >= 3 and all("sid" in i for i in dump["incoming_phone_numbers"])
    code, out, _ = run(capsys, "sandbox", "dump")
    assert code == 0 and "incoming_phone_numbers" in out


def test_locate_prints_every_path_under_the_data_dir(capsys, isolated):
    code, out, _ = run(capsys, "locate")
    assert code == 0
    for label in ("store:", "config:", "logs:", "sandbox:"):
        assert label in out
    assert str(isolated) in out


def test_data_dir_option_overrides_the_environment(capsys, tmp_path):
    other = tmp_path / "elsewhere"
    code, out, _ = run(capsys, "--data-dir", str(other), "locate")
    assert code == 0 and str(other) in out
    assert (other / "a2p-wizard.db").exists()


def test_lint_a_json_file(capsys, tmp_path):
    good = {**f.csv_row("L1"), "sample_1": "José's Tutoring: lesson at 4pm tomorrow. Reply STOP to opt out."}
    path = tmp_path / "good.json"
    path.write_text(json.dumps(good))
    code, out, _ = run(capsys, "lint", str(path), "--json")
    assert code == 0 and json.loads(out)["findings"] == []
    bad = {**good, "brand_name": "Tutoring Inc.", "sample_2": "Book now at bit.ly/abc, reply STOP to opt out"}
    path.write_text(json.dumps(bad))
    code, out, _ = run(capsys, "lint", str(path), "--json")
    findings = json.loads(out)["findings"]
    assert code == 1
    assert {"brand.entity-suffix", "campaign.url-shortener"} <= {x["rule"] for x in findings}
    assert set(findings[0]) == {"rule", "severity", "field", "message", "twilio_error"}
    code, out, _ = run(capsys, "lint", str(path))
    assert code == 1 and "[block] brand.entity-suffix brand_name" in out


def test_lint_warnings_alone_exit_0(capsys, tmp_path):
    row = {**f.csv_row("W1"), "sample_1": "Lesson at 4pm tomorrow, see you then.",
           "sample_2": "Homework for this week is posted online."}
    path = tmp_path / "warn.json"
    path.write_text(json.dumps(row))
    code, out, _ = run(capsys, "lint", str(path), "--json")
    rules = {x["rule"]: x["severity"] for x in json.loads(out)["findings"]}
    assert code == 0 and rules.get("campaign.no-opt-out-sample") == "warn"
    assert set(rules.values()) == {"warn"}


def test_lint_refuses_bad_files(capsys, tmp_path):
    (tmp_path / "x.json").write_text("[1, 2]")
    assert run(capsys, "lint", str(tmp_path / "x.json"))[0] == 1
    (tmp_path / "y.json").write_text("{not json")
    code, _, err = run(capsys, "lint", str(tmp_path / "y.json"))
    assert code == 1 and "not a JSON file" in err


def test_lint_a_stored_customer_and_the_advance_gate(capsys, tmp_path):
    rows = [f.csv_row("G1", brand_name="Nguyễn Tutoring LLC")]
    run(capsys, "import", str(f.write_csv(tmp_path / "c.csv", rows)))
    code, out, _ = run(capsys, "lint", "--customer", "G1")
    assert code == 1 and "brand.entity-suffix" in out
    code, out, _ = run(capsys, "advance", "G1")
    assert "Not submitted" in out and "LLC" in out
    shown = json.loads(run(capsys, "show", "G1", "--json")[1])
    assert shown["stage"] == 2 and shown["statuses"]["bundle"] == "draft"
    dump = json.loads(run(capsys, "sandbox", "dump", "--json")[1])
    assert [t["status"] for t in dump["trust_products"]] == ["draft"]


@pytest.mark.slow
def test_python_dash_m_runs_the_same_cli(isolated):
    result = subprocess.run([sys.executable, "-m", "wizard", "locate"], capture_output=True, text=True, timeout=60,
                            env={**os.environ, "A2P_WIZARD_HOME": str(isolated)})
    assert result.returncode == 0 and "store:" in result.stdout


def test_advance_shows_the_playbook_of_a_twilio_error(capsys, tmp_path):
    rows = [f.csv_row("P1", brand_name="Failsafe Tutoring", phone_number="+12065550101")]
    run(capsys, "import", str(f.write_csv(tmp_path / "c.csv", rows)))
    run(capsys, "advance", "P1")
    run(capsys, "sandbox", "clock", "+1h")
    code, out, _ = run(capsys, "advance", "P1")
    assert code == 0 and "stage 3 — Brand FAILED (30701): correct the details" in out
    assert out.count("was rejected by TCR") == 1  # Twilio's reason said once: in the problem, with its playbook
    assert "P1:   → 30701" in out and "(redo step" in out  # the playbook: what to change, which step
    assert "https://www.twilio.com/docs/api/errors/30701" in run(capsys, "show", "P1")[1]


def test_numbers_available_lists_what_buy_would_get_in_an_area_code(capsys, tmp_path):
    code, out, _ = run(capsys, "numbers", "available", "--area-code", "212")
    assert code == 0 and "+12125550200" in out and "$1.15 a month" in out
    code, out, _ = run(capsys, "numbers", "available", "--area-code", "212", "--json")
    listed = json.loads(out)
    assert listed["area_code"] == "212" and len(listed["numbers"]) == 20 and listed["monthly_price"] == 1.15
    code, _, err = run(capsys, "numbers", "available", "--area-code", "416")
    assert code == 1 and "not a US area code" in err


def test_policy_writes_starter_pages_with_every_disclosure_reviewers_look_for(capsys, tmp_path):
    run(capsys, "import", str(customers_csv(tmp_path, 1)))
    key = json.loads(run(capsys, "list", "--json")[1])[0]["key"]
    code, out, _ = run(capsys, "policy", key, "--out", str(tmp_path / "pages"))
    assert code == 0 and "review them" in out
    files = sorted(p.name for p in (tmp_path / "pages").iterdir())
    assert files == ["privacy.html", "privacy.md", "terms.html", "terms.md"]
    privacy, terms = ((tmp_path / "pages" / name).read_text() for name in ("privacy.md", "terms.md"))
    for text in (privacy, terms):
        assert "not legal advice" in text and "STOP" in text and "HELP" in text
        assert "Message and data rates may apply" in text and "frequency" in text.lower()
    assert "No mobile information will be shared with third parties or affiliates for marketing" in privacy


HOSTILE_FLOWS = [
    "Clients opt in on our web form with a checkbox. <!--",
    "Clients opt in <script>alert(1)</script> on our web form with a checkbox.",
    "Clients opt in <iframe src=https://evil.example/> on our web form with a checkbox.",
    "Clients opt in on [our form](javascript:alert(1)) with a checkbox.",
    "Clients opt in on our web form with a checkbox.\n# Injected heading\n<style>p{display:none}</style>",
]


@pytest.mark.parametrize("flow", HOSTILE_FLOWS)
def test_policy_markdown_shows_markup_as_typed_and_lint_blocks_it(capsys, tmp_path, flow):
    """Rendered as Markdown (markdown-it, CommonMark), the pages hold no tag, link or heading of the customer's,
    and every disclosure stays visible; `lint` blocks the text, which would hide them on a page made from it."""
    from markdown_it import MarkdownIt

    from wizard.customer.page_check import page_text

    row = f.csv_row("HOST1", message_flow=flow, campaign_description=flow.replace("Clients opt", "Dog walks. We"))
    assert run(capsys, "import", str(f.write_csv(tmp_path / "c.csv", [row])))[0] == 0
    assert run(capsys, "policy", "HOST1", "--out", str(tmp_path / "pages"))[0] == 0
    for name in ("privacy", "terms"):
        rendered = MarkdownIt("commonmark").render((tmp_path / "pages" / f"{name}.md").read_text())
        assert not re.search(r"<(script|iframe|style|a )|<!--|<h1>[^<]*Injected|<h\d>Injected", rendered)
        words = page_text(rendered, "text/html")
        for needed in ("STOP", "HELP", "frequency", "Message and data rates may apply"):
            assert needed in words, (needed, words)
        assert name == "terms" or "No mobile information will be shared with third parties" in words
    code, out, _ = run(capsys, "lint", "--customer", "HOST1")
    assert code == 1 and "[block] campaign.markup message_flow" in out and "No findings" not in out


def test_policy_pages_escape_what_the_operator_typed():
    from wizard.customer.policy_pages import pages

    privacy = pages(f.profile(), f.bundle(brand_name="Zoë <script>alert(1)</script> & Co-op"), None)[0].html()
    assert "<script>" not in privacy and "&lt;script&gt;" in privacy and "&amp; Co-op" in privacy


async def test_the_time_the_operator_takes_to_answer_is_not_counted_against_the_commands_deadline():
    import asyncio
    import time

    from wizard.cli.commands import _BUDGET, _not_counted

    async with asyncio.timeout(0.5) as budget:
        _BUDGET.set(budget)
        with _not_counted():
            time.sleep(0.6)  # the operator reading `advance --all`'s question: input() holds the loop as this does
        await asyncio.sleep(0)  # the first deadline is past: the command would be stopped here
    assert not budget.expired()


def test_import_names_each_rejected_row_by_its_key_or_its_name(capsys, tmp_path):
    rows = [f.csv_row("", email="nope", first_name="Zoë", last_name="Lefèvre"), f.csv_row("K7", phone="12345")]
    code, out, err = run(capsys, "import", str(f.write_csv(tmp_path / "c.csv", rows)))
    assert code == 1
    assert "row 2 (Zoë Lefèvre), email:" in err and "row 3 (K7), phone:" in err
    assert "Rejected rows: 2 (Zoë Lefèvre), 3 (K7) (2)" in out


def test_sandbox_clock_takes_minus_one_hour_as_a_duration_and_says_it_only_moves_forward(capsys):
    code, _, err = run(capsys, "sandbox", "clock", "-1h")
    assert code == 1 and "only moves forward" in err and "required" not in err


def test_every_option_and_argument_of_every_command_says_what_it_is():
    from wizard.cli.parser import build_parser

    def parsers(parser: argparse.ArgumentParser, name: str) -> Iterator[tuple[str, argparse.ArgumentParser]]:
        yield name, parser
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for sub_name, sub in action.choices.items():
                    yield from parsers(sub, f"{name} {sub_name}")

    silent = [f"{name} {action.dest}" for name, parser in parsers(build_parser(), "a2p-wizard")
              for action in parser._actions
              if not isinstance(action, argparse._SubParsersAction) and not action.help]
    assert silent == []


def test_numbers_available_says_a_bought_number_is_billed(capsys):
    code, out, _ = run(capsys, "numbers", "available", "--area-code", "212")
    assert code == 0 and "free" not in out and "$1.15 a month each" in out


@pytest.mark.parametrize("argv", [[], ["--sandbox"], ["--data-dir", "x", "--live", "--mock-brand"], ["--data=x"],
                                  ["--store", "postgresql://u@h/db", "--mock"]])
def test_options_that_only_open_the_app_are_read_as_the_whole_parser_reads_them(argv):
    assert opening_the_app(argv) == build_parser().parse_args(argv)


@pytest.mark.parametrize("argv", [["list"], ["-h"], ["--help"], ["--sandbox", "--live"], ["--data-dir"],
                                  ["--s"], ["--bogus"], ["--sandbox", "show", "K1"]])
def test_anything_more_or_wrong_is_left_to_the_whole_parser(argv):
    assert opening_the_app(argv) is None
