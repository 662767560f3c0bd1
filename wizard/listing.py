"""The customers list as screens show it: a page of rows at a time, stage counts, filter, sort, CSV export.

Rows come from the store's summary columns only (its `pages()`: storage.pages); what depends on the time — how long the
passcode has left, how long ago a customer changed — is worked out when the page is read. The list holds the active
customers, or (asked for) the offboarded ones.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from storage.customers import CustomerStore
from storage.pages import Query
from wizard.customer.search import search_query
from wizard.customer.spreadsheet import neutralise_formula
from wizard.customer.stages import ATTENTION, AWAITING_OTP, OTP_URGENT, STEP_NAMES, OtpWords, otp_words
from wizard.twilio import facts as C
from wizard.twilio.facts import otp_deadline
from wizard.visible import visible

DERIVATION = 5
"""Version of the derived columns (wizard.flow.write_path.derive): rows an older one filled (or a store of an earlier
schema) are derived again before they are listed or looked up."""

STAGES = {1: "Profile", 2: "Bundle", 3: "Brand & OTP", 4: "Campaign"}
"""Short stage names for headers and counts."""

SORTS: dict[str, tuple[str, str]] = {
    "attention": ("attention", "needs action"),
    "key": ("key", "key"),
    "name": ("name", "name"),
    "brand": ("brand", "brand"),
    "stage": ("stage", "stage"),
    "status": ("step_status", "status"),
    "next": ("next_action", "next action"),
    "otp": ("otp_due", "OTP time left"),
    "updated": ("updated_at", "last update"),
}
"""Sort name -> (the store's order, words for the operator)."""

NEEDS_ACTION = ATTENTION["customer"]
"""Customers whose attention is below this wait for the operator: OTP running out, failures, missing inputs,
and steps ready to submit."""
DUE_AFTER = timedelta(hours=C.OTP_WINDOW_HOURS) - OTP_URGENT
"""A passcode sent this long ago is running out: the store's side of stages.otp_urgent (the list's order and counts)."""

EXPORT_COLUMNS = ("key", "name", "brand", "email", "phone", "number", "stage", "step", "status", "next_action", "otp",
                  "updated_at")


class MonthlyPrices(Protocol):
    """What Twilio bills every month (wizard.customer.fees.Prices, which the list does not import before the
    domain is connected)."""

    number_monthly: float

    def monthly(self, campaigns: int, numbers: int) -> float: ...


@dataclass(frozen=True)
class ListQuery:
    """Which customers, in which order: `text` is matched anywhere in name, email, phone, mobile, brand, key,
    without regard to accents or case, and a phone number by its digits in whatever format it is typed; the
    active customers, or the offboarded ones."""

    text: str = ""
    sort: str = "attention"
    descending: bool = False
    offboarded: bool = False

    def store_query(self, now: datetime) -> Query:
        """The store's query at `now`: in the needs-action order, passcodes running out come first."""
        return Query(search_query(self.text), SORTS[self.sort][0], self.descending, due_before=due_before(now),
                     offboarded=self.offboarded)


@dataclass(frozen=True)
class ListRow:
    """One customer as a list line."""

    key: str
    name: str
    brand: str
    stage: int
    status: str
    next_action: str
    otp: str
    updated: str
    tone: str
    """urgent (passcode running out, failure), action (the operator's move), waiting, or done."""
    email: str = ""
    phone: str = ""
    updated_at: str = ""
    number: str = ""
    """The customer's phone number (E.164) once bought or picked."""


@dataclass(frozen=True)
class StageCounts:
    """How many active customers are at each stage (not done), done, and waiting for the operator; how many are
    offboarded; fees paid, and what Twilio bills every month for the active ones."""

    stages: dict[int, int]
    done: int
    needs_action: int
    spend: float = 0.0
    """Fees paid to Twilio for all customers (offboarded ones too: it is history), in dollars."""
    offboarded: int = 0
    billed: tuple[int, int] = (0, 0)
    """Campaigns and phone numbers of the active customers, each billed every month (each number once)."""
    kept: int = 0
    """Numbers kept on the account after offboarding that no active customer holds (billed every month too)."""

    @property
    def total(self) -> int:
        """How many customers are active."""
        return sum(self.stages.values()) + self.done

    def label(self, prices: MonthlyPrices | None = None, *, offboarded: bool = False) -> str:
        """`1 Profile: 12 · 2 Bundle: 3 · 3 Brand & OTP: 5 · 4 Campaign: 9 · Done: 40 · Needs action: 7 · Fees
        paid: $388.50 · Monthly: $126.50` (the monthly run-rate once `prices` are known); while the offboarded
        customers are listed, how many they are instead of the stages."""
        fees = [f"Fees paid: ${self.spend:,.2f}"] if self.spend else []
        if prices is not None and (self.spend or any(self.billed) or self.kept):
            campaigns, numbers = self.billed
            fees.append(f"Monthly: ${prices.monthly(campaigns, numbers + self.kept):,.2f}")
            if self.kept:
                fees.append(f"kept, unassigned: ${self.kept * prices.number_monthly:,.2f}/month")
        if offboarded:
            return " · ".join([f"Offboarded customers: {self.offboarded:,} (o: the {self.total:,} active)", *fees])
        parts = [f"{n} {name}: {self.stages.get(n, 0):,}" for n, name in STAGES.items()]
        gone = [f"Offboarded: {self.offboarded:,} (o)"] if self.offboarded else []
        return " · ".join([*parts, f"Done: {self.done:,}", f"Needs action: {self.needs_action:,}", *gone, *fees])


class CustomerList:
    """The customers of `store`, read a page at a time; `clock` is the engine's clock."""

    def __init__(self, store: CustomerStore, clock: Callable[[], datetime]) -> None:
        self._store = store
        self._clock = clock
        self._listing = store.pages()
        self._counting = store.pages()
        """Counts on a connection of their own: a long count never holds up the next page."""

    def close(self) -> None:
        self._listing.close()
        self._counting.close()

    def total(self, query: ListQuery) -> int | None:
        """How many customers the query lists; None when `stop_counting` stopped it."""
        return self._counting.total(query.store_query(self._clock()))

    def stop_counting(self) -> None:
        """Stop a count under way (its listing is no longer wanted)."""
        self._counting.interrupt()

    def page(self, query: ListQuery, offset: int, limit: int, *, total: int | None = None) -> list[ListRow]:
        now = self._clock()
        return [row(r, now) for r in self._listing.page(query.store_query(now), offset, limit, total=total)]

    def first(self, query: ListQuery, limit: int) -> list[ListRow]:
        """The first `limit` rows, without counting them all (see `total`)."""
        now = self._clock()
        return [row(r, now) for r in self._listing.first(query.store_query(now), limit)]

    def views(self, query: ListQuery, limit: int | None = None) -> Iterator[dict[str, Any]]:
        """The listed customers as `list --json` shows them (`list_row`): the first `limit`, without counting the
        listing, or (None) every one, read in batches on a reader of its own."""
        now = self._clock()
        found = query.store_query(now)
        if limit is not None:
            yield from (list_row(r, now, offboarded=query.offboarded) for r in self._listing.first(found, limit))
            return
        listing = self._store.pages()
        try:
            yield from (list_row(r, now, offboarded=query.offboarded) for r in listing.rows(found))
        finally:
            listing.close()

    def counts(self) -> StageCounts:
        stages: dict[int, int] = {}
        done = needs = offboarded = campaigns = 0
        spend = 0.0
        for gone, stage, attention, count, fees, billed_campaigns, _ in self._listing.counts():
            spend += fees
            if gone:
                offboarded += count
                continue
            campaigns += billed_campaigns
            if attention == ATTENTION["done"]:
                done += count
                continue
            stages[stage or 1] = stages.get(stage or 1, 0) + count
            if attention is not None and attention < NEEDS_ACTION:
                needs += count
        running_out = self._listing.due(due_before(self._clock()))
        needs += sum(n for attention, n in running_out if attention is None or attention >= NEEDS_ACTION)
        numbers, kept = self._listing.numbers()  # each number once (two customers may record the same one)
        return StageCounts(stages, done, needs, spend, offboarded, (campaigns, numbers), kept)

    def export_csv(self, query: ListQuery, path: Path) -> int:
        """Write the listed customers to `path`, readable by its owner only (cells neutralised against spreadsheet
        formulas)."""
        now = self._clock()
        listing = self._store.pages()
        count = 0
        try:
            # owner-only (it holds emails and phone numbers), also when a file of that name was there before
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.fchmod(descriptor, 0o600)
            with os.fdopen(descriptor, "w", newline="", encoding="utf-8") as fh:
                out = csv.writer(fh)
                out.writerow(EXPORT_COLUMNS)
                for data in listing.rows(query.store_query(now)):
                    out.writerow(neutralise_formula(str(v)) for v in _export_cells(row(data, now)))
                    count += 1
        finally:
            listing.close()
        return count


def _export_cells(r: ListRow) -> tuple[Any, ...]:
    return (r.key, r.name, r.brand, r.email, r.phone, r.number, r.stage, STAGES[r.stage], r.status, r.next_action,
            r.otp, r.updated_at)


def otp_left(otp_sent_at: str | None, now: datetime, *, waiting: bool = True) -> str:
    """"17 h left", "lapsed", or "" when no passcode is outstanding."""
    return otp_words("", 0, otp_deadline(otp_sent_at), now, awaited=waiting and bool(otp_sent_at)).left


def list_row(row: dict[str, Any], now: datetime, *, offboarded: bool = False) -> dict[str, Any]:
    """One customer (`offboarded` or not) as `list --json` shows it, from the store's summary columns (no JSON is
    read).

    The OTP clock runs on between saves, so time left and a lapse are worked out now.
    """
    said = _otp_now(row, now)
    return {
        "key": row["key"], "name": row["name"], "brand": row["brand"], "stage": row["stage"],
        "step": STEP_NAMES[row["stage"]], "step_status": row["step_status"], "done": bool(row["done"]),
        "next_action": said.action, "otp": said.left, "otp_resends": row["otp_resends"] or 0,
        "spend": row["spend"], "attention": said.attention, "updated_at": row["updated_at"],
        "offboarded": offboarded, "number": row.get("number"),
    }


def _otp_now(row: dict[str, Any], now: datetime) -> OtpWords:
    """A store row's passcode at `now`: its next action and rank, time left, lapse and urgency."""
    return otp_words(row["next_action"], row["attention"], otp_deadline(row["otp_sent_at"]), now,
                     awaited=row["step_status"] == AWAITING_OTP)


def row(data: dict[str, Any], now: datetime) -> ListRow:
    """A store row as the list shows it at `now` (time left, a lapse and urgency worked out now, as `list` does);
    every text made visible (it is drawn on a terminal and exported)."""
    said = _otp_now(data, now)
    resends = data["otp_resends"] or 0
    return ListRow(
        key=visible(data["key"]),
        name=visible(data["name"] or ""),
        brand=visible(data["brand"] or ""),
        stage=data["stage"],
        status=visible(data["step_status"] or ""),
        next_action=visible(said.action if said.lapsed else data["next_action"] or ""),
        otp=said.left + (f" ({resends} resent)" if said.left and resends else ""),
        updated=ago(data["updated_at"], now),
        tone="urgent" if said.urgent else tone(said.attention),
        email=visible(data["email"] or ""),
        phone=visible(data["phone"] or ""),
        updated_at=data["updated_at"] or "",
        number=visible(data.get("number") or ""),
    )


def due_before(now: datetime) -> str:
    """Passcodes sent before this are running out (to the minute, so one listing's pages agree)."""
    return (now - DUE_AFTER).replace(second=0, microsecond=0).isoformat()


def tone(attention: int) -> str:
    if attention == ATTENTION["done"]:
        return "done"
    if attention <= ATTENTION["fix"]:
        return "urgent"
    return "action" if attention < NEEDS_ACTION else "waiting"


def ago(stamp: str | None, now: datetime) -> str:
    """"just now", "5 min ago", "3 h ago", "2 d ago", or the date for anything older than a week."""
    if not stamp:
        return ""
    moment = datetime.fromisoformat(stamp)
    seconds = (now - moment).total_seconds()
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    if seconds < 86400:
        return f"{int(seconds // 3600)} h ago"
    if seconds < 7 * 86400:
        return f"{int(seconds // 86400)} d ago"
    return f"{moment:%Y-%m-%d}"


EVENTS_BACKOFF = timedelta(hours=1)
"""While Twilio's callbacks and events keep arriving, the timed refresh reads every status this seldom."""


def timed_refresh_due(last_event_at: str | None, last_refresh: datetime | None, now: datetime) -> bool:
    """Whether the timed refresh should read every status now: always, unless an event arrived within the
    back-off and the last timed refresh ran within it too (events tell what the refresh would find)."""
    if last_event_at is None or last_refresh is None:
        return True
    told = datetime.fromisoformat(last_event_at.replace("Z", "+00:00"))
    return now - told > EVENTS_BACKOFF or now - last_refresh >= EVENTS_BACKOFF
