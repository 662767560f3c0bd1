"""Settings and about (F2): mode, account, the primary profile check, data folders, prices. Read-only:
settings come from the environment or config.toml, and secrets are never shown."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Static
from textual.worker import Worker, WorkerState

from screens.classes import set_class
from screens.handle import host
from screens.palette import HELP, ScreenKeys
from screens.widgets.banner import ModeBanner
from screens.widgets.footer import KeysFooter
from screens.widgets.pairs import Pairs
from screens.workers import EXPECTED, report_failure, report_worker_error
from wizard.errors import shown

if TYPE_CHECKING:
    from wizard.desk import Desk

MODES = {
    "sandbox": "SANDBOX: the built-in fake Twilio; nothing is sent, nothing is billed",
    "live": "LIVE: every step is sent to Twilio and billed",
}


def table(rows: list[tuple[str, str]]) -> Pairs:
    """Label/value lines, the labels dimmed and aligned across the sections."""
    return Pairs(rows, label_width=20)


class SettingsScreen(Screen[None]):
    """What this installation is set to, and whether the ISV's primary profile allows registrations."""

    CSS_PATH = "settings_screen.tcss"
    COMMANDS: ClassVar = {ScreenKeys}
    BINDINGS: ClassVar[list[BindingType]] = [
        HELP,
        Binding("escape", "dismiss", "Back", id="settings-back", tooltip="Back to where you were"),
        Binding("c", "check", "Check again", id="settings-check",
                tooltip="Check the primary customer profile again"),
    ]

    @property
    def desk(self) -> Desk:
        return host(self).desk

    def compose(self) -> ComposeResult:
        desk = self.desk
        loc, prices = desk.startup.locations, desk.prices
        config = f"{loc.config_file}" + ("" if loc.config_file.exists() else "  (not created yet)")
        yield ModeBanner(desk.startup, "Settings")
        with VerticalScroll(id="settings"):
            yield Static("Account", classes="settings--heading")
            yield table([
                ("Mode", MODES[desk.mode]),
                ("Account", desk.startup.account_label),
                ("Mock brands", "yes: Mock=true, no TCR fee (rehearsals only)" if desk.mock_brand else "no"),
            ])
            yield Static("Primary customer profile", classes="settings--heading")
            yield table([("Profile", desk.primary_profile_sid)])
            yield Static("Checking…", id="primary", markup=False)
            yield Static("Data folders", classes="settings--heading")
            yield table([("Store", shown(desk.startup.store_where)), ("Config", config),
                         ("Logs", str(loc.log_file)),
                         ("Sandbox", str(loc.sandbox) if desk.sandboxed else "not used in live mode")])
            yield Static("Prices (US$)", classes="settings--heading")
            yield table([("Brand registration", f"${prices.brand:,.2f} per brand"),
                         ("Campaign vetting", f"${prices.campaign_vetting:,.2f} per submission"),
                         ("Campaign", f"${prices.campaign_monthly:,.2f} per month")])
            yield Static("Change these with environment variables (TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN or "
                         "TWILIO_API_KEY + TWILIO_API_SECRET, A2P_PRIMARY_PROFILE_SID, A2P_MOCK_BRAND) or the same "
                         "keys in the config file; then restart.", id="where", markup=False)
        yield KeysFooter()

    def on_mount(self) -> None:
        self.action_check()

    def action_check(self) -> None:
        self.query_one("#primary", Static).update("Checking…")
        self.check_primary()

    @work(exclusive=True, exit_on_error=False, group="primary", description="Checking the primary profile")
    async def check_primary(self) -> None:
        primary = self.query_one("#primary", Static)
        try:
            problems = await self.desk.check_primary()
        except EXPECTED as error:
            report_failure(self, error, "Primary profile")
            problems = [f"Could not check: {error}"]
        primary.update("✗ " + "\n✗ ".join(problems) if problems
                       else "✓ twilio-approved, business identity ISV reseller or partner: registrations can go on.")
        set_class(primary, bool(problems), "-problem")
        set_class(primary, not problems, "-ok")

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR:
            report_worker_error(self, event.worker)
