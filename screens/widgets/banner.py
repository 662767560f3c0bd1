"""The mode banner at the top of a screen: SANDBOX, or LIVE with the shortened account SID."""

from __future__ import annotations

from textual.widgets import Static

from wizard.session.startup import Startup


class ModeBanner(Static):
    """`a2p-wizard · SANDBOX` or `a2p-wizard · LIVE · ACxxxx…1234` (never a secret)."""

    DEFAULT_CSS = """
    ModeBanner { height: 1; width: 1fr; padding: 0 1; text-style: bold; }
    ModeBanner.-sandbox { background: $warning-muted; color: $text-warning; }
    ModeBanner.-live { background: $error-muted; color: $text-error; }
    """

    def __init__(self, startup: Startup, title: str = "") -> None:
        live = startup.mode == "live"
        mode = f"LIVE · {startup.account_label}" if live else "SANDBOX"
        text = " · ".join(part for part in ("a2p-wizard", title, mode) if part)
        super().__init__(text, markup=False, classes="-live" if live else "-sandbox")
