"""The command line's commands: each opens the installation, does one thing, and says what it did."""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from storage.store import StoreError
from wizard.customer.playbooks import describe as describe_error
from wizard.customer.playbooks import playbook
from wizard.customer.readiness import lint_row
from wizard.errors import OperatorError
from wizard.flow import customers
from wizard.flow.dossier import dossier, problems
from wizard.flow.engine import Report
from wizard.list_rows import list_row
from wizard.session.runtime import Runtime
from wizard.twilio.failures import TwilioError


class CommandError(OperatorError):
    """A handled failure: printed to stderr, exit status 1."""


async def dispatch(args: argparse.Namespace) -> int:
    """Run the command `args` names; its exit status."""
    if args.command == "sandbox" and args.mode == "live":
        raise CommandError("sandbox commands work in sandbox mode only.")
    runtime = Runtime.open(home=args.data_dir, mode="sandbox" if args.command == "sandbox" else args.mode,
                           mock_brand=args.mock_brand)
    async with runtime:
        handler = COMMANDS[args.command if args.command not in ("sandbox", "otp")
                           else f"{args.command} {args.sandbox_command if args.command == 'sandbox' else 'resend'}"]
        return await handler(runtime, args)


def _out(text: str = "") -> None:
    print(text)


def _json(value: Any) -> None:
    print(json.dumps(value, indent=2, ensure_ascii=False))


def _known(runtime: Runtime, key: str) -> str:
    if not runtime.store.exists(key):
        raise CommandError(f"no customer with key {key!r} (see: a2p-wizard list).")
    return key


async def cmd_list(runtime: Runtime, args: argparse.Namespace) -> int:
    now = runtime.engine.clock()
    rows = sorted((list_row(r, now) for r in runtime.store.summaries()), key=lambda r: (r["attention"], r["key"]))
    if args.json:
        _json(rows)
        return 0
    if not rows:
        _out("No customers yet. Add one in the app (a2p-wizard) or import a CSV (a2p-wizard import FILE.csv).")
        return 0
    _out(f"{'KEY':<10} {'NAME':<24} {'STAGE':<5} {'STATUS':<22} NEXT ACTION")
    for r in rows:
        _out(f"{r['key']:<10} {r['name'][:24]:<24} {r['stage']:<5} {r['step_status'][:22]:<22} {r['next_action']}")
    return 0


async def cmd_show(runtime: Runtime, args: argparse.Namespace) -> int:
    info = dossier(runtime.engine, runtime.engine.load(_known(runtime, args.key)), runtime.store.journal(args.key))
    if args.json:
        _json(info)
        return 0
    _out(f"{info['key']}  {info['name']}  — stage {info['stage']} ({info['step']}), {info['step_status']}")
    _out(f"Next: {info['next_action']}")
    for section in ("inputs", "sids", "statuses"):
        _out(f"\n{section.upper()}")
        for step, value in info[section].items():
            _out(f"  {step}: {json.dumps(value, ensure_ascii=False)}")
    if info["problems"]:
        _out("\nPROBLEMS")
        for p in info["problems"]:
            _out(f"  {p['where']}: {p['text']}" + (f"\n    {p['url']}" if p.get("url") else ""))
    if info["findings"]:
        _out("\nAPPROVAL READINESS")
        for finding in info["findings"]:
            _out(f"  [{finding['severity']}] {finding['field'] or '-'}: {finding['message']}")
    _out(f"\nFEES (total ${info['spend']:.2f}; free brand resubmissions left: {info['free_brand_updates_left']})")
    for item in info["ledger"]:
        _out(f"  {item['at']}  ${item['amount']:.2f}  {item['what']}")
    _out("\nJOURNAL")
    for e in info["journal"]:
        tail = e["sid"] or (f"error {e['error_code']}: {e['error_message']}" if e["state"] == "failed" else "")
        _out(f"  {e['started_at']}  {e['state']:<6} {e['action']:<28} {tail or ''}")
    return 0


async def cmd_import(runtime: Runtime, args: argparse.Namespace) -> int:
    try:
        text = args.file.read_text(encoding="utf-8-sig")
    except OSError as error:
        raise CommandError(f"cannot read {args.file}: {error.strerror}.") from error
    except UnicodeDecodeError as error:
        raise CommandError(f"{args.file} is not UTF-8 text.") from error
    try:
        report = customers.import_csv(runtime.engine, text)
    except StoreError as error:
        raise CommandError(f"{error} No customer of {args.file} was imported.") from error
    for e in report.errors:
        where = f"row {e.row}" + (f", {e.field}" if e.field else "")
        print(f"{where}: {e.message}", file=sys.stderr)
    for row, key in report.created_rows:
        for finding in runtime.engine.findings(runtime.engine.load(key)):
            _out(f"row {row} ({key}), {finding.field or '-'}: [{finding.severity}] {finding.message}")
    _out(f"Imported {len(report.created)} customer(s)" + (f": {', '.join(report.created)}" if report.created else "")
         + (f"; {len(report.errors)} problem(s) above." if report.errors else "."))
    return 1 if report.errors and not report.created else 0


def _targets(runtime: Runtime, args: argparse.Namespace) -> list[str]:
    return runtime.store.keys() if args.all else [_known(runtime, args.key)]


def _reporter(runtime: Runtime) -> Callable[[Report], None]:
    """Print what a run did and where the customer stands, with the playbook of every Twilio error met."""

    def show(report: Report) -> None:
        for o in report.outcomes:
            _out(f"{report.key}: {'✓' if o.ok else '✗'} {o.detail}")
            if o.code and playbook(o.code):
                _out(f"{report.key}:   {describe_error(o.code)}")
        if report.error:
            _out(f"{report.key}: {report.error}")
        if report.summary:
            _out(f"{report.key}: stage {report.summary.stage} — {report.summary.next_action}")
            if report.summary.kind == "fix":
                for problem in problems(runtime.engine.load(report.key)):
                    if problem.get("fix"):
                        _out(f"{report.key}:   → {problem['text']}")

    return show


async def cmd_advance(runtime: Runtime, args: argparse.Namespace) -> int:
    reports = await runtime.engine.advance_many(_targets(runtime, args), on_report=_reporter(runtime))
    return 1 if not args.all and reports[0].error else 0


async def cmd_refresh(runtime: Runtime, args: argparse.Namespace) -> int:
    if args.all:
        count = await runtime.engine.refresh_all()
        _out(f"Refreshed {count} customer(s).")
        return 0
    _reporter(runtime)(await runtime.engine.refresh(_known(runtime, args.key)))
    return 0


async def cmd_otp_resend(runtime: Runtime, args: argparse.Namespace) -> int:
    report = await runtime.engine.resend_otp(_known(runtime, args.key))
    _reporter(runtime)(report)
    return 1 if report.error else 0


async def cmd_lint(runtime: Runtime, args: argparse.Namespace) -> int:
    if args.customer:
        c = runtime.engine.load(_known(runtime, args.customer))
        await _own_numbers(runtime)
        found = runtime.engine.findings(c)
    else:
        try:
            data = json.loads(args.file.read_text(encoding="utf-8"))
        except OSError as error:
            raise CommandError(f"cannot read {args.file}: {error.strerror}.") from error
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise CommandError(f"{args.file} is not a JSON file ({error}).") from error
        if not isinstance(data, dict):
            raise CommandError(f"{args.file} must hold one JSON object with the CSV import's column names.")
        found = lint_row(data)
    if args.json:
        _json({"findings": [{"rule": f.rule, "severity": f.severity, "field": f.field, "message": f.message,
                             "twilio_error": f.twilio_error} for f in found]})
    elif not found:
        _out("No findings: nothing here is known to get the registration rejected.")
    for f in [] if args.json else found:
        code = f" (Twilio {f.twilio_error})" if f.twilio_error else ""
        _out(f"[{f.severity}] {f.rule} {f.field or '-'}: {f.message}{code}")
    return 1 if any(f.severity == "block" for f in found) else 0


async def _own_numbers(runtime: Runtime) -> None:
    try:
        await runtime.engine.load_own_numbers()
    except TwilioError as error:
        raise CommandError(f"could not read the account's phone numbers: {error}") from error


async def cmd_locate(runtime: Runtime, args: argparse.Namespace) -> int:
    loc = runtime.locations
    _out(f"store:   {loc.store}\nconfig:  {loc.config_file}\nlogs:    {loc.log_file}\nsandbox: {loc.sandbox}")
    return 0


async def cmd_reply_yes(runtime: Runtime, args: argparse.Namespace) -> int:
    assert runtime.sandbox is not None
    c = runtime.engine.load(_known(runtime, args.key))
    brand = c.state.sids.get("brand")
    if not brand:
        raise CommandError(f"{args.key} has no brand yet: advance it until the brand is APPROVED.")
    runtime.sandbox.reply_yes(brand)
    _out(f"{args.key}: the customer replied YES. Run advance to continue.")
    return 0


DURATION = re.compile(r"^\+?(\d+(?:\.\d+)?)([smhd])$")
UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


async def cmd_clock(runtime: Runtime, args: argparse.Namespace) -> int:
    assert runtime.sandbox is not None
    match = DURATION.match(args.duration.strip())
    if not match:
        raise CommandError(f"cannot read the duration {args.duration!r}: write it like +12h, +30m, +2d.")
    moment = runtime.sandbox.advance_clock(timedelta(**{UNITS[match[2]]: float(match[1])}))
    _out(f"Sandbox clock is now {moment.isoformat(timespec='minutes')}.")
    return 0


async def cmd_dump(runtime: Runtime, args: argparse.Namespace) -> int:
    assert runtime.sandbox is not None
    dump = runtime.sandbox.dump()
    if args.json:
        _json(dump)
        return 0
    for kind, items in dump.items():
        _out(f"{kind} ({len(items)})")
        for item in items:
            _out(f"  {item.get('sid')}  {item.get('friendly_name') or ''}")
    return 0


COMMANDS: dict[str, Callable[[Runtime, argparse.Namespace], Awaitable[int]]] = {
    "list": cmd_list,
    "show": cmd_show,
    "import": cmd_import,
    "advance": cmd_advance,
    "refresh": cmd_refresh,
    "otp resend": cmd_otp_resend,
    "locate": cmd_locate,
    "lint": cmd_lint,
    "sandbox reply-yes": cmd_reply_yes,
    "sandbox clock": cmd_clock,
    "sandbox dump": cmd_dump,
}
