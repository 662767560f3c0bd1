"""The flow engine: runs each customer's next actions against Twilio, journaled and resumable.

Before a call the journal gets a `sent` entry; after it, the result and the customer's new state are saved
in one transaction. An entry still `sent` when the engine next looks (a crash, a lost response) is
reconciled: the resource is looked up before anything is created again. So no Twilio resource is ever
created twice and no SID is ever lost.
"""

from __future__ import annotations

import asyncio
import contextvars
import os
import signal
import socket
import uuid
from collections.abc import Awaitable, Callable, Container, Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from storage.customers import CustomerStore, UnknownCustomer
from wizard.customer import readiness
from wizard.customer.customer import Customer
from wizard.customer.fees import Fee, Prices
from wizard.customer.rules import Finding
from wizard.customer.state import Charge, FlowState, Problem, Stop
from wizard.errors import OperatorError
from wizard.flow import offboarding, strays
from wizard.flow.actions import Action, Wait
from wizard.flow.doubt import Watermark
from wizard.flow.holdings import Found, Holdings
from wizard.flow.plan import Context, brand_read_action, plan, status_reads
from wizard.flow.status import ALL_FRESH, Summary, describe, summarize
from wizard.flow.write_path import Saved, Standing, WritePath
from wizard.twilio import facts as C
from wizard.twilio.client import TwilioClient
from wizard.twilio.failures import TwilioError
from wizard.twilio.operations import OPERATIONS
from wizard.twilio.pacing import Pace

MAX_ACTIONS_PER_RUN = 60
MAX_TRIES_PER_ACTION = 3
LEASE = timedelta(minutes=10)
CRASH_AT = "A2P_CRASH_AT"
CRASH_POINTS = ("before-request", "after-perform", "after-record")
RUN: contextvars.ContextVar[Holdings | None] = contextvars.ContextVar("holdings", default=None)
"""What Twilio holds, as read by the run in progress (an advance, a batch): every customer of the run shares it."""


def crash_point(action: str, point: str) -> None:
    """Test hook, inert unless A2P_CRASH_AT="<action>:<point>" is set, e.g. "profile.create:after-perform".

    At that point of that action the process kills itself (SIGKILL: no cleanup, no finally), so the tests can
    prove a real crash anywhere in the flow is survived. Points: `before-request` (journaled `sent`, nothing
    sent), `after-perform` (Twilio did it, the answer is not recorded), `after-record` (answer saved).
    """
    if os.environ.get(CRASH_AT) == f"{action}:{point}":
        os.kill(os.getpid(), getattr(signal, "SIGKILL", signal.SIGTERM))


def _dead_here(owner: str) -> bool:
    """Whether a lease owner ("host:pid:nonce") is a process of this host that is no longer running.

    Such a lease is left by a crash (a killed process cannot release it); waiting out its 10 minutes would
    only block the operator. A lease of another host, or of a running process, is always respected.
    """
    parts = owner.rsplit(":", 2)
    if os.name != "posix" or len(parts) != 3 or parts[0] != socket.gethostname() or not parts[1].isdigit():
        return False
    pid = int(parts[1])
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False
    return False


@dataclass
class Outcome:
    """What one call did, for the operator."""

    action: str
    ok: bool
    detail: str
    code: int | None = None
    """Twilio's error code when the call was refused."""
    fee: Fee | None = None
    """What the call added to the customer's fee ledger (a billable call done, or found done)."""


@dataclass
class Report:
    """What an advance/refresh did for one customer, and where it stands now."""

    key: str
    outcomes: list[Outcome] = field(default_factory=list)
    summary: Summary | None = None
    error: str | None = None
    held: bool = False
    """Free work only: the run stopped before a billable call (nothing of it journaled or sent)."""


def _onboard_again(state: FlowState) -> None:
    state.offboarded_at = None


class Engine:
    """Runs the flow for customers of one store against one Twilio client."""

    def __init__(
        self,
        store: CustomerStore,
        client: TwilioClient,
        *,
        primary_profile_sid: str,
        mock_brand: bool = False,
        prices: Prices | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        wall: Callable[[], datetime] = lambda: datetime.now(UTC),
        verify_primary: bool = False,
        live: bool = False,
    ) -> None:
        self.store = store
        self.client = client
        self.primary_profile_sid = primary_profile_sid
        self.mock_brand = mock_brand
        self.prices = prices or Prices()
        self.clock = clock
        """Twilio's time: the sandbox's own (sped-up) clock in sandbox mode; OTP windows run on it."""
        self.wall = wall
        """The operator's real time: leases between processes run on it, whatever the sandbox clock does."""
        self.watermark: Watermark | None = None
        """The data folder's record of the journal (flow.doubt): while in doubt, look before every create."""
        self.own_numbers: frozenset[str] | None = None
        """The account's phone numbers (E.164), read once per session (None: not yet; an account may hold none):
        an OTP must not go to one of them."""
        self.cpaas_prefix: str | None = None
        """Numbers starting so are a CPaaS provider's (the sandbox marks some): refused as the OTP mobile."""
        self.store_checked = False
        """The store passed its integrity check this session (checked before the first call of a run)."""
        self._owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._active: dict[str, datetime] = {}
        """Customers this engine is running now, with when their lease was last taken (the store's lease can't
        tell two runs of one owner apart)."""
        self._primary_checked = not verify_primary
        self.live = live
        """Talking to Twilio itself: the readiness rules that only real reviewers apply are checked too."""
        self.otp_pace = Pace(1.1 / C.SMS_OTP_PER_SECOND)
        """Passcode resends start at least 0.11 s apart: under Twilio's 10 /SmsOtp requests a second."""
        self.callback_url: str | None = None
        """Where Twilio tells of reviews (A2P_CALLBACK_URL): the StatusCallback of new profiles and bundles."""
        self.write_path = WritePath(store, self.standing)

    # -- reading and judging -----------------------------------------------------------------------------

    def load(self, key: str) -> Customer:
        return self.write_path.load(key)

    def findings(self, c: Customer) -> list[Finding]:
        """Approval-readiness findings for the customer as it stands."""
        return readiness.findings(c, self.check_context(c))

    def check_context(self, c: Customer) -> readiness.CheckContext:
        """What the readiness checks of `c` know: the account's numbers, the store's counts, the mode."""
        return readiness.context(self.store, c, self.own_numbers or frozenset(), live=self.live,
                                 cpaas_prefix=self.cpaas_prefix)

    def context(self, c: Customer, fresh: set[str] | None = None, *, findings: list[Finding] | None = None
                ) -> Context:
        """What the planner needs beyond the customer (`findings`, when already known, are not looked for again)."""
        blockers = readiness.blockers(self.findings(c) if findings is None else findings)
        return Context(now=self.clock(), primary_profile_sid=self.primary_profile_sid,
                       mock_brand=self.mock_brand, fresh=fresh if fresh is not None else set(),
                       blockers=blockers, callback_url=self.callback_url)

    def standing(self, c: Customer) -> Standing:
        """Where the customer stands: its findings, and the summary they lead to (each worked out once)."""
        found = self.findings(c)
        return Standing(summarize(c, self.context(c, findings=found)), found)

    async def load_own_numbers(self) -> frozenset[str]:
        """Read the account's phone numbers once (they are checked against the customer's mobile)."""
        if self.own_numbers is None:
            self.own_numbers = frozenset([
                item["phone_number"] async for item in self.client.paginate("list_incoming_phone_numbers")
            ])
        return self.own_numbers

    def summary(self, c: Customer) -> Summary:
        return self.standing(c).summary

    def save_state(self, key: str, change: Callable[[FlowState], None]) -> Saved:
        """Apply `change` to the stored state (re-read inside the transaction), through the one write path."""

        def edit(state: FlowState) -> None:
            change(state)
            self._after(state)

        return self.write_path.change_state(key, edit)

    def _after(self, state: FlowState) -> None:
        """Facts that depend on time: the OTP went out when the brand was first seen APPROVED+UNVERIFIED."""
        if state.statuses.get("brand") == "APPROVED" and state.statuses.get("identity") == "UNVERIFIED":
            state.otp_sent_at = state.otp_sent_at or self.clock().isoformat()

    # -- advancing ---------------------------------------------------------------------------------------

    async def advance(self, key: str, *, on_outcome: Callable[[Outcome], None] | None = None,
                      billable: bool = True) -> Report:
        """Run every action that can run now for one customer; stop at the first wait or refusal, and (not
        `billable`: free work only) before the first call Twilio bills."""
        report = Report(key)
        if not self._primary_checked:
            if problems := await self.check_primary():
                report.error = " ".join(problems)
                return report
            self._primary_checked = True
        try:
            await self.load_own_numbers()
        except TwilioError as error:
            report.error = f"Could not read the account's phone numbers: {error}"
            return report
        if not self._claim(key, report):
            return report
        run = RUN.set(RUN.get() or Holdings(self.client))
        try:
            if self.load(key).state.offboarded_at:  # onboarding again: step 4 starts anew from what Twilio holds
                self.save_state(key, _onboard_again)
            saved = await self._advance(key, report, on_outcome or (lambda o: None), billable)
            report.summary = saved.summary if saved else self.summary(self.load(key))
        except OperatorError as error:  # this customer only (a saved value today's rules refuse): say so, go on
            report.error = str(error)
        finally:
            RUN.reset(run)
            self._release(key)
        return report

    def _claim(self, key: str, report: Report) -> bool:
        """Take the customer's lease (or a dead local process's); else say why in `report.error`."""
        now = self.wall()
        until, stamp = (now + LEASE).isoformat(), now.isoformat()
        try:
            taken = key not in self._active and (
                self.store.claim(key, self._owner, until, stamp)
                or ((holder := self.store.lease_owner(key)) is not None and _dead_here(holder)
                    and self.store.claim(key, self._owner, until, stamp, replacing=holder)))
        except UnknownCustomer as error:
            report.error = str(error)
            return False
        if not taken:
            report.error = "Another operator is advancing this customer right now; try again in a moment."
            return False
        self._active[key] = now
        return True

    def _renew(self, key: str) -> bool:
        """Before each call, extend a lease half gone, so a long run (slow answers, back-off) keeps it."""
        now = self.wall()
        if now - self._active[key] < LEASE / 2:
            return True
        self._active[key] = now
        return self.store.claim(key, self._owner, (now + LEASE).isoformat(), now.isoformat())

    def _release(self, key: str) -> None:
        self._active.pop(key, None)
        self.store.release(key, self._owner)

    async def _advance(self, key: str, report: Report, on_outcome: Callable[[Outcome], None], billable: bool
                       ) -> Saved | None:
        """Run the customer's actions one by one; the customer as last saved (None if nothing was saved)."""
        saved = await self._settle(key, report, on_outcome)
        fresh: set[str] = set()
        tries: dict[str, int] = {}
        for _ in range(MAX_ACTIONS_PER_RUN):
            if not self._renew(key):
                report.error = ("This run outlasted its lease and another operator took the customer over; "
                                "stopped here (nothing is lost: advance again later).")
                return saved
            if saved is None:
                c = self.load(key)
                ctx = self.context(c, fresh)
            else:
                c, ctx = saved.customer, self.context(saved.customer, fresh, findings=saved.standing.findings)
            step = plan(c, ctx)
            if isinstance(step, Wait):
                return saved
            if step.charge and not billable:  # the planner's charge is the fee the confirmations ask for
                report.held = True
                return saved
            tries[step.name] = tries.get(step.name, 0) + 1
            if tries[step.name] > MAX_TRIES_PER_ACTION:
                report.error = f"Gave up on '{describe(step)}' after {MAX_TRIES_PER_ACTION} tries; advance later."
                return saved
            outcome, saved = await self._run(c, step)
            report.outcomes.append(outcome)
            on_outcome(outcome)
            if not outcome.ok and not outcome.detail.startswith("retry"):
                return saved
            fresh.add(step.name.split(".", 1)[0])
        return saved

    async def _settle(self, key: str, report: Report, on_outcome: Callable[[Outcome], None]) -> Saved | None:
        """Reconcile a call left `sent` (a crash, a lost answer) before any status is read.

        A read may show that such a call took effect (a resubmitted brand is PENDING again, an updated campaign
        IN_PROGRESS); the planner would then never plan it again, and what its answer means — the fee, the
        inputs it submitted — would be lost with the entry left `sent` for ever. So plan as if every status
        were fresh, which gives the call that was in flight, and reconcile it first.
        """
        open_actions = {e.action for e in self.store.open_entries(key)}
        if not open_actions:
            return None
        c = self.load(key)
        step = plan(c, self.context(c, set(ALL_FRESH)))
        if isinstance(step, Action) and step.name in open_actions and step.find is not None:
            outcome, saved = await self._reconcile(c, step)
            if outcome is not None and outcome.ok:
                report.outcomes.append(outcome)
                on_outcome(outcome)
                return saved
        return None

    def check_store(self, *, full: bool = False) -> None:
        """Check the store's integrity once per session (again when `full`): a damaged file stops a run before
        its first call, not after some customers were sent (StoreError with what to do)."""
        if full or not self.store_checked:
            self.store.check(full=full)
            self.store_checked = True

    async def _run(self, c: Customer, action: Action) -> tuple[Outcome, Saved | None]:
        """Run one action: reconcile a lost earlier attempt first, journal, call, save. The outcome, and the
        customer as saved after it (None when nothing was saved)."""
        self.check_store()
        found, saved = await self._reconcile(c, action)
        if found is not None:
            return found, saved
        op = OPERATIONS[action.op]
        if op.creates and (held := RUN.get()) is not None:
            found, saved = await self._held(c, action, held)
            if found is not None:
                return found, saved
        elif action.find is not None and self.watermark is not None and self.watermark.doubt:
            found, saved = await self._adopt(c, action)
            if found is not None:
                return found, saved
        entry = self.store.journal_start(c.key, action.name, op.method, self._path(action), action.friendly_name)
        if self.watermark is not None:
            self.watermark.started(entry)  # before the call is sent: a store restored later is seen to be older
        crash_point(action.name, "before-request")
        try:
            body = await self.client.call(action.op, action.params, action.query, **action.path)
        except TwilioError as error:
            if op.method == "DELETE" and error.status == 404:  # already gone (an earlier attempt): done
                return Outcome(action.name, True, f"{describe(action)} (already gone)"), self._done(
                    c.key, entry, action, {})
            if (error.retryable or error.unknown_outcome) and action.find is not None:
                # The call may have been performed: keep the entry `sent` and look before trying again.
                return Outcome(action.name, False, f"retry: no clear answer ({error.message}); checking first"), None
            if action.find is not None and not op.creates and (done := await self._done_before(action)):
                # An update refused because Twilio holds it done already (a store restored from before it was sent)
                return Outcome(action.name, True, f"{describe(action)} (already done at Twilio: adopted)",
                               fee=self._fee(action)), self._done(c.key, entry, action, done)
            if holder := self._number_holder(c.key, action, error):
                error = replace(error, message=f"{error.message} (customer {holder} holds this number: pick another "
                                               "one in step 4, or offboard that customer first)")
            saved = self._failed(c.key, entry, action, error, forget_number=bool(holder))
            return Outcome(action.name, False, str(error), error.code), saved
        crash_point(action.name, "after-perform")
        if op.creates and (held := RUN.get()) is not None and isinstance(body.get("sid"), str):
            held.made.add(body["sid"])
        saved = self._done(c.key, entry, action, body)
        crash_point(action.name, "after-record")
        return Outcome(action.name, True, describe(action), fee=self._fee(action)), saved

    async def _held(self, c: Customer, action: Action, held: Holdings) -> tuple[Outcome | None, Saved | None]:
        """Before a create: what Twilio already holds for the customer (flow.holdings), adopted instead of made
        again whatever the store and the watermark say. (None, None): not there, send the call."""
        try:
            found = await held.find(c, action)
        except TwilioError as error:
            return Outcome(action.name, False, f"Could not look at what Twilio holds first: {error}"), None
        return (None, None) if found is None else self._adopted(c, action, found)

    async def _done_before(self, action: Action) -> dict | None:
        """After a refused update: Twilio's resource as it is, when it shows the update was made (else None)."""
        assert action.find is not None
        try:
            return await action.find(self.client, action.friendly_name)
        except TwilioError:
            return None

    def _adopted(self, c: Customer, action: Action, found: Found) -> tuple[Outcome, Saved]:
        op = OPERATIONS[action.op]
        entry = self.store.journal_start(c.key, action.name, op.method, self._path(action), action.friendly_name)
        saved = self._done(c.key, entry, action, found.body, also=found.also)
        note = f"; {found.note}" if found.note else ""
        return Outcome(action.name, True, f"{describe(action)} (found at Twilio: adopted, not created again{note})",
                       fee=self._fee(action)), saved

    async def _adopt(self, c: Customer, action: Action) -> tuple[Outcome | None, Saved | None]:
        """The store is in doubt (restored or replaced): look at Twilio before a create (or an update), and adopt
        the resource (or the update) when it is already there. (None, None): not there, send the call."""
        assert action.find is not None
        try:
            body = await action.find(self.client, action.friendly_name)
        except TwilioError as error:
            return Outcome(action.name, False, f"Could not look at Twilio first (the store was restored or "
                                               f"replaced, so it must): {error}"), None
        if body is None:
            return None, None
        op = OPERATIONS[action.op]
        entry = self.store.journal_start(c.key, action.name, op.method, self._path(action), action.friendly_name)
        saved = self._done(c.key, entry, action, body)
        return Outcome(action.name, True, f"{describe(action)} (found at Twilio: adopted, not created again)",
                       fee=self._fee(action)), saved

    async def _reconcile(self, c: Customer, action: Action) -> tuple[Outcome | None, Saved | None]:
        entries = self.store.open_entries(c.key, action.name)
        if not entries:
            return None, None
        if action.find is None:
            for e in entries:
                self.store.journal_finish(e.id, "failed", error_message="No answer was received; sent again.")
            return None, None
        try:
            body = await action.find(self.client, entries[-1].friendly_name)
        except TwilioError as error:
            return Outcome(action.name, False, f"Could not check for an earlier attempt: {error}"), None
        if body is None:
            for e in entries:
                self.store.journal_finish(e.id, "failed", error_message="Not created by Twilio; sent again.")
            return None, None
        with self.store.transaction():
            for e in entries[:-1]:
                self.store.journal_finish(e.id, "failed", error_message="Superseded by a later attempt.")
            saved = self._done(c.key, entries[-1].id, action, body)
        return Outcome(action.name, True, f"{describe(action)} (found after a lost answer)",
                       fee=self._fee(action)), saved

    def _path(self, action: Action) -> str:
        return OPERATIONS[action.op].render(account=self.client.account_sid, **action.path)

    def _fee(self, action: Action) -> Fee | None:
        """The fee `_done` records in the ledger for `action` (None: not billable)."""
        return self.prices.fee(action.charge) if action.charge else None

    def _done(self, key: str, entry: int, action: Action, body: dict,
              also: Callable[[FlowState], None] | None = None) -> Saved:
        sid = body.get("sid") if isinstance(body.get("sid"), str) else None

        def change(state: FlowState) -> None:
            action.apply(state, body)
            if also is not None:
                also(state)
            if state.last_error_action == action.name:
                state.last_error, state.last_error_action = None, None
            if action.stops:
                state.stopped.append(Stop(item=action.stops, monthly=self.prices.of(action.stops),
                                          at=self.clock().isoformat(timespec="seconds")))
            if action.charge:
                state.ledger.append(Charge(what=describe(action), amount=self.prices.of(action.charge),
                                           at=self.clock().isoformat(timespec="seconds"), item=action.charge))
            if action.name == "brand.resubmit":
                state.brand_resubmits += 1

        with self.store.transaction():
            self.store.journal_finish(entry, "done", http_status=200, sid=sid)
            return self.save_state(key, change)

    def _number_holder(self, key: str, action: Action, error: TwilioError) -> str | None:
        """21712 (the number is in another Messaging Service): the other customer of the store holding it, if any."""
        number = str((action.params or {}).get("PhoneNumberSid", ""))
        return self.store.held_numbers(exclude_key=key).get(number) if error.code == 21712 else None

    def _failed(self, key: str, entry: int, action: Action, error: TwilioError, *,
                forget_number: bool = False) -> Saved:
        """Record Twilio's refusal; `forget_number`: the number went to another customer, so this one no longer
        holds it (it is not counted twice, and the next advance looks for, or buys, its number afresh)."""

        def change(state: FlowState) -> None:
            state.last_error = Problem(code=error.code, message=error.message)
            state.last_error_action = action.name
            if forget_number:
                for slot in ("phone_number", "service_number"):
                    state.sids.pop(slot, None)
                state.applied.pop("phone_lookup", None)
                state.number = None

        with self.store.transaction():
            self.store.journal_finish(entry, "failed", http_status=error.status or None, error_code=error.code,
                                      error_message=error.message)
            return self.save_state(key, change)

    async def advance_many(self, keys: Iterable[str], *, concurrency: int = 4,
                           on_report: Callable[[Report], None] | None = None,
                           billable: Container[str] | None = None) -> list[Report]:
        """Advance several customers, a few at a time; only those in `billable` (None: every one) make billable
        calls, the others do free work only."""
        gate = asyncio.Semaphore(concurrency)
        run = RUN.set(Holdings(self.client))  # the customers' tasks below copy this context: they share it

        async def one(key: str) -> Report:
            async with gate:
                report = await self.advance(key, billable=billable is None or key in billable)
            if on_report:
                on_report(report)
            return report

        tasks = [asyncio.ensure_future(one(k)) for k in keys]
        try:
            return list(await asyncio.gather(*tasks))
        except BaseException:  # e.g. the disk is full: stop the others while the store is still open, then say so
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            raise
        finally:
            RUN.reset(run)

    # -- offboarding -------------------------------------------------------------------------------------

    async def offboard(self, key: str, *, release_number: bool,
                       on_outcome: Callable[[Outcome], None] | None = None) -> Report:
        """Delete the customer's campaign, number (released or taken out of the service) and Messaging Service,
        each a journaled action; then record the customer as offboarded with the monthly fees that stop.

        Run again after an interruption, it resumes: what is already gone is not deleted twice."""
        report = Report(key)
        work = partial(self._offboard, key, release_number, report, on_outcome or (lambda o: None))
        return await self._claimed(key, report, work, unread="the customer's resources")

    async def _offboard(self, key: str, release_number: bool, report: Report,
                        on_outcome: Callable[[Outcome], None]) -> None:
        c = self.load(key)
        started = c.state.offboarding or c.state.offboarded_at
        if not (started or offboarding.deletions(c, release_number=release_number)):
            report.error = offboarding.nothing_to_delete(c)
            return
        if problems := await offboarding.foreign(self.client, c, release_number=release_number):
            report.error = " ".join(problems) + " Nothing was deleted."
            return
        if not c.state.offboarding:
            self.save_state(key, lambda state: setattr(state, "offboarding", self.clock().isoformat()))
        deletion = partial(offboarding.next_deletion, release_number=release_number)
        if not await self._delete_each(key, deletion, report, on_outcome, again="offboard",
                                       at_most=len(offboarding.ACTIONS) + 1):
            return
        now = self.clock().isoformat(timespec="seconds")

        def done(state: FlowState) -> None:
            state.offboarded_at, state.offboarding = now, None

        report.summary = self.save_state(key, done).summary

    # -- duplicates ------------------------------------------------------------------------------------

    async def remove_strays(self, key: str, *, release_numbers: bool,
                            on_outcome: Callable[[Outcome], None] | None = None) -> Report:
        """Remove the customer's duplicates at Twilio (flow.strays): each one read first and kept when it is not
        a duplicate after all; a number released only with `release_numbers`. Resumable like offboarding."""
        report = Report(key)
        if not self.load(key).state.strays:
            return report
        work = partial(self._remove_strays, key, release_numbers, report, on_outcome or (lambda o: None))
        return await self._claimed(key, report, work, unread="the customer's duplicates")

    async def _claimed(self, key: str, report: Report, work: Callable[[], Awaitable[None]], *, unread: str
                       ) -> Report:
        """Offboarding's and reconcile's frame: `work` run holding the customer's claim (not run when another run
        holds it), a TwilioError said in `report.error` (`unread`: what could not be read); then the customer's
        summary, unless `work` gave one."""
        if not self._claim(key, report):
            return report
        try:
            await work()
        except TwilioError as error:
            report.error = f"Could not read {unread} at Twilio: {error}"
        finally:
            self._release(key)
        if report.summary is None:
            report.summary = self.summary(self.load(key))
        return report

    async def _remove_strays(self, key: str, release_numbers: bool, report: Report,
                             on_outcome: Callable[[Outcome], None]) -> None:
        async def keep(c: Customer, action: Action) -> str | None:
            return await strays.doubt(self.client, c, action.path["sid"])

        removal = partial(strays.next_removal, release_numbers=release_numbers)
        await self._delete_each(key, removal, report, on_outcome, again="reconcile", keep=keep,
                                at_most=2 * len(self.load(key).state.strays) + 1)

    async def _delete_each(self, key: str, deletion: Callable[[Customer], Action | None], report: Report,
                           on_outcome: Callable[[Outcome], None], *, again: str, at_most: int,
                           keep: Callable[[Customer, Action], Awaitable[str | None]] | None = None) -> bool:
        """Offboarding's and reconcile's deletions: each one `deletion` gives next (at most `at_most`), a journaled
        action (a lost answer is found done by the resource's 404), the lease renewed before it. With `keep`, a
        resource it gives a reason for is forgotten, not deleted, and each outcome names the resource (`sid`).
        Stops at the first failure (`report.error`: run `again` to finish; then False)."""
        c = self.load(key)
        for _ in range(at_most):
            action = deletion(c)
            if action is None:
                return True
            if not self._renew(key):
                report.error = "This run outlasted its lease and another operator took the customer over."
                return False
            sid = action.path.get("sid", "")
            if keep is not None and (why := await keep(c, action)):
                c = self.save_state(key, _forgotten(action)).customer
                outcome = Outcome(action.name, True, f"kept {sid}: not removed, {why}")
            else:
                outcome, saved = await self._run(c, action)
                outcome.detail += f" ({sid})" if keep is not None and outcome.ok else ""
                c = saved.customer if saved else self.load(key)
            report.outcomes.append(outcome)
            on_outcome(outcome)
            if not outcome.ok:
                report.error = f"Could not {describe(action)}: {outcome.detail} (run {again} again to finish)."
                return False
        return True

    # -- refreshing --------------------------------------------------------------------------------------

    async def refresh(self, key: str) -> Report:
        """Read the status of every submitted resource of one customer (no creates, no updates)."""
        report = Report(key)
        c, saved = self.load(key), None
        for action in status_reads(c):
            outcome, saved = await self._run(saved.customer if saved else c, action)
            report.outcomes.append(outcome)
        report.summary = saved.summary if saved else self.summary(c)
        return report

    async def read(self, key: str, action: Action) -> Customer:
        """Run one read of the flow now (e.g. the lookup of a typed number before any fee is asked for)."""
        outcome, saved = await self._run(self.load(key), action)
        return saved.customer if saved else self.load(key)

    async def refresh_all(self, *, concurrency: int = 4, on_progress: Callable[[int, int], None] | None = None,
                          on_problem: Callable[[str], None] | None = None) -> int:
        """Refresh every customer with Twilio's list endpoints (1,000 per page), not one read per customer;
        `on_progress(done, total)` after each customer.

        Starter profiles and trust products are listed by policy, brands in one list; only campaigns,
        which Twilio lists per Messaging Service, are read one by one (a few at a time) until verified.
        A list that cannot be read (`on_problem` is told why) is replaced by one read per customer; a customer
        whose read fails stays as it was, and the others go on.
        """
        keys = self.store.active_keys()
        if not keys:
            return 0
        self.check_store()
        found: dict[str, dict[str, dict] | None] = {}
        for action, op, query in (("profile.read", "list_customer_profiles", C.STARTER_PROFILE_POLICY_SID),
                                  ("bundle.read", "list_trust_products", C.SOLE_PROPRIETOR_POLICY_SID),
                                  ("brand.read", "list_brand_registrations", None)):
            try:
                found[action] = await self.index(op, **({"PolicySid": query} if query else {}))
            except TwilioError as error:
                found[action] = None
                if on_problem:
                    on_problem(f"{error} Each customer's was read on its own instead.")
        gate = asyncio.Semaphore(concurrency)

        async def one(key: str) -> None:
            c = self.load(key)
            bodies = []
            for action in status_reads(c):
                if (listed := found.get(action.name)) is not None:
                    if (body := listed.get(action.path["sid"])) is not None:
                        bodies.append((action, body))
                    continue
                if action.name not in found and c.state.statuses.get("campaign") == "VERIFIED":
                    continue
                async with gate:
                    try:
                        bodies.append((action, await self.client.call(action.op, **action.path)))
                    except TwilioError:
                        continue
            if bodies:
                self.save_state(key, partial(_apply_all, bodies))
            done.append(key)
            if on_progress:
                on_progress(len(done), len(keys))

        done: list[str] = []
        await asyncio.gather(*(one(k) for k in keys))
        return len(keys)

    async def index(self, op: str, **query: str) -> dict[str, dict]:
        """Every resource a list endpoint gives (1,000 a page), by SID."""
        return {item["sid"]: item async for item in self.client.paginate(op, query=query or None)}

    # -- prerequisite ------------------------------------------------------------------------------------

    async def check_primary(self) -> list[str]:
        """Problems with the ISV's primary customer profile, in plain words (empty when it is usable).

        Twilio requires it to be approved and to have the business identity "ISV reseller or partner".
        """
        sid = self.primary_profile_sid
        try:
            profile = await self.client.call("fetch_customer_profile", sid=sid)
            if profile.get("status") != "twilio-approved":
                return [f"Your primary customer profile {sid} is {profile.get('status')}, not twilio-approved: "
                        "finish it in the Twilio Console first."]
            identities = []
            async for item in self.client.paginate("list_customer_profile_entities", sid=sid):
                if str(item.get("object_sid", "")).startswith("IT"):
                    end_user = await self.client.call("fetch_end_user", sid=item["object_sid"])
                    identities.append((end_user.get("attributes") or {}).get("business_identity"))
        except TwilioError as error:
            return [f"Could not read your primary customer profile {sid}: {error}"]
        if "isv_reseller_or_partner" not in identities:
            return [f"Your primary customer profile {sid} is not marked 'ISV reseller or partner' "
                    "(business identity); Twilio refuses sole-proprietor registrations under it."]
        return []

    # -- OTP ---------------------------------------------------------------------------------------------

    async def resend_otp(self, key: str) -> Report:
        """Ask Twilio to text the customer a new one-time passcode (brand must be APPROVED, not yet VERIFIED)."""
        report = Report(key)
        if not self._claim(key, report):
            return report
        try:
            await self._resend_otp(key, report)
        finally:
            self._release(key)
        return report

    async def _resend_otp(self, key: str, report: Report) -> None:
        c = self.load(key)
        brand = c.state.sids.get("brand")
        if not brand:
            report.error = "No brand is registered for this customer yet."
            return
        read, saved = await self._run(c, brand_read_action(brand))
        report.outcomes.append(read)
        c = saved.customer if saved else self.load(key)
        st = c.state.statuses
        if st.get("brand") != "APPROVED" or st.get("identity") != "UNVERIFIED":
            report.error = (f"A passcode can be resent only while the brand is APPROVED and UNVERIFIED "
                            f"(it is {st.get('brand') or '?'}/{st.get('identity') or '-'}).")
        else:
            now = self.clock().isoformat()

            def resent(state: FlowState, body: dict) -> None:
                state.otp_sent_at = now
                state.otp_resends += 1

            await self.otp_pace.turn()  # under Twilio's 10 /SmsOtp requests a second per account
            resend, saved = await self._run(c, Action("brand.otp_resend", "resend_brand_otp", resent,
                                                       path={"sid": brand}, charge=None))
            report.outcomes.append(resend)
        report.summary = saved.summary if saved else self.summary(self.load(key))




def _forgotten(action: Action) -> Callable[[FlowState], None]:
    """The change `action`'s answer would make, without one (a resource kept: no longer the customer's to delete)."""
    return lambda state: action.apply(state, {})


def _apply_all(answers: list[tuple[Action, dict[str, Any]]], state: FlowState) -> None:
    """Each read's answer applied to the customer's state, in order."""
    for action, body in answers:
        action.apply(state, body)
