"""Help (`?`): the keys of the screen it was opened on, and how the wizard works in a few lines."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from screens.widgets.footer import KeysFooter
from screens.widgets.pairs import Pairs
from screens.widgets.virtual_table import VirtualTable

MOVING = [("↑ ↓ PgUp PgDn Home End", "Move in the list"), ("click a title", "Sort by that column (again: reverse)")]

HOW_IT_WORKS = """\
Every customer goes through four steps with Twilio: 1 a starter customer profile, 2 a sole-proprietor \
bundle, 3 the brand and the one-time passcode (the customer must reply YES within 24 hours), 4 the campaign \
with its phone number.

Reviews take hours to days. Each step is saved as it goes, so you can quit at any time: refresh later and \
carry on where it stopped; nothing is ever created twice at Twilio.

The list puts first what needs you: passcodes running out, failures, missing details, steps ready to send. \
In the SANDBOX nothing reaches Twilio and nothing is billed."""


class HelpScreen(ModalScreen[None]):
    """The keys that work on `screen` right now, then how it all works."""

    CSS_PATH = "help.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark,q", "dismiss(None)", "Close", id="help-close", tooltip="Close the help"),
    ]

    def __init__(self, screen: Screen[object]) -> None:
        super().__init__()
        self._keys = keys_of(screen)

    def compose(self) -> ComposeResult:
        with Vertical(id="help") as box:
            box.border_title = "Help"
            with VerticalScroll(id="help-body"):
                yield Static("Keys", classes="help--heading")
                yield Pairs(self._keys, label_style="bold", id="keys")
                yield Static("How it works", classes="help--heading")
                yield Static(HOW_IT_WORKS, id="how", markup=False)
        yield KeysFooter()


def keys_of(screen: Screen[object]) -> list[tuple[str, str]]:
    """Each binding active on `screen` (its own, its focused widget's, the app's) with what it does."""
    app = screen.app
    rows: dict[str, str] = {}
    for active in screen.active_bindings.values():
        binding = active.binding
        if not (binding.tooltip or binding.action == "command_palette"):
            continue  # the widgets' own keys (scrolling, focus) are left to MOVING
        text = binding.tooltip or binding.description
        rows.setdefault(text, app.get_key_display(binding))
    pairs = [(key, text) for text, key in rows.items()]
    if screen.query(VirtualTable):
        pairs += MOVING
    return pairs
