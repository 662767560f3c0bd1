"""The command line's commands: each opens the installation, does one thing, and says what it did."""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import sys
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import timedelta
from pathlib import Path
from typing import Any

from wizard.cli.batch_report import ProgressLine, Tally, few, stage_table
from wizard.cli.printing import err as _err
from wizard.cli.printing import json_out as _json
from wizard.cli.printing import out as _out
from wizard.customer.models import is_us_area_code
from wizard.desk import WHAT, Desk, Run, count_fees, total
from wizard.errors import OperatorError
from wizard.listing import ListQuery
from wizard.session.startup import Startup
from wizard.visible import cut, json_text


class CommandError(OperatorError):
    """A handled failure: printed to stderr, exit status 1."""


async def dispatch(args: argparse.Namespace) -> int:
    """Run the command `args` names; its exit status."""
    if args.command == "sandbox" and args.mode == "live":
        raise CommandError("sandbox commands work in sandbox mode only.")
    startup = Startup.open(home=args.data_dir, mode="sandbox" if args.command == "sandbox" else args.mode,
                           store_url=args.store)
    try:
        desk = Desk.connect(startup, mock_brand=args.mock_brand)
    except BaseException:
        startup.close()
        raise
    for warning in desk.startup.warnings:
        _err(f"a2p-wizard: warning: {warning}")
    sub = {"sandbox": "sandbox_command", "otp": "otp_command", "numbers": "numbers_command",
           "events": "events_command"}.get(args.command)
    name = f"{args.command} {getattr(args, sub)}" if sub else args.command
    try:
        async with asyncio.timeout(desk.command_deadline) as budget:
            _BUDGET.set(budget)
            return await COMMANDS[name](desk, args)
    except TimeoutError:
        if not budget.expired():
            raise
        raise CommandError(
            f"{name} was stopped after {desk.command_deadline:g} s, its deadline in all (A2P_COMMAND_DEADLINE): what "
            "it waited on answered too slowly. Nothing was lost: what was done is saved, a call left without an answer "
            "is looked up at Twilio before anything is sent again, and the same command goes on from there (a "
            "bigger batch may need a longer deadline)."
        ) from None
    finally:
        await desk.aclose()


_BUDGET: ContextVar[asyncio.Timeout | None] = ContextVar("budget", default=None)
"""The running command's deadline."""


@contextmanager
def _not_counted() -> Iterator[None]:
    """The time spent in the block (the operator answering a question) is not counted against the deadline."""
    loop, budget = asyncio.get_running_loop(), _BUDGET.get()
    start = loop.time()
    try:
        yield
    finally:
        if budget is not None and (when := budget.when()) is not None:
            budget.reschedule(when + loop.time() - start)


def _yes(question: str) -> bool:
    """The operator's answer to `question`, asked in a terminal: y or yes, else (the end of input too) no; the time
    taken to answer is not counted against the command's deadline."""
    try:
        with _not_counted():
            return input(question).strip().lower() in ("y", "yes")
    except EOFError:
        return False


def _known(desk: Desk, key: str) -> str:
    if not desk.exists(key):
        raise CommandError(f"no customer with key {key!r} (see: a2p-wizard list).")
    return key


async def cmd_show(desk: Desk, args: argparse.Namespace) -> int:
    info = desk.dossier(_known(desk, args.key))
    if args.json:
        _json(info)
        return 0
    _out(f"{info['key']}  {info['name']}  — stage {info['stage']} ({info['step']}), {info['step_status']}")
    _out(f"Next: {info['next_action']}")
    _out(f"Phone number: {info['number'] or 'none yet (bought or picked in step 4)'}")
    if info["offboarded"]:
        done = "; ".join(info["deleted"]) if info["deleted"] else "nothing was deleted at Twilio"
        _out(f"OFFBOARDED on {info['offboarded_at']}: {done}.")
    for section in ("inputs", "sids", "statuses"):
        _out(f"\n{section.upper()}")
        for step, value in info[section].items():
            _out(f"  {step}: {json_text(value)}")
    if info["strays"]:
        _out("\nDUPLICATES AT TWILIO (found after a restore; `a2p-wizard reconcile` removes them)")
        for stray in info["strays"]:
            _out(f"  {stray['sid']}  {stray['what']}: {stray['reconcile']}")
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
    for stop in info["stopped"]:
        _out(f"  {stop['at']}  -${stop['monthly']:.2f}/month  {WHAT.get(stop['item'], stop['item'])} stopped")
    _out(f"  Monthly: ${info['monthly']:.2f} for this customer; ${info['run_rate']:.2f} for the account "
         f"({info['kept']})")
    _out("\nJOURNAL")
    for e in info["journal"]:
        tail = e["sid"] or (f"error {e['error_code']}: {e['error_message']}" if e["state"] == "failed" else "")
        _out(f"  {e['started_at']}  {e['state']:<6} {e['action']:<28} {tail or ''}")
    return 0


async def cmd_import(desk: Desk, args: argparse.Namespace) -> int:
    held = Tally()  # customers a [block] finding stops before any fee, as the form and `lint` would

    def created(row: int, key: str, findings: list) -> None:
        for finding in findings:
            _out(f"row {row} ({key}), {finding.field or '-'}: [{finding.severity}] {finding.message}")
        if any(finding.severity == "block" for finding in findings):
            held.add(key)

    _not_sqlite_file(desk, args.file)
    try:
        report = await desk.import_file(lambda: args.file.open(encoding="utf-8-sig", newline=""), created,
                                        allow_duplicates=args.allow_duplicates)
    except OSError as error:
        raise CommandError(f"cannot read {args.file}: {error.strerror}.") from error
    except UnicodeDecodeError as error:
        raise CommandError(f"{args.file} is not UTF-8 text.") from error
    for e in report.errors:
        _err(f"{e.named}{f', {e.field}' if e.field else ''}: {e.message}")
    if report.error_count > len(report.errors):
        _err(f"… and {report.error_count - len(report.errors):,} more error(s), not shown.")
    for e in report.warnings:
        _err(f"{e.named}, {e.field}: warning: {e.message}")
    if report.warning_count > len(report.warnings):
        _err(f"… and {report.warning_count - len(report.warnings):,} more warning(s), not shown.")
    keys = "" if not report.created else f": {report.first_key}" + (
        f" … {report.last_key}" if report.created > 1 else "")
    summary = f"Imported {report.created:,} customer(s){keys}"
    if report.stopped and not report.created:
        raise CommandError(f"{report.stopped} No customer of {args.file} was imported.")
    if report.stopped:
        raise CommandError(f"{report.stopped} {summary} before that; the rest of {args.file} was not (import the "
                           "file again once fixed: the customers already imported are reported as existing).")
    _out(summary + ".")
    if rejected := sorted({e.row: e.named.removeprefix("row ") for e in report.errors}.items()):
        more = report.rejected_rows - len(rejected)
        _out(f"Rejected rows: {few([named for _, named in rejected])}"
             + (f" and {more:,} more row(s) — the first" if more > 0 else " — each") + " with its reason on stderr.")
    if held.count:
        _out(f"Held before any fee: {held} — fix each [block] above (the form and `lint` say the same), then advance.")
    return 1 if report.error_count and not report.created else 0


def _targets(desk: Desk, args: argparse.Namespace) -> list[str]:
    return desk.active_keys() if args.all else [_known(desk, args.key)]


def _yes_with_all(args: argparse.Namespace) -> None:
    """`--yes` answers the question `--all` asks; a customer named by its key is advanced without one."""
    if args.yes and not args.all:
        raise CommandError(f"--yes goes with --all; `a2p-wizard {args.command} {args.key}` runs that customer's "
                           "calls, billable ones included, without asking.")


def _show(run: Run) -> None:
    """Print what a run did and where the customer stands, with the playbook of every Twilio error met."""
    for call in run.calls:
        _out(f"{run.key}: {'✓' if call.ok else '✗'} {call.detail}")
        if call.advice:
            _out(f"{run.key}:   {call.advice}")
    if run.error:
        _out(f"{run.key}: {run.error}")
    if run.summary:
        _out(f"{run.key}: stage {run.summary.stage} — {run.summary.next_action}")
        for text in run.todo:
            _out(f"{run.key}:   → {text}")


DOUBT = ("this store is older than what was sent to Twilio (a restored backup or a replaced file): every create "
         "looks at Twilio first and adopts what is there. Run `a2p-wizard reconcile --all` once to settle it.")


async def cmd_advance(desk: Desk, args: argparse.Namespace) -> int:
    _yes_with_all(args)
    if desk.in_doubt:
        _err(f"a2p-wizard: {DOUBT}")
    if args.all:
        return await _advance_all(desk, yes=args.yes)
    runs = await desk.advance_many([_known(desk, args.key)], _show)
    return 1 if runs[0].error else 0


async def _advance_all(desk: Desk, *, yes: bool) -> int:
    """Advance every active customer: billable calls only with --yes, or for the customers counted in the one
    question asked in a terminal; a progress line while it runs, a summary at the end."""
    keys = desk.active_keys()
    if not keys:
        _out("No customers to advance. Import a CSV (a2p-wizard import FILE.csv) or add one in the app.")
        return 0
    billable = None if yes else await _agreed(desk, keys)
    with ProgressLine("Advancing", len(keys)) as progress:

        def done(run: Run) -> None:
            if run.failed:
                progress.clear()
                _show(run)
            progress.step()

        runs = await desk.advance_many(keys, done, billable=billable)
    _out(f"Advanced {len(runs):,} customer(s). Where the customers stand now:")
    for line in stage_table(desk.list_rows(ListQuery())):
        _out(line)
    failed = sorted(r.key for r in runs if r.failed)
    _out(f"Failed: {few(failed)}; what went wrong is said above." if failed else "Failed: none.")
    paid = [fee for r in runs for fee in r.fees]
    _out(f"Fees paid in this run: ${total(paid):,.2f} ({count_fees(paid)}).")
    if held := [r for r in runs if r.held]:
        left = [fee for r in held for fee in r.held]
        _out(f"Billable work not done: {count_fees(left)}, for {len(held):,} customer(s); nothing Twilio bills runs "
             "without a yes. `a2p-wizard advance --all --yes` runs it.")
    return 0


async def _agreed(desk: Desk, keys: list[str]) -> frozenset[str]:
    """The customers whose billable work the operator agrees to: asked once, in a terminal, what the next advance
    of each would pay; nobody's without a terminal or a yes."""
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        return frozenset()
    with ProgressLine("Working out the fees ahead", len(keys)) as progress:
        ahead = await desk.fees_ahead_many(keys, progress.step)
    if not ahead:
        return frozenset()
    fees = [fee for found in ahead.values() for fee in found]
    _out(f"Billable work ahead for {len(ahead):,} customer(s), ${total(fees):,.2f} at most (each fee is paid only "
         "once Twilio's checks before it pass):")
    return frozenset(ahead) if _yes(f"{count_fees(fees)} — go on? [y/N] ") else frozenset()


async def cmd_reconcile(desk: Desk, args: argparse.Namespace) -> int:
    keys = _targets(desk, args)
    billable = None if args.yes or not args.all else await _agreed(desk, keys)
    runs = await desk.reconcile(keys, _show, everyone=args.all, billable=billable)
    numbers = desk.stray_numbers(keys)
    release = bool(numbers) and (args.yes or _agree_to_release(numbers))
    removals = await desk.remove_strays(keys, _show, release_numbers=release)
    _out(_reconciled(runs, removals))
    if numbers and not release:
        _err(f"a2p-wizard: kept {sum(map(len, numbers.values()))} number(s) bought for duplicate services (each billed "
             "monthly): `a2p-wizard reconcile KEY --yes` (or answering y) releases them.")
    if args.all and not desk.in_doubt:
        _out("Every customer was reconciled with Twilio: the store is trusted again.")
    elif args.all and any(r.held for r in runs):
        _err("a2p-wizard: billable work was held back, so not every create was looked for at Twilio yet; the "
             "store stays in doubt: run `a2p-wizard reconcile --all --yes` (or answer y) to finish.")
    elif args.all:
        _err("a2p-wizard: some customers could not be reconciled (see above); run reconcile --all again.")
    return 1 if any(r.error for r in runs) and not args.all else 0


def _agree_to_release(numbers: dict[str, list[str]]) -> bool:
    """Asked in a terminal, as offboard asks: release the numbers bought for duplicates? (No terminal: no.)"""
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        return False
    _out("Phone numbers bought for duplicate Messaging Services (not the ones the customers use):")
    for key, sids in numbers.items():
        _out(f"  • {key}: {', '.join(sids)}")
    return _yes("Release them (a released number is gone for good)? [y/N] ")


def _reconciled(runs: list[Run], removals: list[Run]) -> str:
    """The reconcile's count: what was found at Twilio and adopted, what duplicates were removed."""
    adopted = sum("adopted" in call.detail for run in runs for call in run.calls if call.ok)
    removed = sum(call.ok and not call.detail.startswith("kept") for run in removals for call in run.calls)
    return f"Adopted {adopted} resource(s) found at Twilio; removed {removed} duplicate(s)."


async def cmd_refresh(desk: Desk, args: argparse.Namespace) -> int:
    if args.all:
        count = await desk.refresh_all(lambda problem: _err(f"a2p-wizard: {problem}"))
        _out(f"Refreshed {count} customer(s).")
        return 0
    _show(await desk.refresh(_known(desk, args.key)))
    return 0


async def cmd_otp_resend(desk: Desk, args: argparse.Namespace) -> int:
    run = await desk.resend_otp(_known(desk, args.key))
    _show(run)
    return 1 if run.error else 0


async def cmd_lint(desk: Desk, args: argparse.Namespace) -> int:
    urls: dict[str, str] = {}
    if args.customer:
        found = await desk.findings(_known(desk, args.customer))
        urls = desk.policy_urls(args.customer)
    else:
        _not_sqlite_file(desk, args.file)
        data = _read_json(args.file)
        if not isinstance(data, dict):
            raise CommandError(f"{args.file} must hold one JSON object with the CSV import's column names.")
        found = await desk.lint(data)
        urls = {f: str(data[f]) for f in ("privacy_policy_url", "terms_url") if isinstance(data.get(f), str)}
    if args.fetch:
        found += await desk.check_policy_pages(urls)
    if args.json:
        _json({"findings": [{"rule": f.rule, "severity": f.severity, "field": f.field, "message": f.message,
                             "twilio_error": f.twilio_error} for f in found]})
    elif not found:
        _out("No findings: nothing here is known to get the registration rejected.")
    for f in [] if args.json else found:
        code = f" (Twilio {f.twilio_error})" if f.twilio_error else ""
        _out(f"[{f.severity}] {f.rule} {f.field or '-'}: {f.message}{code}")
    return 1 if any(f.severity == "block" for f in found) else 0


async def cmd_numbers_available(desk: Desk, args: argparse.Namespace) -> int:
    area = args.area_code or (desk.area_code(_known(desk, args.key)) if args.key else None)
    if area is None:
        raise CommandError("give a US area code (--area-code 206)" + (
            f": {args.key}'s phone is not in a US area code." if args.key else "."))
    if not is_us_area_code(area):
        raise CommandError(f"{area} is not a US area code: Twilio sells sole-proprietor numbers in US area codes.")
    numbers = await desk.numbers_for_sale(area)
    if args.json:
        _json({"area_code": area, "monthly_price": desk.prices.number_monthly,
               "numbers": [{"phone_number": n.number, "label": n.label} for n in numbers]})
    elif not numbers:
        _out(f"No local numbers for sale in area code {area}: try another one nearby.")
    else:
        _out(f"For sale in area code {area} (${desk.prices.number_monthly:,.2f} a month each; "
             f"phone_number=buy:{area} buys the first one still for sale when step 4 is sent):")
        for n in numbers:
            _out(f"  {n.number}  {n.label}")
    return 0


async def cmd_policy(desk: Desk, args: argparse.Namespace) -> int:
    try:
        written = desk.write_policy_pages(_known(desk, args.key), args.out)
    except OSError as error:
        raise CommandError(f"cannot write into {args.out}: {error.strerror or error}.") from error
    _out(f"Wrote a starting point for {args.key}'s policy pages (review them, then host them at public https:// "
         "addresses and enter those in step 4):")
    for path in written:
        _out(f"  {path}")
    return 0


LINT_MAX_BYTES = 1_000_000
"""`lint` reads one customer: a bigger file is refused before it is read."""


def _not_sqlite_file(desk: Desk, path: Path) -> None:
    """Refuse, before it is opened, a file that is one of the data folder's SQLite files (the store itself, say)."""
    if desk.is_sqlite_file(path):
        raise CommandError(f"{path} is one of this data folder's SQLite files (the store or the sandbox), not a "
                           "file to read; it was left untouched.")


def _read_json(path: Path) -> Any:
    """The JSON value in `path`, read only if small enough; every way it can fail is a CommandError."""
    try:
        with path.open("rb") as fh:
            raw = fh.read(LINT_MAX_BYTES + 1)
    except OSError as error:
        raise CommandError(f"cannot read {path}: {error.strerror}.") from error
    if len(raw) > LINT_MAX_BYTES:
        raise CommandError(f"{path} is over {LINT_MAX_BYTES // 1_000_000} MB: lint reads one customer's JSON object.")
    try:
        return json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as error:
        raise CommandError(f"{path} is not UTF-8 text.") from error
    except json.JSONDecodeError as error:
        raise CommandError(f"{path} is not a JSON file ({error}).") from error
    except RecursionError as error:
        raise CommandError(f"{path} is nested too deeply to be one customer's JSON object.") from error
    except ValueError as error:  # e.g. an integer of thousands of digits
        raise CommandError(f"{path} holds a value lint cannot read ({cut(str(error), 80)}).") from error


async def cmd_events_setup(desk: Desk, args: argparse.Namespace) -> int:
    if not args.sink_url.startswith(("https://", "http://")) or len(args.sink_url) > 500:
        raise CommandError(f"--sink-url must be the http(s) URL Twilio posts events to, not {args.sink_url!r}.")
    for line in await desk.events_setup(args.sink_url):
        _out(line)
    return 0


async def cmd_events_status(desk: Desk, args: argparse.Namespace) -> int:
    sinks = await desk.events_status()
    if not sinks:
        _out("No Event Streams webhook sink: run a2p-wizard events setup --sink-url URL.")
    for sink in sinks:
        _out(f"sink {sink.sid} ({sink.status}) -> {sink.destination}")
        for sub in sink.subscriptions or []:
            _out(f"  subscription {sub.sid}: {len(sub.types)} event types ({sub.description})")
        if not sink.subscriptions:
            _out("  no subscription: run events setup again")
    last = desk.last_event()
    _out(f"last callback or event taken: {last[1] if last else 'none yet'}")
    return 0


async def cmd_locate(desk: Desk, args: argparse.Namespace) -> int:
    loc = desk.startup.locations
    _out(f"store:   {desk.startup.store_where}\nconfig:  {loc.config_file}\nlogs:    {loc.log_file}\n"
         f"sandbox: {loc.sandbox}")
    return 0


async def cmd_reply_yes(desk: Desk, args: argparse.Namespace) -> int:
    desk.reply_yes(_known(desk, args.key))
    _out(f"{args.key}: the customer replied YES. Run advance to continue.")
    return 0


DURATION = re.compile(r"^([+-]?)(\d+(?:\.\d+)?)([smhd])$")
UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


async def cmd_clock(desk: Desk, args: argparse.Namespace) -> int:
    match = DURATION.match(args.duration.strip())
    if not match:
        raise CommandError(f"cannot read the duration {args.duration!r}: write it like +12h, +30m, +2d.")
    try:
        delta = timedelta(**{UNITS[match[3]]: float(f"{match[1]}{match[2]}")})  # -1h: the clock says no
    except OverflowError as error:
        raise CommandError(f"the duration {args.duration!r} is too long: the sandbox clock moves at most about "
                           "10 years ahead.") from error
    moment = desk.move_clock(delta)
    _out(f"Sandbox clock is now {moment.isoformat(timespec='minutes')}.")
    return 0


async def cmd_dump(desk: Desk, args: argparse.Namespace) -> int:
    dump = desk.sandbox_dump()
    if args.json:
        _json(dump)
        return 0
    for kind, items in dump.items():
        _out(f"{kind} ({len(items)})")
        for item in items:
            _out(f"  {item.get('sid')}  {item.get('friendly_name') or ''}")
    return 0


async def cmd_offboard(desk: Desk, args: argparse.Namespace) -> int:
    key = _known(desk, args.key)
    plan = desk.offboarding(key, release_number=args.release_number)
    if args.release_number and not plan.releasable:
        raise CommandError(f"{key}'s phone number was not bought by the app for this customer, so it is not "
                           "released: offboard without --release-number (it stays on the account).")
    if not args.yes:
        if not sys.stdin.isatty():
            raise CommandError(f"offboarding {key} deletes Twilio resources: add --yes to confirm (not asked: "
                               "no terminal).")
        _out(f"Offboarding {key} deletes:" if plan.deletions else f"{key} has nothing at Twilio to delete.")
        for line in plan.deletions:
            _out(f"  • {line}")
        _out(f"It stops ${plan.stops_monthly:,.2f} a month of Twilio fees.")
        for line in plan.keeps:
            _out(f"  (kept: {line})")
        _out("Brand, bundles and profile stay at Twilio; the customer stays here, offboarded, with its history.")
        if not _yes(f"Offboard {key}? [y/N] "):
            _out("Nothing was deleted.")
            return 1
    run = await desk.offboard(key, release_number=args.release_number)
    _show(run)
    if not run.error:
        for line in plan.keeps:
            _out(f"{key}: kept: {line}")
        _out(f"{key}: the account's numbers {desk.kept()}; monthly run-rate now ${desk.run_rate():,.2f}.")
    return 1 if run.error else 0


async def cmd_fees(desk: Desk, args: argparse.Namespace) -> int:
    found = await desk.fees()
    if args.json:
        _json({"month": found.month, "one_time": {item: {"count": n, "amount": amount}
                                                  for item, (n, amount) in found.one_time.items()},
               "monthly": found.monthly, "campaigns": found.campaigns, "numbers_held": found.numbers.held,
               "numbers_kept": found.numbers.kept, "numbers_other": found.numbers.other,
               "offboarding_saves": dict(found.savings)})
        return 0
    for line in found.lines():
        _out(line)
    return 0


COMMANDS: dict[str, Callable[[Desk, argparse.Namespace], Awaitable[int]]] = {
    "show": cmd_show,
    "import": cmd_import,
    "advance": cmd_advance,
    "reconcile": cmd_reconcile,
    "refresh": cmd_refresh,
    "offboard": cmd_offboard,
    "fees": cmd_fees,
    "otp resend": cmd_otp_resend,
    "locate": cmd_locate,
    "numbers available": cmd_numbers_available,
    "policy": cmd_policy,
    "lint": cmd_lint,
    "sandbox reply-yes": cmd_reply_yes,
    "sandbox clock": cmd_clock,
    "sandbox dump": cmd_dump,
    "events setup": cmd_events_setup,
    "events status": cmd_events_status,
}
