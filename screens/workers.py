"""How a worker's failure reaches the operator: a notification, never a crash.

Expected failures (Twilio refused or is unreachable, the store is busy or changed elsewhere, a sandbox action
that cannot happen now) are shown in plain words; anything else is shown once with its type and logged.
"""

from __future__ import annotations

import logging
from typing import Any

from textual.app import App
from textual.widget import Widget
from textual.worker import Worker

from wizard.errors import OperatorError, StoreError, shown

EXPECTED = (OperatorError, StoreError)
"""Failures with a message written for the operator: Twilio's, the sandbox's, the store's (StaleWrite too)."""

log = logging.getLogger("wizard.screens")


def report_failure(node: Widget | App[Any], error: BaseException, title: str) -> None:
    """Notify `error` from `node`: in plain words when expected, else with its type (and into the log)."""
    if isinstance(error, EXPECTED):
        node.notify(shown(error), title=title, severity="error", timeout=10, markup=False)
        return
    log.error("%s: unexpected error", title, exc_info=error)
    node.notify(f"{type(error).__name__}: {shown(error)}. Nothing was lost; the details are in the log.",
                title=f"{title}: unexpected error", severity="error", timeout=15, markup=False)


def report_worker_error(node: Widget | App[Any], worker: Worker[object]) -> None:
    """Call from `on_worker_state_changed` when the state is ERROR."""
    if worker.error is not None:
        report_failure(node, worker.error, worker.description or worker.name or "Background task")
