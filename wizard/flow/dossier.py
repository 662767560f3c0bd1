"""Plain data views of customers for the CLI, exports and screens (no formatting for one medium only)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from storage.customers import JournalEntry
from wizard.customer.customer import Customer
from wizard.customer.playbooks import describe as playbook_line
from wizard.customer.playbooks import playbook
from wizard.customer.stages import STEP_NAMES
from wizard.customer.state import Problem
from wizard.flow.offboarding import deleted
from wizard.flow.status import ACTION_WORDS
from wizard.flow.stepstates import otp_pending
from wizard.flow.strays import listed
from wizard.flow.write_path import Standing
from wizard.listing import otp_left
from wizard.twilio.facts import FREE_BRAND_RESUBMITS


def explain(problem: Problem) -> dict[str, Any]:
    """A problem with Twilio's code, in plain words, with its playbook when the code is known."""
    item: dict[str, Any] = {"code": problem.code, "message": problem.message, "field": problem.field}
    if problem.code and (book := playbook(problem.code)):
        item |= {"fix": book.fix, "redo_step": book.redo_step, "fee": book.fee, "url": book.url,
                 "text": playbook_line(problem.code, problem.message)}
    else:
        item["text"] = f"{problem.code or ''} {problem.message}".strip()
    return item


def problems(c: Customer) -> list[dict[str, Any]]:
    """Everything Twilio reported wrong with this customer, each with where it came from."""
    found = []
    if c.state.last_error:
        found.append({"where": f"last call ({c.state.last_error_action})", **explain(c.state.last_error)})
    for step, evaluation in c.state.evaluations.items():
        if evaluation.status != "compliant":
            found += [{"where": f"{step} evaluation", **explain(p)} for p in evaluation.problems]
    for where, items in c.state.problems.items():
        found += [{"where": where, **explain(p)} for p in items]
    return found


def dossier(c: Customer, standing: Standing, now: datetime, journal: list[JournalEntry]) -> dict[str, Any]:
    """Everything known of one customer, for `show` and support exports (no secrets are ever held)."""
    s = standing.summary
    return {
        "key": c.key, "name": c.name, "brand": c.brand_name, "stage": s.stage, "step": STEP_NAMES[s.stage],
        "step_status": s.step_status, "done": s.done, "next_action": s.next_action,
        "otp": otp_left(c.state.otp_sent_at, now, waiting=otp_pending(c)),
        "otp_sent_at": c.state.otp_sent_at, "otp_resends": c.state.otp_resends,
        "number": c.state.number,
        "inputs": c.inputs_json(),
        "sids": dict(c.state.sids),
        "statuses": dict(c.state.statuses),
        "problems": problems(c),
        "findings": [f.__dict__ for f in standing.findings],
        "ledger": [item.model_dump() for item in c.state.ledger],
        "spend": c.state.paid(),
        "offboarded": c.state.offboarded_at is not None, "offboarded_at": c.state.offboarded_at,
        "offboarding_interrupted": c.state.offboarding is not None,
        "deleted": [ACTION_WORDS[action] for action in deleted(journal)],
        "strays": listed(c),
        "stopped": [stop.model_dump() for stop in c.state.stopped],
        "free_brand_updates_left": max(0, FREE_BRAND_RESUBMITS - c.state.brand_resubmits),
        "created_at": c.created_at, "updated_at": c.updated_at,
        "journal": [e.__dict__ for e in journal],
    }
