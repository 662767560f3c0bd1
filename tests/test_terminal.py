"""The app in a real terminal (tmux): a new customer typed in one `send-keys` burst is stored exactly as typed; an
address pasted with escape sequences in it (a bracketed paste) is stored whole, in order, without them.

Runs wherever tmux is installed; under CI (CI=true) a missing tmux fails the test instead of skipping it.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support import ROOT

pytestmark = pytest.mark.slow


@pytest.fixture
def tmux(tmp_path: Path) -> Iterator[list[str]]:
    """A tmux of this test's own (its own server socket), killed afterwards."""
    if shutil.which("tmux") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("tmux is needed for the real-terminal test under CI: install it")
        pytest.skip("tmux is not installed (this test runs wherever it is, and always under CI)")
    command = ["tmux", "-S", str(tmp_path / "tmux.sock")]
    yield command
    subprocess.run([*command, "kill-server"], capture_output=True)


def screen(tmux: list[str]) -> str:
    return subprocess.run([*tmux, "capture-pane", "-p", "-t", "app"], capture_output=True, text=True).stdout


def wait_for(tmux: list[str], words: str, seconds: float = 60) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if words in screen(tmux):
            return
        time.sleep(0.2)
    raise AssertionError(f"{words!r} never showed; the screen:\n{screen(tmux)}")


def start(tmux: list[str], isolated: Path) -> dict[str, str]:
    """The app in a new tmux session on `isolated`, at its welcome; the environment it runs with."""
    env = {"A2P_WIZARD_HOME": str(isolated), "A2P_MODE": "sandbox", "TERM": "xterm-256color"}
    command = " ".join(["env", *(f"{k}={shlex.quote(v)}" for k, v in env.items()), shlex.quote(sys.executable),
                        "-m", "wizard"])
    subprocess.run([*tmux, "new-session", "-d", "-s", "app", "-x", "80", "-y", "24", "-c", str(ROOT), command],
                   check=True)
    wait_for(tmux, "Welcome to a2p-wizard")
    return env


def stored_profile(env: dict[str, str]) -> dict[str, Any]:
    """The first customer's step 1 as the store holds it (`show --json`, in the app's environment)."""
    shown = subprocess.run([sys.executable, "-m", "wizard", "show", "C00001", "--json"], capture_output=True,
                           text=True, env={**os.environ, **env}, cwd=ROOT, check=True)
    return json.loads(shown.stdout)["inputs"]["profile"]


def test_a_new_customer_typed_in_one_burst_in_a_terminal_is_stored_as_typed(tmux: list[str], isolated: Path) -> None:
    env = start(tmux, isolated)
    # one burst: start empty (n), new customer (n), the form with a tab after each field, save (ctrl+s)
    subprocess.run([*tmux, "send-keys", "-t", "app", "n", "n", "Lola", "Tab", "Silva", "Tab", "lola@example.com",
                    "Tab", "(212) 234-5678", "Tab", "1 Main St", "Tab", "Tab", "Albany", "Tab", "NY", "Tab",
                    "12207", "C-s"], check=True)
    wait_for(tmux, "Step 1 saved")
    assert stored_profile(env) == {
        "first_name": "Lola", "last_name": "Silva", "email": "lola@example.com", "phone": "+12122345678",
        "street": "1 Main St", "street2": None, "city": "Albany", "region": "NY", "postal_code": "12207",
        "country": "US"}


def test_an_address_pasted_with_escape_sequences_is_stored_whole_in_order_without_them(tmux: list[str],
                                                                                     isolated: Path) -> None:
    env = start(tmux, isolated)
    send = [*tmux, "send-keys", "-t", "app"]
    subprocess.run([*send, "n", "n", "Lola", "Tab", "Silva", "Tab", "lola@example.com", "Tab", "(212) 234-5678",
                    "Tab"], check=True)
    # tmux sends a buffer as a bracketed paste (-p) when the app asked for it, as Textual does
    subprocess.run([*tmux, "set-buffer", "-b", "address", "12 Pine\x1b[31m St\x1b]0;T\x07 North"], check=True)
    subprocess.run([*tmux, "paste-buffer", "-p", "-b", "address", "-t", "app"], check=True)
    subprocess.run([*send, "Tab", "Tab", "Albany", "Tab", "NY", "Tab", "12207", "C-s"], check=True)
    wait_for(tmux, "Step 1 saved")
    assert stored_profile(env)["street"] == "12 Pine St North"
