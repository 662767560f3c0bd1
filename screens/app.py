"""The Textual application: the Customers list as home, settings, help, and the command palette.

The app starts from an opened installation (`Startup`: folders, mode, clock, store), which is all the list needs
for its first frame; a worker then connects the `Runtime` (settings, Twilio client or sandbox, engine), which
imports most of the domain. Tests pass an already connected Runtime with a frozen clock.
"""

from __future__ import annotations

import asyncio
import gc
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import work
from textual.app import SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from screens.customer_list import CustomersScreen
from screens.handle import KeepsDrafts
from screens.modals.help import HelpScreen
from screens.ordered_keys import OrderedKeysApp
from screens.settings_screen import SettingsScreen
from screens.workers import report_worker_error
from wizard.errors import StoreError, shown
from wizard.listing import CustomerList
from wizard.session.startup import Mode, SetupError, Startup

if TYPE_CHECKING:
    from wizard.desk import Desk


COLLECTOR = (10_000, 10, 100)
"""The garbage collector's thresholds while the app runs (Python's: 700, 10, 10): a young collection after 10,000
new container objects, a full one no sooner than after 100 middle ones. At Python's, a refresh of 10,000 customers
in its thread set off a full collection about every second, each holding every thread, the keys' too, for 50–200
ms; at these, none ran during it, and peak memory stayed the same (bench/bench_refresh.py)."""


class WizardApp(OrderedKeysApp):
    """a2p-wizard's TUI."""

    TITLE = "a2p-wizard"
    CSS_PATH = [Path(__file__).with_name("app.tcss"), Path(__file__).with_name("customer_list.tcss")]
    """What every screen shares, and the list's look: Textual reads a screen's CSS_PATH when the screen is pushed or
    its mode starts, never for the default screen (`get_default_screen`), which the list is."""
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f2", "settings", "Settings", id="settings", tooltip="Mode, account, primary profile, folders, prices"),
        # Help is f1 (it works in a text field too; the two main screens show it first in their footers) and `?`
        # where no text field has the focus.
        Binding("f1", "help", "Help", show=False, id="help", tooltip="Keys and how it works"),
        Binding("question_mark", "help", "Help", key_display="?", show=False, id="help-key",
                tooltip="Keys and how it works"),
    ]

    def __init__(self, opened: Startup | Desk, *, mock_brand: bool | None = None) -> None:
        super().__init__()
        self.startup: Startup = opened if isinstance(opened, Startup) else opened.startup
        self._desk: Desk | None = None if isinstance(opened, Startup) else opened
        self._owns_desk = self._desk is None
        self._mock_brand = mock_brand
        self._connected = asyncio.Event()
        self._pending: Callable[[], object] | None = None
        self._thresholds = gc.get_threshold()
        """The garbage collector's thresholds before the app runs, put back when it ends."""
        self.customer_list = CustomerList(self.startup.store, self.startup.clock)

    @property
    def desk(self) -> Desk:
        """The door to the domain; screens that use it are opened after `connected()`."""
        if self._desk is None:
            raise RuntimeError("The app is not connected yet: await connected() first.")
        return self._desk

    async def connected(self) -> Desk:
        """The desk, once connected (at once in tests; within a second of the start otherwise). For workers:
        they are cancelled if the app ends first."""
        await self._connected.wait()
        return self.desk

    def when_connected(self, callback: Callable[[], object]) -> None:
        """Call `callback` now if connected, else once connected (only the latest such wish is kept)."""
        if self._desk is not None:
            callback()
        else:
            self._pending = callback

    def ready_for_keys(self) -> bool:
        """Keys wait while a screen waits to be opened once connected (a key's wish must come before the next)."""
        return self._pending is None and super().ready_for_keys()

    def on_mount(self) -> None:
        gc.set_threshold(*COLLECTOR)
        for warning in self.startup.warnings:
            self.notify(warning, severity="warning", title="Check your files", timeout=20, markup=False)
        if self._desk is None:
            self.call_after_refresh(self._connect)  # after the first frame: the list first, the domain next
        else:
            self._connected.set()

    @work(thread=True, exclusive=True, exit_on_error=False, group="connect", description="Connecting")
    def _connect(self) -> None:
        from wizard.desk import Desk  # most of the domain: imported while the list is already shown

        desk = Desk.connect(self.startup, mock_brand=self._mock_brand)
        self.call_from_thread(self._use, desk)
        try:
            desk.check_store()  # here, off the event loop: the first run need not freeze the screen for it
        except StoreError as error:
            self.call_from_thread(self.notify, str(error), severity="error", title="The store is damaged",
                                  timeout=60, markup=False)

    def _use(self, desk: Desk) -> None:
        self._desk = desk
        self._connected.set()
        if self._pending is not None:
            pending, self._pending = self._pending, None
            pending()

    async def on_unmount(self) -> None:
        gc.set_threshold(*self._thresholds)
        self.customer_list.close()
        if self._owns_desk and self._desk is not None:
            await self._desk.aclose()

    def get_default_screen(self) -> Screen[Any]:
        return CustomersScreen()

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield SystemCommand("Settings", "Mode, account, primary profile check, data folders, prices",
                            self.action_settings)
        yield SystemCommand("Help", "Keys and how the wizard works", self.action_help)

    async def action_quit(self) -> None:
        """Quit, keeping what the open forms hold as drafts first."""
        for screen in self.screen_stack:
            if isinstance(screen, KeepsDrafts):
                screen.keep_draft()
        await super().action_quit()

    def action_settings(self) -> None:
        if not isinstance(self.screen, SettingsScreen):
            self.when_connected(lambda: self.push_screen(SettingsScreen()))

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state != WorkerState.ERROR:
            return
        if event.worker.group == "connect" and isinstance(event.worker.error, SetupError):
            self.exit(return_code=1, message=Text(f"a2p-wizard: {shown(event.worker.error)}"))
        elif event.worker.group == "connect":
            self.exit(return_code=1, message=Text(f"a2p-wizard: cannot start: {shown(repr(event.worker.error))}"))
        else:
            report_worker_error(self, event.worker)


def run(*, home: str | None = None, mode: Mode | None = None, mock_brand: bool | None = None,
        store_url: str | None = None) -> int:
    """Open the installation (its customers at `store_url` when given) and run the app; 1 with a message when it
    cannot be opened."""
    try:
        startup = Startup.open(home=home, mode=mode, store_url=store_url)
    except (SetupError, StoreError) as error:
        print(f"a2p-wizard: {shown(error)}", file=sys.stderr)
        return 1
    try:
        app = WizardApp(startup, mock_brand=mock_brand)
        app.run()
        return app.return_code or 0
    finally:
        startup.close()
