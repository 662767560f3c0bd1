"""The smallest app that hosts the Customer screen, for the Pilot tests."""

from __future__ import annotations

from typing import Any

from textual.app import App

from screens.customer_screen import CustomerScreen
from wizard.desk import Desk
from wizard.session.runtime import Runtime

SIZE = (120, 40)


class CustomerApp(App[None]):
    """The smallest app that hosts the Customer screen (screens.handle.Host: the desk and the start-up)."""

    def __init__(self, runtime: Runtime, key: str | None) -> None:
        super().__init__()
        self.desk, self.startup = Desk(runtime), runtime.startup
        self.key = key
        self.closed = False

    def on_mount(self) -> None:
        self.push_screen(CustomerScreen(self.key), callback=lambda _: setattr(self, "closed", True))


def screen(app: App[Any]) -> CustomerScreen:
    found = app.screen
    assert isinstance(found, CustomerScreen), found
    return found
