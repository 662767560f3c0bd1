"""The one door to the domain: every use case the front ends (the screens, the command line) ask for.

The front ends import this module (with the input models, the errors, the listing, the start-up and visible text)
and nothing else of the domain; one import-linter list keeps it so for both. The desk holds use cases only: the
rules, wordings and decisions are the flow's, which it calls. Behind the door are the engine and its planner, the
write path, the Twilio client and the sandbox; what comes out is plain data: customers, views of them, and runs
described in words.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Container, Iterable, Iterator
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

from pydantic import BaseModel

from storage.files import keep_object, read_object, same_file
from storage.key_set import KeySet
from wizard.customer import page_check, policy_pages, readiness
from wizard.customer.csv_rows import bounded_lines, explicit_keys
from wizard.customer.customer import Customer
from wizard.customer.fees import WHAT, Fee, Prices, count_fees, describe_fees, total
from wizard.customer.models import Campaign, SoleProprietor, StarterProfile, is_us_area_code
from wizard.customer.phones import readable_phone
from wizard.customer.playbooks import describe as playbook_line
from wizard.customer.playbooks import playbook
from wizard.customer.rules import Finding
from wizard.customer.stages import STEP_NAMES
from wizard.customer.state import monthly_items
from wizard.errors import OperatorError, UnknownCustomer
from wizard.events import streams
from wizard.events.listening import mount_if_configured as mount_receiver
from wizard.events.listening import receive
from wizard.flow import editing, ledger, lookahead, offboarding, progress, reconciling, strays
from wizard.flow.dossier import dossier, problems
from wizard.flow.engine import Outcome, Report
from wizard.flow.importing import ImportReport, import_rows
from wizard.flow.nextwords import Said, said
from wizard.flow.numbers import PhoneNumber, account_numbers, available_numbers, numbers_for_sale
from wizard.flow.offboarding import Offboarding
from wizard.flow.progress import Issue, TimelineEntry
from wizard.flow.status import ACTION_WORDS, Summary
from wizard.flow.stepstates import STATE_WORDS, StepState, otp_pending
from wizard.flow.write_path import Saved
from wizard.listing import CustomerList, ListQuery
from wizard.sandbox.examples import EXAMPLES, MAX_ROUNDS, STEP, Example
from wizard.session.runtime import Runtime
from wizard.session.startup import Mode, Startup
from wizard.session.store_copy import StoreCopy, copy_stores
from wizard.twilio.facts import OTP_SENDER, otp_deadline
from wizard.twilio.failures import TwilioError
from wizard.visible import visible, visible_all

__all__ = [
    "OTP_SENDER", "STATE_WORDS", "STEP_INPUTS", "STEP_NAMES", "WHAT", "Call", "Customer", "CustomerView", "Desk",
    "Fee", "Finding", "FormSetup", "ImportReport", "Issue", "Offboarding", "OtpWindow", "PhoneNumber", "Run", "Said",
    "StepState", "StoreCopy", "Summary", "TimelineEntry", "copy_stores", "count_fees", "describe_fees",
    "mount_receiver", "readable_phone", "receive", "total",
]

STEP_INPUTS = editing.STEP_INPUTS
"""The steps with a form, and the name of their inputs: {1: "profile", 2: "bundle", 4: "campaign"}."""


class ExampleError(OperatorError):
    """An example customer could not be brought to its point of the flow."""


class SandboxOnly(OperatorError):
    """A sandbox action asked for in live mode."""


@dataclass(frozen=True)
class Call:
    """One Twilio call of a run, for the operator."""

    what: str
    """The action in plain words ("submit the starter profile for review")."""
    ok: bool
    retrying: bool
    """No clear answer: it is checked before anything is sent again."""
    detail: str
    code: int | None = None
    advice: str | None = None
    """What Twilio's error code means and what to do, when the code has a playbook."""
    fee: Fee | None = None
    """What the call added to the customer's fee ledger."""


@dataclass
class Run:
    """What one advance, refresh or resend did for a customer, and where the customer stands after it."""

    key: str
    calls: list[Call] = field(default_factory=list)
    error: str | None = None
    summary: Summary | None = None
    todo: list[str] = field(default_factory=list)
    """When the customer needs a fix: Twilio's problems that say what to change."""
    held: list[Fee] = field(default_factory=list)
    """Free work only: the fees of the billable work held back (what the next advance would pay)."""

    @property
    def failed(self) -> bool:
        """The run ended on an error or on a call Twilio refused."""
        return bool(self.error) or any(not call.ok and not call.retrying for call in self.calls)

    @property
    def fees(self) -> list[Fee]:
        """What this run added to the customer's fee ledger."""
        return [call.fee for call in self.calls if call.fee]


@dataclass(frozen=True)
class OtpWindow:
    """The customer's one-time passcode: whether a YES is awaited, since when and until when."""

    pending: bool = False
    sent_at: str | None = None
    deadline: datetime | None = None
    resends: int = 0


@dataclass(frozen=True)
class FormSetup:
    """How a step's form opens: why it is locked (None: editable), fields that stay fixed, Twilio's problems
    per field, and the draft typed last time."""

    lock: str | None = None
    locked_fields: dict[str, str] = field(default_factory=dict)
    problems: dict[str, str] = field(default_factory=dict)
    draft: dict[str, Any] | None = None


NEW_CUSTOMER = Said(1, "operator", STATE_WORDS["in_progress"],
                    "Enter the customer's name, email, phone and address, then save (ctrl+s).",
                    {1: "in_progress", 2: "not_started", 3: "not_started", 4: "not_started"}, [], None, "", False)
"""What next for a customer not saved yet."""


@dataclass(frozen=True)
class CustomerView:
    """Everything the customer screen shows of one customer (`customer` None: a new one, not saved yet)."""

    customer: Customer | None = None
    summary: Summary | None = None
    otp: OtpWindow = OtpWindow()
    brand_words: str = ""
    brand_facts: list[tuple[str, str]] = field(default_factory=list)
    statuses: list[tuple[str, str]] = field(default_factory=list)
    sids: list[tuple[str, str]] = field(default_factory=list)
    message: str = ""
    """What the operator can send the customer about the passcode text."""
    timeline: list[TimelineEntry] = field(default_factory=list)
    forms: dict[int, FormSetup] = field(default_factory=dict)
    offboardable: bool = False
    """Twilio holds something of the customer's that offboarding deletes (a campaign, a service, a number)."""
    number: str = ""
    """The customer's phone number (E.164) once bought or picked: the one their clients get texts from."""
    strays: list[tuple[str, str]] = field(default_factory=list)
    """Duplicates found at Twilio that `reconcile` will remove (flow.strays): SID, what it is and what is done."""

    @property
    def key(self) -> str | None:
        return self.customer.key if self.customer else None

    def at(self, now: datetime) -> Said:
        """What next at `now`, in the words the stepper, the Next line, the problems and the timer all show (the
        list's columns too: nextwords.said); for a new customer, what step 1 asks for."""
        if self.customer is None or self.summary is None:
            return NEW_CUSTOMER
        return visible_all(said(self.customer, self.summary, now))  # stored server words may be hostile

    def form(self, step: int) -> FormSetup:
        return self.forms.get(step, FormSetup())


class Desk:
    """The domain's use cases for one connected session (a Runtime)."""

    def __init__(self, runtime: Runtime) -> None:
        self._rt = runtime
        self._engine = runtime.engine
        self._write_path = runtime.engine.write_path

    @classmethod
    def connect(cls, startup: Startup, *, mock_brand: bool | None = None) -> Desk:
        """The desk of an opened installation: settings read, Twilio client (or sandbox) and engine built."""
        return cls(Runtime.connect(startup, mock_brand=mock_brand))

    # -- the session -------------------------------------------------------------------------------------

    @property
    def startup(self) -> Startup:
        return self._rt.startup

    @property
    def mode(self) -> Mode:
        return self._rt.mode

    @property
    def sandboxed(self) -> bool:
        return self._rt.sandbox is not None

    @property
    def prices(self) -> Prices:
        return self._engine.prices

    @property
    def live(self) -> bool:
        return self._engine.live

    @property
    def mock_brand(self) -> bool:
        return self._engine.mock_brand

    @property
    def primary_profile_sid(self) -> str:
        return self._engine.primary_profile_sid

    def now(self) -> datetime:
        """Twilio's time: the sandbox's clock in the sandbox."""
        return self._engine.clock()

    # -- reading -----------------------------------------------------------------------------------------

    def exists(self, key: str) -> bool:
        return self._rt.store.exists(key)

    def keys(self) -> list[str]:
        return self._rt.store.keys()

    def active_keys(self) -> list[str]:
        """Customers not offboarded (what `advance --all` and `refresh --all` run for)."""
        return self._rt.store.active_keys()

    def run_rate(self) -> float:
        """What Twilio bills every month for the active customers' campaigns and the numbers the customers hold or
        kept (each number once), in dollars."""
        return self.prices.monthly(self._rt.store.billed()[0], self._numbers().billed)

    def kept(self) -> str:
        """The numbers kept after offboarding that no active customer holds, in words ("kept, unassigned: $X/month")."""
        return ledger.kept_words(self.prices, self._numbers().kept)

    def _numbers(self) -> ledger.Numbers:
        return ledger.count_numbers(*self._rt.store.number_sids())

    async def fees(self) -> ledger.Ledger:
        """The ledger: this month's one-time fees, the monthly run-rate by kind (the account's numbers read when it
        can be: each number once), and what offboarding each active customer would save."""
        try:
            account: set[str] | None = {n.sid for n in await account_numbers(self._engine)}
        except TwilioError:
            account = None
        month = self.now().strftime("%Y-%m")
        charges = (self._write_path.load(key).state.ledger for key in self.keys())
        savings = []
        for key in self.active_keys():
            plan = self.offboarding(key, release_number=True)
            plan = plan if plan.releasable else self.offboarding(key, release_number=False)
            if plan.stops_monthly:
                savings.append((key, plan.stops_monthly))
        return ledger.Ledger(month, ledger.one_time(charges, month), self._rt.store.billed()[0],
                             ledger.count_numbers(*self._rt.store.number_sids(), account), self.prices,
                             sorted(savings, key=lambda s: (-s[1], s[0])))

    def customer(self, key: str) -> Customer:
        return self._write_path.load(key)

    def summary(self, c: Customer) -> Summary:
        return self._engine.summary(c)

    def view(self, key: str | None) -> CustomerView:
        """The customer screen's view of `key` (None: a new customer)."""
        if key is None:
            return CustomerView(forms={1: FormSetup()})
        c = self._write_path.load(key)
        summary = self._engine.summary(c)
        return CustomerView(  # every text the screen draws made visible: stored server words may be hostile
            customer=c, summary=visible_all(summary),
            otp=OtpWindow(otp_pending(c), c.state.otp_sent_at, otp_deadline(c.state.otp_sent_at),
                          c.state.otp_resends),
            brand_words=visible(progress.brand_words(c), lines=True),
            brand_facts=visible_all(progress.brand_facts(c)), statuses=visible_all(progress.status_facts(c)),
            sids=visible_all(progress.sid_facts(c)), message=visible(progress.customer_message(c), lines=True),
            timeline=visible_all(progress.timeline(self._rt.store.journal(key))),
            forms={step: FormSetup(visible_all(editing.locked_reason(c, step)), editing.locked_fields(c, step),
                                   visible_all(progress.field_problems(c, step)), c.drafts.get(name))
                   for step, name in STEP_INPUTS.items()},
            offboardable=bool(offboarding.deletions(c, release_number=True)),
            number=visible(c.state.number or ""),
            strays=visible_all([(s["sid"], f"{s['what']}: {s['reconcile']}") for s in strays.listed(c)]),
        )

    def dossier(self, key: str) -> dict[str, Any]:
        """Everything known of one customer (`show`)."""
        c = self._write_path.load(key)
        info = dossier(c, self._engine.standing(c), self.now(), self._rt.store.journal(key))
        info["monthly"] = round(sum(self.prices.of(item) for item in monthly_items(c.state)), 2)
        info["run_rate"] = self.run_rate()
        info["kept"] = self.kept()
        return info

    def list_rows(self, query: ListQuery, limit: int | None = None) -> Iterator[dict[str, Any]]:
        """The customers `query` lists, as `list` shows them, in the app's list's order and through its pages: the
        first `limit`, or every one (read in batches)."""
        listing = CustomerList(self._rt.store, self.now)
        try:
            yield from listing.views(query, limit)
        finally:
            listing.close()

    async def findings(self, key: str) -> list[Finding]:
        """Approval-readiness findings for a stored customer (the account's numbers read first)."""
        await self._own_numbers()
        return self._engine.findings(self._write_path.load(key))

    async def lint(self, data: dict[str, Any]) -> list[Finding]:
        """Findings for one customer in the CSV import's column names (`lint FILE.json`), with the same checks and
        counts as the form and the import: the account's numbers included when the account can be read."""
        with suppress(OperatorError):
            await self._own_numbers()
        return readiness.lint_row(data, self._engine.check_context(readiness.trial(data)))

    def form_findings(self, c: Customer | None, step: int, values: dict[str, Any]) -> list[Finding]:
        """Approval-readiness findings for the customer as a form would make it (saved steps + typed values)."""
        return editing.form_findings(c, step, values, store=self._rt.store, context=self._engine.check_context)

    async def fees_ahead(self, key: str) -> list[Fee]:
        """The fees the next advance of `key` would pay (statuses read first when they may be stale)."""
        return await lookahead.fees_ahead_fresh(self._engine, key)

    async def fees_ahead_many(self, keys: Iterable[str], on_each: Callable[[], None] | None = None
                              ) -> dict[str, list[Fee]]:
        """The fees the next advance of each of `keys` would pay, by key (only those with a fee); the brands are
        read from Twilio's brand list first, never once per customer. `on_each`: told as each one is done."""
        try:
            return await lookahead.fees_ahead_many(self._engine, keys, on_each)
        except TwilioError as error:
            raise OperatorError(f"Could not read the account's numbers and brands to work out the fees ahead: "
                                f"{error}") from error

    async def available_numbers(self, key: str | None) -> list[PhoneNumber]:
        """The account's phone numbers no other customer's campaign holds."""
        return await available_numbers(self._engine, key)

    def area_code(self, key: str | None) -> str | None:
        """The area code a number is bought in for this customer by default (their phone's; None for a Canadian
        phone, whose area code Twilio sells no US numbers in)."""
        c = self._write_path.load(key) if key else None
        area = c.profile.phone[2:5] if c and c.profile else None
        return area if area and is_us_area_code(area) else None

    async def numbers_for_sale(self, area_code: str) -> list[PhoneNumber]:
        """US local numbers for sale in `area_code` (what `buy:NPA` would get; nothing is bought)."""
        return await numbers_for_sale(self._engine, area_code)

    def policy_urls(self, key: str) -> dict[str, str]:
        """The customer's policy page URLs, by field (none before step 4 holds them)."""
        campaign = self._write_path.load(key).campaign
        found = {"privacy_policy_url": campaign.privacy_policy_url, "terms_url": campaign.terms_url} if campaign else {}
        return {field: url for field, url in found.items() if url}

    async def check_policy_pages(self, urls: dict[str, str]) -> list[Finding]:
        """Open each policy page (by field) as Twilio's reviewers would and say what it seems to lack."""
        found: list[Finding] = []
        settings = self._rt.settings
        for name, url in urls.items():
            found += await page_check.check_page(name, url, live=self.live, deadline=settings.page_check_deadline,
                                                 limit=settings.page_check_max_bytes)
        return found

    def write_policy_pages(self, key: str, target: Path | None = None, *,
                           typed: dict[str, Any] | None = None) -> list[Path]:
        """Starter privacy policy and terms pages for the customer (Markdown and HTML), into `target` (default:
        the data folder's policies/KEY); the files written. `typed`: step 4's form values as they stand (its
        unsaved description and message flow are used, and the pages say they are unsaved)."""
        c = self._write_path.load(key)
        if c.profile is None:
            raise OperatorError(f"{key} has no starter profile yet: save step 1 first.")
        folder = target or self.startup.locations.data_dir / "policies" / key
        text = {k: str(v) for k, v in (typed or {}).items() if k in ("campaign_description", "message_flow") and v}
        return policy_pages.write(folder, policy_pages.pages(c.profile, c.bundle, c.campaign, c.state.number,
                                                             typed=text))

    # -- writing (the one write path) --------------------------------------------------------------------

    def create(self, profile: StarterProfile, bundle: SoleProprietor | None = None,
               campaign: Campaign | None = None, *, key: str | None = None) -> Customer:
        """Save a new customer (no Twilio call is made)."""
        c = Customer(key=key or self._write_path.next_key(), profile=profile, bundle=bundle, campaign=campaign)
        return self._write_path.create(c).customer

    def save_step(self, key: str, version: int, step: int, model: BaseModel | None) -> Customer:
        """Save one step's inputs (step 1, 2 or 4: STEP_INPUTS) and drop its draft; StaleWrite when the customer
        changed since `version`."""
        name = STEP_INPUTS[step]

        def edit(c: Customer) -> None:
            setattr(c, name, model)
            c.drafts.pop(name, None)

        return self._write_path.change(key, edit, expected_version=version).customer

    def save_draft(self, key: str, version: int, step: int, values: dict[str, Any]) -> Customer:
        """Keep what was typed in an unfinished form of `step`, so leaving the form loses nothing."""
        return self._write_path.change(key, lambda c: c.drafts.__setitem__(STEP_INPUTS[step], values),
                                       expected_version=version).customer

    def drop_draft(self, key: str, version: int, step: int) -> Customer:
        """Forget the unsaved values of one step's form."""
        return self._write_path.change(key, lambda c: c.drafts.pop(STEP_INPUTS[step], None),
                                       expected_version=version).customer

    async def import_csv(self, lines: Iterable[str],
                         on_created: Callable[[int, str, list[Finding]], None] | None = None,
                         *, reserved: Iterable[str] = (), allow_duplicates: bool = False) -> ImportReport:
        """Create a customer for every good row of a CSV file, in batches (see flow.importing); `reserved`: the
        keys the file names (csv_rows.explicit_keys of a first read, held on disk, not in memory), which keys made
        for other rows skip. Each created customer's findings are the lint's and the form's: the account's numbers
        are read first when the account can be read."""
        with suppress(OperatorError):
            await self._own_numbers()

        def created(row: int, saved: Saved) -> None:
            if on_created:
                on_created(row, saved.customer.key, saved.standing.findings)

        with KeySet(reserved) as taken:
            return import_rows(self._write_path, lines, on_created=created, reserved=taken,
                               allow_duplicates=allow_duplicates)

    async def import_file(self, read: Callable[[], TextIO],
                          on_created: Callable[[int, str, list[Finding]], None] | None = None, *,
                          allow_duplicates: bool = False) -> ImportReport:
        """`import_csv` of a CSV file that `read` opens (twice: the keys it names first), no line read past
        csv_rows.LINE_LIMIT; the file's OSError or UnicodeDecodeError go to the caller."""
        with read() as first, read() as stream:  # the keys are read as the KeySet takes them, not held here
            return await self.import_csv(bounded_lines(stream), on_created,
                                         reserved=explicit_keys(bounded_lines(first)),
                                         allow_duplicates=allow_duplicates)

    # -- Twilio ------------------------------------------------------------------------------------------

    async def advance(self, key: str, on_call: Callable[[Call], None] | None = None) -> Run:
        """Run every call that can run now for one customer; stop at the first wait or refusal."""
        report = await self._engine.advance(key, on_outcome=(lambda o: on_call(_call(o))) if on_call else None)
        return self._run(report)

    async def advance_many(self, keys: Iterable[str], on_run: Callable[[Run], None] | None = None, *,
                           concurrency: int = 4, billable: Container[str] | None = None) -> list[Run]:
        """Advance several customers, a few at a time; only those in `billable` (None: every one) make calls
        Twilio bills, the others do free work only and say what they held back (`Run.held`)."""
        runs, done = self._runs(on_run)
        await self._engine.advance_many(keys, concurrency=concurrency, on_report=done, billable=billable)
        return runs

    @property
    def in_doubt(self) -> bool:
        """The store was restored or replaced (flow.doubt): every create looks at Twilio first."""
        return bool(self._engine.watermark and self._engine.watermark.doubt)

    async def reconcile(self, keys: list[str], on_run: Callable[[Run], None] | None = None, *,
                        everyone: bool = False, billable: Container[str] | None = None) -> list[Run]:
        """Advance `keys` looking at Twilio before every create, adopting what is already there (billable calls
        only for `billable`, as `advance_many`); once every customer (`everyone`) was reached without an error
        and without billable work held back (not looked for yet), the store is trusted again."""
        runs, done = self._runs(on_run)
        await reconciling.reconcile(self._engine, keys, done, everyone=everyone, billable=billable)
        return runs

    def stray_numbers(self, keys: Iterable[str]) -> dict[str, list[str]]:
        """The numbers bought for duplicates (flow.strays) that `remove_strays` would release, by customer."""
        found = {key: strays.numbers(self._write_path.load(key)) for key in keys}
        return {key: sids for key, sids in found.items() if sids}

    async def remove_strays(self, keys: Iterable[str], on_run: Callable[[Run], None] | None = None, *,
                            release_numbers: bool) -> list[Run]:
        """Remove the customers' duplicates at Twilio that a reconcile found (empty duplicate services; the numbers
        bought for them only with `release_numbers`); customers without any are skipped."""
        runs = []
        for key in keys:
            if self._write_path.load(key).state.strays:
                runs.append(self._run(await self._engine.remove_strays(key, release_numbers=release_numbers)))
                if on_run:
                    on_run(runs[-1])
        return runs

    def check_store(self) -> None:
        """The store's quick integrity check (the first run of the session makes it otherwise): StoreError with
        what to do when the file is damaged."""
        self._engine.check_store()

    async def refresh(self, key: str) -> Run:
        """Read the status of every submitted resource of one customer."""
        return self._run(await self._engine.refresh(key))

    async def refresh_all(self, on_problem: Callable[[str], None] | None = None) -> int:
        """Read every customer's statuses with Twilio's list endpoints; how many customers (`on_problem` hears
        of a list that could not be read, its customers read one by one instead)."""
        return await self._engine.refresh_all(on_problem=on_problem)

    def refresh_all_apart(self, on_progress: Callable[[int, int], None] | None = None) -> int:
        """`refresh_all` on a connection of its own (store, sandbox, Twilio client), as another process would run
        it: for a thread, so that the app's event loop never waits on it. How many customers."""
        startup = self._rt.startup

        async def refresh() -> int:
            apart = Runtime.connect(Startup.open(home=startup.locations.data_dir, mode=startup.mode,
                                                 now=startup.wall, store_url=startup.store_url))
            try:
                return await apart.engine.refresh_all(on_progress=on_progress)
            finally:
                await apart.aclose()

        return asyncio.run(refresh())

    @property
    def command_deadline(self) -> float:
        """Seconds one command may take in all (A2P_COMMAND_DEADLINE)."""
        return self._rt.settings.command_deadline

    @property
    def refresh_minutes(self) -> float:
        """How often the app reads every status in the background (0: never)."""
        return self._rt.settings.refresh_minutes

    async def resend_otp(self, key: str) -> Run:
        """Ask Twilio to text the customer a new passcode."""
        return self._run(await self._engine.resend_otp(key))

    async def check_primary(self) -> list[str]:
        """Problems with the ISV's primary customer profile (empty when registrations can go on)."""
        return await self._engine.check_primary()

    async def _own_numbers(self) -> None:
        try:
            await self._engine.load_own_numbers()
        except TwilioError as error:
            raise OperatorError(f"Could not read the account's phone numbers: {error}") from error

    def _runs(self, on_run: Callable[[Run], None] | None) -> tuple[list[Run], Callable[[Report], None]]:
        """A list of runs and the callback that adds each report's run to it (and tells `on_run`)."""
        runs: list[Run] = []

        def done(report: Report) -> None:
            runs.append(self._run(report))
            if on_run:
                on_run(runs[-1])

        return runs, done

    def _run(self, report: Report) -> Run:
        run = Run(report.key, [_call(o) for o in report.outcomes], report.error, report.summary)
        if report.held:
            run.held = lookahead.fees_ahead(self._engine, self._write_path.load(report.key))
        if report.summary and report.summary.kind == "fix":
            try:
                c = self._write_path.load(report.key)
            except UnknownCustomer:
                return run
            run.todo = [p["text"] for p in problems(c) if p.get("fix")]
        return run

    def is_sqlite_file(self, path: Path) -> bool:
        """Whether `path` is one of the data folder's SQLite files, which a command must not read or write (this
        process holds connections to them: storage's docstring)."""
        return same_file(path, self._rt.locations.sqlite_files)

    # -- a new customer's draft ----------------------------------------------------------------------------

    def new_customer_draft(self) -> dict[str, Any] | None:
        """What was typed last for a customer not created yet (kept across a quit or a crash), or None."""
        return read_object(self._rt.locations.new_customer_draft)

    def keep_new_customer_draft(self, values: dict[str, Any] | None) -> None:
        """Keep what is typed for a new customer (None: forget it, e.g. once the customer is created); one that
        cannot be written stays in the form until it is saved."""
        keep_object(self._rt.locations.new_customer_draft, values)

    # -- offboarding -------------------------------------------------------------------------------------

    def offboarding(self, key: str, *, release_number: bool) -> Offboarding:
        """What `offboard` would delete for `key` and what it stops costing each month (nothing is sent)."""
        return offboarding.preview(self._write_path.load(key), self._rt.store.journal(key), self.prices,
                                   release_number=release_number)

    async def offboard(self, key: str, *, release_number: bool, on_call: Callable[[Call], None] | None = None) -> Run:
        """Delete the customer's campaign, number (when `release_number`, else taken out of the service) and
        Messaging Service; the customer is kept, offboarded, with its history and fees. Run again to resume."""
        report = await self._engine.offboard(key, release_number=release_number,
                                             on_outcome=(lambda o: on_call(_call(o))) if on_call else None)
        return self._run(report)

    # -- the sandbox -------------------------------------------------------------------------------------

    async def events_setup(self, sink_url: str) -> list[str]:
        """Event Streams: a webhook sink at `sink_url` subscribed to the A2P events (only what is missing)."""
        return await streams.setup(self._rt.client, sink_url)

    async def events_status(self) -> list[streams.Sink]:
        """Event Streams: the account's webhook sinks and their subscriptions."""
        return await streams.status(self._rt.client)

    @property
    def receiving(self) -> bool:
        """Twilio's callbacks and events are received for this installation (a callback URL is configured)."""
        return bool(self._rt.settings.callback_url)

    def last_event(self) -> tuple[int, str] | None:
        """The last callback or event from Twilio taken into the store: its journal id and when (None: never)."""
        return self._rt.store.last_delivery()

    def reply_yes(self, key: str) -> None:
        """Sandbox: the customer replies YES to the passcode."""
        brand = self.customer(key).state.sids.get("brand")
        if not brand:
            raise OperatorError(f"{key} has no brand yet: advance it until the brand is APPROVED.")
        self._sandbox().reply_yes(brand)

    def move_clock(self, delta: timedelta) -> datetime:
        """Sandbox: let time pass."""
        return self._sandbox().advance_clock(delta)

    def sandbox_dump(self) -> dict[str, list[dict[str, Any]]]:
        return self._sandbox().dump()

    async def load_examples(self, on_progress: Callable[[str], None] | None = None) -> list[str]:
        """Sandbox: create the first-start example customers and bring each to its point of the flow; their keys."""
        if not self.sandboxed:
            raise ExampleError("Example customers can be loaded in the sandbox only.")
        keys = []
        for example in EXAMPLES:
            c = self.create(
                StarterProfile.model_validate(example.profile),
                SoleProprietor.model_validate(example.bundle) if example.bundle else None,
                Campaign.model_validate(example.campaign) if example.campaign else None,
            )
            if on_progress:
                on_progress(c.name)
            await self._bring(c.key, example)
            keys.append(c.key)
        return keys

    async def _bring(self, key: str, example: Example) -> None:
        """Advance, let sandbox time pass and answer the passcode until the customer is where `example` says."""
        for _ in range(MAX_ROUNDS):
            summary = self.summary(self.customer(key))
            if example.stop(summary):
                break
            if summary.kind == "customer" and example.reply_yes:
                self.reply_yes(key)
            elif summary.kind == "twilio":
                self.move_clock(STEP)
            run = await self.advance(key)
            if run.error:
                raise ExampleError(f"Example {key} stopped: {run.error}")
        else:
            raise ExampleError(f"Example {key} did not reach its point in {MAX_ROUNDS} rounds.")
        if example.wait_after:
            self.move_clock(example.wait_after)
            await self.refresh(key)

    def _sandbox(self) -> Any:
        if self._rt.sandbox is None:
            raise SandboxOnly("This works in the sandbox only.")
        return self._rt.sandbox

    async def aclose(self) -> None:
        """Close the Twilio client and the installation."""
        await self._rt.aclose()


def _call(outcome: Outcome) -> Call:
    advice = playbook_line(outcome.code) if outcome.code and playbook(outcome.code) else None
    return Call(ACTION_WORDS.get(outcome.action, outcome.action), outcome.ok,
                not outcome.ok and outcome.detail.startswith("retry"), visible(outcome.detail, lines=True),
                outcome.code, advice, outcome.fee)

