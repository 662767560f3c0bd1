"""The home screen: every customer in one table, those waiting for the operator first.

The table holds only the rows on screen (VirtualTable). The first page is read before the first frame; every
later read (stage counts, filter, sort, reload) runs in a thread worker, so typing in the filter never waits on
the store, whatever its size. A listing's first rows are shown as soon as they are read; when there are more
than those, they are counted next and the count follows. It lists the active customers; `o` switches to the
offboarded ones and back.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.events import ScreenResume
from textual.message import Message
from textual.reactive import reactive
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Input, ProgressBar, Static
from textual.worker import Worker, WorkerState, get_current_worker

from screens.classes import set_class
from screens.handle import list_host
from screens.modals.billing import FeesModal
from screens.modals.confirm import ConfirmModal
from screens.ordered_keys import typing_here
from screens.palette import HELP, ScreenKeys
from screens.widgets.banner import ModeBanner
from screens.widgets.footer import KeysFooter
from screens.widgets.virtual_table import Column, VirtualTable
from screens.workers import EXPECTED, report_failure, report_worker_error
from wizard.listing import SORTS, CustomerList, ListQuery, ListRow, StageCounts, timed_refresh_due
from wizard.session.startup import Startup

if TYPE_CHECKING:
    from wizard.desk import Desk

FILTER_DELAY = 0.15
"""Seconds of quiet typing before the filter is applied (Enter applies it at once)."""
EVENTS_EVERY = 3.0
"""Seconds between two looks for callbacks and events Twilio sent (a read of the journal's latest delivery)."""
FIRST_PAGE = 120
"""Rows read with the count, enough to fill a tall terminal without a second query."""
PROGRESS_EVERY = 0.25
"""Seconds between updates of a refresh's progress line."""

COLUMNS = (
    Column("key", "Key", 8),  # never dropped or cut: the key tells namesakes apart and is what the CLI takes
    Column("name", "Name", 10, flex=2),
    Column("brand", "Brand", 10, flex=2, drop=3),
    Column("stage", "Stage", 7),  # room for its sort arrow: "Stage ▲"
    Column("status", "Status", 12, flex=1, drop=2),
    Column("next", "Next action", 16, flex=5, toned=True),
    Column("otp", "OTP", 11, toned=True, drop=1),  # dropped last, and kept at 60 columns (the next action is cut)
    Column("updated", "Updated", 10, drop=4),
    Column("number", "Number", 12, drop=5),  # the customer's E.164 number: shown when the list is wide enough
)
PLAIN_KEYS = frozenset({"new", "refresh", "focus_filter", "next_sort", "reverse_sort", "export", "quit",
                        "show_offboarded", "show_active", "fees"})
"""Actions on plain letters or symbols: they are text (and off) while the filter has the focus."""
EMPTY = "No customers yet: press n to add one."
NONE_OFFBOARDED = "No offboarded customers: press o for the active ones."
SORT_CYCLE = ("attention", "name", "brand", "stage", "status", "next", "otp", "updated", "key")
NEWEST_FIRST = frozenset({"updated"})
"""Sorts that start descending."""


def cells(row: ListRow) -> tuple[str, ...]:
    stage = f"{row.stage} ✓" if row.tone == "done" else str(row.stage)
    return row.key, row.name, row.brand, stage, row.status, row.next_action, row.otp, row.updated, row.number


@dataclass
class Listed(Message, bubble=False):
    """A listing was read: its first rows, its count (None: more than those, not counted yet) and (on a full
    reload) the stage counts."""

    query: ListQuery
    total: int | None
    rows: list[ListRow]
    counts: StageCounts | None


class CustomersScreen(Screen[None]):
    """Every customer: name, brand, stage, Twilio status, next action, passcode time left, last update."""

    CSS_PATH = "customer_list.tcss"
    COMMANDS: ClassVar = {ScreenKeys}
    BINDINGS: ClassVar[list[BindingType]] = [
        HELP,
        Binding("n", "new", "New", id="new", tooltip="Start a new customer at step 1"),
        Binding("enter", "open", "Open", show=False, id="open", tooltip="Open the highlighted customer"),
        Binding("r", "refresh", "Refresh", id="refresh", tooltip="Read every customer's status from Twilio"),
        Binding("slash", "focus_filter", "Filter", key_display="/", id="filter",
                tooltip="Filter by name, email, phone, brand or key"),
        Binding("s", "next_sort", "Sort", id="sort", tooltip="Sort by the next column"),
        Binding("S", "reverse_sort", "Reverse", show=False, id="reverse", tooltip="Reverse the sort order"),
        Binding("e", "export", "Export", id="export", tooltip="Write the listed customers to a CSV file"),
        Binding("f", "fees", "Fees", show=False, id="fees",
                tooltip="What Twilio bills: this month's fees, the monthly run-rate, what offboarding would save"),
        # Not in the footer (at 80 columns it would push out ? Help): the header names the key when it helps.
        Binding("o", "show_offboarded", "Offboarded", show=False, id="offboarded",
                tooltip="List the offboarded customers (o again: the active ones)"),
        Binding("o", "show_active", "Active", show=False, id="active", tooltip="List the active customers again"),
        Binding("q", "quit", "Quit", id="quit", tooltip="Leave a2p-wizard (every step resumes later)"),
        Binding("escape", "clear_filter", "Clear filter", show=False, id="clear-filter",
                tooltip="Clear the filter and show every customer"),
        Binding("down", "focus_table", "To the list", show=False, id="to-list"),
    ]

    busy: reactive[str] = reactive("", bindings=True)
    """What runs in the background, in words ("" when nothing does)."""

    def __init__(self) -> None:
        super().__init__()
        self.list_query = ListQuery()
        self.counts: StageCounts | None = None
        self._offered = False
        self._debounce: Timer | None = None
        self._shown: tuple[str, str, bool, bool] | None = None
        """Text, order and customers of the listing on screen: a new one starts at its first row."""
        self._awaited: ListQuery | None = None
        """A listing asked for and not shown yet: keys wait for it (Enter opens what the operator will see)."""
        self._desk: Desk | None = None
        """The door to the domain once connected: the header's monthly run-rate needs its prices."""
        self._last_event: tuple[int, str] | None = None
        """Twilio's last callback or event taken into the store: its journal id and when (the header says when)."""
        self._last_timed_refresh: datetime | None = None

    @property
    def startup(self) -> Startup:
        return list_host(self).startup

    async def desk(self) -> Desk:
        """The door to the domain, once connected (the list is shown before it is)."""
        return await list_host(self).connected()

    @property
    def customer_list(self) -> CustomerList:
        return list_host(self).customer_list

    def compose(self) -> ComposeResult:
        yield ModeBanner(self.startup, "Customers")
        yield Static("", id="counts", markup=False)
        with Horizontal(id="bar"):
            yield Input(placeholder="/ to filter (name, email, phone…)", id="filter", compact=True)
            yield Static("", id="shown", markup=False)
        with Horizontal(id="busy"):
            yield Static("", id="busy-label", markup=False)
        yield VirtualTable(COLUMNS, cells, empty=EMPTY, id="table")
        yield Static("", id="detail", markup=False)
        yield KeysFooter()

    def on_mount(self) -> None:
        self.table.focus()
        self._start_periodic_refresh()
        # Rows in the first frame (just those on screen); the count, stage counts and the next rows follow
        # (ScreenResume).
        self.show_listing(self.read(self.list_query, rows=self.app.size.height))
        self._price_counts()

    @work(exit_on_error=False, group="prices", description="Waiting for the prices")
    async def _price_counts(self) -> None:
        """Once connected, the header gains the monthly run-rate (prices are settings the domain reads)."""
        self._desk = await self.desk()
        self._show_counts()

    @work(exit_on_error=False, group="periodic", description="Starting the periodic refresh")
    async def _start_periodic_refresh(self) -> None:
        """Once connected (the settings say how often), read every status now and then in the background."""
        desk = await self.desk()
        if minutes := desk.refresh_minutes:
            self.set_interval(minutes * 60, self._refresh_now_and_then)
        if desk.receiving:
            self._desk = desk
            self._watch_events(first=True)
            self.set_interval(EVENTS_EVERY, self._watch_events)

    def _watch_events(self, *, first: bool = False) -> None:
        """When a callback or event from Twilio was taken (by `receive` or `serve`), read the list again."""
        if self._desk is None or (last := self._desk.last_event()) == self._last_event:
            return
        self._last_event = last
        self._show_counts()
        if not first:
            self.reload()

    @property
    def table(self) -> VirtualTable:
        return self.query_one("#table", VirtualTable)

    # -- reading -----------------------------------------------------------------------------------------

    @on(ScreenResume)
    def reload(self) -> None:
        """Read counts and the listing again (also when coming back from a customer)."""
        self.load(self.list_query, counts=True)

    def read(self, query: ListQuery, *, rows: int = FIRST_PAGE) -> Listed:
        """The listing's first rows, and its count when they are all of it."""
        first = self.customer_list.first(query, rows)
        return Listed(query, len(first) if len(first) < rows else None, first, None)

    @work(thread=True, exclusive=True, exit_on_error=False, group="list", description="Reading the list")
    def load(self, query: ListQuery, *, counts: bool = False) -> None:
        """Post the first rows, then (when there are more) the count, then the stage counts when asked: at a
        million customers, counting a filter that many match takes a while."""
        listed = self.read(query)
        self.post_message(listed)
        if listed.total is None and not get_current_worker().is_cancelled:
            total = self.customer_list.total(query)
            if total is None:
                return  # stopped: a newer listing was asked for
            listed = replace(listed, total=total)
            self.post_message(listed)
        if counts and not get_current_worker().is_cancelled:
            self.post_message(replace(listed, counts=self.customer_list.counts()))

    def ready_for_keys(self) -> bool:
        """False while a listing asked for is not on screen yet, or the filter's text is not applied yet and the
        focus has left it: the next key then waits (typing in the filter never does)."""
        if self.focused is self.query_one("#filter", Input):
            return True
        return self._awaited is None and self.query_one("#filter", Input).value == self.list_query.text

    @on(Listed)
    def show_listing(self, message: Listed) -> None:
        if message.query != self.list_query:
            return
        self._awaited = None
        query, total = message.query, message.total
        same = self._shape(query) == self._shown
        if message.counts is not None:
            self.counts = message.counts
            self._show_counts()
            if message.counts.total + message.counts.offboarded == 0:
                self.call_after_refresh(self._offer_examples)  # over the painted list, not a blank screen
            if same and total == self.table.total:
                self._show_count(total)  # the listing on screen: only the stage counts are new
                return
        if same and total is None:
            return  # the same listing read again: keep the cursor where it is until the count comes
        self.table.sort = (query.sort, query.descending) if query.sort != "attention" else None
        self.table.empty = f"No customer matches “{query.text.strip()}”: Esc clears the filter." \
            if query.text.strip() else NONE_OFFBOARDED if query.offboarded else EMPTY
        self._shown = self._shape(query)
        self.table.show(len(message.rows) if total is None else total,
                        lambda offset, limit: self.customer_list.page(query, offset, limit, total=total),
                        message.rows, cursor=self._cursor(message.rows) if same else 0)
        self._show_count(total, len(message.rows))

    def _cursor(self, rows: list[ListRow]) -> int:
        """Where the cursor goes when the listing on screen is read again: on the operator's customer, wherever
        new statuses moved it among the first rows; else where it was."""
        key = self.table.current_key
        return next((n for n, row in enumerate(rows) if row.key == key), self.table.cursor)

    @staticmethod
    def _shape(query: ListQuery) -> tuple[str, str, bool, bool]:
        """What makes a listing new (the cursor goes back to its first row)."""
        return query.text, query.sort, query.descending, query.offboarded

    def _show_counts(self) -> None:
        """The header: stage counts, fees paid and (once connected) the monthly run-rate, or how many customers
        are offboarded while they are listed."""
        if self.counts is not None:
            prices = self._desk.prices if self._desk is not None else None
            told = f" · Twilio told us {self._last_event[1][:16].replace('T', ' ')} UTC" if self._last_event else ""
            self.query_one("#counts", Static).update(
                self.counts.label(prices, offboarded=self.list_query.offboarded) + told)

    def _show_count(self, total: int | None, read: int = 0) -> None:
        """`12 of 40 · name`, or `120+ …` while the rows past those read are being counted."""
        matched = f"{read:,}+" if total is None else f"{total:,}"
        everyone = None if self.counts is None else \
            self.counts.offboarded if self.list_query.offboarded else self.counts.total
        shown = f"{matched} of {everyone:,}" if self.list_query.text.strip() and everyone is not None else matched
        order = SORTS[self.list_query.sort][1] + (" ▼" if self.list_query.descending else "")
        self.query_one("#shown", Static).update(f"{shown} · {order}", layout=False)

    @on(VirtualTable.Highlighted)
    def _highlighted(self, event: VirtualTable.Highlighted) -> None:
        """Under the table: the highlighted customer's next action in full."""
        row = self.table.row_at(event.index)
        detail = self.query_one("#detail", Static)
        detail.update(f"{row.key} · {row.name}: {row.next_action}" if isinstance(row, ListRow) else "",
                      layout=False)  # a fixed height: no layout as the cursor moves
        for tone in ("urgent", "action"):
            set_class(detail, isinstance(row, ListRow) and row.tone == tone, f"-{tone}")

    # -- filter and sort ---------------------------------------------------------------------------------

    @on(Input.Changed, "#filter")
    def _typed(self) -> None:
        if self._debounce is not None:
            self._debounce.stop()
        self._debounce = self.set_timer(FILTER_DELAY, self.apply_filter)

    def apply_filter(self) -> None:
        """Show the customers matching the filter's text now."""
        text = self.query_one("#filter", Input).value
        if text != self.list_query.text:
            self._list(replace(self.list_query, text=text))

    @on(Input.Submitted, "#filter")
    def _filter_done(self) -> None:
        self.apply_filter()
        self.table.focus()

    def action_focus_filter(self) -> None:
        self.query_one("#filter", Input).focus()

    def action_clear_filter(self) -> None:
        self.query_one("#filter", Input).value = ""
        self.apply_filter()
        self.table.focus()

    def action_focus_table(self) -> None:
        self.apply_filter()
        self.table.focus()

    def action_next_sort(self) -> None:
        sort = SORT_CYCLE[(SORT_CYCLE.index(self.list_query.sort) + 1) % len(SORT_CYCLE)]
        self._sort(sort, sort in NEWEST_FIRST)

    def action_reverse_sort(self) -> None:
        self._sort(self.list_query.sort, not self.list_query.descending)

    @on(VirtualTable.HeaderClicked)
    def _header_clicked(self, event: VirtualTable.HeaderClicked) -> None:
        same = event.column == self.list_query.sort
        self._sort(event.column, not self.list_query.descending if same else event.column in NEWEST_FIRST)

    def _sort(self, sort: str, descending: bool) -> None:
        self._list(replace(self.list_query, sort=sort, descending=descending))

    def action_show_offboarded(self) -> None:
        self._switch(offboarded=True)

    def action_show_active(self) -> None:
        self._switch(offboarded=False)

    def _switch(self, *, offboarded: bool) -> None:
        """List the offboarded customers, or the active ones (same filter and order)."""
        self._list(replace(self.list_query, offboarded=offboarded))
        self._show_counts()
        self.refresh_bindings()

    def _list(self, query: ListQuery) -> None:
        """Show another listing (the count of the one before, if still running, is no longer wanted)."""
        self.list_query = self._awaited = query
        self.customer_list.stop_counting()
        self.load(query)

    # -- customers ---------------------------------------------------------------------------------------

    def action_new(self) -> None:
        list_host(self).when_connected(partial(self._show_customer, None))

    def action_open(self) -> None:
        self.table.select()

    @on(VirtualTable.Selected)
    def _open(self, event: VirtualTable.Selected) -> None:
        list_host(self).when_connected(partial(self._show_customer, event.key))

    def _show_customer(self, key: str | None) -> None:
        from screens.customer_screen import CustomerScreen  # much of the domain: imported once the app is connected

        self.app.push_screen(CustomerScreen(key))

    # -- background work ---------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in PLAIN_KEYS and typing_here(self):
            return False  # the key is text in the filter
        if action in ("show_offboarded", "show_active"):
            return (action == "show_active") == self.list_query.offboarded  # one key: the other listing
        if action in ("refresh", "export") and self.busy:
            return None
        return True

    def watch_busy(self, busy: str) -> None:
        set_class(self, bool(busy), "-busy")
        self.query_one("#busy-label", Static).update(busy)
        bars = self.query(ProgressBar)
        if busy and not bars:  # mounted only while needed: it animates
            self.query_one("#busy").mount(ProgressBar(total=None, show_eta=False, show_percentage=False))
        elif not busy:
            bars.remove()

    def action_refresh(self) -> None:
        list_host(self).when_connected(partial(self.refresh_statuses, quiet=False))

    def _refresh_now_and_then(self) -> None:
        """The periodic refresh: skipped while one runs (or anything else keeps the list busy), and backing off
        to hourly while Twilio's callbacks and events keep arriving."""
        now = self.startup.clock()
        last_event = self._last_event[1] if self._last_event else None
        if not self.busy and timed_refresh_due(last_event, self._last_timed_refresh, now):
            self._last_timed_refresh = now
            list_host(self).when_connected(partial(self.refresh_statuses, quiet=True))

    async def action_quit(self) -> None:
        await self.app.action_quit()

    @work(thread=True, exclusive=True, exit_on_error=False, group="refresh", description="Refreshing statuses")
    def refresh_statuses(self, *, quiet: bool) -> None:
        """Read every status from Twilio in a thread, on a store connection and a Twilio client of its own: keys
        and the list are handled meanwhile, with the progress under the filter. `quiet`: the periodic refresh
        (no notification unless it fails)."""
        desk, shown = list_host(self).desk, [0.0]
        self.app.call_from_thread(setattr, self, "busy", "Reading statuses from Twilio…")

        def progress(done: int, total: int) -> None:
            if (now := time.monotonic()) - shown[0] >= PROGRESS_EVERY or done == total:
                shown[0] = now
                self.app.call_from_thread(setattr, self, "busy",
                                          f"Reading statuses from Twilio: {done:,} of {total:,} customers…")

        try:
            refreshed = desk.refresh_all_apart(progress)
        except EXPECTED as error:
            self.app.call_from_thread(report_failure, self, error, "Refresh")
            return
        finally:
            self.app.call_from_thread(setattr, self, "busy", "")
        if not quiet:
            self.app.call_from_thread(self.notify, f"Statuses read for {refreshed:,} customer"
                                      f"{'s' if refreshed != 1 else ''}.", title="Refresh")
        self.app.call_from_thread(self.reload)

    def action_export(self) -> None:
        self.export()

    @work(exclusive=True, exit_on_error=False, group="fees", description="Reading what Twilio bills")
    async def action_fees(self) -> None:
        ledger = await (await self.desk()).fees()
        await self.app.push_screen(FeesModal(ledger.lines()))

    @work(thread=True, exclusive=True, exit_on_error=False, group="export", description="Exporting the list")
    def export(self) -> None:
        stamp = f"{datetime.now().astimezone():%Y%m%d-%H%M%S}"  # the operator's time, not the sandbox's clock
        path = self.startup.locations.data_dir / f"customers-{stamp}.csv"
        try:
            count = self.customer_list.export_csv(self.list_query, path)
        except OSError as error:
            self.notify(f"Could not write {path}: {error.strerror or error}.", severity="error", title="Export",
                        markup=False)
            return
        self.notify(f"{count:,} customer{'s' if count != 1 else ''} written to {path}", title="Export",
                    timeout=15, markup=False)

    def _offer_examples(self) -> None:
        if self._offered or self.startup.mode != "sandbox" or self.startup.welcomed:
            return
        self._offered = True
        self.app.push_screen(
            ConfirmModal("Welcome to a2p-wizard",
                        "This is the sandbox: nothing reaches Twilio and nothing is billed.\n\nLoad seven example "
                        "customers, one at each interesting point of the four steps (a passcode running out, a "
                        "brand FAILED, a noncompliant address, one done…), to see the whole flow at once?",
                        yes="Load examples", no="Start empty"),
            callback=self._examples_answered,
        )

    def _examples_answered(self, load: bool | None) -> None:
        self.startup.mark_welcomed()
        if load:
            self.load_examples()

    @work(exclusive=True, exit_on_error=False, group="examples", description="Loading example customers")
    async def load_examples(self) -> None:
        self.busy = "Loading example customers…"
        try:
            desk = await self.desk()
            keys = await desk.load_examples(lambda name: setattr(self, "busy", f"Loading {name}…"))
        except EXPECTED as error:
            report_failure(self, error, "Examples")
            return
        finally:
            self.busy = ""
        self.notify(f"{len(keys)} example customers loaded.", title="Examples")
        self.reload()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR:
            if event.worker.group == "list":
                self._awaited = None  # nothing more is coming: the keys go on
            report_worker_error(self, event.worker)
