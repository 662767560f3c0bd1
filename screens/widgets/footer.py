"""The footer of every screen: help first, then the keys that fit whole; a key that would be cut is left out
(the command palette, kept on the right, lists every key)."""

from __future__ import annotations

from textual.containers import HorizontalGroup
from textual.geometry import Size
from textual.widget import Widget
from textual.widgets import Footer

HELP_ACTION = "app.help"
COMPACT_BELOW = 100
"""Below this many columns the keys are drawn compact (one space between them), so more of them fit."""


def width_of(widget: Widget, room: Size) -> int:
    """The cells `widget` takes in a row, its margins included (an overestimate where margins collapse)."""
    if widget.children:
        inner = sum(width_of(child, room) for child in widget.children)
    else:
        inner = widget.get_content_width(room, room)
    return inner + widget.styles.gutter.width + widget.styles.margin.width


def units(children: list[Widget]) -> list[list[Widget]]:
    """The footer's children as they are shown or hidden together: a key, or a group of keys with its label."""
    grouped: list[list[Widget]] = []
    for child in children:
        if grouped and isinstance(grouped[-1][0], HorizontalGroup) and len(grouped[-1]) == 1:
            grouped[-1].append(child)  # the label after a group of keys ("^pgup^pgdn Step")
        else:
            grouped.append([child])
    return grouped


class KeysFooter(Footer):
    """Textual's footer, with f1 Help first and no key cut mid-word at any width."""

    DEFAULT_CSS = """
    KeysFooter.-compact FooterLabel { margin: 0 1 0 0; }
    """

    async def recompose(self) -> None:
        await super().recompose()
        self.fit()

    def on_resize(self) -> None:
        compact = self.size.width < COMPACT_BELOW
        if compact != self.compact:
            self.compact = compact
            self.call_after_refresh(self.fit)  # once the keys' new margins are in their styles
        self.fit()

    def fit(self) -> None:
        """Put help first and show the keys, in order, while each fits whole left of the palette key."""
        keys = [child for child in self.children if not child.has_class("-command-palette")]
        helps = [key for key in keys if getattr(key, "action", None) == HELP_ACTION]
        if helps and keys[0] is not helps[0]:
            self.move_child(helps[0], before=0)
            keys.remove(helps[0])
            keys.insert(0, helps[0])
        room = self.size
        free = room.width - sum(width_of(child, room) for child in self.children if child not in keys)
        fits = True
        for unit in units(keys):
            free -= sum(width_of(child, room) for child in unit)
            fits = fits and free >= 0
            for child in unit:
                child.display = fits
