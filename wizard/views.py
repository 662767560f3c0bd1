"""Plain data views of customers for the CLI, exports and screens (no formatting for one medium only)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from storage.store import JournalEntry
from wizard import constants as C
from wizard.customer import Customer
from wizard.flow.engine import Engine
from wizard.flow.plan import OTP_LAPSED
from wizard.flow.state import Problem
from wizard.flow.status import ATTENTION, STEP_NAMES
from wizard.playbooks import describe as playbook_line
from wizard.playbooks import playbook

AWAITING_OTP = "APPROVED/UNVERIFIED"


def otp_left(otp_sent_at: str | None, now: datetime, *, waiting: bool = True) -> str:
    """"17 h left", "lapsed", or "" when no passcode is outstanding."""
    if not otp_sent_at or not waiting:
        return ""
    remaining = datetime.fromisoformat(otp_sent_at) + timedelta(hours=C.OTP_WINDOW_HOURS) - now
    if remaining <= timedelta(0):
        return "lapsed"
    hours, rest = divmod(int(remaining.total_seconds()), 3600)
    return f"{hours} h left" if hours else f"{rest // 60} min left"


def list_row(row: dict[str, Any], now: datetime) -> dict[str, Any]:
    """One customer as `list --json` shows it, from the store's summary columns (no JSON is read).

    The OTP clock runs on between saves, so time left and a lapse are worked out now.
    """
    otp = otp_left(row["otp_sent_at"], now, waiting=row["step_status"] == AWAITING_OTP)
    next_action, attention = row["next_action"], row["attention"]
    if otp == "lapsed":
        next_action, attention = OTP_LAPSED, ATTENTION["otp"]
    elif otp:
        next_action = f"{next_action.rstrip('.')} — {otp}."
    return {
        "key": row["key"], "name": row["name"], "brand": row["brand"], "stage": row["stage"],
        "step": STEP_NAMES[row["stage"]], "step_status": row["step_status"], "done": bool(row["done"]),
        "next_action": next_action, "otp": otp, "otp_resends": row["otp_resends"] or 0,
        "spend": row["spend"], "attention": attention, "updated_at": row["updated_at"],
    }


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


def dossier(engine: Engine, c: Customer, journal: list[JournalEntry]) -> dict[str, Any]:
    """Everything known of one customer, for `show` and support exports (no secrets are ever held)."""
    s = engine.summary(c)
    waiting = c.state.statuses.get("brand") == "APPROVED" and c.state.statuses.get("identity") == "UNVERIFIED"
    return {
        "key": c.key, "name": c.name, "brand": c.brand_name, "stage": s.stage, "step": STEP_NAMES[s.stage],
        "step_status": s.step_status, "done": s.done, "next_action": s.next_action,
        "otp": otp_left(c.state.otp_sent_at, engine.clock(), waiting=waiting),
        "otp_sent_at": c.state.otp_sent_at, "otp_resends": c.state.otp_resends,
        "inputs": c.inputs_json(),
        "sids": dict(c.state.sids),
        "statuses": dict(c.state.statuses),
        "problems": problems(c),
        "findings": [f.__dict__ for f in engine.findings(c)],
        "ledger": [item.model_dump() for item in c.state.ledger],
        "spend": round(sum(item.amount for item in c.state.ledger), 2),
        "free_brand_updates_left": max(0, 3 - c.state.brand_resubmits),
        "created_at": c.created_at, "updated_at": c.updated_at,
        "journal": [e.__dict__ for e in journal],
    }
