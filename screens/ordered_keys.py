"""Keys and pastes handled one at a time, in order, by whatever has the focus when each one's turn comes.

Textual hands a key to the focused widget's queue at once; the widget handles it and passes it up to its
parents, and the app's bindings (tab, step keys…) act only when it arrives there. Keys that come in one burst
(type-ahead, a CRM's auto-type, a terminal multiplexer) are therefore all queued at the first field before the
first tab has moved the focus. `OrderedKeysApp` routes the next key only when the previous one has gone all the
way up (a `KeyDone` message follows it along the same path), then what it set off on its way has gone up too (a
binding runs when the key reaches the app: the message it posts, an input's `Submitted`, leaves after the first
`KeyDone`, so a second one follows it), and the screen it lands on has finished mounting
(and taken the focus it asked for), and while the screen says it is not ready for keys (`HoldsKeys`: the list
while a filter or sort it was asked for is being read, so Enter opens what the operator will see).
A bracketed paste reaches the app whole, in order (`screens.bracketed_paste`'s drivers); its text is cleaned
first: escape sequences and control characters are dropped, and lines are joined with
a space for a one-line field. A row pasted into a form field (cells separated by tabs) fills the fields one
cell each, as if every cell were pasted with a Tab after it (`RowCell`).
"""

from __future__ import annotations

import re
import sys
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import partial
from typing import Any, Protocol, runtime_checkable

from textual import events
from textual.app import App
from textual.dom import DOMNode
from textual.driver import Driver
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Input, Select

from screens.bracketed_paste import ESCAPE_SEQUENCE, PASTE_DRIVERS

LATE_FIELDS = (("textual.widgets._text_area", "TextArea"), ("textual.widgets._checkbox", "Checkbox"))
"""Fields only the forms use, by module and class: imported with the forms, not before the list's first frame
(TextArea and its documents take 30–90 ms to import)."""
LOST_AFTER = 0.5
"""Seconds after which a key's `KeyDone` is taken as lost (its widget went away): the next key goes on."""
WAIT_FOR_SCREEN = 0.01
"""Seconds between looks at an app not ready for keys (a screen still mounting: no form to type into yet)."""

_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean_text(text: str, *, one_line: bool) -> str:
    """Text as it may be stored: no escape sequences or control characters; one line joined with spaces."""
    text = _CONTROLS.sub("", ESCAPE_SEQUENCE.sub("", text.replace("\r\n", "\n").replace("\r", "\n")))
    if one_line:
        return " ".join(line.strip() for line in text.split("\n") if line.strip())
    return text


_LISTING_COMMANDS: ContextVar[bool] = ContextVar("listing_commands", default=False)


def typing_here(node: DOMNode) -> bool:
    """A field has the focus (text, checkbox or picker): plain letters, digits and symbols are its value there,
    never commands (a screen disables its plain-key commands then, so the footer shows only keys that work) —
    except while the command palette lists the screen's commands (`as_commands`): they are all offered there."""
    if _LISTING_COMMANDS.get():
        return False
    focused = node.screen.focused
    if isinstance(focused, Input | Select):
        return True
    # Only a form's text area or checkbox may have the focus otherwise, and its module is imported by then.
    return any(isinstance(focused, getattr(sys.modules[module], name))
               for module, name in LATE_FIELDS if module in sys.modules)


@contextmanager
def as_commands() -> Iterator[None]:
    """Read a screen's bindings as commands, not keys: a plain-key action counts as enabled whatever has focus."""
    token = _LISTING_COMMANDS.set(True)
    try:
        yield
    finally:
        _LISTING_COMMANDS.reset(token)


class RowCell:
    """A form field: a pasted row (cells separated by tabs, as a spreadsheet or a CRM copies one) fills it and
    the fields after it, one cell per field, as if each cell were pasted with a Tab after it."""


def row_cells(text: str) -> list[str] | None:
    """The cells of a pasted row, or None for text with no tab in it."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").rstrip("\n")
    return text.split("\t") if "\t" in text else None


@runtime_checkable
class HoldsKeys(Protocol):
    """A screen that may hold the next key back until what the last one asked for is on screen."""

    def ready_for_keys(self) -> bool: ...


class KeyDone(Message):
    """Follows a key up the path it took; when the second one reaches the app, the key and the messages its
    binding posted have been handled."""

    def __init__(self, target: DOMNode, *, last: bool = False) -> None:
        super().__init__()
        self.target, self.last = target, last


class OrderedKeysApp(App[None]):
    """An app whose keys and pastes are handled strictly one after the other (see the module's docstring)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._waiting: deque[events.Key | events.Paste] = deque()
        self._in_flight: KeyDone | None = None
        self._lost: Timer | None = None
        self._screen: object = None
        self._later = False
        """A look at the next key is scheduled: nothing else may route one before it (a second timer would)."""

    def get_driver_class(self) -> type[Driver]:
        """Textual's driver for this terminal (or the browser), reading each bracketed paste whole and in order."""
        driver = super().get_driver_class()
        return PASTE_DRIVERS.get(driver, driver)

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key | events.Paste) and not event.is_forwarded:
            self._waiting.append(event)
            await self._next_key()
            return
        await super().on_event(event)

    @property
    def keys_pending(self) -> bool:
        """Keys or pastes received and not fully handled yet."""
        return bool(self._waiting) or self._in_flight is not None

    def ready_for_keys(self) -> bool:
        """False while keys must wait: the screen is still mounting (subclasses add what else they wait on)."""
        screen = self.screen
        return screen.is_mounted and (not isinstance(screen, HoldsKeys) or screen.ready_for_keys())

    def _try_later(self, delay: float = 0) -> None:
        """Look at the next key after what is queued now (`delay` seconds later when given), once."""
        if self._later:
            return
        self._later = True

        async def again() -> None:
            self._later = False
            await self._next_key()

        if delay:
            self.set_timer(delay, again)
        else:
            self.call_later(again)

    async def _next_key(self) -> None:
        while self._waiting and self._in_flight is None and not self._later:
            if not self.ready_for_keys():
                self._try_later(WAIT_FOR_SCREEN)
                return
            if self.screen is not self._screen:  # let what it asked for on mounting (e.g. a focus) happen first
                self._screen = self.screen
                self._try_later()
                return
            event = self._waiting.popleft()
            target = self.focused or self.screen
            if isinstance(event, events.Paste):
                if (cells := row_cells(event.text)) and any(isinstance(n, RowCell) for n in target.ancestors_with_self):
                    spread: list[events.Key | events.Paste] = [events.Paste(cells[0])]
                    for cell in cells[1:]:
                        spread += [events.Key("tab", None), events.Paste(cell)]
                    self._waiting.extendleft(reversed(spread))
                    continue
                event = events.Paste(clean_text(event.text, one_line=isinstance(target, Input)))
            await super().on_event(event)
            if not event.is_forwarded:  # a priority binding took it: the next key after what it asked for later
                self._try_later()
                return
            self._follow(KeyDone(target))

    def _follow(self, done: KeyDone) -> None:
        """Send `done` up after the key (the next key goes on now if its widget is gone)."""
        if done.target.post_message(done):
            self._in_flight = done
            self._lost = self.set_timer(LOST_AFTER, partial(self._arrived, done))
        else:
            self._try_later()

    def _arrived(self, done: KeyDone) -> None:
        if done is not self._in_flight:
            return
        self._in_flight = None
        if self._lost is not None:
            self._lost.stop()
            self._lost = None
        if not done.last:
            self._follow(KeyDone(done.target, last=True))
            return
        self._try_later()  # after what the key asked for later (`focus()` is such a wish)

    def on_key_done(self, message: KeyDone) -> None:
        self._arrived(message)
