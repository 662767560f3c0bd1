"""The `store` commands: the customers store itself, whichever backend holds it (no Twilio, no sandbox).

`store copy --to URL` copies the store the app uses into URL; `--from URL` copies URL into the store the app uses
(the copy itself: `wizard.session.store_copy`, through the desk's module).
"""

from __future__ import annotations

import argparse

from wizard.cli.batch_report import ProgressLine
from wizard.cli.printing import err as _err
from wizard.cli.printing import out as _out
from wizard.desk import copy_stores


def cmd_copy(args: argparse.Namespace) -> int:
    """`store copy`: copy, showing the progress, and say what was copied; StoreError (or SetupError) when it
    cannot."""
    lines: list[ProgressLine] = []

    def progress(what: str, rows: int, total: int) -> None:
        if not lines or rows == 0:
            for line in lines:
                line.clear()
            lines[:] = [ProgressLine(what.capitalize(), total)]
        lines[0].step(rows)

    try:
        copied = copy_stores(args.data_dir, store_url=args.store, to_url=args.to_url, from_url=args.from_url,
                             starting=lambda source, target: _err(f"Copying {source} into {target} …"),
                             progress=progress)
    finally:
        for line in lines:
            line.clear()
    _out(f"{'table':<10} {'rows':>12}  checksum (sha256, source = target)")
    for table in copied.tables:
        _out(f"{table.table:<10} {table.rows:>12,}  ok {table.sha256}")
    _out(f"Copied {copied.source} into {copied.target}; nothing was deleted from {copied.source}.")
    return 0

