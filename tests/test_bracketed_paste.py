"""A bracketed paste holding escape sequences reaches the field whole, in order, without them: the terminal's (or
the browser's) bytes fed to the parser the app's own driver reads its input with, then what it makes of them
handed to the app; and a browser tab's app process fed its keys as textual-serve does. A real terminal (tmux):
tests/test_terminal.py."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import pytest
import textual._parser
from textual import constants, events
from textual._xterm_parser import XTermParser
from textual.message import Message
from textual.pilot import Pilot
from textual.widgets import Input, TextArea

from screens.app import WizardApp
from screens.bracketed_paste import PASTE_LIMIT, PasteParser
from tests.support import factories as f
from tests.support.pilot import burst, keys_handled, open_customer, put, settle
from wizard.desk import Desk
from wizard.session.runtime import Runtime

PASTED = "12 Pine\x1b[31m St\x1b]0;T\x07 North"
"""What the issue pasted: a CSI (colour) and an OSC (window title) inside an address."""
BYTES = f"\x1b[200~{PASTED}\x1b[201~"
"""The same as a terminal sends it in bracketed paste mode."""
ROOT = Path(__file__).resolve().parent.parent
WEB_DRIVER = "textual.drivers.web_driver:WebDriver"
"""What textual-serve sets TEXTUAL_DRIVER to for each browser tab's app."""


@pytest.fixture(params=["terminal", "browser"])
def app(request: pytest.FixtureRequest, runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> WizardApp:
    """The app as a terminal or a browser tab (`serve`) starts it."""
    if request.param == "browser":
        monkeypatch.setattr(constants, "DRIVER", WEB_DRIVER)
    return WizardApp(Desk(runtime))


def driver_parser(app: WizardApp) -> XTermParser:
    """A new parser of the kind the app's driver builds to read its input (the name its input loop looks up)."""
    parser = getattr(app.driver_class, "run_input_thread").__globals__["XTermParser"]()  # noqa: B009 (a Driver has none)
    assert isinstance(parser, XTermParser)
    return parser


def described(messages: list[Message]) -> list[str]:
    return [f"paste {m.text!r}" if isinstance(m, events.Paste) else f"key {getattr(m, 'key', m)!r}"
            for m in messages]


@pytest.mark.parametrize("chunks", ["whole", "split", "bytes"])
def test_the_parser_makes_one_paste_without_escapes_in_order_however_the_bytes_arrive(app: WizardApp,
                                                                                       chunks: str) -> None:
    data = f"a{BYTES}b\x1b[A"
    expected = ["key 'a'", "paste '12 Pine St North'", "key 'b'", "key 'up'"]
    if chunks == "whole":
        assert described(list(driver_parser(app).feed(data))) == expected
    elif chunks == "bytes":
        parser = driver_parser(app)
        assert described([m for char in data for m in parser.feed(char)]) == expected
    else:
        for cut in range(1, len(data)):
            parser = driver_parser(app)
            assert described([*parser.feed(data[:cut]), *parser.feed(data[cut:])]) == expected, cut


def test_a_paste_keeps_tabs_and_lines_for_the_fields_and_is_bounded(app: WizardApp) -> None:
    row = "Lola\x1b[1m\tSilva\x1bP+q\x1b\\\r\n2 Main\x00 St"
    assert described(list(driver_parser(app).feed(f"\x1b[200~{row}\x1b[201~"))) == [
        "paste 'Lola\\tSilva\\r\\n2 Main St'"]
    [huge] = driver_parser(app).feed(f"\x1b[200~{'x' * (PASTE_LIMIT + 10)}\x1b[201~")
    assert isinstance(huge, events.Paste) and huge.text == "x" * PASTE_LIMIT


class Clock:
    """Textual's parser clock, moved by hand (the escape key is an ESC with nothing after it for a while)."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize("typed", ["\x1b", "\x1b[", "\x1b[2", "\x1b[20", "\x1b[200", "\x1bx", "\x1b\x1b",
                                   "\x1b[A\x1b", "x\x1b[1;5A", "\x1b[201~q", "\x1b[<0;3;4M"])
def test_outside_a_paste_keys_are_read_as_textual_reads_them(typed: str, monkeypatch: pytest.MonkeyPatch) -> None:
    clock = Clock()
    monkeypatch.setattr(textual._parser, "get_time", clock)

    def read(parser: XTermParser) -> list[str]:
        messages = list(parser.feed(typed))
        clock.now += 1
        return described([*messages, *parser.tick()])

    assert read(PasteParser()) == read(XTermParser())


async def feed(pilot: Pilot, parser: XTermParser, data: str) -> None:
    """Hand the app what `parser` makes of `data`, as the driver does, and let it be handled."""
    for message in parser.feed(data):
        pilot.app.post_message(message)
    await keys_handled(pilot)


async def test_a_paste_with_escapes_into_a_text_field_is_saved_without_them_in_order(app: WizardApp,
                                                                                     runtime: Runtime) -> None:
    parser = driver_parser(app)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await burst(pilot, "n", "n")  # start empty, new customer
        for name, value in f.profile_data().items():
            if name not in ("street", "street2", "country"):
                await put(pilot, name, value)
        app.screen.query_one("#street", Input).focus()
        await feed(pilot, parser, BYTES)
        assert app.screen.query_one("#street", Input).value == "12 Pine St North"
        await burst(pilot, "ctrl+s")
        await settle(pilot)
    [key] = runtime.store.keys()
    profile = runtime.engine.load(key).profile
    assert profile is not None and profile.street == "12 Pine St North"


async def test_a_paste_with_escapes_into_a_text_area_keeps_its_lines_without_them(app: WizardApp,
                                                                                  runtime: Runtime) -> None:
    c = Desk(runtime).create(f.profile(), f.bundle())
    parser = driver_parser(app)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_customer(pilot, c.key)
        while screen.step != 4:
            await burst(pilot, "ctrl+pagedown")
        area = app.screen.query_one("#campaign_description", TextArea)
        area.clear()
        area.focus()
        await feed(pilot, parser, f"\x1b[200~Reminders\x1b[1m for\x1b[0m\r\n{PASTED}\x1b[201~")
        assert area.text == "Reminders for\n12 Pine St North"


def packet(data: str) -> bytes:
    """Keys as textual-serve hands them to a tab's app: a data packet of what the browser's terminal sent."""
    payload = data.encode()
    return b"D" + len(payload).to_bytes(4, "big") + payload


@pytest.mark.slow
def test_in_a_browser_tabs_app_process_a_pasted_address_is_stored_whole_in_order(isolated: Path) -> None:
    """The app process a browser tab runs (`serve`: the web driver, keys as data packets on its stdin)."""
    env = {**os.environ, "A2P_WIZARD_HOME": str(isolated), "A2P_MODE": "sandbox", "TEXTUAL_DRIVER": WEB_DRIVER,
           "COLUMNS": "120", "ROWS": "40"}
    app = subprocess.Popen([sys.executable, "-m", "wizard"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL, env=env, cwd=ROOT)
    assert isinstance(app.stdin, io.BufferedWriter) and isinstance(app.stdout, io.BufferedReader)
    drawn = bytearray()
    threading.Thread(target=drain, args=(app.stdout, drawn), daemon=True).start()
    try:
        wait(lambda: b"Welcome" in drawn, "the welcome")
        typed = f"nnLola\tSilva\tlola@example.com\t(212) 234-5678\t{BYTES}\t\tAlbany\tNY\t12207\x13"
        app.stdin.write(packet(typed))
        app.stdin.flush()
        wait(lambda: street(env) is not None, "the saved customer")
    finally:
        app.kill()
        app.wait()
    assert street(env) == "12 Pine St North"


def drain(stream: io.BufferedReader, into: bytearray) -> None:
    for chunk in iter(partial(stream.read1, 65536), b""):
        into.extend(chunk)


def street(env: dict[str, str]) -> str | None:
    """The street `show C00001 --json` holds (None before the customer is saved)."""
    shown = subprocess.run([sys.executable, "-m", "wizard", "show", "C00001", "--json"], capture_output=True,
                           text=True, env=env, cwd=ROOT)
    return json.loads(shown.stdout)["inputs"]["profile"]["street"] if shown.returncode == 0 else None


def wait(check: Callable[[], bool], what: str, seconds: float = 60) -> None:
    end = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < end, f"{what} never came"
        time.sleep(0.1)
