"""The command palette offers every key of the current screen (its bindings with a tooltip), by name."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial

from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.types import IgnoreReturnCallbackType

HELP = Binding("f1", "app.help", "Help", id="help-first")
"""Help, first in the footer of the main screens (f1 works in a text field too; no tooltip: the palette has Help
as a system command already)."""


class ScreenKeys(Provider):
    """One command per enabled binding of the screen and its focused widgets (the app's own are system
    commands already)."""

    def _commands(self) -> Iterator[tuple[str, str, IgnoreReturnCallbackType]]:
        seen: set[str] = set()
        for active in self.screen.active_bindings.values():
            binding = active.binding
            if active.node is self.app or not active.enabled or not binding.tooltip or binding.action in seen:
                continue
            seen.add(binding.action)
            yield (binding.description, f"{binding.tooltip} (key: {self.app.get_key_display(binding)})",
                   partial(self.app.run_action, binding.action, active.node))

    async def discover(self) -> Hits:
        for title, help_text, run in self._commands():
            yield DiscoveryHit(title, run, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, run in self._commands():
            if (score := matcher.match(f"{title} {help_text}")) > 0:
                yield Hit(score, matcher.highlight(title), run, help=help_text)
