"""The app as a snapshot test owns it, on a fresh sandbox (the list's and every size's snapshots)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from screens.app import WizardApp
from tests.support.env import Clock
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
