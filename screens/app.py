"""The Textual application: the Customers list as home, settings, help, and the command palette.

Everything comes in through the Runtime (store, Twilio client or sandbox, engine and its clock), so tests run
the app against a temporary folder with a frozen clock.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import ClassVar

from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from screens.customers import CustomersScreen
from screens.help import HelpScreen
from screens.settings import SettingsScreen
from screens.workers import report_worker_error
from storage.store import StoreError
from wizard.listing import CustomerList
from wizard.runtime import Runtime, SetupError
from wizard.settings import Mode


class WizardApp(App[None]):
    """a2p-wizard's TUI."""

    TITLE = "a2p-wizard"
    CSS_PATH = Path(__file__).with_name("app.tcss")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f2", "settings", "Settings", id="settings", tooltip="Mode, account, primary profile, folders, prices"),
        Binding("question_mark", "help", "Help", key_display="?", id="help", tooltip="Keys and how it works"),
    ]

    def __init__(self, runtime: Runtime) -> None:
        super().__init__()
        self.runtime = runtime
        self.customer_list = CustomerList(runtime.store.path, runtime.engine.clock)

    def get_default_screen(self) -> Screen[object]:
        return CustomersScreen()

    def on_unmount(self) -> None:
        self.customer_list.close()

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield SystemCommand("Settings", "Mode, account, primary profile check, data folders, prices",
                            self.action_settings)
        yield SystemCommand("Help", "Keys and how the wizard works", self.action_help)

    def action_settings(self) -> None:
        if not isinstance(self.screen, SettingsScreen):
            self.push_screen(SettingsScreen())

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR:
            report_worker_error(self, event.worker)


def run(*, home: str | None = None, mode: Mode | None = None, mock_brand: bool | None = None) -> int:
    """Open the installation and run the app; 1 with a message when it cannot be opened."""
    try:
        runtime = Runtime.open(home=home, mode=mode, mock_brand=mock_brand)
    except (SetupError, StoreError) as error:
        print(f"a2p-wizard: {error}", file=sys.stderr)
        return 1

    async def main() -> None:
        async with runtime:
            await WizardApp(runtime).run_async()

    asyncio.run(main())
    return 0
