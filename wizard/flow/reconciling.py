"""Reconciling: advancing customers in doubt of the store, looking at Twilio before every create (flow.doubt).

Once every customer was reached without an error and without billable work held back (not looked for yet), the
store is trusted again.
"""

from __future__ import annotations

from collections.abc import Callable, Container, Iterable

from wizard.flow.engine import Engine, Report


async def reconcile(engine: Engine, keys: Iterable[str], on_report: Callable[[Report], None], *, everyone: bool,
                    billable: Container[str] | None = None) -> None:
    """Advance `keys` with the store in doubt (every create looks at Twilio first and adopts what is there), the
    store's full integrity check first; `everyone`: `keys` are all the customers, so a clean run clears the
    doubt. Billable calls only for `billable` (None: every one), as `Engine.advance_many`."""
    engine.check_store(full=True)
    mark = engine.watermark
    if mark is not None:
        mark.doubt = True
    clean = True

    def done(report: Report) -> None:
        nonlocal clean
        clean = clean and not (report.error or report.held)
        on_report(report)

    await engine.advance_many(keys, on_report=done, billable=billable)
    if everyone and mark is not None and clean:
        mark.clear(engine.write_path.store)
