"""The ledger (key f in the list): this month's one-time fees, the monthly run-rate by kind, the numbers kept
after offboarding, and what offboarding would save — the lines `a2p-wizard fees` prints."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Static

from screens.modals.dialog import Dialog
from screens.widgets.footer import KeysFooter


class FeesModal(Dialog[None]):
    """What Twilio bills, read once when opened. Escape or Enter closes it."""

    CSS_PATH = ["dialog.tcss", "billing.tcss"]  # Dialog's look, then its own
    BODY_LINES = 24
    BINDINGS = [Binding("escape", "close", "Close", id="fees-close")]
    AUTO_FOCUS = "#close"

    def __init__(self, lines: list[str]) -> None:
        super().__init__()
        self._lines = lines

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static("What Twilio bills", id="title")
            with VerticalScroll(id="body"):
                yield Static("\n".join(self._lines), id="ledger", markup=False)
            with Horizontal(id="buttons"):
                yield Button("Close", id="close")
        yield KeysFooter()

    def action_close(self) -> None:
        self.dismiss(None)

    def on_button_pressed(self) -> None:
        self.dismiss(None)
