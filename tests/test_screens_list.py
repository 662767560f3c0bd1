"""Pilot tests of the app shell and the Customers list: counts, filter, sort, open, refresh, export, first
start, settings, help, and worker errors turned into notifications."""

from __future__ import annotations

import csv
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from textual.message import Message
from textual.pilot import Pilot
from textual.widgets import Input

from screens.app import WizardApp
from screens.customer_list import FILTER_DELAY, FIRST_PAGE, CustomersScreen, Listed
from screens.modals.confirm import ConfirmModal
from screens.modals.help import HelpScreen
from screens.settings_screen import SettingsScreen
from screens.widgets.virtual_table import VirtualTable
from storage.sqlite.store import Record
from tests.support import factories as f
from tests.support.pilot import settle, text_of, toasts, until
from wizard.desk import Desk
from wizard.flow.engine import Engine
from wizard.listing import CustomerList, ListQuery, ListRow
from wizard.sandbox import examples
from wizard.session.runtime import Runtime
from wizard.twilio.failures import TwilioError

SIZE = (120, 40)
ON_BOTH_STORES = pytest.mark.usefixtures("on_both_stores")
"""The list as the operator sees it, on SQLite and on a team's PostgreSQL store (A2P_STORE_URL)."""




async def typed(pilot: Pilot, text: str) -> None:
    """Type into the filter and wait as long as the operator would for it to apply."""
    await pilot.press(*text)
    await pilot.pause(FILTER_DELAY + 0.05)
    await settle(pilot)


def listing(app: WizardApp) -> CustomersScreen:
    screen = app.screen
    assert isinstance(screen, CustomersScreen)
    return screen


def rows(app: WizardApp) -> list[ListRow]:
    table = listing(app).table
    found = [table.row_at(i) for i in range(table.total)]
    assert all(isinstance(r, ListRow) for r in found)
    return found  # type: ignore[return-value]






async def test_list_shows_rows_and_stage_counts(on_both_stores: str | None, runtime: Runtime) -> None:
    assert runtime.store.where.startswith("postgresql://" if on_both_stores else "/")  # the store asked for
    await Desk(runtime).load_examples()
    app = WizardApp(Desk(runtime))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert listing(app).table.total == 7
        assert {r.name for r in rows(app)} == {"Maya Patel", "Luis Ortega", "Grace Kim", "Sam Reed",
                                               "Chloé Tremblay", "Omar Haddad", "Priya Sharma"}
        counts = text_of(app, "#counts")
        assert counts == ("1 Profile: 2 · 2 Bundle: 0 · 3 Brand & OTP: 3 · 4 Campaign: 1 · Done: 1 · "
                          "Needs action: 5 · Fees paid: $37.50 · Monthly: $3.15")  # 5 brands, 1 campaign and number
        assert "SANDBOX" in text_of(app, "ModeBanner")


@ON_BOTH_STORES
async def test_default_order_puts_what_needs_the_operator_first(runtime: Runtime) -> None:
    await Desk(runtime).load_examples()
    app = WizardApp(Desk(runtime))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        listed = rows(app)
        assert listed[0].name == "Grace Kim" and listed[0].otp.endswith("h left")  # passcode running out
        assert {r.name for r in listed[1:3]} == {"Omar Haddad", "Sam Reed"}  # failures
        assert [r.name for r in listed[3:]] == ["Luis Ortega", "Priya Sharma", "Chloé Tremblay", "Maya Patel"]
        assert [r.tone for r in listed] == ["urgent"] * 3 + ["action"] * 2 + ["waiting", "done"]
        assert text_of(app, "#shown") == "7 · needs action"


@ON_BOTH_STORES
async def test_filter_as_you_type_narrows_the_rows(runtime: Runtime) -> None:
    await Desk(runtime).load_examples()
    app = WizardApp(Desk(runtime))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        assert app.focused is app.screen.query_one("#filter")
        await typed(pilot, "ma")  # two characters: a scan
        assert 1 < listing(app).table.total < 7 and "Maya Patel" in {r.name for r in rows(app)}
        await typed(pilot, "ya")  # "maya": the trigram index
        assert [r.name for r in rows(app)] == ["Maya Patel"]
        assert text_of(app, "#shown").startswith("1 of 7")
        await pilot.press("escape")
        await settle(pilot)
        assert listing(app).table.total == 7 and app.focused is listing(app).table
        for text, name in (("kimphoto", "Grace Kim"), ("c00004", "Sam Reed"), ("3035550120", "Sam Reed"),
                           ("tremblay", "Chloé Tremblay")):
            await pilot.press("slash")
            await typed(pilot, text)
            assert [r.name for r in rows(app)] == [name], text
            await pilot.press("escape")
            await settle(pilot)
        await pilot.press("slash")
        await typed(pilot, "nobody-like-this")
        assert listing(app).table.total == 0
        assert "No customer matches" in listing(app).table.empty


@ON_BOTH_STORES
async def test_o_lists_the_offboarded_customers_and_back(runtime: Runtime) -> None:
    await Desk(runtime).load_examples()
    done = next(r["key"] for r in Desk(runtime).list_rows(ListQuery()) if r["done"])
    rate = Desk(runtime).run_rate()
    assert (await Desk(runtime).offboard(done, release_number=False)).error is None  # an account's number: kept
    app = WizardApp(Desk(runtime))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert listing(app).table.total == 6 and done not in {r.key for r in rows(app)}
        header = text_of(app, "#counts")
        assert ("Done: 0 · Needs action: 5 · Offboarded: 1 (o) · Fees paid: $37.50 · Monthly: $1.15 · "
                "kept, unassigned: $1.15/month") in header  # the number stays on the account, billed
        assert Desk(runtime).run_rate() == round(rate - 2.00, 2) == 1.15
        await pilot.press("o")
        await settle(pilot)
        assert [r.key for r in rows(app)] == [done]
        assert text_of(app, "#counts") == (
            "Offboarded customers: 1 (o: the 6 active) · Fees paid: $37.50 · Monthly: $1.15 · "
            "kept, unassigned: $1.15/month")
        assert text_of(app, "#shown") == "1 · needs action"
        assert app.screen.active_bindings["o"].binding.description == "Active"  # the footer's name for o
        await pilot.press("slash", *"o")  # a letter in the filter is text, not the key
        await pilot.pause(FILTER_DELAY + 0.05)
        await settle(pilot)
        assert app.screen.query_one("#filter", Input).value == "o" and listing(app).list_query.offboarded
        await pilot.press("escape", "o")
        await settle(pilot)
        assert listing(app).table.total == 6 and not listing(app).list_query.offboarded
        assert text_of(app, "#counts") == header and app.screen.active_bindings["o"].binding.description == "Offboarded"


@ON_BOTH_STORES
async def test_sort_keys_and_header_clicks_change_the_order(runtime: Runtime) -> None:
    await Desk(runtime).load_examples()
    app = WizardApp(Desk(runtime))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        names = [r.name for r in rows(app)]
        assert names == sorted(names)
        assert listing(app).table.sort == ("name", False)
        await pilot.press("S")
        await settle(pilot)
        assert [r.name for r in rows(app)] == sorted(names, reverse=True)
        table = listing(app).table
        shown = table.shown_columns
        x = 1 + sum(width + 1 for column, width in shown[: [c.id for c, _ in shown].index("stage")])
        await pilot.click(VirtualTable, offset=(x, 0))
        await settle(pilot)
        assert table.sort == ("stage", False)
        assert [r.stage for r in rows(app)] == sorted(r.stage for r in rows(app))
        await pilot.click(VirtualTable, offset=(x, 0))
        await settle(pilot)
        assert table.sort == ("stage", True)
        assert text_of(app, "#shown") == "7 · stage ▼"


@ON_BOTH_STORES
async def test_enter_opens_the_customer_and_the_list_reloads_on_return(runtime: Runtime) -> None:
    from screens.customer_screen import CustomerScreen

    await Desk(runtime).load_examples()
    seen: list[Message] = []
    app = WizardApp(Desk(runtime))
    async with app.run_test(size=SIZE, message_hook=seen.append) as pilot:
        await settle(pilot)
        await pilot.press("down", "enter")
        await settle(pilot)
        assert isinstance(app.screen, CustomerScreen)
        assert app.screen.key == rows_key(seen, 1)
        loads = sum(isinstance(m, Listed) for m in seen)
        app.pop_screen()
        await settle(pilot)
        assert isinstance(app.screen, CustomersScreen)
        reread = [m for m in seen if isinstance(m, Listed)][loads:]
        assert [(m.total, m.counts is not None) for m in reread] == [(7, False), (7, True)]  # rows, then counts
        assert listing(app).table.cursor == 1
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, CustomerScreen) and app.screen.key is None


def rows_key(seen: list[Message], index: int) -> str:
    listed = [m for m in seen if isinstance(m, Listed)][-1]
    return listed.rows[index].key


def many(runtime: Runtime, count: int) -> None:
    """`count` customers ready for step 1, keys K00000… and names Pat 00000… in order."""
    summary = {"stage": 1, "step_status": "not started", "attention": 3, "done": 0,
               "next_action": "Ready: run advance to create the starter profile."}
    runtime.store.insert_many(Record(f"K{n:05d}", derived=f.derived(f"K{n:05d}", **summary, name=f"Pat {n:05d}"))
                              for n in range(count))


@ON_BOTH_STORES
async def test_keyboard_moves_through_a_long_list_reading_only_pages(runtime: Runtime) -> None:
    many(runtime, 5000)
    app = WizardApp(Desk(runtime))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = listing(app).table
        reads: list[tuple[int, int]] = []
        fetch = table._fetch
        table._fetch = lambda offset, limit: reads.append((offset, limit)) or fetch(offset, limit)
        await pilot.press("end")
        await pilot.pause()
        assert table.cursor == 4999 and round(table.scroll_y) == 5000 + 1 - table.size.height
        assert table.current_key == "K04999"
        await pilot.press("home", "pagedown")
        await pilot.pause()
        assert table.cursor == table.size.height - 2
        await pilot.press("up", "down", "down")
        await pilot.pause()
        assert table.cursor == table.size.height - 1
        assert reads and all(limit <= 3 * table.size.height for _, limit in reads)
        assert sum(limit for _, limit in reads) < 500


@ON_BOTH_STORES
async def test_a_filter_many_match_shows_its_first_rows_before_they_are_counted(runtime: Runtime,
                                                                                monkeypatch: Any) -> None:
    many(runtime, 500)
    app = WizardApp(Desk(runtime))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = listing(app).table
        gate, count = threading.Event(), CustomerList.total

        def held(self: CustomerList, query: ListQuery) -> int:
            assert gate.wait(10), "the test never let the count finish"
            return count(self, query)

        monkeypatch.setattr(CustomerList, "total", held)
        await pilot.press("slash", *"pat 00")
        for _ in range(40):
            await pilot.pause(0.05)
            if text_of(app, "#shown").startswith(f"{FIRST_PAGE}+"):
                break
        assert text_of(app, "#shown") == f"{FIRST_PAGE}+ of 500 · needs action"  # the rows, not yet the count
        assert table.total == FIRST_PAGE and table.current_key == "K00000"
        await pilot.press("1")  # the next key does not wait for that count
        for _ in range(40):
            await pilot.pause(0.05)
            if text_of(app, "#shown").startswith("100 "):
                break
        assert text_of(app, "#shown") == "100 of 500 · needs action" and table.current_key == "K00100"
        await pilot.press("backspace")
        await pilot.pause(FILTER_DELAY + 0.05)
        gate.set()
        await settle(pilot)
        assert text_of(app, "#shown") == "500 of 500 · needs action" and table.total == 500


async def test_reading_the_list_again_keeps_the_cursor_far_down(runtime: Runtime) -> None:
    many(runtime, 900)
    app = WizardApp(Desk(runtime))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("end", "up")
        screen = listing(app)
        assert screen.table.cursor == 898
        screen.reload()  # as when coming back from a customer
        await settle(pilot)
        assert screen.table.cursor == 898 and screen.table.current_key == "K00898" and screen.table.total == 900


@ON_BOTH_STORES
async def test_refresh_reads_statuses_in_a_thread_on_a_connection_of_its_own(runtime: Runtime, monkeypatch: Any):
    c = Desk(runtime).create(f.profile(), f.bundle())
    await runtime.engine.advance(c.key)  # up to the brand, which Twilio reviews for a few minutes
    assert runtime.sandbox is not None
    runtime.sandbox.advance_clock(timedelta(minutes=10))
    app = WizardApp(Desk(runtime))
    during: list[tuple[bool, bool]] = []
    refresh_all = Engine.refresh_all

    async def watched(engine: Engine, **kwargs: Any) -> int:
        during.append((threading.current_thread() is threading.main_thread(), engine is runtime.engine))
        return await refresh_all(engine, **kwargs)

    monkeypatch.setattr(Engine, "refresh_all", watched)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        assert (rows(app)[0].stage, rows(app)[0].status) == (3, "PENDING")
        await pilot.press("r")
        await until(pilot, lambda: any("Statuses read for 1 customer" in n.message for n in toasts(app)), "the end")
        await settle(pilot)
        assert during == [(False, False)]  # not the app's thread, not the app's engine (nor its store connection)
        assert rows(app)[0].status == "APPROVED/UNVERIFIED" and rows(app)[0].otp == "23 h left"
        assert not listing(app).busy and not listing(app).has_class("-busy")


async def test_export_writes_the_listed_customers_with_formulas_neutralised(runtime: Runtime) -> None:
    Desk(runtime).create(f.profile(first_name="Ann", email="ann@example.com"))
    Desk(runtime).create(f.profile(first_name="Bob", email="bob@example.com"))
    app = WizardApp(Desk(runtime))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        await typed(pilot, "bob")
        await pilot.press("enter", "e")
        await settle(pilot)
        [path] = runtime.locations.data_dir.glob("customers-*.csv")
        assert any(str(path) in n.message for n in toasts(app))
    # named by the operator's time, not the (frozen, or sandbox-shifted) clock of the flow
    assert path.name.startswith(f"customers-{datetime.now().astimezone():%Y%m%d}-")
    assert Desk(runtime).now().date() != datetime.now().date()
    assert path.stat().st_mode & 0o777 == 0o600
    with path.open(encoding="utf-8") as fh:
        exported = list(csv.DictReader(fh))
    assert [r["name"] for r in exported] == ["Bob Lefèvre-Côté"]
    assert exported[0]["phone"] == "'+12065550134"  # a leading + would start a formula in a spreadsheet


async def test_first_start_offers_the_examples(runtime: Runtime) -> None:
    app = WizardApp(Desk(runtime))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("y")
        await settle(pilot)
        assert isinstance(app.screen, CustomersScreen)
        assert listing(app).table.total == len(examples.EXAMPLES)


async def test_first_start_offer_can_be_declined(runtime: Runtime) -> None:
    app = WizardApp(Desk(runtime))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, CustomersScreen)
        assert listing(app).table.total == 0 and runtime.store.count() == 0
        assert "press n to add one" in listing(app).table.empty
    app = WizardApp(Desk(runtime))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, CustomersScreen)  # offered once per data folder


async def test_settings_screen_shows_the_primary_profile_check(runtime: Runtime) -> None:
    await Desk(runtime).load_examples()
    app = WizardApp(Desk(runtime))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f2")
        await settle(pilot)
        assert isinstance(app.screen, SettingsScreen)
        primary = app.screen.query_one("#primary")
        assert str(primary.render()).startswith("✓ twilio-approved") and primary.has_class("-ok")
        runtime.engine.primary_profile_sid = "BU" + "0" * 32
        await pilot.press("c")
        await settle(pilot)
        assert str(primary.render()).startswith("✗ ") and primary.has_class("-problem")
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, CustomersScreen)


async def test_help_lists_the_keys_of_the_screen(runtime: Runtime) -> None:
    await Desk(runtime).load_examples()
    app = WizardApp(Desk(runtime))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        keys = str(app.screen.query_one("#keys").render())
        for words in ("Start a new customer", "Read every customer's status", "Write the listed customers",
                      "Move in the list", "Leave a2p-wizard"):
            assert words in keys
        await pilot.press("escape")
        assert isinstance(app.screen, CustomersScreen)


def failing(error: BaseException) -> Callable[..., Any]:
    async def refresh_all(*_: Any, **__: Any) -> int:
        raise error

    return refresh_all


async def test_worker_errors_become_notifications_not_crashes(runtime: Runtime, monkeypatch: Any) -> None:
    await Desk(runtime).load_examples()
    app = WizardApp(Desk(runtime))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        monkeypatch.setattr(Engine, "refresh_all", failing(TwilioError(503, 20503, "Service unavailable")))
        await pilot.press("r")
        await settle(pilot)
        [expected] = [n for n in toasts(app) if n.severity == "error"]
        assert expected.title == "Refresh" and "Service unavailable" in expected.message
        monkeypatch.setattr(Engine, "refresh_all", failing(RuntimeError("boom")))
        await pilot.press("r")
        await settle(pilot)
        unexpected = [n for n in toasts(app) if n.severity == "error" and "unexpected" in n.title]
        assert len(unexpected) == 1 and "RuntimeError: boom" in unexpected[0].message
        assert app.is_running and not listing(app).busy
        await pilot.press("q")
    assert not app.is_running


async def test_the_command_palette_offers_the_screen_keys(runtime: Runtime) -> None:
    Desk(runtime).create(f.profile())
    app = WizardApp(Desk(runtime))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p", *"write the listed")
        await pilot.pause(0.3)
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, CustomersScreen)
        assert len(list(runtime.locations.data_dir.glob("customers-*.csv"))) == 1
        await pilot.press("ctrl+p", *"settings")
        await pilot.pause(0.3)
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, SettingsScreen)


async def test_an_unbound_symbol_key_on_the_list_is_harmless(runtime: Runtime) -> None:
    """`@` once crashed the app: a method named `key_at` was taken as the handler of the `@` key."""
    await Desk(runtime).load_examples()
    app = WizardApp(Desk(runtime))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.focused is listing(app).table
        await pilot.press("@", "#", "3", "at")
        await settle(pilot)
        assert app.is_running and isinstance(app.screen, CustomersScreen)


async def test_the_periodic_refresh_runs_by_itself_and_the_cursor_stays_on_the_operators_customer(
        runtime: Runtime, monkeypatch: Any):
    waiting = Desk(runtime).create(f.profile(), f.bundle(brand_name="Zoë Fail Lefèvre"))
    await runtime.engine.advance(waiting.key)  # its brand is reviewed: PENDING, last in the needs-action order
    Desk(runtime).create(f.profile("jose", email="jose@example.org"), None)  # waits for the operator: first
    assert runtime.sandbox is not None
    runtime.sandbox.advance_clock(timedelta(minutes=10))  # the brand FAILED: once read, it needs a fix, first
    monkeypatch.setenv("A2P_REFRESH_MINUTES", "0.01")
    async with Runtime.open(home=runtime.locations.data_dir, mode="sandbox", now=runtime.startup.wall) as rt:
        app = WizardApp(Desk(rt))
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await settle(pilot)
            screen = listing(app)
            assert [r.key for r in rows(app)][-1] == waiting.key
            await pilot.press("end")  # the operator's customer
            assert screen.table.current_key == waiting.key
            for _ in range(100):  # 0.6 s apart
                if rows(app)[0].status == "FAILED":
                    break
                await pilot.pause(0.05)
            await settle(pilot)
            assert rows(app)[0].key == waiting.key and screen.table.current_key == waiting.key
            assert not any("Statuses read" in n.message for n in toasts(app))  # quietly


async def test_f_opens_what_twilio_bills_from_the_list(runtime: Runtime) -> None:
    await Desk(runtime).load_examples()
    app = WizardApp(Desk(runtime))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f")
        await until(pilot, lambda: app.screen.query("#ledger").first(None) is not None, "the fees screen")
        shown = text_of(app, "#ledger")
        expected = (await Desk(runtime).fees()).lines()
        assert shown == "\n".join(expected) and expected[0].startswith("One-time fees in ")
        assert "Monthly run-rate: $" in shown and "kept, unassigned: $0.00/month" in shown
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, CustomersScreen)
