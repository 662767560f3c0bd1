"""The command palette offers every key of the current screen (its bindings with a tooltip), by name."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial

from textual.actions import parse
from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.dom import DOMNode
from textual.types import IgnoreReturnCallbackType

from screens.ordered_keys import as_commands

HELP = Binding("f1", "app.help", "Help", id="help-first")
"""Help, first in the footer of the main screens (f1 works in a text field too; no tooltip: the palette has Help
as a system command already)."""


def _bindings(node: DOMNode) -> Iterator[Binding]:
    """The bindings `node`'s classes declare, its own class first."""
    for cls in type(node).__mro__:
        yield from (b for b in vars(cls).get("BINDINGS", ()) if isinstance(b, Binding))


class ScreenKeys(Provider):
    """One command per enabled binding of the screen and of the focused widget and its parents (the app's own are
    system commands already), whatever has focus: a key a text field takes as text is a command here all the same
    (Textual leaves such keys out of the screen's active bindings, so they are read from the widgets)."""

    def _commands(self) -> Iterator[tuple[str, str, IgnoreReturnCallbackType]]:
        seen: set[str] = set()
        focused = self.screen.focused
        nodes = [n for n in (focused.ancestors_with_self if focused else [self.screen]) if n is not self.app]
        for node in nodes:
            for binding in _bindings(node):
                if not binding.tooltip or binding.action in seen or not self._enabled(node, binding.action):
                    continue
                seen.add(binding.action)
                yield (binding.description, f"{binding.tooltip} (key: {self.app.get_key_display(binding)})",
                       partial(self._run, binding.action, node))

    async def _run(self, action: str, node: DOMNode) -> None:
        """Run a chosen command as the command it was offered as: a plain key's action runs though a field has the
        focus again (as a key there it would be the field's text, and the screen disables it)."""
        with as_commands():
            await self.app.run_action(action, node)

    def _enabled(self, node: DOMNode, action: str) -> bool:
        where, name, parameters = parse(action)
        target = self.app if where == "app" else self.screen if where == "screen" else node
        with as_commands():
            return target.check_action(name, parameters) is True

    async def discover(self) -> Hits:
        for title, help_text, run in self._commands():
            yield DiscoveryHit(title, run, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, run in self._commands():
            if (score := matcher.match(f"{title} {help_text}")) > 0:
                yield Hit(score, matcher.highlight(title), run, help=help_text)
