"""A yes/no question in a modal: fees, warnings, resending a passcode."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Static

from screens.modals.dialog import Dialog
from screens.widgets.footer import KeysFooter


class ConfirmModal(Dialog[bool]):
    """Ask once; `True` only when the operator says yes. Escape and "n" answer no."""

    CSS_PATH = ["dialog.tcss", "confirm.tcss"]  # Dialog's look, then its own
    BINDINGS = [
        Binding("escape", "answer(False)", "Cancel", id="confirm-cancel"),
        Binding("y", "answer(True)", "Yes", id="confirm-yes"),
        Binding("n", "no", "No", id="confirm-no"),  # an action of its own: the footer shows one key per action
    ]
    AUTO_FOCUS = "#yes"

    def __init__(self, title: str, message: str, *, yes: str = "Yes", no: str = "Cancel") -> None:
        super().__init__()
        self._title, self._message, self._yes, self._no = title, message, yes, no

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(self._title, id="title", markup=False)
            with VerticalScroll(id="body"):
                yield Static(self._message, id="message", markup=False)
            with Horizontal(id="buttons"):
                yield Button(f"{self._no} (n)", id="no")
                yield Button(f"{self._yes} (y)", id="yes", variant="warning")
        yield KeysFooter()

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)

    def action_no(self) -> None:
        self.dismiss(False)

    @on(Button.Pressed, "#yes")
    def _yes_pressed(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#no")
    def _no_pressed(self) -> None:
        self.dismiss(False)
