"""The Customer screen: the four steps with their states, the selected step's form or status panel, the
problems with what to do, and (beside it, or on `l` in a narrow terminal) statuses, SIDs and the journal.

Saving a form stores the inputs (optimistic version check), then advances the customer in a worker: each
Twilio call ticks off as it returns. A billable call is confirmed first, with its price.
"""

from __future__ import annotations

from functools import partial
from typing import Any, ClassVar
from weakref import WeakKeyDictionary

from pydantic import BaseModel
from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.reactive import reactive
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer, Static
from textual.worker import Worker, WorkerState

from screens.modals.confirm import ConfirmModal
from screens.palette import ScreenKeys
from screens.steps.base import BundleForm, ProfileForm, StepForm
from screens.steps.brand import BrandPanel
from screens.steps.campaign import CampaignForm
from screens.widgets.banner import ModeBanner
from screens.widgets.stepper import Stepper
from screens.workers import EXPECTED, report_failure, report_worker_error
from wizard.customer.record import Customer
from wizard.errors import StaleWrite, StoreError, UnknownCustomer
from wizard.flow import customers, editing
from wizard.flow.engine import Engine, Outcome, Report
from wizard.flow.lookahead import describe_fees, fees_ahead_fresh
from wizard.flow.numbers import available_numbers
from wizard.flow.progress import (
    STATE_WORDS,
    Issue,
    TimelineEntry,
    customer_message,
    field_problems,
    issues,
    otp_pending,
    step_states,
    timeline,
)
from wizard.flow.status import ACTION_WORDS, Summary
from wizard.list_rows import STEP_NAMES, otp_left
from wizard.sandbox import SandboxError
from wizard.session.runtime import Runtime

NARROW = 110
"""Below this many columns the activity panel is shown instead of the step (key l), not beside it."""
SID_LABELS = {
    "profile": "Profile", "profile_end_user": "End user", "address": "Address", "address_document": "Document",
    "bundle": "Bundle", "bundle_end_user": "Bundle user", "brand": "Brand", "service": "Service",
    "phone_number": "Number", "campaign": "Campaign",
}

NEW_CUSTOMER_STATES = {1: "in_progress", 2: "not_started", 3: "not_started", 4: "not_started"}
_new_customer_drafts: WeakKeyDictionary[App[Any], dict[str, Any]] = WeakKeyDictionary()
"""What was typed for a customer not created yet (nothing is stored before step 1 is valid): per app."""


class Timeline(Vertical):
    """The journal, newest first, grouped by day (UTC): mark and time, then the action and its SID or error."""

    DEFAULT_CSS = """
    Timeline { height: auto; }
    Timeline > .timeline--day { color: $text-muted; text-style: bold; margin-top: 1; }
    Timeline > .timeline--entry { height: auto; }
    Timeline .timeline--when { width: 8; }
    Timeline .timeline--what { width: 1fr; }
    Timeline .-done .timeline--when { color: $text-success; }
    Timeline .-failed .timeline--when { color: $text-error; }
    Timeline .-sent .timeline--when { color: $text-warning; }
    """
    LIMIT = 60
    MARKS: ClassVar = {"done": "✓", "failed": "✗", "sent": "…"}

    async def show(self, entries: list[TimelineEntry]) -> None:
        rows: list[Widget] = []
        day = ""
        for e in entries[: self.LIMIT]:
            if e.day != day:
                day = e.day
                rows.append(Static(day, classes="timeline--day"))
            what = Content.from_markup("$what" + ("\n[dim]$detail[/]" if e.detail else ""), what=e.what,
                                       detail=e.detail)
            rows.append(Horizontal(Static(f"{self.MARKS.get(e.state, '·')} {e.time}", classes="timeline--when"),
                                   Static(what, classes="timeline--what"),
                                   classes=f"timeline--entry -{e.state}"))
        if not entries:
            rows.append(Static("No calls yet."))
        elif len(entries) > self.LIMIT:
            rows.append(Static(f"… and {len(entries) - self.LIMIT} earlier calls (a2p-wizard show KEY lists all).",
                               classes="timeline--day"))
        with self.app.batch_update():
            await self.remove_children()
            await self.mount_all(rows)


class RunLog(VerticalScroll):
    """The calls of one run, ticking off as their answers arrive."""

    DEFAULT_CSS = """
    RunLog { height: auto; max-height: 10; border: round $accent; padding: 0 1; display: none;
             margin-bottom: 1; }
    RunLog.-shown { display: block; }
    RunLog > .run--ok { color: $text-success; }
    RunLog > .run--retry { color: $text-warning; }
    RunLog > .run--failed { color: $text-error; }
    RunLog > .run--end { text-style: bold; }
    """

    def hide(self) -> None:
        self.remove_class("-shown")

    def start(self, title: str) -> None:
        self.remove_children()
        self.border_title = title
        self.add_class("-shown")

    def add(self, outcome: Outcome) -> None:
        if outcome.ok:
            line, kind = f"✓ {outcome.detail}", "ok"
        elif outcome.detail.startswith("retry"):
            line, kind = f"↻ {ACTION_WORDS.get(outcome.action, outcome.action)}: {outcome.detail}", "retry"
        else:
            line, kind = f"✗ {ACTION_WORDS.get(outcome.action, outcome.action)}: {outcome.detail}", "failed"
        self.mount(Static(line, classes=f"run--{kind}", markup=False))
        self.scroll_end(animate=False)

    def finish(self, report: Report) -> None:
        if report.error:
            text, kind = f"✗ {report.error}", "failed"
        else:
            calls = len(report.outcomes)
            now = report.summary.next_action if report.summary else ""
            text, kind = f"{calls} call{'s' if calls != 1 else ''} made. Now: {now}", "end"
            if not calls:
                text = f"Nothing to send right now. {now}"
        self.mount(Static(text, classes=f"run--{kind} run--end", markup=False))
        self.border_title = "Last run"
        self.scroll_end(animate=False)


class CustomerScreen(Screen[None]):
    """One customer, step by step. `CustomerScreen(None)` starts a new customer at step 1."""

    DEFAULT_CSS = """
    CustomerScreen #next { height: auto; padding: 0 1; color: $text; background: $boost; }
    CustomerScreen #next.-fix { color: $text-error; }
    CustomerScreen #next.-waiting { color: $text-warning; }
    CustomerScreen #body { height: 1fr; }
    CustomerScreen #main { width: 1fr; padding: 0 1; }
    CustomerScreen #side { width: 50; border-left: vkey $panel-lighten-2; padding: 0 0 0 1;
                           scrollbar-size-vertical: 1; }
    CustomerScreen.-narrow #side { display: none; width: 1fr; border-left: none; }
    CustomerScreen.-narrow.-activity #side { display: block; }
    CustomerScreen.-narrow.-activity #main { display: none; }
    CustomerScreen.-side-hidden #side { display: none; }
    CustomerScreen #problems { display: none; height: auto; margin-bottom: 1; padding: 0 1;
                               border-left: thick $error; }
    CustomerScreen #problems.-shown { display: block; }
    CustomerScreen #step-heading { text-style: bold; margin: 1 0; }
    CustomerScreen #step { height: auto; }
    CustomerScreen .side--heading { text-style: bold; color: $accent; margin-top: 1; }
    CustomerScreen .side--heading:first-of-type { margin-top: 0; }
    """
    BINDINGS: ClassVar = [
        Binding("escape", "back", "Back", id="back", tooltip="Back to the customer list (what you typed is kept)"),
        Binding("ctrl+s", "submit", "Save & send", id="submit", tooltip="Save this step and send it to Twilio"),
        Binding("o", "resend_otp", "Resend", id="resend-otp",
                tooltip="Resend the OTP: ask Twilio to text the customer a new passcode"),
        Binding("y", "reply_yes", "Said YES", id="reply-yes",
                tooltip="Sandbox: the customer replies YES to the passcode"),
        Binding("a", "advance", "Advance", id="advance", tooltip="Run every call that can run now"),
        Binding("r", "refresh", "Refresh", id="refresh", tooltip="Read the latest statuses from Twilio"),
        Binding("l", "toggle_activity", "Activity", id="activity",
                tooltip="Show or hide statuses, SIDs and the journal"),
        Binding("ctrl+o", "discard_draft", "Discard draft", id="discard-draft",
                tooltip="Put back the saved values of this step"),
        # The stepper shows each step's number; these keys stay out of the footer to leave room at 80 columns.
        *(Binding(str(n), f"show_step({n})", f"Step {n}", show=False, id=f"step-{n}",
                  tooltip=f"Show step {n}: {STEP_NAMES[n]}") for n in STEP_NAMES),
        Binding("m", "copy_message", "Copy text", show=False, id="copy-message",
                tooltip="Copy the message for the customer to the clipboard"),
    ]
    COMMANDS: ClassVar = {ScreenKeys}

    running: reactive[bool] = reactive(False, bindings=True)
    step: reactive[int] = reactive(1, bindings=True, init=False)

    def __init__(self, key: str | None) -> None:
        super().__init__()
        self.key = key
        self.customer: Customer | None = None
        self.summary: Summary | None = None
        self.view: Widget | None = None
        self.states: dict[int, str] = {}
        self._confirmed_warnings: set[tuple[str, str, str]] = set()

    @property
    def runtime(self) -> Runtime:
        return self.app.runtime  # type: ignore[attr-defined,no-any-return]

    @property
    def engine(self) -> Engine:
        return self.runtime.engine

    # -- layout -----------------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        self._banner_title = self._title()
        yield ModeBanner(self.runtime.startup, self._banner_title)
        yield Stepper()
        yield Static(id="next", markup=False)
        with Horizontal(id="body"):
            with VerticalScroll(id="main"):
                yield RunLog(id="run")
                yield Static(id="problems")
                yield Static(id="step-heading", markup=False)
                yield Vertical(id="step")
            with VerticalScroll(id="side"):
                yield Static("Statuses", classes="side--heading")
                yield Static(id="statuses")
                yield Static("SIDs", classes="side--heading")
                yield Static(id="sids")
                yield Static("Activity (newest first, UTC)", classes="side--heading")
                yield Timeline(id="timeline")
        yield Footer()

    async def on_mount(self) -> None:
        self.set_class(self.app.size.width < NARROW, "-narrow")
        if not self.load():
            return
        await self.show_step(self.summary.stage if self.summary else 1)

    def on_resize(self) -> None:
        self.set_class(self.size.width < NARROW, "-narrow")

    def load(self) -> bool:
        """Read the customer again and redraw everything but the step's form."""
        if self.key is not None:
            try:
                self.customer = self.engine.load(self.key)
            except UnknownCustomer as error:
                self.notify(str(error), severity="error")
                self.dismiss()
                return False
            self.summary = self.engine.summary(self.customer)
        self._draw_overview()
        return True

    def _title(self) -> str:
        return f"{self.customer.key} · {self.customer.name}" if self.customer else "New customer"

    def _draw_overview(self) -> None:
        c, summary = self.customer, self.summary
        if self._banner_title != self._title():  # a new customer got its key, or the name changed
            self._banner_title = self._title()
            self.call_later(self._replace_banner)
        self.states = step_states(self.engine, c, summary) if c and summary else NEW_CUSTOMER_STATES
        self.query_one(Stepper).show(self.states, self.step)
        self._draw_next_and_problems()
        self._draw_side()

    def _draw_next_and_problems(self) -> None:
        """The next action in plain words, and above the step's view, what Twilio objected to in that step."""
        c, summary, now = self.customer, self.summary, self.engine.clock()
        state = self.states.get(self.step, "not_started")
        self.query_one("#step-heading", Static).update(
            f"Step {self.step} · {STEP_NAMES[self.step]} — {STATE_WORDS[state]}")
        found: list[Issue] = issues(c, now) if c else []
        nxt = self.query_one("#next", Static)
        if c and summary:
            left = otp_left(c.state.otp_sent_at, now, waiting=otp_pending(c))
            text = summary.next_action if not left or left == "lapsed" else (
                f"{summary.next_action.rstrip('.')} — {left}.")
            if summary.kind in ("fix", "otp") and any(i.step == summary.stage for i in found):
                where = "below" if self.step == summary.stage else f"on step {summary.stage} (key {summary.stage})"
                text = f"fix what is wrong in step {summary.stage}: see the problems {where}."
            nxt.update(f"Next: {text}")
            nxt.set_class(summary.kind in ("fix", "otp"), "-fix")
            nxt.set_class(summary.kind in ("customer", "twilio"), "-waiting")
        else:
            nxt.update("Next: enter the customer's name, email, phone and address, then save (ctrl+s).")
        box = self.query_one("#problems", Static)
        found = [i for i in found if i.step == self.step]
        lines = [Content.from_markup("[b $text-error]✗ $text[/]\n  [dim]→[/] $todo", text=i.text, todo=i.todo)
                 for i in found]
        box.update(Content("\n").join(lines))
        box.set_class(bool(found), "-shown")

    def _draw_side(self) -> None:
        c = self.customer
        if c is None:
            for name in ("#statuses", "#sids"):
                self.query_one(name, Static).update("—")
            self.run_worker(self.query_one(Timeline).show([]), group="timeline", exclusive=True,
                            exit_on_error=False)
            return
        st = c.state.statuses
        brand = "/".join(s for s in (st.get("brand"), st.get("identity")) if s)
        spend = sum(charge.amount for charge in c.state.ledger)
        statuses = [("Profile", st.get("profile") or "—"), ("Bundle", st.get("bundle") or "—"),
                    ("Brand", brand or "—"), ("Campaign", st.get("campaign") or "—"),
                    ("Fees paid", f"${spend:,.2f}")]
        self.query_one("#statuses", Static).update(_pairs(statuses))
        sids = [(label, c.state.sids[slot]) for slot, label in SID_LABELS.items() if c.state.sids.get(slot)]
        self.query_one("#sids", Static).update(_pairs(sids) if sids else "None yet.")
        self.run_worker(self.query_one(Timeline).show(timeline(self.runtime.store.journal(c.key))),
                        group="timeline", exclusive=True, exit_on_error=False)

    # -- the step view ----------------------------------------------------------------------------------

    def form(self) -> StepForm | None:
        return self.view if isinstance(self.view, StepForm) else None

    async def show_step(self, step: int) -> None:
        self.keep_draft()
        self.step = step
        self.query_one(Stepper).show(self.states, step)
        self._draw_next_and_problems()
        box = self.query_one("#step", Vertical)
        await box.remove_children()
        self.view = self._make_view(step)
        await box.mount(self.view)
        self.query_one("#main", VerticalScroll).scroll_home(animate=False)
        form = self.form()
        if form and form.editable:
            form.focus_first()
        else:
            self.query_one(Stepper).focus()
        self.refresh_bindings()

    def _make_view(self, step: int) -> Widget:
        c = self.customer
        if step == 3:
            if c is None:
                return Static("Save step 1 first.")
            return BrandPanel(c, self.engine.clock, sandbox=self.runtime.sandbox is not None)
        lock = editing.locked_reason(c, step)
        if step != 1 and (c is None or c.profile is None):
            return Static(lock or "Save step 1 first.", markup=False)
        key = editing.STEP_KEYS[step]
        baseline: dict[str, Any]
        if step == 1:
            baseline = ProfileForm.from_model(c.profile if c else None)
        elif step == 2:
            baseline = BundleForm.from_model(c.bundle if c else None, c)
        else:
            baseline = CampaignForm.from_model(c.campaign if c else None)
        draft = (c.drafts.get(key) if c else _new_customer_drafts.get(self.app)) if not lock else None
        note = ("Restored what you typed last time; it is not saved yet. ctrl+s saves and sends it; ctrl+o "
                + ("puts back the saved values." if c else "clears the form.")) if draft else ""
        if step == 2 and c and c.bundle is None and not draft:
            note = ("The brand name and mobile come from step 1 (first + last name, phone): "
                    "change them if the customer has other ones.")
        options: dict[str, Any] = {
            "baseline": baseline, "problems": field_problems(c, step) if c else {}, "locked": lock,
            "locked_fields": editing.locked_fields(c, step), "note": note,
            "findings": partial(editing.form_findings, self.engine, c, step),
        }
        values = {**baseline, **draft} if draft else baseline
        if step == 1:
            return ProfileForm(values, **options)
        if step == 2:
            return BundleForm(values, **options)
        return CampaignForm(values, numbers=partial(available_numbers, self.engine, self.key), **options)

    def keep_draft(self) -> None:
        """Save what the open form holds that isn't saved (as a draft), so leaving loses nothing."""
        form = self.form()
        if form is None or not form.editable:
            return
        values, key, c = form.values(), form.KEY, self.customer
        if c is None:
            if form.dirty:
                _new_customer_drafts[self.app] = values
            else:
                _new_customer_drafts.pop(self.app, None)
            return
        current = c.drafts.get(key)
        if form.dirty and values != current:
            self._write(lambda v: customers.save_draft(self.engine, c.key, v, key, values))
        elif not form.dirty and current is not None:
            self._write(lambda v: editing.drop_draft(self.engine, c.key, v, key))

    def _write(self, change: Any) -> None:
        """A draft write; if someone saved the customer meanwhile, write on top of their version."""
        assert self.customer is not None
        try:
            try:
                self.customer = change(self.customer.version)
            except StaleWrite:
                self.customer = change(self.engine.load(self.customer.key).version)
        except StoreError as error:
            self.notify(f"What you typed could not be kept: {error}", severity="error", title="Draft not saved")

    # -- actions ----------------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        c, form = self.customer, self.form()
        busy = None if self.running else True
        if action == "submit":
            return busy if form and form.editable else False
        if action == "discard_draft":
            return bool(form and form.editable and form.restored) and busy
        if action in ("advance", "refresh"):
            return busy if c else False
        if action == "show_step":  # in a form a digit is typed, or picks nothing by surprise on a checkbox
            return not (self.view is not None and self.focused is not None and self.view in self.focused.ancestors)
        if action in ("resend_otp", "copy_message", "reply_yes"):
            if action == "reply_yes" and self.runtime.sandbox is None:
                return False
            return busy if c and self.step == 3 and otp_pending(c) else False
        return True

    def action_back(self) -> None:
        if self.has_class("-activity"):
            self.remove_class("-activity")
            return
        if self.running:
            self.notify("Still talking to Twilio: wait until the run finishes.", severity="warning")
            return
        self.keep_draft()
        self.dismiss()

    async def action_show_step(self, step: int) -> None:
        if self.running:
            return
        self.remove_class("-activity")
        self.query_one(RunLog).hide()  # the last run's checklist has been read
        await self.show_step(step)

    @on(Stepper.Selected)
    async def _step_selected(self, event: Stepper.Selected) -> None:
        await self.action_show_step(event.step)
        self.query_one(Stepper).focus()

    def action_toggle_activity(self) -> None:
        self.toggle_class("-activity" if self.has_class("-narrow") else "-side-hidden")

    def action_copy_message(self) -> None:
        if self.customer:
            self.app.copy_to_clipboard(customer_message(self.customer))
            self.notify("The message for the customer is on the clipboard.", title="Copied")

    async def action_discard_draft(self) -> None:
        c, form = self.customer, self.form()
        if form is None:
            return
        if c is None:
            _new_customer_drafts.pop(self.app, None)
        elif form.KEY in c.drafts:
            self._write(lambda v: editing.drop_draft(self.engine, c.key, v, form.KEY))
        self.view = None  # nothing to keep
        await self.show_step(self.step)
        self.notify("Put back the saved values.")

    @on(StepForm.SubmitRequested)
    def _submit_requested(self) -> None:
        self.action_submit()

    def action_submit(self) -> None:
        form = self.form()
        if form is None or not form.editable or self.running:
            return
        model = form.validate_all()  # on failure the messages are under the fields, the first one focused
        if model is None:
            return
        if blocks := form.blocking():
            form.focus_finding(blocks[0])
            self.notify(blocks[0].message, severity="error", title="Fix this before sending")
            return
        self.submit(form, model)

    @work(exclusive=True, exit_on_error=False, group="customer-run", description="Saving and sending")
    async def submit(self, form: StepForm, model: BaseModel) -> None:
        warnings = [w for w in form.warnings() if (w.rule, w.field, w.message) not in self._confirmed_warnings]
        if warnings:
            text = "\n\n".join(f"⚠ {w.message}" for w in warnings)
            if not await self.app.push_screen_wait(ConfirmModal(
                "Send with these warnings?", f"{text}\n\nTwilio or the carriers may reject it as it is.",
                yes="Send anyway", no="Go back and fix",
            )):
                form.focus_finding(warnings[0])
                return
            self._confirmed_warnings |= {(w.rule, w.field, w.message) for w in warnings}
        if not self._save(form, model):
            return
        await self._run_flow()

    def _save(self, form: StepForm, model: BaseModel) -> bool:
        try:
            if self.customer is None:
                assert isinstance(model, ProfileForm.MODEL)
                self.customer = customers.create(self.engine, model)
                self.key = self.customer.key
                _new_customer_drafts.pop(self.app, None)
            else:
                self.customer = editing.save_step(self.engine, self.customer.key, self.customer.version,
                                                  form.KEY, model)
        except StaleWrite as error:
            self.notify(f"{error} Your values are still in the form: check them and save again.",
                        severity="error", title="Changed by someone else", timeout=10)
            self.load()
            return False
        except StoreError as error:
            self.notify(str(error), severity="error", title="Not saved")
            return False
        form.baseline = form.values()
        self.notify(f"Step {form.STEP} saved.", title=self.customer.key)
        return True

    async def _run_flow(self, title: str = "Sending to Twilio") -> None:
        """Confirm any fee, advance the customer with a live checklist, then show where it stands."""
        assert self.key is not None
        self.running = True
        advanced = False
        try:
            fees = await fees_ahead_fresh(self.engine, self.key)
            if fees and not await self.app.push_screen_wait(ConfirmModal(
                "This will cost money",
                f"Sending now makes calls that Twilio bills:\n\n{describe_fees(fees)}\n\nGo on?",
                yes=f"Pay ${sum(f.amount for f in fees):,.2f} and send", no="Not now",
            )):
                self.notify("Saved; nothing was sent to Twilio. Advance (a) when you're ready.", title="Not sent")
                return
            log = self.query_one(RunLog)
            log.start(title)
            report = await self.engine.advance(self.key, on_outcome=log.add)
            advanced = True
            log.finish(report)
            if report.error:
                self.notify(report.error, severity="error", title="Not advanced")
        except EXPECTED as error:
            report_failure(self, error, "Twilio")
        finally:
            self.running = False
            if advanced and self.load() and self.summary:
                await self.show_step(self.summary.stage)  # where the customer stands now
            else:
                await self._redraw()

    @work(exclusive=True, exit_on_error=False, group="customer-run", description="Advancing")
    async def action_advance(self) -> None:
        if self.key is None or self.running:
            return
        self.keep_draft()
        await self._run_flow()

    @work(exclusive=True, exit_on_error=False, group="customer-run", description="Reading statuses")
    async def action_refresh(self) -> None:
        if self.key is None or self.running:
            return
        self.running = True
        self.query_one(RunLog).hide()
        try:
            report = await self.engine.refresh(self.key)
            failed = [o for o in report.outcomes if not o.ok]
            if failed:
                self.notify(failed[0].detail, severity="warning", title="Some statuses could not be read")
            else:
                self.notify("Statuses are up to date." if report.outcomes else "Nothing submitted to read yet.",
                            title="Refreshed")
        except EXPECTED as error:
            report_failure(self, error, "Twilio")
        finally:
            self.running = False
            await self._redraw()

    async def _redraw(self) -> None:
        """Redraw after statuses changed, rebuilding the step view unless it holds unsaved typing."""
        if not self.load():
            return
        form = self.form()
        if isinstance(self.view, BrandPanel) and self.customer:
            self.view.show(self.customer)
        elif form is None or not form.dirty:
            await self.show_step(self.step)
        self.refresh_bindings()

    @work(exclusive=True, exit_on_error=False, group="customer-run", description="Resending the passcode")
    async def action_resend_otp(self) -> None:
        c = self.customer
        if c is None or self.running:
            return
        mobile = c.bundle.mobile_phone if c.bundle else "the customer's mobile"
        if not await self.app.push_screen_wait(ConfirmModal(
            "Resend the passcode?",
            f"Twilio texts {mobile} a new one-time passcode from +1 915-278-2000. The customer then has "
            "24 hours from now to reply YES. Resending is free.",
            yes="Resend", no="Cancel",
        )):
            return
        self.running = True
        try:
            report = await self.engine.resend_otp(c.key)
            if report.error:
                self.notify(report.error, severity="error", title="Not resent")
            elif all(o.ok for o in report.outcomes):
                self.notify(f"A new passcode was texted to {mobile}; 24 hours start now.", title="Passcode sent")
            else:
                failed = next(o for o in report.outcomes if not o.ok)
                self.notify(failed.detail, severity="error", title="Not resent")
        except EXPECTED as error:
            report_failure(self, error, "Twilio")
        finally:
            self.running = False
            await self._redraw()

    @work(exclusive=True, exit_on_error=False, group="customer-run", description="Customer replies YES")
    async def action_reply_yes(self) -> None:
        c, sandbox = self.customer, self.runtime.sandbox
        if c is None or sandbox is None or self.running:
            return
        try:
            sandbox.reply_yes(c.state.sids["brand"])
        except (SandboxError, KeyError) as error:
            self.notify(str(error), severity="error", title="Sandbox")
            return
        self.notify("The customer replied YES (sandbox).", title="Sandbox")
        await self._run_flow("Reading the brand and going on")

    async def _replace_banner(self) -> None:
        banner = self.query_one(ModeBanner)
        await self.mount(ModeBanner(self.runtime.startup, self._banner_title), before=banner)
        await banner.remove()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR:
            self.running = False
            report_worker_error(self, event.worker)


def _pairs(rows: list[tuple[str, str]]) -> Content:
    width = max(len(label) for label, _ in rows) + 1
    return Content("\n").join(
        Content.from_markup("[dim]$label[/]$value", label=label.ljust(width), value=value) for label, value in rows)
