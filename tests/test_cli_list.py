"""`a2p-wizard list` is the app's list: the same pages, order, filter and customers (active or offboarded) as
`CustomerList` reads for the same store, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from storage.customers import Record
from tests.support.factories import derived
from wizard.cli import main
from wizard.customer.stages import ATTENTION
from wizard.listing import DERIVATION, CustomerList, ListQuery
from wizard.session.startup import Startup

pytestmark = pytest.mark.usefixtures("on_both_stores")

NAMES = ("Maya Patel", "Zoë Lefèvre", "zoe Adams", "Émile Quérand", "Grace Kim", "Ana Souza")
SENT_HOURS_AGO = (None, 1, 5, 20, 30)
"""When a row's passcode was sent: none, fresh, well within its 24 h, running out (< 6 h left), lapsed — hours
from the 18 h mark, so the minute between the app's read and the command's moves no row across it."""


def customers(now: datetime, n: int = 90, *, derivation: int = DERIVATION) -> Iterator[Record]:
    """Rows of the current derivation (else the command's runtime derives these input-less rows again)."""
    rng = random.Random(24)
    for i in range(n):
        sent = rng.choice(SENT_HOURS_AGO)
        yield Record(f"C{i:03d}", updated_at=(now - timedelta(minutes=rng.randint(0, 5000))).isoformat(),
                     derived=derived(
                         f"C{i:03d}", name=f"{rng.choice(NAMES)} {i}", brand=rng.choice([None, f"Brand {i % 7}"]),
                         email=f"user{i}@example.com", phone=f"+1206555{i:04d}", stage=rng.randint(1, 4),
                         step_status=rng.choice(["not started", "in-review", "FAILED"]),
                         next_action="Ready.", attention=rng.choice(list(ATTENTION.values())), done=0,
                         otp_sent_at=None if sent is None else (now - timedelta(hours=sent)).isoformat(),
                         offboarded=int(i % 9 == 0), spend=0.0, derived=derivation))


@pytest.fixture
def listing(isolated: Path) -> Iterator[CustomerList]:
    """The app's list of 90 customers, in the store the command line opens (the data folder's, or A2P_STORE_URL's)."""
    startup = Startup.open(home=isolated, mode="sandbox")
    startup.store.insert_many(customers(startup.clock()))
    app = CustomerList(startup.store, startup.clock)
    yield app
    app.close()
    startup.close()


def listed(capsys: pytest.CaptureFixture[str], *argv: str) -> list[str]:
    assert main(["list", "--json", *argv]) == 0
    return [r["key"] for r in json.loads(capsys.readouterr().out)]


def app_keys(app: CustomerList, query: ListQuery, limit: int | None = None) -> list[str]:
    total = app.total(query)
    assert total
    return [r.key for r in app.page(query, 0, limit or total, total=total)]


@pytest.mark.parametrize(("argv", "query"), [
    ((), ListQuery()),
    (("--desc",), ListQuery(descending=True)),
    (("--sort", "name"), ListQuery(sort="name")),
    (("--sort", "name", "--desc"), ListQuery(sort="name", descending=True)),
    (("--sort", "updated"), ListQuery(sort="updated")),
    (("--sort", "otp"), ListQuery(sort="otp")),
    (("--sort", "stage", "--filter", "ZOE"), ListQuery("ZOE", sort="stage")),
    (("--filter", "(206) 555-0012"), ListQuery("(206) 555-0012")),
    (("--filter", "emile"), ListQuery("emile")),
    (("--offboarded",), ListQuery(offboarded=True)),
    (("--offboarded", "--sort", "key", "--desc"), ListQuery(sort="key", descending=True, offboarded=True)),
])
def test_the_command_lists_what_the_app_lists_in_its_order(capsys, listing, argv, query):
    assert listed(capsys, *argv) == app_keys(listing, query)


def test_the_default_order_is_the_apps_needs_action_first_with_running_out_passcodes_on_top(capsys, listing):
    keys = listed(capsys)
    assert keys == app_keys(listing, ListQuery())
    assert keys != sorted(keys)  # not the key order: the needs-action one, due passcodes first


def test_limit_gives_the_first_rows_of_the_listing(capsys, listing):
    assert listed(capsys, "--limit", "7") == app_keys(listing, ListQuery(), 7)
    assert listed(capsys, "--sort", "name", "--filter", "zoe", "--limit", "3") == app_keys(
        listing, ListQuery("zoe", sort="name"), 3)


def test_offboarded_lists_only_the_offboarded_customers(capsys, listing):
    gone = listed(capsys, "--offboarded")
    assert gone == app_keys(listing, ListQuery(offboarded=True))  # what the app's o lists, in its order
    active = listed(capsys)
    assert gone and active and not set(gone) & set(active)
    assert set(gone) == {f"C{i:03d}" for i in range(0, 90, 9)}
    assert main(["list", "--offboarded"]) == 0
    table = capsys.readouterr().out
    assert all(key in table for key in gone) and "offboarded" in table and "C001 " not in table


def test_the_table_says_how_many_are_offboarded_and_what_no_match_means(capsys, listing):
    assert main(["list", "--limit", "3"]) == 0
    out = capsys.readouterr().out
    assert len(out.splitlines()) == 1 + 3 + 1 and "(10 offboarded customer(s) not shown" in out
    assert main(["list", "--filter", "nobody-by-that-name"]) == 0
    assert "No customer matches 'nobody-by-that-name'." in capsys.readouterr().out


@pytest.mark.parametrize(("argv", "words"), [
    (("--limit", "0"), "not a number of customers"),
    (("--limit", "ten"), "not a number of customers"),
    (("--sort", "phone"), "invalid choice"),
    (("--filter", "x" * 201), "a filter is at most 200 characters"),
])
def test_bad_options_are_a_usage_error_saying_why(capsys, isolated, argv, words):
    with pytest.raises(SystemExit) as stopped:
        main(["list", *argv])
    assert stopped.value.code == 2 and words in capsys.readouterr().err


def test_rows_an_older_derivation_filled_are_derived_again_before_they_are_listed(capsys, isolated):
    startup = Startup.open(home=isolated, mode="sandbox")
    try:
        startup.store.insert_many(customers(startup.clock(), 10, derivation=DERIVATION - 1))
        # The rows say two of the ten are offboarded; derived again from their state (empty), none is.
        assert len(listed(capsys)) == 10
        assert startup.store.outdated(DERIVATION, 10) == []
    finally:
        startup.close()


DOMAIN = ("pydantic", "httpx", "phonenumbers", "textual", "wizard.session.runtime", "wizard.desk",
          "wizard.flow.engine", "wizard.flow.write_path", "wizard.sandbox.fake", "wizard.twilio.client")
LIST = f"""
import json, sys
from wizard.cli import main
assert main(sys.argv[1:]) == 0
print(json.dumps(sorted(m for m in {DOMAIN!r} if m in sys.modules)), file=sys.stderr)
"""


@pytest.mark.slow
def test_list_imports_none_of_the_domain_it_does_not_need(listing, isolated):
    """`list` reads the store as the app's first frame does: no settings model, Twilio client, sandbox or engine
    (their imports were most of its time at a million customers: bench/bench_cli_list.py)."""
    done = subprocess.run([sys.executable, "-c", LIST, "--data-dir", str(isolated), "list", "--json", "--limit",
                           "5"], capture_output=True, text=True, check=True, timeout=60)
    assert len(json.loads(done.stdout)) == 5
    assert json.loads(done.stderr.strip().splitlines()[-1]) == []
