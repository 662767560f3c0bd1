"""The Textual application (the wizard screens are built on the `wizard` layer only)."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import Footer, Header, Static

from wizard.runtime import Runtime


class WizardApp(App[None]):
    """a2p-wizard's TUI."""

    TITLE = "a2p-wizard"

    def __init__(self, runtime: Runtime) -> None:
        super().__init__()
        self.runtime = runtime

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(f"{self.runtime.mode.upper()} — {self.runtime.store.count()} customer(s)")
        yield Footer()


def run(*, home: str | None = None, mode: str | None = None, mock_brand: bool | None = None) -> int:
    runtime = Runtime.open(home=home, mode=mode, mock_brand=mock_brand)  # type: ignore[arg-type]
    WizardApp(runtime).run()
    return 0
