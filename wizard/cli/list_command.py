"""`a2p-wizard list`: the app's list on the command line, read as the app's first frame reads it.

It needs the opened installation only (folders, mode, clock, store: `Startup`), so it imports neither the settings
model nor the Twilio client, the sandbox or the engine, which are most of another command's start: the first rows
of a million customers are printed in a fraction of a second.
"""

from __future__ import annotations

import argparse
import itertools

from wizard.cli.printing import err, json_lines, out
from wizard.listing import CustomerList, ListQuery
from wizard.session.startup import Startup


def cmd_list(args: argparse.Namespace) -> int:
    startup = Startup.open(home=args.data_dir, mode=args.mode, store_url=args.store)
    try:
        for warning in startup.warnings:
            err(f"a2p-wizard: warning: {warning}")
        startup.derive_outdated()
        listing = CustomerList(startup.store, startup.clock)
        try:
            _print(listing, ListQuery(args.filter, args.sort, args.desc, args.offboarded), args)
        finally:
            listing.close()
    finally:
        startup.close()
    return 0


def _print(listing: CustomerList, query: ListQuery, args: argparse.Namespace) -> None:
    rows = listing.views(query, args.limit)
    if args.json:
        json_lines(rows)
        return
    first = next(rows, None)
    if first is None:
        out(_nothing_listed(query))
        return
    out(f"{'KEY':<10} {'NAME':<24} {'STAGE':<5} {'STATUS':<22} NEXT ACTION")
    for r in itertools.chain([first], rows):
        status = "offboarded" if r["offboarded"] else r["step_status"]
        out(f"{r['key']:<10} {r['name'][:24]:<24} {r['stage']:<5} {status[:22]:<22} {r['next_action']}")
    if not query.offboarded and not query.text and (hidden := listing.total(ListQuery(offboarded=True))):
        out(f"({hidden:,} offboarded customer(s) not shown: a2p-wizard list --offboarded)")


def _nothing_listed(query: ListQuery) -> str:
    if query.text:
        return f"No customer matches {query.text!r}."
    if query.offboarded:
        return "No customer is offboarded."
    return "No customers yet. Add one in the app (a2p-wizard) or import a CSV (a2p-wizard import FILE.csv)."
