"""Deliveries taken into the store: the customer each concerns read as a refresh would, then the delivery journaled
once.

A delivery is a reason to look, not a record to trust: its customer's resources that it names are read from
Twilio through the engine (journaled, written through the one write path), so a repeated, late or reordered
delivery changes nothing a refresh would not. What only a delivery says — the reasons Twilio gives in a
status callback or a brand-failure event — is added to the problems of the step the read found refused.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from wizard.customer.state import FlowState, Problem
from wizard.events.deliveries import Delivery
from wizard.flow.engine import Engine
from wizard.flow.plan import status_reads
from wizard.twilio.facts import CAMPAIGN_SID

log = logging.getLogger("wizard.events")

READ_BUDGET = 4.0
"""Seconds the reads a delivery causes may take before it is answered anyway: Twilio waits 5 s for an Event
Streams webhook (https://www.twilio.com/docs/events/webhook-quickstart); what is not read now the next refresh
reads."""
FAILED = {"twilio-rejected", "FAILED"}
STEP_OF_READ = {"profile.read": "profile", "bundle.read": "bundle", "brand.read": "brand", "campaign.read": "campaign"}


@dataclass(frozen=True)
class Taken:
    """What became of one delivery."""

    id: str
    key: str | None
    """The customer it concerns (None: no resource of ours)."""
    new: bool
    """False: already taken (a repeat), nothing done again."""


def short(kind: str) -> str:
    """An event type's last part, e.g. `brand-failure` (a callback: `status-callback`)."""
    return kind.rsplit(".", 1)[-1][:60]


def told(d: Delivery) -> str:
    """What a delivery says, in a line: its kind, the status it names, its first reason."""
    parts = [short(d.type).replace("-", " ")]
    if d.status:
        parts.append(d.status)
    if d.reasons:
        parts.append(d.reasons[0].message)
    return ": ".join(parts)


class Inbox:
    """Takes deliveries into one store, reading from Twilio through `engine`."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.store = engine.store

    def holder(self, d: Delivery) -> tuple[str, str] | None:
        """The customer a delivery concerns and the SID that says so."""
        for sid in d.sids:
            if sid != CAMPAIGN_SID and (key := self.store.holder_of_sid(sid)):
                return key, sid
        return None

    async def take(self, d: Delivery) -> Taken:
        """When `d` is new: read what it concerns, keep the reasons only it gives, then journal it (last, so that
        whoever sees the entry sees the customer as it left it; a repeat racing this one only reads again)."""
        found = self.holder(d)
        if found is None:
            return Taken(d.id, None, False)
        key, sid = found
        if self.store.delivery_taken(d.id):
            return Taken(d.id, key, False)
        try:
            await asyncio.wait_for(self._read(key, d), READ_BUDGET)
        except TimeoutError:
            log.warning("delivery %s: Twilio did not answer the reads in %.0f s; the next refresh reads them",
                        d.id, READ_BUDGET)
        first = d.reasons[0] if d.reasons else None
        new = self.store.journal_delivery(
            key, f"event.{short(d.type)}", d.id, d.type, sid=sid, occurred_at=d.occurred_at,
            error_code=first.code if first else None, error_message=told(d))
        return Taken(d.id, key, new)

    async def _read(self, key: str, d: Delivery) -> None:
        c = self.engine.load(key)
        reads = [a for a in status_reads(c) if set(a.path.values()) & set(d.sids)] or status_reads(c)
        for action in reads:
            await self.engine.read(key, action)
        if d.reasons:
            steps = [STEP_OF_READ[a.name] for a in reads if a.name in STEP_OF_READ]
            self.engine.save_state(key, lambda state: _keep_reasons(state, steps, d))


def _keep_reasons(state: FlowState, steps: list[str], d: Delivery) -> None:
    """A refused step's problems gain the delivery's words: a problem of the same code takes its message, one
    without a code gives way to the delivery's reasons, and reasons of other codes are added."""
    said = {r.code: r for r in d.reasons}
    for step in steps:
        if state.statuses.get(step) not in FAILED:
            continue
        kept = [Problem(code=p.code, message=said[p.code].message, field=p.field) if p.code in said else p
                for p in state.problems.get(step, []) if p.code is not None]
        codes = {p.code for p in kept}
        state.problems[step] = kept + [Problem(code=r.code, message=r.message) for r in d.reasons
                                       if r.code is None or r.code not in codes]
