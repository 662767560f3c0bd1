"""The Customer screen: the four steps with their states, the selected step's form or status panel, the
problems with what to do, and (beside it, or on `l` in a narrow terminal) statuses, SIDs and the journal.

Everything shown comes from one CustomerView read through the desk. Saving a form stores the inputs (optimistic
version check), then advances the customer in a worker: each Twilio call ticks off as it returns. A billable
call is confirmed first, with its price.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from functools import partial
from typing import Any, ClassVar

from pydantic import BaseModel
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.reactive import reactive
from textual.screen import Screen
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Static
from textual.worker import Worker, WorkerState

from screens.classes import set_class
from screens.handle import host
from screens.modals.confirm import ConfirmModal
from screens.modals.offboard import OffboardModal
from screens.ordered_keys import typing_here
from screens.palette import HELP, ScreenKeys
from screens.steps.base import StepForm
from screens.steps.brand import BrandPanel
from screens.steps.bundle import BundleForm
from screens.steps.campaign import CampaignForm
from screens.steps.profile import ProfileForm
from screens.widgets.banner import ModeBanner
from screens.widgets.fields import FormField
from screens.widgets.footer import KeysFooter
from screens.widgets.pairs import Pairs
from screens.widgets.stepper import STATE_WORDS, STEP_NAMES, Stepper
from screens.widgets.timeline import RunLog, Timeline
from screens.workers import EXPECTED, report_failure, report_worker_error
from wizard.customer.models import StarterProfile
from wizard.desk import OTP_SENDER, CustomerView, Desk, Run, Said, describe_fees, readable_phone, total
from wizard.errors import StaleWrite, StoreError, UnknownCustomer

DRAFT_DELAY = 1.0
"""Seconds of quiet typing after which what the form holds is kept as a draft."""
NARROW = 110
"""Below this many columns the activity panel is shown instead of the step (key l), not beside it."""
SHORT = 30
"""Below this many lines the "Last run" box shows its last 3 lines (it scrolls), leaving room for the form."""

STEP_KEYS = Binding.Group("Step", compact=True)
PLAIN_KEYS = frozenset({"resend_otp", "reply_yes", "advance", "refresh", "toggle_activity", "copy_message",
                        "show_step", "offboard", "copy_number"})
"""Actions on plain letters or digits: they are text (and off) while a text field has the focus."""


class CustomerScreen(Screen[None]):
    """One customer, step by step. `CustomerScreen(None)` starts a new customer at step 1."""

    CSS_PATH = "customer_screen.tcss"
    BINDINGS: ClassVar = [
        HELP,
        Binding("escape", "back", "Back", id="back", tooltip="Back to the customer list (what you typed is kept)"),
        Binding("ctrl+s", "submit", "Save & send", id="submit", tooltip="Save this step and send it to Twilio"),
        Binding("o", "resend_otp", "Resend", id="resend-otp",
                tooltip="Resend the OTP: ask Twilio to text the customer a new passcode"),
        Binding("y", "reply_yes", "Replied YES", id="reply-yes",
                tooltip="Sandbox: the customer replies YES to the passcode"),
        Binding("a", "advance", "Advance", id="advance", tooltip="Run every call that can run now"),
        Binding("r", "refresh", "Refresh", id="refresh", tooltip="Read the latest statuses from Twilio"),
        Binding("l", "toggle_activity", "Activity", id="activity",
                tooltip="Show or hide statuses, SIDs and the journal"),
        Binding("x", "offboard", "Offboard", id="offboard",
                tooltip="Delete the customer's campaign, Messaging Service and (if you choose) number at Twilio"),
        Binding("ctrl+o", "discard_draft", "Discard draft", id="discard-draft",
                tooltip="Put back the saved values of this step"),
        # Steps: ctrl+page up/down work everywhere; the digits alone where no text field has focus (the stepper
        # shows each step's number, so they stay out of the footer to leave room at 80 columns). Priority: the
        # scrolling panes have their own ctrl+page keys.
        Binding("ctrl+pageup", "move_step(-1)", "Previous step", key_display="^pgup", group=STEP_KEYS, priority=True,
                id="previous-step", tooltip="Show the previous step"),
        Binding("ctrl+pagedown", "move_step(1)", "Next step", key_display="^pgdn", group=STEP_KEYS, priority=True,
                id="next-step", tooltip="Show the next step"),
        *(Binding(str(n), f"show_step({n})", f"Step {n}", show=False, id=f"step-{n}",
                  tooltip=f"Show step {n}: {STEP_NAMES[n]}") for n in STEP_NAMES),
        Binding("m", "copy_message", "Copy text", show=False, id="copy-message",
                tooltip="Copy the message for the customer to the clipboard"),
        Binding("n", "copy_number", "Copy number", show=False, id="copy-number",
                tooltip="Copy the customer's phone number to the clipboard"),
    ]
    COMMANDS: ClassVar = {ScreenKeys}

    running: reactive[bool] = reactive(False, bindings=True)
    step: reactive[int] = reactive(1, bindings=True, init=False)

    @dataclass
    class RunFinished(Message):
        """A run with Twilio ended (`run` None: it failed before it began, or it was not asked for)."""

        run: Run | None
        advanced: bool

    def __init__(self, key: str | None) -> None:
        super().__init__()
        self.key = key
        self.view = CustomerView()
        self.panel: Widget | None = None
        """The step's form or status panel."""
        self._confirmed_warnings: set[tuple[str, str, str]] = set()
        self._draft_timer: Timer | None = None
        self._finishing = 0
        """Runs ended whose end is not shown yet."""
        self._said: Said | None = None
        """What next as last drawn."""

    @property
    def desk(self) -> Desk:
        return host(self).desk

    @property
    def states(self) -> dict[int, str]:
        return dict(self.said().states)

    def said(self) -> Said:
        """What next now, in the words every part of the screen shows (and the list)."""
        return self.view.at(self.desk.now())

    # -- layout -----------------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        self._banner_title = self._title()
        yield ModeBanner(self.desk.startup, self._banner_title)
        yield Stepper()
        yield Static(id="next", markup=False)
        with Horizontal(id="body"):
            with VerticalScroll(id="main"):
                yield RunLog(id="run")
                yield Static(id="problems")
                yield Static(id="step-heading", markup=False)
                yield Vertical(id="step")
            with VerticalScroll(id="side"):
                yield Static("Phone number", classes="side--heading -number")
                yield Static(id="number", classes="-number", markup=False)
                yield Static("Statuses", classes="side--heading")
                yield Pairs(id="statuses")
                yield Static("SIDs", classes="side--heading")
                yield Pairs(id="sids")
                yield Static("Duplicates at Twilio (reconcile removes them)", classes="side--heading -strays")
                yield Static(id="strays", classes="-strays")
                yield Static("Activity (newest first, UTC)", classes="side--heading")
                yield Timeline(id="timeline")
        yield KeysFooter()

    async def on_mount(self) -> None:
        self._fit(*self.app.size)
        if not self.load():
            return
        self.set_interval(1, self.tick)
        await self.show_step(self.view.summary.stage if self.view.summary else 1)
        if self.view.summary and self.view.summary.kind in ("twilio", "customer"):
            self.read_statuses(quiet=True)  # what is shown may be old: Twilio or the customer may have moved

    def on_resize(self) -> None:
        self._fit(self.size.width, self.size.height)

    def _fit(self, width: int, height: int) -> None:
        """Side panel beside the step or on `l`; a compact "Last run" box in a short terminal."""
        set_class(self, width < NARROW, "-narrow")
        set_class(self, height < SHORT, "-short")

    def load(self) -> bool:
        """Read the customer again and redraw everything but the step's form."""
        try:
            self.view = self.desk.view(self.key)
        except UnknownCustomer as error:
            self.notify(str(error), severity="error")
            self.dismiss()
            return False
        self._draw_overview()
        return True

    @property
    def customer(self) -> Any:
        """The customer as last read (None before step 1 is saved)."""
        return self.view.customer

    def _title(self) -> str:
        c = self.view.customer
        return f"{c.key} · {c.name}" if c else "New customer"

    def _draw_overview(self) -> None:
        if self._banner_title != self._title():  # a new customer got its key, or the name changed
            self._banner_title = self._title()
            self.call_later(self._replace_banner)
        self._draw_words(self.said())
        self._draw_side()

    def tick(self) -> None:
        """Redraw what next as time passes (every second): a passcode's timer, and all the rest once it lapses."""
        said = self.said()
        if self._said is None or replace(said, countdown="") != replace(self._said, countdown=""):
            self._draw_words(said)
        elif isinstance(self.panel, BrandPanel):
            self.panel.show_countdown(said)

    def _draw_words(self, said: Said) -> None:
        """The stepper, the step's heading, the Next line, the step's problems and the passcode's timer: all from
        one `Said`, so they never disagree."""
        self._said = said
        self.query_one(Stepper).show(said.states, self.step)
        self.query_one("#step-heading", Static).update(
            f"Step {self.step} · {STEP_NAMES[self.step]} — {STATE_WORDS[said.states[self.step]]}")
        nxt = self.query_one("#next", Static)
        nxt.update(said.line(self.step))
        set_class(nxt, said.kind in ("fix", "otp"), "-fix")
        set_class(nxt, said.kind in ("customer", "twilio"), "-waiting")
        found = said.problems(self.step)
        box = self.query_one("#problems", Static)
        lines = [Content.from_markup("[b $text-error]✗ $text[/]\n  [dim]→[/] $todo", text=i.text, todo=i.todo)
                 for i in found]
        box.update(Content("\n").join(lines))
        set_class(box, bool(found), "-shown")
        if isinstance(self.panel, BrandPanel):
            self.panel.show_countdown(said)

    def _draw_side(self) -> None:
        view = self.view
        set_class(self, self.step == 4, "-step-4")
        self.query_one("#number", Static).update(f"{view.number}  (n: copy)" if view.number else
                                                 "None yet: bought or picked when step 4 is sent.")
        self.query_one("#statuses", Pairs).show(view.statuses, empty="—")
        self.query_one("#sids", Pairs).show(view.sids, empty="None yet." if view.customer else "—")
        set_class(self, bool(view.strays), "-has-strays")
        self.query_one("#strays", Static).update(Content("\n").join(
            Content.from_markup("$sid\n  [dim]$what[/]", sid=sid, what=what) for sid, what in view.strays))
        self.run_worker(self.query_one(Timeline).show(view.timeline), group="timeline", exclusive=True,
                        exit_on_error=False)

    # -- the step view ----------------------------------------------------------------------------------

    def form(self) -> StepForm | None:
        return self.panel if isinstance(self.panel, StepForm) else None

    async def show_step(self, step: int) -> None:
        self.keep_draft()
        self.step = step
        set_class(self, step == 4, "-step-4")
        self.panel = None  # the old one goes: nothing is drawn into it any more, nor into the new one until composed
        self._draw_words(self.said())
        box = self.query_one("#step", Vertical)
        await box.remove_children()
        panel = self._make_panel(step)
        await box.mount(panel)
        self.panel = panel
        self.query_one("#main", VerticalScroll).scroll_home(animate=False)
        form = self.form()
        if form and form.editable and self._said and self._said.states[step] != "offboarded":
            if not form.lead_to_problem():
                form.focus_first()
        else:  # nothing to type (an offboarded customer: `a` onboards it again, no field takes it as text)
            self.query_one(Stepper).focus()
        self.refresh_bindings()

    def _make_panel(self, step: int) -> Widget:
        c, setup = self.view.customer, self.view.form(step)
        if step == 3:
            if c is None:
                return Static("Save step 1 first.")
            return BrandPanel(self.view, self.said(), sandbox=self.desk.sandboxed)
        if step != 1 and (c is None or c.profile is None):
            return Static(setup.lock or "Save step 1 (the starter profile) first.", markup=False)
        baseline: dict[str, Any]
        if step == 1:
            baseline = ProfileForm.from_model(c.profile if c else None)
        elif step == 2:
            baseline = BundleForm.from_model(c.bundle if c else None, c)
        else:
            baseline = CampaignForm.from_model(c.campaign if c else None)
        draft = (setup.draft if c else self.desk.new_customer_draft()) if not setup.lock else None
        note = ("Restored what you typed last time; it is not saved yet. ctrl+s saves and sends it; ctrl+o "
                + ("puts back the saved values." if c else "clears the form.")) if draft else ""
        if step == 2 and c and c.bundle is None and not draft:
            note = ("The brand name and mobile come from step 1 (first + last name, phone): "
                    "change them if the customer has other ones.")
        options: dict[str, Any] = {
            "baseline": baseline, "problems": setup.problems, "locked": setup.lock,
            "locked_fields": setup.locked_fields, "note": note,
            "findings": partial(self.desk.form_findings, c, step),
        }
        values = {**baseline, **draft} if draft else baseline
        if step == 1:
            return ProfileForm(values, **options)
        if step == 2:
            return BundleForm(values, **options)
        return CampaignForm(values, numbers=partial(self.desk.available_numbers, self.key),
                            buy=(self.desk.area_code(self.key), self.desk.prices.number_monthly), **options)

    def keep_draft(self) -> None:
        """Save what the open form holds that isn't saved (as a draft), so leaving loses nothing."""
        form = self.form()
        if form is None or not form.editable:
            return
        values, name, c = form.values(), form.KEY, self.view.customer
        if c is None:
            self.desk.keep_new_customer_draft(values if form.dirty else None)
            return
        current = c.drafts.get(name)
        if form.dirty and values != current:
            self._write(lambda v: self.desk.save_draft(c.key, v, form.STEP, values))
        elif not form.dirty and current is not None:
            self._write(lambda v: self.desk.drop_draft(c.key, v, form.STEP))

    @on(FormField.Edited)
    def _typed(self) -> None:
        """Keep what is typed as a draft once the typing pauses: a crash or a killed terminal loses at most that."""
        if self._draft_timer is None:
            self._draft_timer = self.set_timer(DRAFT_DELAY, self._keep_typed)
        else:
            self._draft_timer.reset()

    def _keep_typed(self) -> None:
        if not self.running:  # a run writes the customer; what is typed is kept when it ends or on leaving
            self.keep_draft()

    def _write(self, change: Any) -> None:
        """A draft write; if someone saved the customer meanwhile, write on top of their version."""
        c = self.view.customer
        assert c is not None
        try:
            try:
                saved = change(c.version)
            except StaleWrite:
                saved = change(self.desk.customer(c.key).version)
        except StoreError as error:
            self.notify(f"What you typed could not be kept: {error}", severity="error", title="Draft not saved")
            return
        self.view = self.desk.view(saved.key)
        self.tick()  # a kept draft may turn its step "in progress": the stepper says so now, not a second later

    # -- actions ----------------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        c, form = self.view.customer, self.form()
        busy = None if self.running else True
        if action == "submit":
            return busy if form and form.editable else False
        if action == "discard_draft":
            return bool(form and form.editable and form.restored) and busy
        if action in ("advance", "refresh"):
            return busy if c else False
        if action in PLAIN_KEYS and typing_here(self):
            return False  # the key is text in the focused field
        if action == "offboard":
            return busy if c and self.view.offboardable else False
        if action == "show_step":  # in a form a digit is typed, or picks nothing by surprise on a checkbox
            return not (self.panel is not None and self.focused is not None
                        and self.panel in self.focused.ancestors)
        if action == "copy_number":
            return bool(self.view.number) and self.step == 4
        if action in ("resend_otp", "copy_message", "reply_yes"):
            if action == "reply_yes" and not self.desk.sandboxed:
                return False
            return busy if c and self.step == 3 and self.view.otp.pending else False
        return True

    def action_back(self) -> None:
        if self.has_class("-activity"):
            set_class(self, False, "-activity")
            return
        if self.running:
            self.notify("Still talking to Twilio: wait until the run finishes.", severity="warning")
            return
        self.keep_draft()
        self.dismiss()

    async def action_move_step(self, by: int) -> None:
        await self.action_show_step(min(max(self.step + by, 1), len(STEP_NAMES)))

    async def action_show_step(self, step: int) -> None:
        if self.running:
            return
        set_class(self, False, "-activity")
        self.query_one(RunLog).hide()  # the last run's checklist has been read
        await self.show_step(step)

    @on(Stepper.Selected)
    async def _step_selected(self, event: Stepper.Selected) -> None:
        await self.action_show_step(event.step)
        self.query_one(Stepper).focus()

    def action_toggle_activity(self) -> None:
        self.toggle_class("-activity" if self.has_class("-narrow") else "-side-hidden")

    def action_copy_message(self) -> None:
        if self.view.message:  # a terminal may ignore the clipboard request (OSC 52) without a word: show the text
            self.app.copy_to_clipboard(self.view.message)
            self.notify(f"{self.view.message}\n\nSent to the clipboard; a terminal that does not allow it ignores "
                        "it: then select the text above.", title="Message for the customer", timeout=30,
                        markup=False)

    def action_copy_number(self) -> None:
        if self.view.number:  # as the message: a terminal may ignore the clipboard request, so it is shown too
            self.app.copy_to_clipboard(self.view.number)
            self.notify(f"{self.view.number} sent to the clipboard (a terminal that does not allow it ignores it).",
                        title="The customer's phone number", markup=False)

    async def action_discard_draft(self) -> None:
        c, form = self.view.customer, self.form()
        if form is None:
            return
        if c is None:
            self.desk.keep_new_customer_draft(None)
        elif form.KEY in c.drafts:
            self._write(lambda v: self.desk.drop_draft(c.key, v, form.STEP))
        self.panel = None  # nothing to keep
        await self.show_step(self.step)
        self.notify("Put back the saved values.")

    @on(StepForm.SubmitRequested)
    def _submit_requested(self) -> None:
        self.action_submit()

    @on(CampaignForm.PagesAsked)
    async def _pages_asked(self, message: CampaignForm.PagesAsked) -> None:
        """Write starter policy pages, or check the typed URLs' pages as Twilio's reviewers would."""
        if message.write:
            if self.key is None:
                return
            try:
                form = self.form()
                typed = form.values() if isinstance(form, CampaignForm) else None
                written = self.desk.write_policy_pages(self.key, typed=typed)
            except (OSError, *EXPECTED) as error:
                self.notify(f"Could not write the pages: {error}", severity="error", title="Policy pages")
                return
            self.notify(f"A starting point to review and host (not legal advice): {written[0].parent}",
                        title="Policy pages written", timeout=15, markup=False)
            return
        if not message.urls:
            self.notify("Enter the https:// addresses first.", severity="warning", title="Policy pages")
            return
        self.check_pages(message.urls)

    @work(exclusive=True, exit_on_error=False, group="policy-pages", description="Checking the policy pages")
    async def check_pages(self, urls: dict[str, str]) -> None:
        found = await self.desk.check_policy_pages(urls)
        if isinstance(form := self.form(), CampaignForm):
            form.show_page_findings(found)
        self.notify("The pages say what reviewers look for." if not found else
                    f"{len(found)} thing{'s' if len(found) != 1 else ''} to look at: see under the URLs.",
                    title="Policy pages", severity="information" if not found else "warning")

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
        c = self.view.customer
        try:
            if c is None:
                assert isinstance(model, StarterProfile)
                c = self.desk.create(model)
                self.key = c.key
                self.desk.keep_new_customer_draft(None)
            else:
                c = self.desk.save_step(c.key, c.version, form.STEP, model)
        except StaleWrite as error:
            self.notify(f"{error} Your values are still in the form: check them and save again.",
                        severity="error", title="Changed by someone else", timeout=10)
            self.load()
            return False
        except StoreError as error:
            self.notify(str(error), severity="error", title="Not saved")
            return False
        form.baseline = form.values()
        self.load()  # the saved version is the screen's now: the next save, draft or form rebuild builds on it
        self.notify(f"Step {form.STEP} saved.", title=c.key)
        return True

    @asynccontextmanager
    async def talking(self, title: str) -> AsyncIterator[None]:
        """The screen is busy while it talks to Twilio; an expected failure becomes a notification."""
        self.running = True
        try:
            yield
        except EXPECTED as error:
            report_failure(self, error, title)
        finally:
            self.running = False

    async def _run_flow(self, title: str = "Sending to Twilio") -> None:
        """Confirm any fee, advance the customer with a live checklist, then show where it stands."""
        assert self.key is not None
        run: Run | None = None
        async with self.talking("Twilio"):
            fees = await self.desk.fees_ahead(self.key)
            if fees and not await self.app.push_screen_wait(ConfirmModal(
                "This will cost money",
                f"Sending now makes calls that Twilio bills:\n\n{describe_fees(fees)}\n\nGo on?",
                yes=f"Pay ${total(fees):,.2f} and send", no="Not now",
            )):
                self.notify("Saved; nothing was sent to Twilio. Advance (a) when you're ready.", title="Not sent")
            else:
                log = self.query_one(RunLog)
                log.start(title)
                run = await self.desk.advance(self.key, on_call=log.add)
                await log.finish(run)
                if run.error:
                    self.notify(run.error, severity="error", title="Not advanced")
        self._finish(run, advanced=run is not None)

    def _finish(self, run: Run | None, *, advanced: bool) -> None:
        """A run ended: keys wait until the screen shows where the customer stands now."""
        self._finishing += 1
        self.post_message(self.RunFinished(run, advanced))

    def ready_for_keys(self) -> bool:
        """False while a run's end is not on screen yet (a key then would act on the customer as it was)."""
        return not self._finishing

    @on(RunFinished)
    async def _run_finished(self, message: RunFinished) -> None:
        """After a run: show where the customer stands now (its current step after an advance)."""
        try:
            if message.advanced and self.load() and self.view.summary:
                await self.show_step(self.view.summary.stage)
            else:
                await self._redraw()
        finally:
            self._finishing -= 1

    @work(exclusive=True, exit_on_error=False, group="customer-run", description="Advancing")
    async def action_advance(self) -> None:
        if self.key is None or self.running:
            return
        self.keep_draft()
        await self._run_flow()

    def action_refresh(self) -> None:
        self.read_statuses(quiet=False)

    @work(exclusive=True, exit_on_error=False, group="customer-run", description="Reading statuses")
    async def read_statuses(self, *, quiet: bool) -> None:
        """Read the customer's statuses from Twilio (`quiet`: on opening; a failure is still reported)."""
        if self.key is None or self.running:
            return
        self.query_one(RunLog).hide()
        async with self.talking("Twilio"):
            run = await self.desk.refresh(self.key)
            failed = [call for call in run.calls if not call.ok]
            if failed:
                self.notify(failed[0].detail, severity="warning", title="Some statuses could not be read")
            elif not quiet:
                self.notify("Statuses are up to date." if run.calls else "Nothing submitted to read yet.",
                            title="Refreshed")
        self._finish(None, advanced=False)

    async def _redraw(self) -> None:
        """Redraw after statuses changed, rebuilding the step view unless it holds unsaved typing."""
        if not self.load():
            return
        form = self.form()
        if isinstance(self.panel, BrandPanel) and self.view.summary and self.view.summary.stage > self.step:
            await self.show_step(self.view.summary.stage)  # step 3 is done: on to what comes next
        elif isinstance(self.panel, BrandPanel):
            self.panel.show(self.view, self.said())
        elif form is None or not form.dirty:
            await self.show_step(self.step)
        self.refresh_bindings()

    @work(exclusive=True, exit_on_error=False, group="customer-run", description="Offboarding")
    async def action_offboard(self) -> None:
        c = self.view.customer
        if c is None or self.running or not self.view.offboardable:
            return
        self.keep_draft()
        keep, release = (self.desk.offboarding(c.key, release_number=r) for r in (False, True))
        releasing = await self.app.push_screen_wait(OffboardModal(f"Offboard {c.key} · {c.name}?", keep, release))
        if releasing is None:
            self.notify("Nothing was deleted.", title="Not offboarded")
            return
        async with self.talking("Twilio"):
            log = self.query_one(RunLog)
            log.start("Offboarding")
            run = await self.desk.offboard(c.key, release_number=releasing, on_call=log.add)
            await log.finish(run)
            if run.error:
                self.notify(run.error, severity="error", title="Not offboarded")
            else:
                stops = release.stops_monthly if releasing else keep.stops_monthly
                self.notify(f"{c.key} is offboarded: ${stops:,.2f} a month of Twilio fees stopped. The account's "
                            f"numbers {self.desk.kept()}.", title="Offboarded")
        self._finish(None, advanced=False)

    @work(exclusive=True, exit_on_error=False, group="customer-run", description="Resending the passcode")
    async def action_resend_otp(self) -> None:
        c = self.view.customer
        if c is None or self.running:
            return
        mobile = readable_phone(c.bundle.mobile_phone) if c.bundle else "the customer's mobile"
        if not await self.app.push_screen_wait(ConfirmModal(
            "Resend the passcode?",
            f"Twilio texts {mobile} a new one-time passcode from {OTP_SENDER}. The customer then has "
            "24 hours from now to reply YES. Resending is free.",
            yes="Resend", no="Cancel",
        )):
            return
        async with self.talking("Twilio"):
            run = await self.desk.resend_otp(c.key)
            if run.error:
                self.notify(run.error, severity="error", title="Not resent")
            elif all(call.ok for call in run.calls):
                self.notify(f"A new passcode was texted to {mobile}; 24 hours start now.", title="Passcode sent")
            else:
                failed = next(call for call in run.calls if not call.ok)
                self.notify(failed.detail, severity="error", title="Not resent")
        self._finish(None, advanced=False)

    @work(exclusive=True, exit_on_error=False, group="customer-run", description="Customer replies YES")
    async def action_reply_yes(self) -> None:
        if self.key is None or not self.desk.sandboxed or self.running:
            return
        try:
            self.desk.reply_yes(self.key)
        except EXPECTED as error:
            self.notify(str(error), severity="error", title="Sandbox")
            return
        self.notify("The customer replied YES (sandbox).", title="Sandbox")
        await self._run_flow("Reading the brand and going on")

    async def _replace_banner(self) -> None:
        banner = self.query_one(ModeBanner)
        await self.mount(ModeBanner(self.desk.startup, self._banner_title), before=banner)
        await banner.remove()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR:
            self.running = False
            report_worker_error(self, event.worker)

