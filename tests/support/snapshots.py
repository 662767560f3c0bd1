"""The app as a snapshot test owns it, on a fresh sandbox (the list's and every size's snapshots)."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from screens.app import WizardApp
from tests.support.env import Clock, without_settings
from wizard.desk import Desk
from wizard.session.runtime import Runtime


class StillApp(WizardApp):
    """The app with no animation, closing its runtime when it ends."""

    def on_mount(self) -> None:
        self.animation_level = "none"

    async def on_unmount(self) -> None:
        await self.desk.aclose()


def fresh_sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[], StillApp]:
    """Apps on a fresh sandbox in ./home (a relative path, so the settings screen reads the same on every run)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("A2P_WIZARD_HOME")
    return lambda: StillApp(Desk(Runtime.open(home="home", mode="sandbox", now=Clock())))


def examples_folder(parent: Path) -> Path:
    """A sandbox data folder in `parent` holding the seven example customers, loaded as the app's `y` loads them
    (same frozen clock): a template to copy, never to open."""
    home = parent / "home"

    async def load() -> None:
        desk = Desk(Runtime.open(home=home, mode="sandbox", now=Clock()))
        try:
            await desk.load_examples()
        finally:
            await desk.aclose()

    with pytest.MonkeyPatch.context() as monkeypatch:
        without_settings(monkeypatch)
        asyncio.run(load())
    return home


def with_examples(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, template: Path) -> Callable[[], StillApp]:
    """Apps on a copy of `template` (examples_folder's) in ./home, as `fresh_sandbox` gives them."""
    shutil.copytree(template, tmp_path / "home")
    return fresh_sandbox(tmp_path, monkeypatch)
