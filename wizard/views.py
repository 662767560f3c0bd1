"""Plain data views of customers for the CLI, exports and screens (no formatting for one medium only)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from storage.store import JournalEntry
from wizard import constants as C
from wizard.customer import Customer
from wizard.flow.engine import Engine
from wizard.flow.status import STEP_NAMES


def otp_left(otp_sent_at: str | None, now: datetime, *, verified: bool) -> str:
    """"17 h left", "lapsed", or "" when no passcode is outstanding."""
    if not otp_sent_at or verified:
        return ""
    remaining = datetime.fromisoformat(otp_sent_at) + timedelta(hours=C.OTP_WINDOW_HOURS) - now
    if remaining <= timedelta(0):
        return "lapsed"
    hours, rest = divmod(int(remaining.total_seconds()), 3600)
    return f"{hours} h left" if hours else f"{rest // 60} min left"


def list_row(engine: Engine, c: Customer) -> dict[str, Any]:
    """One customer as `list --json` shows it."""
    s = engine.summary(c)
    verified = c.state.statuses.get("identity") in ("VERIFIED", "VETTED_VERIFIED")
    left = otp_left(c.state.otp_sent_at, engine.clock(), verified=verified)
    next_action = s.next_action if not left or left == "lapsed" else f"{s.next_action} {left}."
    return {
        "key": c.key, "name": c.name, "brand": c.brand_name, "stage": s.stage, "step": STEP_NAMES[s.stage],
        "step_status": s.step_status, "done": s.done, "next_action": next_action,
        "otp": left, "otp_resends": c.state.otp_resends,
        "spend": round(sum(item.amount for item in c.state.ledger), 2), "updated_at": c.updated_at,
    }


def dossier(engine: Engine, c: Customer, journal: list[JournalEntry]) -> dict[str, Any]:
    """Everything known of one customer, for `show` and support exports (no secrets are ever held)."""
    problems = [{"where": "last call", "text": f"{c.state.last_error.code or ''} {c.state.last_error.message}"}
                for _ in [0] if c.state.last_error]
    for step, evaluation in c.state.evaluations.items():
        problems += [{"where": f"{step} evaluation", "text": f"{p.code or ''} {p.message}".strip(), "field": p.field}
                     for p in evaluation.problems if evaluation.status != "compliant"]
    for where, items in c.state.problems.items():
        problems += [{"where": where, "text": f"{p.code or ''} {p.message}".strip(), "field": p.field}
                     for p in items]
    return {
        **list_row(engine, c),
        "inputs": c.inputs_json(),
        "sids": dict(c.state.sids),
        "statuses": dict(c.state.statuses),
        "otp_sent_at": c.state.otp_sent_at,
        "problems": problems,
        "ledger": [item.model_dump() for item in c.state.ledger],
        "brand_resubmits": c.state.brand_resubmits,
        "journal": [e.__dict__ for e in journal],
    }
