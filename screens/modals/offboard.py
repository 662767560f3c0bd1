"""Offboarding a customer: what will be deleted at Twilio, what it stops costing, and whether the number goes too."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Checkbox, Static

from screens.modals.dialog import Dialog
from screens.widgets.footer import KeysFooter
from wizard.desk import Offboarding

KEPT = ("Brand, bundles and profile stay at Twilio; the customer stays here, offboarded, with its history. "
        "Advance (a) onboards it again.")


def plan_text(plan: Offboarding) -> str:
    """The deletions in order, what they stop costing a month, and what stays billed."""
    lines = ["This deletes at Twilio, in order:", *(f"  • {line}" for line in plan.deletions),
             "", f"It stops ${plan.stops_monthly:,.2f} a month of Twilio fees."]
    lines += [f"Kept: {line}." for line in plan.keeps]
    return "\n".join([*lines, "", KEPT])


class OffboardModal(Dialog[bool | None]):
    """Ask before offboarding: `keep` and `release` are the plans without and with releasing the phone number
    (offered only when the app bought the number for this customer). Answers whether to release the number, or
    None: nothing is deleted."""

    CSS_PATH = ["dialog.tcss", "offboard.tcss"]  # Dialog's look, then its own
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="offboard-cancel"),
        Binding("n", "no", "No", id="offboard-no"),  # an action of its own: the footer shows one key per action
        Binding("y", "offboard", "Offboard", id="offboard-yes"),
    ]
    AUTO_FOCUS = "#no"
    BODY_LINES = 12

    def __init__(self, title: str, keep: Offboarding, release: Offboarding) -> None:
        super().__init__()
        self._title, self._keep, self._release = title, keep, release

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(self._title, id="title", markup=False)
            with VerticalScroll(id="body"):
                yield Static(plan_text(self._keep), id="plan", markup=False)
            if self._release.releasable and self._release != self._keep:
                stops = self._release.stops_monthly - self._keep.stops_monthly
                yield Checkbox(f"Release the number too: stops ${stops:,.2f} a month more", id="release",
                               compact=True, tooltip="A released number may not be for sale again")
            with Horizontal(id="buttons"):
                yield Button("Cancel (n)", id="no")
                yield Button("Offboard (y)", id="yes", variant="error")
        yield KeysFooter()

    @property
    def releasing(self) -> bool:
        boxes = self.query("#release").results(Checkbox)
        return any(box.value for box in boxes)

    @on(Checkbox.Changed, "#release")
    def _release_changed(self) -> None:
        self.query_one("#plan", Static).update(plan_text(self._release if self.releasing else self._keep))

    def action_offboard(self) -> None:
        self.dismiss(self.releasing)

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_no(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#yes")
    def _yes_pressed(self) -> None:
        self.action_offboard()

    @on(Button.Pressed, "#no")
    def _no_pressed(self) -> None:
        self.action_cancel()
