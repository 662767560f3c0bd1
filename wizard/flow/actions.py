"""Actions (one Twilio call each) and waits: what the planner hands the engine."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from wizard.customer.state import FlowState
from wizard.twilio.client import TwilioClient
from wizard.twilio.encoding import Value

Body = dict[str, Any]
Finder = Callable[[TwilioClient, str | None], Awaitable[Body | None]]
WaitKind = Literal["operator", "twilio", "customer", "fix", "done"]


@dataclass(frozen=True)
class Action:
    """One Twilio call of the flow and what its answer means for the customer's state.

    `find` looks the resource up after a lost response (by the friendly name the journal recorded), so the
    engine can tell "created, answer lost" from "never created" and never creates twice.
    """

    name: str
    op: str
    apply: Callable[[FlowState, Body], None]
    path: Mapping[str, str] = field(default_factory=dict)
    params: Mapping[str, Value] | None = None
    query: Mapping[str, Value] | None = None
    friendly_name: str | None = None
    find: Finder | None = None
    charge: str | None = None
    """Billable item ("brand", "campaign_vetting") recorded in the ledger when the call succeeds."""
    stops: str | None = None
    """Monthly item ("campaign_monthly", "number_monthly") whose fee stops when the call succeeds (a deletion)."""
    read: bool = False
    """A status read: not journaled before it is sent, safe to repeat."""


@dataclass(frozen=True)
class Wait:
    """Nothing more can run now: who or what the customer is waiting for, in plain words."""

    stage: int
    kind: WaitKind
    message: str

    @property
    def done(self) -> bool:
        return self.kind == "done"


Step = Action | Wait
