"""`a2p-wizard serve`: the app in a browser through textual-serve — its guard rails, and a real headless Chromium.

The browser test drives Debian's Chromium (/usr/bin/chromium, or $A2P_CHROMIUM) with Playwright; no browser is
ever downloaded. It runs wherever Chromium is installed; under CI (CI=true) a missing Chromium fails it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import httpx
import pytest

from tests.support import factories as f
from tests.support.browser import CHROMIUM, SCREEN_TEXT, TERMINAL_HOOK
from tests.support.commands import in_process as run
from tests.support.prism import LOOPBACK, die_with_parent, free_port, in_ci
from wizard.cli import main

pytestmark = pytest.mark.slow

SECRET = "auth-token-that-must-stay-secret"


# -- the command's guard rails (no browser) ----------------------------------------------------------------------

@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.0.2.10"])
def test_a_host_beyond_this_machine_is_refused_without_allow_remote(capsys, isolated, host):
    code, out, err = run(capsys, "serve", "--host", host)
    assert code == 2 and out == ""
    assert f"refusing to serve on {host}" in err and "not a loopback address" in err
    assert "no authentication of its own" in err and "--allow-remote" in err
    assert not isolated.exists()  # refused before anything was opened


@pytest.mark.parametrize(("argv", "complaint"), [
    (["--port", "0"], "not a port number"), (["--port", "http"], "not a port number"),
    (["--public-url", "a2p.example.com"], "not an http:// or https:// URL"),
])
def test_a_bad_port_or_public_url_is_a_usage_error(capsys, argv, complaint):
    with pytest.raises(SystemExit) as exit_:
        main(["serve", *argv])
    assert exit_.value.code == 2 and complaint in capsys.readouterr().err


def test_allow_remote_without_a_public_url_says_what_to_add(capsys, isolated):
    code, out, err = run(capsys, "serve", "--host", "0.0.0.0", "--allow-remote")
    assert (code, out) == (2, "") and "needs --public-url" in err and "--public-url https://" in err
    assert not isolated.exists()  # refused before anything was opened


def test_with_allow_remote_it_warns_in_words_and_serves_each_tab_without_the_secret(capsys, monkeypatch, isolated):
    """The warning, and what textual-serve is given: the folder and modes on the child's command line, no token."""
    from screens.serve import AppServer

    monkeypatch.setenv("TWILIO_ACCOUNT_SID", "AC" + "1" * 32)
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", SECRET)
    monkeypatch.setenv("A2P_PRIMARY_PROFILE_SID", "BU" + "2" * 32)
    served: list[AppServer] = []
    monkeypatch.setattr(AppServer, "serve", lambda self, debug=False: served.append(self))
    code, out, err = run(capsys, "--live", "--mock-brand", "--data-dir", str(isolated), "serve", "--host", "0.0.0.0",
                         "--port", str(free_port()), "--allow-remote", "--public-url", "https://a2p.example.com/")
    assert code == 0, err
    assert "warning: serving on 0.0.0.0, beyond this machine" in err
    assert "no authentication of its own" in err and "proxy that asks for a login over TLS" in err
    [server] = served
    assert server.command.endswith(f"-m wizard --data-dir {isolated} --live --mock-brand")
    assert server.public_url == "https://a2p.example.com" and server.title == "a2p-wizard"
    assert SECRET not in server.command + out + err


@pytest.mark.parametrize(("host", "url"), [("127.0.0.1", "http://127.0.0.1"), ("localhost", "http://localhost"),
                                           ("::1", "http://[::1]")])
def test_a_loopback_host_is_served_without_a_warning(capsys, monkeypatch, host, url):
    from screens.serve import AppServer

    served: list[AppServer] = []
    monkeypatch.setattr(AppServer, "serve", lambda self, debug=False: served.append(self))
    port = free_port()
    code, _, err = run(capsys, "serve", "--host", host, "--port", str(port))
    assert (code, err) == (0, "")
    assert [(s.host, s.public_url) for s in served] == [(host, f"{url}:{port}")]


def test_a_port_in_use_is_a_clear_message_not_a_traceback(capsys):
    with socket.socket() as taken:
        taken.bind((LOOPBACK, 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, out, err = run(capsys, "serve", "--port", str(port))
    assert code == 1 and out == ""
    assert err == f"a2p-wizard: port {port} on 127.0.0.1 is in use by another program: pick another with --port\n"


def test_a_data_folder_that_cannot_work_stops_the_server_before_it_listens(capsys):
    code, _, err = run(capsys, "--live", "serve")  # live mode without credentials
    assert code == 1 and err.startswith("a2p-wizard: ") and "Traceback" not in err


# -- a served app ----------------------------------------------------------------------------------------------

CUSTOMERS = {"K1": "José Nguyễn", "K2": "Zoë Lefèvre-Côté", "K3": "Maya Patel"}
SHOWN = 14
"""Characters of a name the list's Name column shows whole at 1200 px (a longer one ends with …)."""


@pytest.fixture
def served(tmp_path: Path, isolated: Path, capsys) -> Iterator[str]:
    """`a2p-wizard serve` on a free loopback port, over a data folder with three imported customers; its URL."""
    rows = [f.csv_row("K1", "jose"), f.csv_row("K2", "zoe"),
            f.csv_row("K3", first_name="Maya", last_name="Patel", brand_name="Maya Patel")]
    assert main(["import", str(f.write_csv(tmp_path / "customers.csv", rows))]) == 0
    capsys.readouterr()
    port, log = free_port(), tmp_path / "serve.log"
    with log.open("wb") as out:
        server = subprocess.Popen([sys.executable, "-m", "wizard", "serve", "--port", str(port)], stdout=out,
                                  stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
                                  preexec_fn=die_with_parent())
    try:
        end = time.monotonic() + 30
        while "Serving a2p-wizard on" not in log.read_text(errors="replace"):
            assert server.poll() is None and time.monotonic() < end, f"serve did not start:\n{log.read_text()}"
            time.sleep(0.05)
        yield f"http://{LOOPBACK}:{port}"
    finally:
        server.terminate()  # textual-serve stops each tab's app as it shuts down
        with contextlib.suppress(subprocess.TimeoutExpired):
            server.wait(timeout=10)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGKILL)  # whatever of its group is left
        server.wait(timeout=10)


async def test_a_websocket_from_another_site_is_refused(served):
    """A page on another origin open in the operator's browser must not drive the app (no login behind it)."""
    async with aiohttp.ClientSession() as session:
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await session.ws_connect(f"{served}/ws", headers={"Origin": "https://attacker.example"})
        assert refused.value.status == 403
        async with session.get(served) as page:
            assert f'data-session-websocket-url="ws://{LOOPBACK}' in await page.text()


def test_the_request_log_passes_the_sanitiser(served, tmp_path):
    """The server logs each request with what the browser sent (its User-Agent): no invisible character raw."""
    assert httpx.get(f"{served}/static/css/xterm.css", headers={"User-Agent": "evil\u202etxt.exe".encode()}).is_success
    log, end = tmp_path / "serve.log", time.monotonic() + 10
    while "GET /static/css/xterm.css" not in log.read_text(encoding="utf-8"):
        assert time.monotonic() < end, log.read_text(encoding="utf-8")
        time.sleep(0.05)
    assert "evil\\u202etxt.exe" in log.read_text(encoding="utf-8") and "\u202e" not in log.read_text(encoding="utf-8")


# -- in a real browser -----------------------------------------------------------------------------------------

@pytest.fixture
def chromium() -> Path:
    if not CHROMIUM.exists():
        if in_ci():
            pytest.fail(f"Chromium is needed for the browser test under CI: install it (apt-get install chromium) "
                        f"or set A2P_CHROMIUM; {CHROMIUM} does not exist")
        pytest.skip(f"Chromium is not installed ({CHROMIUM}; apt-get install chromium): this test runs wherever it "
                    "is, and always under CI")
    return CHROMIUM


@contextlib.contextmanager
def served_page(chromium: Path, served: str) -> Iterator[Any]:
    """A headless Chromium page on the served app, reaching nothing beyond this machine (the page's web font comes
    from the internet; it falls back to monospace), its terminal readable by SCREEN_TEXT."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium), headless=True)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 720})
            page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(served)
                       else route.abort())
            page.add_init_script(TERMINAL_HOOK)
            page.goto(served)
            yield page
        finally:
            browser.close()


def wait_for(page, check: Callable[[str], bool], what: str, seconds: float = 30) -> str:
    end = time.monotonic() + seconds
    while not check(text := page.evaluate(SCREEN_TEXT)):
        if time.monotonic() > end:
            raise AssertionError(f"{what} never showed; the screen:\n{text}")
        page.wait_for_timeout(50)
    return text


@pytest.mark.slow
def test_the_app_in_a_browser_lists_filters_and_opens_a_customer(chromium, served, tmp_path):
    """Headless Chromium on the served page: the list of imported customers, a filter typed, a customer opened.

    The screenshot goes to the test's folder; A2P_BROWSER_SCREENSHOT=docs/browser.png puts it in the README."""
    with served_page(chromium, served) as page:
        shown = wait_for(page, lambda text: all(f"{key}  " in text and name[:SHOWN] in text
                                                for key, name in CUSTOMERS.items()),
                         "the Customers list with the three imported customers")
        assert "a2p-wizard · Customers · SANDBOX" in shown

        page.focus(".xterm-helper-textarea")
        page.keyboard.press("/")
        page.keyboard.type("lefevre")  # no accent: the filter ignores them
        wait_for(page, lambda text: "Zoë Lefèvre-Côté" in text and "José" not in text and "Maya" not in text,
                 "the list filtered to Zoë")
        page.keyboard.press("Enter")  # the filter is done: the list has the focus
        page.keyboard.press("Enter")  # open the highlighted customer
        opened = wait_for(page, lambda text: "K2 · Zoë Lefèvre-Côté" in text and "Starter profile" in text
                          and "palette" in text.splitlines()[-1], "Zoë's customer screen with its keys")
        assert "Customers" not in opened.splitlines()[0]
        shot = page.screenshot(path=tmp_path / "browser.png")
    assert shot.startswith(b"\x89PNG")
    if target := os.environ.get("A2P_BROWSER_SCREENSHOT"):
        shutil.copyfile(tmp_path / "browser.png", target)


PASTE = """text => {
    const data = new DataTransfer();
    data.setData("text/plain", text);
    document.querySelector(".xterm-helper-textarea").dispatchEvent(
        new ClipboardEvent("paste", {clipboardData: data, bubbles: true, cancelable: true}));
}"""
"""Paste `text` as the browser does on ctrl+v: the page's terminal (xterm.js) sends it as a bracketed paste."""


@pytest.mark.slow
def test_a_paste_with_escape_sequences_in_a_browser_reaches_the_field_whole_and_in_order(chromium, served):
    """Pasted into the list's filter: "Lef ESC[31m evre ESC]0;T BEL -Cote" is the filter "Lefevre-Cote" (Textual's
    parser sent the escapes' text as keys ahead of the paste: "^[31mevre^]0;T-CoteLef", matching nobody)."""
    with served_page(chromium, served) as page:
        wait_for(page, lambda text: all(name[:SHOWN] in text for name in CUSTOMERS.values()),
                 "the Customers list")
        page.focus(".xterm-helper-textarea")
        page.keyboard.press("/")
        page.evaluate(PASTE, "Lef\x1b[31mevre\x1b]0;T\x07-Cote")
        wait_for(page, lambda text: "Lefevre-Cote" in text and "Zoë Lefèvre-Cô" in text and "José" not in text
                 and "Maya" not in text, "the list filtered to Zoë by the pasted text")
