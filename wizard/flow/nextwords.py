"""What next for a customer, in the one set of words every surface shows: the stepper (each step's state), the
Next line, the problems with what to do, the passcode's timer, and the list's status and next-action columns.

`said` is that one function of the customer's state: the planner's summary (what the customer waits for) at a
moment, since a passcode lapses between two reads (the customer screen asks again as its timer ticks). The list
reads only the store's columns (the summary as last written) and finishes them with the same `stages.otp_words`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from wizard.customer.customer import Customer
from wizard.customer.stages import AWAITING_OTP, otp_words
from wizard.flow import progress
from wizard.flow.progress import Issue
from wizard.flow.status import Summary
from wizard.flow.stepstates import StepState, step_states
from wizard.twilio.facts import otp_deadline


@dataclass(frozen=True)
class Said:
    """A customer's "what next" at one moment, for every surface."""

    stage: int
    """The step the customer stands at (the list's stage)."""
    kind: str
    """What it waits for: operator, ready, twilio, customer, fix, otp (the passcode running out or lapsed), done."""
    status: str
    """The list's status column: Twilio's status of the step, else the stepper's words for it."""
    action: str
    """The next action in plain words (the list's column; the Next line begins with it)."""
    states: dict[int, StepState]
    """Each step's state (the stepper)."""
    issues: list[Issue]
    """Every problem with what to do (the problems boxes)."""
    fix_step: int | None
    """Where the problems to fix now are shown (None: nothing of the next action is to fix there)."""
    countdown: str
    """The passcode's timer: "23:59:59 left", "lapsed", or "" when no passcode is awaited."""
    urgent: bool
    """The passcode runs out soon (under OTP_URGENT_HOURS left)."""

    def line(self, shown: int) -> str:
        """The Next line while step `shown` is on screen."""
        text = f"Next: {self.action}"
        if self.fix_step is None:
            return text
        if self.fix_step == shown:
            return f"{text} See the problems below."
        n, key = self.fix_step, "ctrl+pgdn" if self.fix_step > shown else "ctrl+pgup"
        return f"{text} See the problems on step {n} (key {n}; in a field {key})."

    def problems(self, step: int) -> list[Issue]:
        """The problems box of `step`: what is fixed there, and what is about its resource."""
        return [i for i in self.issues if step in (i.step, i.about)]


def said(c: Customer, summary: Summary, now: datetime) -> Said:
    """What every surface says of `c` at `now`, given the planner's `summary` of it."""
    deadline = otp_deadline(c.state.otp_sent_at)
    otp = otp_words(summary.next_action, summary.attention, deadline, now,
                    awaited=summary.step_status == AWAITING_OTP)
    kind = "otp" if otp.lapsed else summary.kind
    issues = progress.issues(c, now)
    fixing = [i.step for i in issues if summary.stage in (i.step, i.about)] if kind == "fix" or otp.lapsed else []
    return Said(
        stage=summary.stage, kind=kind, status=summary.step_status, action=otp.action,
        states=step_states(c, summary.stage, kind, now), issues=issues, fix_step=fixing[0] if fixing else None,
        countdown=otp.countdown, urgent=otp.urgent,
    )
