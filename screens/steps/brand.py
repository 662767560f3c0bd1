"""Step 3: the brand's review and the customer's one-time passcode (OTP), with a live 24-hour countdown."""

from __future__ import annotations

from datetime import datetime

from textual.app import ComposeResult
from textual.containers import Grid, Vertical
from textual.widgets import Button, Static

from screens.classes import set_class
from screens.widgets.pairs import Pairs
from wizard.desk import OTP_SENDER, CustomerView, Said


class BrandPanel(Vertical):
    """Brand status, identity status, OTP countdown, the text for the customer, and the step's actions."""

    DEFAULT_CSS = """
    BrandPanel { height: auto; }
    BrandPanel .panel--heading { text-style: bold; color: $accent; margin-top: 1; }
    BrandPanel .panel--facts { height: auto; }
    BrandPanel #countdown { text-style: bold; margin-top: 1; }
    BrandPanel #countdown.-urgent { color: $text-warning; }
    BrandPanel #countdown.-lapsed { color: $text-error; }
    BrandPanel #customer-message { border: round $accent; padding: 0 1; height: auto; }
    BrandPanel .panel--otp { height: auto; display: none; }
    BrandPanel.-otp .panel--otp { display: block; }
    BrandPanel #brand-actions { height: auto; margin-top: 1; grid-size: 3; grid-gutter: 1 2; grid-rows: 1; }
    BrandPanel #brand-actions Button { width: 100%; }
    """

    def __init__(self, view: CustomerView, said: Said, *, sandbox: bool) -> None:
        super().__init__(id="brand-panel")
        self.view, self.said = view, said
        self._sandbox = sandbox

    def compose(self) -> ComposeResult:
        yield Static(id="brand-state", markup=False)
        with Vertical(classes="panel--otp"):
            yield Static(id="countdown")
            yield Static("Message you can send the customer", classes="panel--heading")
            yield Static(id="customer-message", markup=False)
        with Grid(id="brand-actions"):
            yield Button("Resend OTP (o)", id="resend-otp", action="screen.resend_otp", compact=True)
            if self._sandbox:
                yield Button("Replied YES (y)", id="reply-yes", variant="warning", compact=True,
                             action="screen.reply_yes", tooltip="Sandbox: the customer replies YES")
            yield Button("Copy message (m)", id="copy-message", action="screen.copy_message", compact=True)
            yield Button("Refresh (r)", id="refresh", action="screen.refresh", compact=True)
            yield Button("Advance (a)", id="advance", action="screen.advance", compact=True)
        yield Static("Brand registration", classes="panel--heading")
        yield Pairs(id="brand-facts", classes="panel--facts")
        with Vertical(classes="panel--otp"):
            yield Static("One-time passcode (OTP)", classes="panel--heading")
            yield Pairs(id="otp-facts", classes="panel--facts")

    def on_mount(self) -> None:
        self.show(self.view, self.said)

    def show(self, view: CustomerView, said: Said) -> None:
        self.view = view
        otp = view.otp
        self.query_one("#brand-facts", Pairs).show(view.brand_facts)
        self.query_one("#brand-state", Static).update(view.brand_words)
        set_class(self, otp.pending, "-otp")
        if otp.pending:
            self.query_one("#otp-facts", Pairs).show([
                ("Sent from", OTP_SENDER),
                ("Sent at", f"{_when(otp.sent_at)} UTC" if otp.sent_at else "—"),
                ("Resent", f"{otp.resends} time{'s' if otp.resends != 1 else ''}"),
            ])
            self.query_one("#customer-message", Static).update(view.message)
        for button in ("#resend-otp", "#reply-yes", "#copy-message"):
            for found in self.query(button):
                found.display = otp.pending
        self.show_countdown(said)

    def show_countdown(self, said: Said) -> None:
        """The passcode's timer, in the words of `said` (the screen's one "what next", redrawn every second)."""
        self.said = said
        countdown, deadline = self.query_one("#countdown", Static), self.view.otp.deadline
        if not said.countdown or deadline is None:
            countdown.update("")
            return
        lapsed = said.countdown == "lapsed"
        set_class(countdown, lapsed, "-lapsed")
        set_class(countdown, said.urgent, "-urgent")
        until = f"{deadline:%m-%d %H:%M} UTC"
        countdown.update(f"⏱ The passcode lapsed at {until}: resend it (o)." if lapsed
                         else f"⏱ {said.countdown} to reply YES (until {until})")


def _when(stamp: str) -> str:
    return datetime.fromisoformat(stamp).strftime("%m-%d %H:%M")
