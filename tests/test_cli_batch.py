"""The command line at batch scale: `import`'s summary, and `advance --all`'s one question before billable work,
free work only without a yes, its progress line and its summary table."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.support import factories as f
from wizard.cli import main
from wizard.desk import Desk
from wizard.session.runtime import Runtime

pytestmark = pytest.mark.usefixtures("on_both_stores")  # every test on SQLite and on PostgreSQL

QUESTION = "— go on? [y/N]"


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def data(capsys, *argv: str):
    code, out, err = run(capsys, *argv)
    assert code == 0, err
    return json.loads(out)


def imported(capsys, tmp_path: Path, **numbers: str) -> list[str]:
    """Customers K0, K1, … with every step filled in, each with the phone number given by key (else none)."""
    keys = list(numbers) or ["K0", "K1", "K2"]
    rows = [f.csv_row(key, phone_number=numbers.get(key, "")) for key in keys]
    assert run(capsys, "import", str(f.write_csv(tmp_path / "customers.csv", rows)))[0] == 0
    return keys


def terminal(monkeypatch, *answers: str) -> list[str]:
    """stdin and stdout are a terminal; each question is answered in turn (none left: a test failure). The
    questions asked, as returned."""
    asked: list[str] = []
    replies = iter(answers)

    def answer(prompt: str) -> str:
        asked.append(prompt)
        print(prompt)
        return next(replies)

    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr("sys.stdout.isatty", lambda: True)
    monkeypatch.setattr("builtins.input", answer)
    return asked


def never_asked(monkeypatch) -> None:
    def ask(prompt: str) -> str:
        raise AssertionError(f"asked {prompt!r}")

    monkeypatch.setattr("builtins.input", ask)


def fees_paid(capsys, keys: list[str]) -> float:
    return round(sum(item["amount"] for key in keys for item in data(capsys, "show", key, "--json")["ledger"]), 2)


def log_ops(isolated: Path) -> list[str]:
    """The Twilio operations sent so far, in order, from the request log."""
    return [line.split()[4] for line in (isolated / "logs" / "a2p-wizard.log").read_text().splitlines()]


# -- import --------------------------------------------------------------------------------------------------


def test_import_ends_with_the_count_first_and_last_keys_and_the_rejected_rows_by_number(capsys, tmp_path):
    rows = [f.csv_row("A1"), f.csv_row("A2", phone="12345"), f.csv_row("A3"), f.csv_row("A4", email="nope"),
            f.csv_row("A5")]
    code, out, err = run(capsys, "import", str(f.write_csv(tmp_path / "c.csv", rows)))
    assert code == 0
    assert out.splitlines()[-2:] == ["Imported 3 customer(s): A1 … A5.",
                                     "Rejected rows: 3 (A2), 5 (A4) (2) — each with its reason on stderr."]
    assert "row 3 (A2), phone:" in err and "row 5 (A4), email:" in err


@pytest.mark.slow
def test_a_thousand_rows_end_with_short_lines_not_a_thousand_keys(capsys, tmp_path):
    rows = [f.csv_row(f"T{i:04d}", **({"email": "nope"} if i % 50 == 49 else {})) for i in range(1000)]
    code, out, err = run(capsys, "import", str(f.write_csv(tmp_path / "c.csv", rows)))
    assert code == 0
    assert out.splitlines()[-2:] == [
        "Imported 980 customer(s): T0000 … T0998.",
        "Rejected rows: 51 (T0049), 101 (T0099), 151 (T0149), … 1001 (T0999) (20) — each with its reason on stderr."]
    assert max(len(line) for line in out.splitlines()) < 120
    assert len(err.splitlines()) == 20  # one line per rejected row's reason
    assert len(data(capsys, "list", "--json")) == 980


# -- advance --all: what is paid, and who agreed ---------------------------------------------------------------


def test_without_a_terminal_or_yes_only_free_work_is_done_and_the_rest_is_named(capsys, tmp_path, monkeypatch):
    keys = imported(capsys, tmp_path)
    never_asked(monkeypatch)
    code, out, _ = run(capsys, "advance", "--all")
    assert code == 0
    dump = data(capsys, "sandbox", "dump", "--json")
    assert dump["brand_registrations"] == [] and dump["campaigns"] == []
    assert len(dump["trust_products"]) == 3  # steps 1 and 2 went out: they cost nothing
    for key in keys:
        shown = data(capsys, "show", key, "--json")
        assert shown["ledger"] == [] and shown["statuses"]["bundle"] == "pending-review"
        assert not [e for e in shown["journal"] if e["action"].startswith("brand.")]  # not even journaled
        assert shown["next_action"] == "Ready to register the brand."
    assert "Fees paid in this run: $0.00" in out
    assert ("Billable work not done: 3 brands $13.50, 0 campaigns $0.00, 0 numbers $0.00, for 3 customer(s); "
            "nothing Twilio bills runs without a yes. `a2p-wizard advance --all --yes` runs it.") in out


def test_in_a_terminal_it_asks_once_and_no_does_the_free_work_only(capsys, tmp_path, monkeypatch):
    imported(capsys, tmp_path)
    asked = terminal(monkeypatch, "n")
    code, out, _ = run(capsys, "advance", "--all")
    assert code == 0
    assert asked == [f"3 brands $13.50, 0 campaigns $0.00, 0 numbers $0.00 {QUESTION} "]
    assert "Billable work ahead for 3 customer(s), $13.50 at most" in out
    assert data(capsys, "sandbox", "dump", "--json")["brand_registrations"] == []
    assert "Billable work not done: 3 brands $13.50" in out and "--yes` runs it" in out


def test_in_a_terminal_yes_pays_what_was_asked_and_the_summary_matches_list_and_show(capsys, tmp_path, monkeypatch):
    keys = imported(capsys, tmp_path)
    asked = terminal(monkeypatch, "y")
    code, out, _ = run(capsys, "advance", "--all")
    assert code == 0 and len(asked) == 1
    assert len(data(capsys, "sandbox", "dump", "--json")["brand_registrations"]) == 3
    paid = fees_paid(capsys, keys)
    assert paid == 13.5 and f"Fees paid in this run: ${paid:,.2f} (3 brands $13.50, 0 campaigns" in out
    assert "Billable work not done" not in out and "Failed: none." in out
    stages = Counter(r["stage"] for r in data(capsys, "list", "--json"))
    assert stages == {3: 3}
    table = out[out.index("Where the customers stand now:"):].splitlines()
    assert table[1].split() == ["stage", "needs", "you", "waiting", "done", "customers"]
    assert table[4].split() == ["3", "Brand", "&", "OTP", "0", "3", "0", "3"]
    assert table[6].split() == ["all", "0", "3", "0", "3"]


@pytest.mark.slow
def test_yes_skips_the_question_in_a_terminal_and_in_a_script(capsys, tmp_path, monkeypatch):
    keys = imported(capsys, tmp_path, K0="+12065550100", K1="+12065550101")
    never_asked(monkeypatch)
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr("sys.stdout.isatty", lambda: True)
    assert run(capsys, "advance", "--all", "--yes")[0] == 0
    assert fees_paid(capsys, keys) == 9.0
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    assert run(capsys, "sandbox", "clock", "+1h")[0] == 0
    assert run(capsys, "sandbox", "reply-yes", "K0")[0] == 0
    code, out, _ = run(capsys, "advance", "--all", "--yes")
    assert code == 0 and "Fees paid in this run: $15.00 (0 brands $0.00, 1 campaign $15.00, 0 numbers" in out
    assert fees_paid(capsys, keys) == 24.0


@pytest.mark.parametrize("command", ["advance"])
def test_yes_with_one_customer_is_refused_before_anything_runs(capsys, tmp_path, monkeypatch, command):
    """`--yes` answers --all's question: with a key it would be silently ignored, so it is refused and says why.
    (`reconcile KEY --yes` has a meaning of its own: release the numbers bought for duplicates.)"""
    keys = imported(capsys, tmp_path, K0="+12065550100")
    never_asked(monkeypatch)
    code, out, err = run(capsys, command, "K0", "--yes")
    assert code != 0 and "--yes goes with --all" in err and f"a2p-wizard {command} K0" in err
    assert fees_paid(capsys, keys) == 0  # nothing ran


@pytest.mark.slow
def test_the_question_counts_campaigns_and_numbers_from_one_read_of_the_brand_list(capsys, tmp_path, monkeypatch,
                                                                                   isolated):
    """The customer replied YES since the brands were last read: the question knows it from Twilio's brand list
    (one request for every customer), and only the customers it counted may pay."""
    keys = imported(capsys, tmp_path, K0="buy", K1="+12065550101", K2="+12065550102")
    assert run(capsys, "advance", "--all", "--yes")[0] == 0
    run(capsys, "sandbox", "clock", "+1h")
    run(capsys, "sandbox", "reply-yes", "K0")  # the store still says PENDING: nothing has read the brands since
    assert {data(capsys, "show", key, "--json")["statuses"]["brand"] for key in keys} == {"PENDING"}
    before = len(log_ops(isolated))
    sent_to_ask: list[str] = []

    def answer(prompt: str) -> str:
        sent_to_ask.extend(log_ops(isolated)[before:])
        return "y"

    terminal(monkeypatch)
    monkeypatch.setattr("builtins.input", answer)
    code, out, _ = run(capsys, "advance", "--all")
    assert code == 0
    assert sent_to_ask == ["list_incoming_phone_numbers", "list_brand_registrations"]
    assert "Billable work ahead for 1 customer(s), $16.15 at most" in out
    assert "Fees paid in this run: $16.15 (0 brands $0.00, 1 campaign $15.00, 1 number $1.15)." in out
    assert fees_paid(capsys, ["K0"]) == 4.5 + 15 + 1.15
    rows = {r["key"]: r for r in data(capsys, "list", "--json")}
    assert rows["K0"]["stage"] == 4 and rows["K1"]["step_status"] == "APPROVED/UNVERIFIED"


def test_nothing_billable_ahead_asks_nothing(capsys, tmp_path, monkeypatch):
    imported(capsys, tmp_path)
    assert run(capsys, "advance", "--all", "--yes")[0] == 0
    never_asked(monkeypatch)
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr("sys.stdout.isatty", lambda: True)
    code, out, _ = run(capsys, "advance", "--all")
    assert code == 0 and "Fees paid in this run: $0.00" in out and "Billable work" not in out


async def test_customers_left_out_of_the_agreement_do_free_work_only(runtime: Runtime):
    """A customer whose YES comes after the question was answered is not billed: only those counted may pay."""
    desk = Desk(runtime)
    keys = [desk.create(f.profile(email=f"p{i}@example.com", phone=f"(206) 555-01{30 + i}"),
                        f.bundle(mobile_phone=f"(206) 555-01{60 + i}"),
                        f.campaign(phone_number=f"+1206555010{i}")).key for i in range(2)]
    await desk.advance_many(keys)
    assert runtime.sandbox is not None
    runtime.sandbox.advance_clock(timedelta(hours=1))
    for key in keys:
        runtime.sandbox.reply_yes(desk.customer(key).state.sids["brand"])
    runs = {r.key: r for r in await desk.advance_many(keys, billable=frozenset(keys[:1]))}
    assert [fee.item for fee in runs[keys[0]].fees] == ["campaign_vetting"] and not runs[keys[0]].held
    assert runs[keys[1]].fees == [] and [fee.item for fee in runs[keys[1]].held] == ["campaign_vetting"]
    journal = [e.action for e in runtime.store.journal(keys[1])]
    assert "campaign.add_number" in journal and "campaign.create" not in journal  # free work done; not the fee
    assert desk.customer(keys[1]).state.ledger[-1].item == "brand"


# -- advance --all: while it runs, and failures ---------------------------------------------------------------


def test_progress_is_one_updating_line_on_stderr_in_a_terminal_only(capsys, tmp_path, monkeypatch):
    imported(capsys, tmp_path)
    _, _, err = run(capsys, "advance", "--all")
    assert "Advancing" not in err
    terminal(monkeypatch, "y")
    monkeypatch.setattr("sys.stderr.isatty", lambda: True)
    _, out, err = run(capsys, "advance", "--all")
    assert err.startswith("\r\x1b[KWorking out the fees ahead 0/3 …")
    assert err.index("\r\x1b[KWorking out the fees ahead 3/3 …") < err.index("\r\x1b[KAdvancing 0/3 …")
    assert "\r\x1b[KAdvancing 3/3 …" in err
    assert err.endswith("\r\x1b[K") and "\n" not in err  # one line, redrawn, and taken away at the end
    assert "Advancing" not in out and "Fees paid in this run: $13.50" in out


def test_failures_are_counted_and_named_with_what_went_wrong(capsys, tmp_path, isolated):
    imported(capsys, tmp_path)
    rt = Runtime.open(home=isolated, mode="sandbox")
    try:  # another operator's process, on another machine, is advancing K1 (leases run on real time)
        now = datetime.now(UTC)
        assert rt.store.claim("K1", "elsewhere:1:abcd", (now + timedelta(minutes=10)).isoformat(), now.isoformat())
    finally:
        asyncio.run(rt.aclose())
    code, out, _ = run(capsys, "advance", "--all", "--yes")
    assert code == 0
    assert "K1: Another operator is advancing this customer right now" in out
    assert "Failed: K1 (1); what went wrong is said above." in out
    assert "Fees paid in this run: $9.00 (2 brands $9.00" in out


@pytest.mark.parametrize("answer", ["", "no", "yes please"])
def test_anything_but_yes_is_no(capsys, tmp_path, monkeypatch, answer):
    imported(capsys, tmp_path)
    terminal(monkeypatch, answer)
    assert run(capsys, "advance", "--all")[0] == 0
    assert data(capsys, "sandbox", "dump", "--json")["brand_registrations"] == []
