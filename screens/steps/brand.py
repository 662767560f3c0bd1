"""Step 3: the brand's review and the customer's one-time passcode (OTP), with a live 24-hour countdown."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from textual.app import ComposeResult
from textual.containers import Grid, Vertical
from textual.content import Content
from textual.widgets import Button, Static

from wizard.customer.record import Customer
from wizard.flow.progress import OTP_SENDER, VERIFIED, customer_message, otp_countdown, otp_pending
from wizard.list_rows import otp_deadline

FREE_RESUBMITS = 3
URGENT = timedelta(hours=6)
"""Less time than this left to reply YES: the countdown turns yellow."""


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

    def __init__(self, customer: Customer, clock: Callable[[], datetime], *, sandbox: bool) -> None:
        super().__init__(id="brand-panel")
        self.customer = customer
        self._clock = clock
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
                yield Button("Said YES (y)", id="reply-yes", variant="warning", compact=True,
                             action="screen.reply_yes", tooltip="Sandbox: the customer replies YES")
            yield Button("Copy message (m)", id="copy-message", action="screen.copy_message", compact=True)
            yield Button("Refresh (r)", id="refresh", action="screen.refresh", compact=True)
            yield Button("Advance (a)", id="advance", action="screen.advance", compact=True)
        yield Static("Brand registration", classes="panel--heading")
        yield Static(id="brand-facts", classes="panel--facts")
        with Vertical(classes="panel--otp"):
            yield Static("One-time passcode (OTP)", classes="panel--heading")
            yield Static(id="otp-facts", classes="panel--facts")

    def on_mount(self) -> None:
        self.show(self.customer)
        self.set_interval(1, self.tick)

    def show(self, c: Customer) -> None:
        self.customer = c
        st, sids = c.state.statuses, c.state.sids
        status, identity = st.get("brand", ""), st.get("identity", "")
        paid = sum(charge.amount for charge in c.state.ledger if "brand" in charge.what)
        facts = [
            ("Brand name", c.brand_name or "—"),
            ("Brand status", status or "not registered"),
            ("Identity", identity or "—"),
            ("Brand SID", sids.get("brand") or "—"),
            ("Fee paid", f"${paid:,.2f}" if paid else "—"),
        ]
        if c.state.brand_resubmits:
            facts.append(("Resubmitted", f"{c.state.brand_resubmits} of {FREE_RESUBMITS} free times"))
        self.query_one("#brand-facts", Static).update(_facts(facts))
        self.query_one("#brand-state", Static).update(self._state_words(c))
        pending = otp_pending(c)
        self.set_class(pending, "-otp")
        if pending:
            sent = c.state.otp_sent_at
            resends = c.state.otp_resends
            self.query_one("#otp-facts", Static).update(_facts([
                ("Sent from", OTP_SENDER),
                ("Sent at", f"{_when(sent)} UTC" if sent else "—"),
                ("Resent", f"{resends} time{'s' if resends != 1 else ''}"),
            ]))
            self.query_one("#customer-message", Static).update(customer_message(c))
        for button in ("#resend-otp", "#reply-yes", "#copy-message"):
            for found in self.query(button):
                found.display = pending
        self.tick()

    def _state_words(self, c: Customer) -> str:
        st = c.state.statuses
        status, identity = st.get("brand", ""), st.get("identity", "")
        if not c.state.sids.get("brand"):
            return ("The brand is registered right after steps 1 and 2 are submitted (a fee you confirm first). "
                    "Twilio then reviews it, and texts the customer a passcode.")
        if status in ("PENDING", "IN_REVIEW", ""):
            return "Twilio is reviewing the brand; this usually takes minutes. Refresh (r) to check."
        if status == "FAILED":
            return ("The brand FAILED (see the problems above). Correct the details in step 1 or 2 and save: "
                    f"the brand is resubmitted, free up to {FREE_RESUBMITS} times.")
        if status == "APPROVED" and identity in VERIFIED:
            return "✓ The customer confirmed the brand by replying YES. Go on with the campaign (step 4)."
        if otp_pending(c):
            return ("The brand is approved. Twilio texted the customer's mobile a passcode; they must reply YES "
                    "within 24 hours. If they lose the text or the time runs out, resend it (o).")
        return f"The brand is {status}: contact Twilio Support."

    def tick(self) -> None:
        """Redraw the countdown (every second)."""
        c = self.customer
        countdown = self.query_one("#countdown", Static)
        left = otp_countdown(c, self._clock())
        deadline = otp_deadline(c.state.otp_sent_at)
        if not left or deadline is None:
            countdown.update("")
            return
        lapsed = left == "lapsed"
        countdown.set_class(lapsed, "-lapsed")
        countdown.set_class(not lapsed and deadline - self._clock() < URGENT, "-urgent")
        until = f"{deadline:%m-%d %H:%M} UTC"
        countdown.update(f"⏱ The passcode lapsed at {until}: resend it (o)." if lapsed
                         else f"⏱ {left} to reply YES (until {until})")


def _facts(rows: list[tuple[str, str]]) -> Content:
    width = max(len(label) for label, _ in rows) + 2
    return Content("\n").join(
        Content.from_markup("[dim]$label[/dim]$value", label=label.ljust(width), value=value)
        for label, value in rows
    )


def _when(stamp: str) -> str:
    return datetime.fromisoformat(stamp).strftime("%m-%d %H:%M")
