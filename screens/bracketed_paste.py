"""A bracketed paste read whole, in order, without the escape sequences it holds (terminal and browser alike).

Textual's `XTermParser` parses an escape sequence inside a paste as keys, sent ahead of the paste: a paste of
`12 Pine\\e[31m St\\e]0;T\\a North` arrived as the keys `^[31m St^]0;T North` and then the paste `12 Pine`.
`PasteParser` reads everything between `\\e[200~` and `\\e[201~` itself and hands it on as one `Paste` with the
escape sequences dropped (`12 Pine St North`); every other byte goes to `XTermParser` as before. The drivers
below are Textual's own, reading their input through it; `OrderedKeysApp` picks them.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Generator
from types import FunctionType
from typing import Any

from textual import constants, events
from textual._parser import ParseEOF, ParseTimeout, Peek1, Read1, TokenCallback
from textual._xterm_parser import BRACKETED_PASTE_END, BRACKETED_PASTE_START, XTermParser
from textual.drivers.linux_driver import LinuxDriver
from textual.drivers.web_driver import WebDriver

PASTE_LIMIT = 1_000_000
"""Characters of one paste kept (the rest is read and dropped): far more than every field together holds."""
ESCAPE_SEQUENCE = re.compile(r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)?|[PX^_][^\x1b]*(\x1b\\)?|.)?")
"""A CSI, OSC, DCS/SOS/PM/APC string or two-character escape (a lone ESC too)."""
ESC = "\x1b"


def drop_escapes(text: str) -> str:
    """`text` without escape sequences and NUL characters (tabs and line ends are kept: a pasted row's cells)."""
    return ESCAPE_SEQUENCE.sub("", text).replace("\x00", "")


def _step(held: str, char: str, mark: str) -> tuple[str, str]:
    """(what is no longer part of a possible `mark`, what still may be) once `char` follows `held`.

    `mark` begins with the only ESC it holds, so a new one can start only at an ESC."""
    held += char
    if mark.startswith(held):
        return "", held
    return (held[:-1], ESC) if char == ESC else (held, "")


class PasteParser(XTermParser):
    """XTermParser with each bracketed paste read whole into one `Paste` (see the module's docstring)."""

    def parse(self, token_callback: TokenCallback) -> Generator[Read1 | Peek1, str, None]:
        keys = super().parse(token_callback)
        wants = next(keys)

        def to_keys(text: str) -> None:
            nonlocal wants
            for char in text:
                wants = keys.send(char)

        held = ""  # the beginning of what may be a paste's opening, not given to XTermParser yet
        while True:
            try:
                char = yield (self.read1(constants.ESCAPE_DELAY) if held else wants)
            except ParseTimeout:  # an ESC (the escape key) or a sequence's start and nothing after it
                to_keys(held)
                if wants.timeout is not None:
                    wants = keys.throw(ParseTimeout())
                held = ""
                continue
            except ParseEOF:
                to_keys(held)
                with contextlib.suppress(StopIteration):
                    keys.throw(ParseEOF())
                return
            done, held = _step(held, char, BRACKETED_PASTE_START)
            to_keys(done)
            if held == BRACKETED_PASTE_START:
                held = ""
                text = yield from self._pasted()
                token_callback(events.Paste(drop_escapes(text)))

    def _pasted(self) -> Generator[Read1 | Peek1, str, str]:
        """Read up to a paste's closing; its text (the first `PASTE_LIMIT` characters)."""
        kept: list[str] = []
        size = 0
        held = ""
        while held != BRACKETED_PASTE_END:
            done, held = _step(held, (yield self.read1()), BRACKETED_PASTE_END)
            if done and size < PASTE_LIMIT:
                kept.append(done)
                size += len(done)
        return "".join(kept)[:PASTE_LIMIT]


def _through_paste_parser(run_input_thread: Callable[..., None]) -> Any:
    """A Textual driver's `run_input_thread` building a `PasteParser` where it builds an `XTermParser` (the one
    name changed in the globals it runs with; the rest is Textual's own code)."""
    if "XTermParser" not in run_input_thread.__code__.co_names:
        raise RuntimeError(f"{run_input_thread.__qualname__} no longer builds an XTermParser: see {__name__}")
    namespace = {**run_input_thread.__globals__, "XTermParser": PasteParser}
    return FunctionType(run_input_thread.__code__, namespace, run_input_thread.__name__,
                        run_input_thread.__defaults__, run_input_thread.__closure__)


class PasteLinuxDriver(LinuxDriver):
    """The terminal's driver (Linux and macOS) with pastes read whole."""

    run_input_thread = _through_paste_parser(LinuxDriver.run_input_thread)


class PasteWebDriver(WebDriver):
    """The browser's driver (`serve`: textual-serve starts each tab's app with it) with pastes read whole."""

    run_input_thread = _through_paste_parser(WebDriver.run_input_thread)


PASTE_DRIVERS: dict[type[Any], type[Any]] = {LinuxDriver: PasteLinuxDriver, WebDriver: PasteWebDriver}
"""Textual's driver → the same reading pastes whole."""
